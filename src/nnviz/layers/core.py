"""Inference for core layers: Dense, EinsumDense, activations, dropout, Flatten, Reshape, Lambda, ..."""

from __future__ import annotations

import re
from typing import Any, Mapping, Sequence

from ..errors import ShapeError
from .registry import known_product, Inferred, UnknownShape, activation_name, infers, keras_major, one_input, weight



@infers("Dense")
def dense(cfg: Mapping[str, Any], inputs: Sequence[tuple]) -> Inferred:
    shape = one_input(inputs, "Dense")
    if len(shape) < 2:
        raise ShapeError(f"Dense needs an input of rank 2 or more, got {shape}")
    units = int(cfg["units"])
    if units <= 0:
        raise ShapeError(f"units must be positive, got {units}")
    w = [weight("kernel", shape[-1], units)]
    if cfg.get("use_bias", True):
        w.append(weight("bias", units))
    return Inferred([(*shape[:-1], units)], w)


@infers("EinsumDense")
def einsum_dense(cfg: Mapping[str, Any], inputs: Sequence[tuple]) -> Inferred:
    shape = one_input(inputs, "EinsumDense")
    equation = str(cfg["equation"]).replace(" ", "")
    m = re.fullmatch(r"([a-zA-Z.]+),([a-zA-Z.]+)->([a-zA-Z.]+)", equation)
    if not m:
        raise ShapeError(f"EinsumDense equation {equation!r} is not of the form 'ab,bc->ac'")
    inp, ker, out = m.groups()
    partial = cfg.get("output_shape")
    partial = list(partial) if isinstance(partial, (list, tuple)) else [partial]
    if "..." in inp:
        raise UnknownShape("EinsumDense with ellipsis")
    if len(inp) != len(shape):
        raise ShapeError(f"EinsumDense equation {equation!r} needs rank {len(inp)}, got {shape}")
    dims = dict(zip(inp, shape))
    # output_shape lists the output dims without the batch dim (out[0])
    out_dims: dict[str, Any] = {}
    rest = out[1:] if len(partial) == len(out) - 1 else out[len(out) - len(partial):]
    for ch, d in zip(rest, partial):
        out_dims[ch] = d
    for ch in out:
        if ch not in out_dims:
            out_dims[ch] = dims.get(ch)
        elif out_dims[ch] is None and keras_major() is not None and keras_major() < 3:
            # tf.keras fills a free output axis from the input's size on that axis; Keras 3
            # reports it as None (the tensor is the same, the reported shape differs)
            out_dims[ch] = dims.get(ch)
    full = {**out_dims, **{k: v for k, v in dims.items() if k not in out_dims}}
    kshape = [full.get(ch) for ch in ker]
    w = [weight("kernel", *kshape)]
    bias_axes = cfg.get("bias_axes")
    if bias_axes:
        first = min(out.index(ch) for ch in bias_axes)
        w.append(weight("bias", *[out_dims[ch] if ch in bias_axes else 1 for ch in out[first:]]))
    out_shape = tuple(dims.get(ch) if ch in dims and ch == out[0] else out_dims[ch] for ch in out)
    return Inferred([out_shape], w, units=known_product(partial) if partial else None)


def _identity(cfg: Mapping[str, Any], inputs: Sequence[tuple]) -> Inferred:
    return Inferred([one_input(inputs)])


infers("Dropout", "SpatialDropout1D", "SpatialDropout2D", "SpatialDropout3D", "GaussianDropout",
       "GaussianNoise", "AlphaDropout", "ActivityRegularization", "Masking", "Identity")(_identity)


@infers("Activation")
def activation(cfg: Mapping[str, Any], inputs: Sequence[tuple]) -> Inferred:
    return Inferred([one_input(inputs)], activation=activation_name(cfg.get("activation")))


_ADVANCED = {"ReLU": "relu", "LeakyReLU": "leaky_relu", "ELU": "elu", "Softmax": "softmax",
             "ThresholdedReLU": "thresholded_relu"}


def _advanced(cfg: Mapping[str, Any], inputs: Sequence[tuple], cls: str) -> Inferred:
    return Inferred([one_input(inputs)], activation=_ADVANCED[cls])


for _name in _ADVANCED:
    infers(_name)(lambda cfg, inputs, _c=_name: _advanced(cfg, inputs, _c))


@infers("PReLU")
def prelu(cfg: Mapping[str, Any], inputs: Sequence[tuple]) -> Inferred:
    shape = one_input(inputs, "PReLU")
    alpha = list(shape[1:])
    for ax in cfg.get("shared_axes") or ():
        alpha[int(ax) - 1] = 1
    return Inferred([shape], [weight("alpha", *alpha)], activation="prelu")


@infers("Flatten")
def flatten(cfg: Mapping[str, Any], inputs: Sequence[tuple]) -> Inferred:
    shape = one_input(inputs, "Flatten")
    return Inferred([(shape[0], known_product(shape[1:]))])


@infers("Reshape")
def reshape(cfg: Mapping[str, Any], inputs: Sequence[tuple]) -> Inferred:
    shape = one_input(inputs, "Reshape")
    target = [int(d) for d in cfg["target_shape"]]
    if target.count(-1) > 1:
        raise ShapeError(f"Reshape target {target} has more than one -1")
    total = known_product(shape[1:])
    if -1 in target:
        known = known_product([d for d in target if d != -1])
        if total is None:
            target = [None if d == -1 else d for d in target]
        else:
            if known == 0 or total % known:
                raise ShapeError(f"cannot reshape {shape} to {cfg['target_shape']}")
            target = [total // known if d == -1 else d for d in target]
    elif total is not None and known_product(target) != total:
        raise ShapeError(f"cannot reshape {shape} ({total} values) to {tuple(target)}")
    return Inferred([(shape[0], *target)])


@infers("Permute")
def permute(cfg: Mapping[str, Any], inputs: Sequence[tuple]) -> Inferred:
    shape = one_input(inputs, "Permute")
    dims = [int(d) for d in cfg["dims"]]
    if sorted(dims) != list(range(1, len(shape))):
        raise ShapeError(f"Permute dims {dims} do not fit an input of shape {shape}")
    return Inferred([(shape[0], *[shape[d] for d in dims])])


@infers("RepeatVector")
def repeat_vector(cfg: Mapping[str, Any], inputs: Sequence[tuple]) -> Inferred:
    shape = one_input(inputs, "RepeatVector")
    return Inferred([(shape[0], int(cfg["n"]), *shape[1:])])


@infers("Lambda")
def lambda_(cfg: Mapping[str, Any], inputs: Sequence[tuple]) -> Inferred:
    # nnviz never runs the function: the shape is known only when the config states it
    out = cfg.get("output_shape")
    if isinstance(out, (list, tuple)) and out and all(isinstance(d, int) or d is None for d in out):
        batch = inputs[0][0] if inputs and inputs[0] else None
        return Inferred([(batch, *out)])
    return Inferred([None])  # a Lambda holds no weights; its shape is unknown without output_shape


@infers("LayerScale")
def layer_scale(cfg: Mapping[str, Any], inputs: Sequence[tuple]) -> Inferred:
    # keras.applications.convnext.LayerScale: a learned per-channel scale (gamma)
    shape = one_input(inputs, "LayerScale")
    return Inferred([shape], [weight("gamma", int(cfg.get("projection_dim") or shape[-1]))])
