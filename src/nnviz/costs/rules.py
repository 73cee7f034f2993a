"""The counting rules, one function per Keras class family; the FLOP convention lives here.

Convention (the one README states), for one sample:

- **MACs** are the multiply-accumulates of the layer's products (a kernel times its input
  window, a matrix product). **FLOPs** count each MAC as 2 and add, per output element:
  1 for a bias; the activation (1 for any activation, softmax 3: exponent, sum, division;
  ``linear`` 0); batch normalization 2 (its moving statistics fold into a scale and a shift);
  layer/group normalization 7 (mean, centring, square, variance, normalizing, scale, shift),
  RMS normalization 4, unit normalization 3; pooling 1 per window element (global pooling 1 per
  input element); an elementwise merge of k inputs k - 1 (Average k).
- A transposed convolution counts each input element times the kernel (the scatter it does).
- Recurrent layers count their cell at every time step: the input and recurrent kernels
  (SimpleRNN 1, GRU 3, LSTM 4 gates), their bias, and the gate arithmetic per unit
  (SimpleRNN 1, GRU 8, LSTM 9); Bidirectional counts both directions.
- Attention counts its projections, the score product (queries x keys), the value product
  (scores x values), the softmax (3 per score) and the scaling (1 per query element).
- EinsumDense (and any two-operand einsum) counts the product of the sizes of all its
  indices, the batch index as 1.
- Embedding, reshaping, padding, cropping, concatenation, dropout at inference: 0.
"""

from __future__ import annotations

import math
import re
from typing import TYPE_CHECKING, Any, Mapping, Sequence

from ..layers.names import activation_name
from .registry import Count, Unknown, counts, dim, lookup, size

if TYPE_CHECKING:  # pragma: no cover
    from ..graph import Shape

__all__ = ["activation_flops"]

_CONV_RANK = {"Conv1D": 1, "Conv2D": 2, "Conv3D": 3, "Convolution1D": 1, "Convolution2D": 2,
              "Convolution3D": 3}


def activation_flops(name: Any) -> int:
    """FLOPs per element of an activation (see the convention above).

    >>> activation_flops("relu"), activation_flops("softmax"), activation_flops(None)
    (1, 3, 0)
    """
    name = activation_name(name) if not isinstance(name, str) or name is None else name
    if not name or name == "linear":
        return 0
    return 3 if name in ("softmax", "log_softmax") else 1


def _act(cfg: Mapping[str, Any], elements: int) -> int:
    return activation_flops(activation_name(cfg.get("activation"))) * elements


def _bias(cfg: Mapping[str, Any], elements: int) -> int:
    return elements if cfg.get("use_bias", True) else 0


def _channels(cfg: Mapping[str, Any], shape: Shape) -> int:
    return dim(shape[1] if cfg.get("data_format") == "channels_first" else shape[-1])


def _spatial(cfg: Mapping[str, Any], shape: Shape) -> int:
    inner = shape[2:] if cfg.get("data_format") == "channels_first" else shape[1:-1]
    return size((None, *inner))


def _kernel(cfg: Mapping[str, Any], rank: int) -> int:
    k = cfg.get("kernel_size", 1)
    if isinstance(k, (list, tuple)):
        return math.prod(int(v) for v in k)
    return int(k) ** rank


def _rank(cls: str) -> int:
    return int(re.search(r"(\d)D", cls).group(1))  # type: ignore[union-attr]


# -- free layers -------------------------------------------------------------------

@counts("InputLayer", "Flatten", "Reshape", "Permute", "RepeatVector", "Dropout", "SpatialDropout1D",
        "SpatialDropout2D", "SpatialDropout3D", "GaussianDropout", "GaussianNoise", "AlphaDropout",
        "ActivityRegularization", "Masking", "Identity", "ZeroPadding1D", "ZeroPadding2D", "ZeroPadding3D",
        "Cropping1D", "Cropping2D", "Cropping3D", "Concatenate", "Embedding", "InputSpec")
def _free(cfg, ins, outs):
    return Count(0, 0)


@counts("UpSampling1D", "UpSampling2D", "UpSampling3D")
def _upsampling(cfg, ins, outs):
    # nearest copies; bilinear mixes 4 neighbours per output element (4 products, 3 sums)
    return Count(0, 7 * size(outs[0]) if cfg.get("interpolation", "nearest") == "bilinear" else 0)


# -- dense and einsum --------------------------------------------------------------

@counts("Dense")
def _dense(cfg, ins, outs):
    e = size(outs[0])
    return Count(e * dim(ins[0][-1]), _bias(cfg, e) + _act(cfg, e))


