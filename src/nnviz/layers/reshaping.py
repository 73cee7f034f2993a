"""Inference for spatial reshaping: UpSampling, ZeroPadding and Cropping in 1D, 2D and 3D (no weights).

Flatten, Reshape, Permute and RepeatVector live in :mod:`.core`; Resizing and
CenterCrop, which Keras files under preprocessing, in :mod:`.preprocessing`.

>>> zero_padding(dict(padding=((1, 2), (3, 4))), [(None, 8, 8, 3)], "ZeroPadding2D").outputs
[(None, 11, 15, 3)]
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from ..errors import ShapeError
from ..graph import Shape
from .conv import infers_each, join_channels, split_channels
from .registry import Inferred, era_note, keras_major, normalize_tuple, one_input

# Keras 1.2 also took padding as a dict of named sides
_SIDES = {1: ("left_pad", "right_pad"),
          2: ("top_pad", "bottom_pad", "left_pad", "right_pad")}


def _rank(cls: str) -> int:
    return int(cls[-2])  # "ZeroPadding2D" -> 2


def _pairs(value: Any, rank: int, name: str) -> list[tuple[int, ...]]:
    """``(before, after)`` per spatial dimension from any form Keras has accepted.

    >>> _pairs(1, 2, "padding"), _pairs([1, 2], 2, "padding"), _pairs([1, 2], 1, "padding")
    ([(1, 1), (1, 1)], [(1, 1), (2, 2)], [(1, 2)])
    >>> _pairs([1, 2, 3, 4], 2, "padding")
    [(1, 2), (3, 4)]
    >>> _pairs({"top_pad": 1, "bottom_pad": 2, "left_pad": 0, "right_pad": 3}, 2, "padding")
    [(1, 2), (0, 3)]
    """
    if isinstance(value, Mapping):
        value = [int(value.get(k, 0)) for k in _SIDES.get(rank, ())]
    if rank == 1:
        return [normalize_tuple(value, 2, name)]
    if isinstance(value, (list, tuple)) and len(value) == 2 * rank and all(
            isinstance(v, int) for v in value):
        return [(int(value[2 * i]), int(value[2 * i + 1])) for i in range(rank)]
    per_dim = value if isinstance(value, (list, tuple)) else [value] * rank
    if len(per_dim) != rank:
        raise ShapeError(f"{name} must have {rank} entries, got {value!r}")
    return [normalize_tuple(v, 2, name) for v in per_dim]


def _spatial(cfg: Mapping[str, Any], inputs: Sequence[Shape], cls: str) -> tuple[Shape, list, int | None]:
    shape = one_input(inputs, cls)
    spatial, channels = split_channels(cfg, shape, _rank(cls), cls)
    return shape, spatial, channels


def up_sampling(cfg: Mapping[str, Any], inputs: Sequence[Shape], cls: str) -> Inferred:
    """Repeats each spatial step ``size`` times (Keras 1 ``UpSampling1D`` called it ``length``)."""
    shape, spatial, channels = _spatial(cfg, inputs, cls)
    size = normalize_tuple(cfg.get("size", cfg.get("length", 2)), _rank(cls), "size")
    sizes = [None if n is None else n * s for n, s in zip(spatial, size)]
    return Inferred([join_channels(cfg, shape[0], sizes, channels)])


infers_each(up_sampling, "UpSampling1D", "UpSampling2D", "UpSampling3D")


def zero_padding(cfg: Mapping[str, Any], inputs: Sequence[Shape], cls: str) -> Inferred:
    shape, spatial, channels = _spatial(cfg, inputs, cls)
    pads = _pairs(cfg.get("padding", 1), _rank(cls), "padding")
    sizes = [None if n is None else n + a + b for n, (a, b) in zip(spatial, pads)]
    return Inferred([join_channels(cfg, shape[0], sizes, channels)])


infers_each(zero_padding, "ZeroPadding1D", "ZeroPadding2D", "ZeroPadding3D")


def cropping(cfg: Mapping[str, Any], inputs: Sequence[Shape], cls: str) -> Inferred:
    shape, spatial, channels = _spatial(cfg, inputs, cls)
    default = (1, 1) if cls == "Cropping1D" else 0
    crops = _pairs(cfg.get("cropping", default), _rank(cls), "cropping")
    sizes = []
    notes = []
    for n, (a, b) in zip(spatial, crops):
        if n is not None and n - a - b == 0 and keras_major() is not None:
            # tf.keras 2.2 computed n - a - b without a check and saved such models: draw the
            # shape it gave, with a warning (a hand-written spec has no Keras version: refused)
            notes.append(era_note(f"{cls} cropping {(a, b)} leaves a dimension of size {n} with size 0"))
        elif n is not None and n - a - b <= 0:
            raise ShapeError(f"{cls} cropping {(a, b)} leaves nothing of a dimension of size {n}")
        sizes.append(None if n is None else n - a - b)
    return Inferred([join_channels(cfg, shape[0], sizes, channels)], notes=notes)


infers_each(cropping, "Cropping1D", "Cropping2D", "Cropping3D")
