"""Inference for normalization layers: Batch, Layer, Group, RMS, Unit and Spectral normalization.

None of them changes the shape; they differ in their weights. Batch
normalization's moving statistics are weights that do not train.

>>> [(w.name, w.trainable) for w in batch_normalization({}, [(None, 4)]).weights]
[('gamma', True), ('beta', True), ('moving_mean', False), ('moving_variance', False)]
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from ..errors import ShapeError
from ..graph import Shape, Weight
from .registry import Inferred, UnknownShape, infers, lookup, one_input, weight


def _axes(value: Any, ndim: int, cls: str) -> list[int]:
    """Non-negative axes from an int or a list (Keras 2 wrote ``[3]`` where Keras 3 writes ``3``).

    Keras 3 sorts the axes as written, negative ones first, and its weights follow that order.

    >>> _axes(-1, 4, "X"), _axes([1, -1], 4, "X")
    ([3], [3, 1])
    """
    axes = sorted(int(a) for a in (value if isinstance(value, (list, tuple)) else [value]))
    for a in axes:
        if not -ndim <= a < ndim:
            raise ShapeError(f"{cls} axis {a} is out of range for an input of rank {ndim}")
    return [a % ndim for a in axes]


@infers("BatchNormalization", "SyncBatchNormalization", "BatchNormalizationV1", "BatchNormalizationV2")
def batch_normalization(cfg: Mapping[str, Any], inputs: Sequence[Shape]) -> Inferred:
    """gamma, beta (trainable), moving mean and variance (not); renorm adds three more that do not train."""
    shape = one_input(inputs, "BatchNormalization")
    axes = _axes(cfg.get("axis", -1), len(shape), "BatchNormalization")
    if len(axes) == 1:
        wshape: tuple = (shape[axes[0]],)
    else:
        # tf.keras keeps a full-rank, broadcastable shape when it normalizes over several axes
        wshape = tuple(shape[i] if i in axes else 1 for i in range(len(shape)))
    w = []
    if cfg.get("scale", True):
        w.append(weight("gamma", *wshape))
    if cfg.get("center", True):
        w.append(weight("beta", *wshape))
    w += [weight("moving_mean", *wshape, trainable=False), weight("moving_variance", *wshape, trainable=False)]
    if cfg.get("renorm", False):
        w += [weight(n, *wshape, trainable=False) for n in ("moving_stddev", "renorm_mean", "renorm_stddev")]
    return Inferred([shape], w)


@infers("LayerNormalization")
def layer_normalization(cfg: Mapping[str, Any], inputs: Sequence[Shape]) -> Inferred:
    """gamma and beta over the normalized axes; ``rms_scaling`` keeps gamma only."""
    shape = one_input(inputs, "LayerNormalization")
    wshape = [shape[a] for a in _axes(cfg.get("axis", -1), len(shape), "LayerNormalization")]
    rms = bool(cfg.get("rms_scaling", False))
    w = []
    if cfg.get("scale", True) or rms:
        w.append(weight("gamma", *wshape))
    if cfg.get("center", True) and not rms:
        w.append(weight("beta", *wshape))
    return Inferred([shape], w)


@infers("RMSNormalization")
def rms_normalization(cfg: Mapping[str, Any], inputs: Sequence[Shape]) -> Inferred:
    shape = one_input(inputs, "RMSNormalization")
    wshape = [shape[a] for a in _axes(cfg.get("axis", -1), len(shape), "RMSNormalization")]
    return Inferred([shape], [weight("scale", *wshape)])


@infers("GroupNormalization")
def group_normalization(cfg: Mapping[str, Any], inputs: Sequence[Shape]) -> Inferred:
    """gamma and beta per channel; the channels must split evenly into ``groups`` (-1: one per channel)."""
    shape = one_input(inputs, "GroupNormalization")
    (axis,) = _axes(cfg.get("axis", -1), len(shape), "GroupNormalization")
    dim = shape[axis]
    if dim is None:
        raise UnknownShape("GroupNormalization over an axis of unknown size")
    groups = int(cfg.get("groups", 32))
    groups = dim if groups == -1 else groups
    if groups <= 0 or dim < groups or dim % groups:
        raise ShapeError(f"GroupNormalization cannot split {dim} channels into {groups} groups")
    w = []
    if cfg.get("scale", True):
        w.append(weight("gamma", dim))
    if cfg.get("center", True):
        w.append(weight("beta", dim))
    return Inferred([shape], w)


@infers("UnitNormalization")
def unit_normalization(cfg: Mapping[str, Any], inputs: Sequence[Shape]) -> Inferred:
    shape = one_input(inputs, "UnitNormalization")
    _axes(cfg.get("axis", -1), len(shape), "UnitNormalization")
    return Inferred([shape])


def infer_wrapped(entry: Any, inputs: Sequence[Shape], owner: str) -> tuple[str, dict, Inferred]:
    """Infer a layer nested in another's config as ``{"class_name", "config"}``.

    Returns ``(modern class name, modern config, result)``; the weights of a
    nested layer that is not trainable come back as not trainable.
    """
    from .aliases import modernize

    if not isinstance(entry, Mapping) or not isinstance(entry.get("class_name"), str):
        raise UnknownShape(f"{owner} holds a layer nnviz cannot read")
    cls, cfg = modernize(entry["class_name"], entry.get("config") or {})
    fn = lookup(cls)
    if fn is None:
        raise UnknownShape(f"{owner} holds {cls!r}, which nnviz does not know")
    result = fn(cfg, inputs)
    if cfg.get("trainable", True) is False:
        result.weights = [Weight(w.name, w.shape, False) for w in result.weights]
    return cls, cfg, result


@infers("SpectralNormalization")
def spectral_normalization(cfg: Mapping[str, Any], inputs: Sequence[Shape]) -> Inferred:
    """The wrapped layer's shapes and weights, plus ``vector_u`` ``(1, kernel[-1])`` that does not train."""
    cls, _, result = infer_wrapped(cfg.get("layer"), inputs, "SpectralNormalization")
    weights = result.weights
    kernel = next((w for w in weights if w.name in ("kernel", "embeddings")), None)
    if kernel is None:
        raise ShapeError(f"SpectralNormalization needs a layer with a kernel, got {cls}")
    # Keras 3 lists the wrapper's reference to the kernel first, then vector_u, then the rest
    rest = [w for w in weights if w is not kernel]
    return Inferred(result.outputs, [kernel, weight("vector_u", 1, kernel.shape[-1], trainable=False), *rest],
                    units=result.units, activation=result.activation)