@counts("EinsumDense")
def _einsum_dense(cfg, ins, outs):
    equation = str(cfg["equation"]).replace(" ", "")
    m = re.fullmatch(r"([a-zA-Z]+),([a-zA-Z]+)->([a-zA-Z]+)", equation)
    if not m:
        raise Unknown("an einsum with an ellipsis")
    inp, ker, out = m.groups()
    sizes: dict[str, int] = {}
    for letters, shape in ((inp, ins[0]), (out, outs[0])):
        for i, (ch, d) in enumerate(zip(letters, shape)):
            if i == 0 and d is None:
                sizes[ch] = 1  # the batch index: one sample
            elif d is not None:
                sizes[ch] = int(d)
    kshape = cfg.get("__kernel_shape__")
    if kshape is not None:
        for ch, d in zip(ker, kshape):
            sizes.setdefault(ch, int(d))
    if any(ch not in sizes for ch in set(inp + ker + out)):
        raise Unknown("an einsum index of unknown size")
    macs = math.prod(sizes[ch] for ch in set(inp + ker + out))
    e = math.prod(sizes[ch] for ch in out)  # Keras 3 may report a free output axis as None
    return Count(macs, (e if cfg.get("bias_axes") else 0) + _act(cfg, e))


# -- convolutions -----------------------------------------------------------------

@counts(*_CONV_RANK)
def _conv(cfg, ins, outs):
    rank = _CONV_RANK.get(str(cfg.get("__class__")), None) or len(ins[0]) - 2
    e = size(outs[0])
    groups = int(cfg.get("groups", 1) or 1)
    macs = e * _kernel(cfg, rank) * _channels(cfg, ins[0]) // groups
    return Count(macs, _bias(cfg, e) + _act(cfg, e))


@counts("Conv1DTranspose", "Conv2DTranspose", "Conv3DTranspose", "Deconvolution2D", "Deconvolution3D")
def _conv_transpose(cfg, ins, outs):
    rank = len(ins[0]) - 2
    e = size(outs[0])
    macs = size(ins[0]) * _kernel(cfg, rank) * _channels(cfg, outs[0])
    return Count(macs, _bias(cfg, e) + _act(cfg, e))


@counts("DepthwiseConv1D", "DepthwiseConv2D")
def _depthwise(cfg, ins, outs):
    e = size(outs[0])
    return Count(e * _kernel(cfg, len(ins[0]) - 2), _bias(cfg, e) + _act(cfg, e))


@counts("SeparableConv1D", "SeparableConv2D", "SeparableConvolution1D", "SeparableConvolution2D")
def _separable(cfg, ins, outs):
    rank = len(ins[0]) - 2
    mid = _channels(cfg, ins[0]) * int(cfg.get("depth_multiplier", 1) or 1)
    spatial = _spatial(cfg, outs[0])
    e = size(outs[0])
    macs = spatial * mid * _kernel(cfg, rank) + spatial * mid * _channels(cfg, outs[0])
    return Count(macs, _bias(cfg, e) + _act(cfg, e))


@counts("LocallyConnected1D", "LocallyConnected2D")
def _locally(cfg, ins, outs):
    e = size(outs[0])
    macs = e * _kernel(cfg, len(ins[0]) - 2) * _channels(cfg, ins[0])
    return Count(macs, _bias(cfg, e) + _act(cfg, e))


# -- pooling ----------------------------------------------------------------------

def _pool(cfg, ins, outs):
    rank = len(ins[0]) - 2
    p = cfg.get("pool_size", 2)
    window = math.prod(int(v) for v in p) if isinstance(p, (list, tuple)) else int(p) ** rank
    return Count(0, size(outs[0]) * window)


def _global_pool(cfg, ins, outs):
    return Count(0, size(ins[0]))


for _r in (1, 2, 3):
    for _kind in ("Max", "Average"):
        counts(f"{_kind}Pooling{_r}D", f"{_kind[:3] if _kind == 'Max' else 'Avg'}Pool{_r}D")(_pool)
        counts(f"Global{_kind}Pooling{_r}D", f"Global{_kind[:3] if _kind == 'Max' else 'Avg'}Pool{_r}D")(
            _global_pool)


# -- activations, normalization, merges -------------------------------------------

_ADVANCED = {"ReLU": "relu", "LeakyReLU": "leaky_relu", "ELU": "elu", "Softmax": "softmax",
             "ThresholdedReLU": "thresholded_relu", "PReLU": "prelu"}


@counts("Activation", *_ADVANCED)
def _activation(cfg, ins, outs):
    name = _ADVANCED.get(str(cfg.get("__class__")), activation_name(cfg.get("activation")))
    return Count(0, activation_flops(name) * size(outs[0]))


@counts("BatchNormalization", "SyncBatchNormalization", "BatchNormalizationV1", "BatchNormalizationV2")
def _batch_norm(cfg, ins, outs):
    return Count(0, 2 * size(outs[0]))


@counts("LayerNormalization", "GroupNormalization")
def _layer_norm(cfg, ins, outs):
    return Count(0, 7 * size(outs[0]))


@counts("RMSNormalization")
def _rms_norm(cfg, ins, outs):
    return Count(0, 4 * size(outs[0]))


@counts("UnitNormalization")
def _unit_norm(cfg, ins, outs):
    return Count(0, 3 * size(outs[0]))


@counts("Normalization", "Rescaling", "LayerScale")
def _scale_shift(cfg, ins, outs):
    return Count(0, 2 * size(outs[0]))


@counts("Add", "Subtract", "Multiply", "Maximum", "Minimum", "Average")
def _merge(cfg, ins, outs):
    k = len(ins)
    per = k if cfg.get("__class__") == "Average" else k - 1
    return Count(0, per * size(outs[0]))


