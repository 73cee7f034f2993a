"""Inference for pooling: Max/Average pooling, their global and adaptive forms (no weights).

>>> pooling(dict(pool_size=2), [(None, 28, 28, 3)], "MaxPooling2D").outputs
[(None, 14, 14, 3)]
"""

from __future__ import annotations

from typing import Any, Mapping, Sequence

from ..errors import ShapeError
from ..graph import Shape
from .conv import infers_each, join_channels, split_channels
from .registry import Inferred, conv_output_length, normalize_tuple, one_input


def _rank(cls: str) -> int:
    return int(cls[-2])  # "MaxPooling2D" -> 2


def pooling(cfg: Mapping[str, Any], inputs: Sequence[Shape], cls: str) -> Inferred:
    """Windowed pooling; ``strides`` None means ``pool_size`` (Keras 1 ``pool_length``/``stride`` too)."""
    rank = _rank(cls)
    shape = one_input(inputs, cls)
    spatial, channels = split_channels(cfg, shape, rank, cls)
    pool = normalize_tuple(cfg.get("pool_size", 2), rank, "pool_size")
    strides = cfg.get("strides")
    strides = pool if strides is None else normalize_tuple(strides, rank, "strides")
    if min(pool) <= 0 or min(strides) <= 0:
        raise ShapeError(f"pool_size {pool} and strides {strides} must be positive")
    padding = str(cfg.get("padding", "valid")).lower()
    sizes = [conv_output_length(n, p, padding, s) for n, p, s in zip(spatial, pool, strides)]
    return Inferred([join_channels(cfg, shape[0], sizes, channels)])


infers_each(pooling, *(f"{kind}Pooling{r}D" for kind in ("Max", "Average") for r in (1, 2, 3)))


def global_pooling(cfg: Mapping[str, Any], inputs: Sequence[Shape], cls: str) -> Inferred:
    """Pools every spatial dimension away, or down to 1 with ``keepdims``."""
    rank = _rank(cls)
    shape = one_input(inputs, cls)
    _, channels = split_channels(cfg, shape, rank, cls)
    if cfg.get("keepdims", False):
        return Inferred([join_channels(cfg, shape[0], [1] * rank, channels)])
    return Inferred([(shape[0], channels)])


infers_each(global_pooling, *(f"Global{kind}Pooling{r}D" for kind in ("Max", "Average") for r in (1, 2, 3)))


def adaptive_pooling(cfg: Mapping[str, Any], inputs: Sequence[Shape], cls: str) -> Inferred:
    """Keras 3 adaptive pooling: the spatial sizes are ``output_size`` whatever the input."""
    rank = _rank(cls)
    shape = one_input(inputs, cls)
    _, channels = split_channels(cfg, shape, rank, cls)
    sizes = normalize_tuple(cfg["output_size"], rank, "output_size")
    return Inferred([join_channels(cfg, shape[0], sizes, channels)])


infers_each(adaptive_pooling, *(f"Adaptive{kind}Pooling{r}D" for kind in ("Max", "Average") for r in (1, 2, 3)))
