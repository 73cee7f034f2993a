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
  (SimpleRNN 1, GRU 8, LSTM 9); Bidirectional counts both directions. A generic ``RNN``
  counts its built-in cells (stacked cells one after the other); ConvLSTM counts the four
  gates' convolutions of the input and of the state (same padding) at every step and output
  position, then the LSTM's arithmetic per output element.
- Attention counts its projections, the score product (queries x keys), the value product
  (scores x values), the softmax (3 per score) and the scaling (1 per query element).
- EinsumDense (and any two-operand einsum) counts the product of the sizes of all its
  indices, the batch index as 1.
- tf.keras's wrapped TensorFlow calls (TFOpLambda): 1 per output element for an elementwise
  function (k - 1 for k tensor operands), 0 for a cast or identity; others unknown.
- Embedding, reshaping, padding, cropping, concatenation, dropout at inference: 0.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from ..layers.names import TF_BINARY, TF_UNARY_PREFIXES, activation_name
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


def _weighted(cfg: Mapping[str, Any], macs: int, elements: int) -> Count:
    """A layer of products then a bias and an activation on its ``elements`` outputs."""
    bias = _bias(cfg, elements)
    return Count(macs, bias + _act(cfg, elements), bias)


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
    return _weighted(cfg, e * dim(ins[0][-1]), e)


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
    return _weighted({**cfg, "use_bias": bool(cfg.get("bias_axes"))}, macs, e)


# -- convolutions -----------------------------------------------------------------