@counts("Dot")
def _dot(cfg, ins, outs):
    axes = cfg.get("axes", -1)
    a = ins[0]
    ax = axes[0] if isinstance(axes, (list, tuple)) else axes
    ax = int(ax) % len(a)
    return Count(size(outs[0]) * dim(a[ax]), 0)


# -- recurrent --------------------------------------------------------------------

_GATES = {"SimpleRNN": (1, 1), "GRU": (3, 8), "LSTM": (4, 9), "CuDNNGRU": (3, 8), "CuDNNLSTM": (4, 9)}


def _rnn(cfg: Mapping[str, Any], ins: Sequence[Shape], cls: str) -> Count:
    gates, arith = _GATES[cls]
    steps, features = dim(ins[0][1]), dim(ins[0][-1])
    units = int(cfg["units"])
    macs = steps * gates * units * (features + units)
    bias = gates * units * (2 if cls in ("GRU", "CuDNNGRU", "CuDNNLSTM") and cfg.get("reset_after", True) else 1)
    extra = steps * (arith * units + (bias if cfg.get("use_bias", True) else 0))
    return Count(macs, extra)


for _cls in _GATES:
    counts(_cls)(lambda cfg, ins, outs, _c=_cls: _rnn(cfg, ins, _c))


def _inner(cfg: Mapping[str, Any]) -> tuple[str, Mapping[str, Any]]:
    inner = cfg.get("layer") or {}
    if not isinstance(inner, Mapping) or not isinstance(inner.get("config"), Mapping):
        raise Unknown("a wrapper without its layer")
    return str(inner.get("class_name")), inner["config"]


@counts("Bidirectional")
def _bidirectional(cfg, ins, outs):
    cls, inner = _inner(cfg)
    fn = lookup(cls)
    if fn is None:
        raise Unknown(cls)
    one = fn({**inner, "__class__": cls}, ins, outs)
    return Count(2 * one.macs, 2 * one.flops + (size(outs[0]) if cfg.get("merge_mode") in ("sum", "ave", "mul")
                                                else 0))


@counts("TimeDistributed")
def _time_distributed(cfg, ins, outs):
    cls, inner = _inner(cfg)
    fn = lookup(cls)
    if fn is None:
        raise Unknown(cls)
    steps = dim(ins[0][1])
    one = fn({**inner, "__class__": cls}, [(None, *ins[0][2:])], [(None, *outs[0][2:])])
    return Count(steps * one.macs, steps * one.flops)


# -- attention --------------------------------------------------------------------

def _seq(shape: Shape) -> tuple[int, int]:
    """(positions, features) of a (batch, ..., features) tensor."""
    return size(shape[:-1]), dim(shape[-1])


@counts("MultiHeadAttention")
def _mha(cfg, ins, outs):
    tq, dq = _seq(ins[0])
    tv, dv = _seq(ins[1])
    tk, dk = _seq(ins[2]) if len(ins) > 2 else (tv, dv)
    heads, kd = int(cfg["num_heads"]), int(cfg["key_dim"])
    vd = int(cfg.get("value_dim") or kd)
    dout = dim(outs[0][-1])
    macs = (tq * dq * heads * kd + tk * dk * heads * kd + tv * dv * heads * vd
            + heads * tq * tk * kd + heads * tq * tk * vd + tq * heads * vd * dout)
    bias = (tq * heads * kd + tk * heads * kd + tv * heads * vd + tq * dout) if cfg.get("use_bias", True) else 0
    return Count(macs, bias + 3 * heads * tq * tk + tq * heads * kd)


@counts("GroupedQueryAttention", "GroupQueryAttention")
def _gqa(cfg, ins, outs):
    tq, dq = _seq(ins[0])
    tv, dv = _seq(ins[1])
    tk, dk = _seq(ins[2]) if len(ins) > 2 else (tv, dv)
    hq, hkv, hd = int(cfg["num_query_heads"]), int(cfg["num_key_value_heads"]), int(cfg["head_dim"])
    dout = dim(outs[0][-1])
    macs = (tq * dq * hq * hd + tk * dk * hkv * hd + tv * dv * hkv * hd
            + 2 * hq * tq * tk * hd + tq * hq * hd * dout)
    bias = (tq * hq * hd + (tk + tv) * hkv * hd + tq * dout) if cfg.get("use_bias", True) else 0
    return Count(macs, bias + 3 * hq * tq * tk + tq * hq * hd)


@counts("Attention")
def _attention(cfg, ins, outs):
    tq, d = _seq(ins[0])
    tv, dv = _seq(ins[1])
    return Count(tq * tv * d + tq * tv * dv, 3 * tq * tv + (tq * tv if cfg.get("use_scale") else 0))


@counts("AdditiveAttention")
def _additive(cfg, ins, outs):
    tq, d = _seq(ins[0])
    tv, dv = _seq(ins[1])
    # scores: sum over features of scale * tanh(q + k): a MAC, a sum and a tanh per feature
    return Count(tq * tv * d + tq * tv * dv, 2 * tq * tv * d + 3 * tq * tv)