@counts(*_CONV_RANK, "LocallyConnected1D", "LocallyConnected2D")
def _conv(cfg, ins, outs):
    # a locally connected layer does a convolution's products with a kernel per position
    rank = _CONV_RANK.get(str(cfg.get("__class__")), None) or len(ins[0]) - 2
    e = size(outs[0])
    groups = int(cfg.get("groups", 1) or 1)
    return _weighted(cfg, e * _kernel(cfg, rank) * _channels(cfg, ins[0]) // groups, e)


@counts("Conv1DTranspose", "Conv2DTranspose", "Conv3DTranspose", "Deconvolution2D", "Deconvolution3D")
def _conv_transpose(cfg, ins, outs):
    rank = len(ins[0]) - 2
    e = size(outs[0])
    return _weighted(cfg, size(ins[0]) * _kernel(cfg, rank) * _channels(cfg, outs[0]), e)


@counts("DepthwiseConv1D", "DepthwiseConv2D")
def _depthwise(cfg, ins, outs):
    e = size(outs[0])
    return _weighted(cfg, e * _kernel(cfg, len(ins[0]) - 2), e)


@counts("SeparableConv1D", "SeparableConv2D", "SeparableConvolution1D", "SeparableConvolution2D")
def _separable(cfg, ins, outs):
    rank = len(ins[0]) - 2
    mid = _channels(cfg, ins[0]) * int(cfg.get("depth_multiplier", 1) or 1)
    spatial = _spatial(cfg, outs[0])
    e = size(outs[0])
    return _weighted(cfg, spatial * mid * _kernel(cfg, rank) + spatial * mid * _channels(cfg, outs[0]), e)


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
# (gates, gate arithmetic per unit); their cells (LSTMCell...) count the same one step at a time


def _cell(cls: str, cfg: Mapping[str, Any], steps: int, features: int) -> Count:
    """One recurrent cell of ``cls`` (``LSTM`` or ``LSTMCell``...) over ``steps`` steps of ``features``."""
    gates, arith = _GATES[cls.removesuffix("Cell")]
    units = int(cfg["units"])
    macs = steps * gates * units * (features + units)
    two_biases = cls.startswith("CuDNN") or (cls.startswith("GRU") and cfg.get("reset_after", True))
    bias = steps * gates * units * (2 if two_biases else 1) if cfg.get("use_bias", True) else 0
    return Count(macs, steps * arith * units + bias, bias)


def _rnn(cfg: Mapping[str, Any], ins: Sequence[Shape], cls: str) -> Count:
    return _cell(cls, cfg, dim(ins[0][1]), dim(ins[0][-1]))


for _cls in _GATES:
    counts(_cls)(lambda cfg, ins, outs, _c=_cls: _rnn(cfg, ins, _c))


def _cells(value: Any) -> list[tuple[str, Mapping[str, Any]]]:
    """The cells of a generic RNN's ``cell`` config: one, a list, or StackedRNNCells."""
    if isinstance(value, (list, tuple)):
        return [c for v in value for c in _cells(v)]
    if not isinstance(value, Mapping) or not isinstance(value.get("config"), Mapping):
        raise Unknown("an RNN without its cell")
    cls, cfg = str(value.get("class_name")), value["config"]
    if cls == "StackedRNNCells":
        return _cells(cfg.get("cells"))
    if cls.removesuffix("Cell") not in _GATES:
        raise Unknown(f"a {cls} cell")
    return [(cls, cfg)]


@counts("RNN")
def _generic_rnn(cfg, ins, outs):
    """keras.layers.RNN around built-in cells (stacked cells feed each other, step by step)."""
    steps, features = dim(ins[0][1]), dim(ins[0][-1])
    total = Count(0, 0, 0)
    for cls, cell in _cells(cfg.get("cell")):
        c = _cell(cls, cell, steps, features)
        total = Count(total.macs + c.macs, total.flops + c.flops, total.bias + c.bias)
        features = int(cell["units"])
    return total


@counts("ConvLSTM1D", "ConvLSTM2D", "ConvLSTM3D")
def _conv_lstm(cfg, ins, outs):
    """An LSTM whose four gates are convolutions: of the input (its kernel, strides) and of the
    state (same padding, stride 1), at every time step and output position."""
    rank = _rank(str(cfg.get("__class__")))
    first = cfg.get("data_format") == "channels_first"
    steps, cin = dim(ins[0][1]), dim(ins[0][2] if first else ins[0][-1])
    filters = int(cfg["filters"])
    out = outs[0][2:] if cfg.get("return_sequences") else outs[0][1:]
    positions = size((None, *out)) // filters
    k = _kernel(cfg, rank)
    macs = steps * positions * 4 * filters * k * (cin + filters)
    bias = steps * positions * 4 * filters if cfg.get("use_bias", True) else 0
    return Count(macs, steps * positions * 9 * filters + bias, bias)


def _inner(cfg: Mapping[str, Any]) -> tuple[str, Mapping[str, Any]]:
    inner = cfg.get("layer") or {}
    if not isinstance(inner, Mapping) or not isinstance(inner.get("config"), Mapping):
        raise Unknown("a wrapper without its layer")
    return str(inner.get("class_name")), inner["config"]


def _inner_count(cfg: Mapping[str, Any], ins: Sequence[Shape], outs: Sequence[Shape]) -> Count:
    """The wrapped layer's count on these shapes."""

    cls, inner = _inner(cfg)
    fn = lookup(cls)
    if fn is None:
        raise Unknown(cls)
    return fn({**inner, "__class__": cls}, ins, outs)


@counts("Bidirectional")
def _bidirectional(cfg, ins, outs):
    one = _inner_count(cfg, ins, outs)
    merge = size(outs[0]) if cfg.get("merge_mode") in ("sum", "ave", "mul") else 0
    return Count(2 * one.macs, 2 * one.flops + merge, 2 * one.bias)


@counts("TimeDistributed")
def _time_distributed(cfg, ins, outs):
    steps = dim(ins[0][1])
    one = _inner_count(cfg, [(None, *ins[0][2:])], [(None, *outs[0][2:])])
    return Count(steps * one.macs, steps * one.flops, steps * one.bias)


# -- attention --------------------------------------------------------------------

def _seq(shape: Shape) -> tuple[int, int]:
    """(positions, features) of a (batch, ..., features) tensor."""
    return size(shape[:-1]), dim(shape[-1])


def _heads(cfg, ins, outs, q_heads: int, kv_heads: int, key_dim: int, value_dim: int) -> Count:
    """Multi-head attention with ``q_heads`` query heads sharing ``kv_heads`` key/value heads."""
    tq, dq = _seq(ins[0])
    tv, dv = _seq(ins[1])
    tk, dk = _seq(ins[2]) if len(ins) > 2 else (tv, dv)
    dout = dim(outs[0][-1])
    macs = (tq * dq * q_heads * key_dim + tk * dk * kv_heads * key_dim + tv * dv * kv_heads * value_dim
            + q_heads * tq * tk * key_dim + q_heads * tq * tk * value_dim + tq * q_heads * value_dim * dout)
    bias = 0
    if cfg.get("use_bias", True):
        bias = tq * q_heads * key_dim + tk * kv_heads * key_dim + tv * kv_heads * value_dim + tq * dout
    return Count(macs, bias + 3 * q_heads * tq * tk + tq * q_heads * key_dim, bias)


@counts("MultiHeadAttention")
def _mha(cfg, ins, outs):
    heads, kd = int(cfg["num_heads"]), int(cfg["key_dim"])
    return _heads(cfg, ins, outs, heads, heads, kd, int(cfg.get("value_dim") or kd))


@counts("GroupedQueryAttention", "GroupQueryAttention")
def _gqa(cfg, ins, outs):
    hd = int(cfg["head_dim"])
    return _heads(cfg, ins, outs, int(cfg["num_query_heads"]), int(cfg["num_key_value_heads"]), hd, hd)


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


# -- tf.keras's wrapped TensorFlow calls ----------------------------------------------

@counts("TFOpLambda")
def _tf_op_lambda(cfg, ins, outs):
    fn = str(cfg.get("function", ""))
    e = size(outs[0])
    if fn in TF_BINARY:  # x + y + z: 2 per element; x + 1 (a constant operand): 1
        return Count(0, max(1, len(ins) - 1) * e)
    if fn.startswith(("identity", "cast", "stop_gradient")):
        return Count(0, 0)
    if fn.startswith(TF_UNARY_PREFIXES):
        return Count(0, e)
    raise Unknown(f"TensorFlow's {fn}")


@counts("CustomScaleLayer")
def _custom_scale(cfg, ins, outs):
    return Count(0, 2 * size(outs[0]))  # inputs[0] + inputs[1] * scale
