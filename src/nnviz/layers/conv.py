"""Inference for convolutions: Conv1D/2D/3D, their transposes, separable, depthwise and locally connected.

Every convolution shares one geometry: a batch dimension, ``rank`` spatial
dimensions and a channel axis that is last (``channels_last``) or second
(``channels_first``). :func:`split_channels` and :func:`join_channels` (also
used by pooling and reshaping) take a shape apart and put it back together, so
each class only says how the spatial sizes and the channel count change and
which weights it holds.

>>> conv(dict(filters=8, kernel_size=3), [(None, 28, 28, 1)], "Conv2D").outputs
[(None, 26, 26, 8)]
"""

from __future__ import annotations

from typing import Any, Callable, Mapping, Sequence

from ..errors import ShapeError
from ..graph import Shape
from .registry import (
    known_product,
    Inferred,
    conv_output_length,
    deconv_output_length,
    infers,
    normalize_tuple,
    one_input,
    weight,
)

_RANK = {"Conv1D": 1, "Conv2D": 2, "Conv3D": 3,
         "Conv1DTranspose": 1, "Conv2DTranspose": 2, "Conv3DTranspose": 3,
         "SeparableConv1D": 1, "SeparableConv2D": 2,
         "DepthwiseConv1D": 1, "DepthwiseConv2D": 2,
         "LocallyConnected1D": 1, "LocallyConnected2D": 2}


# -- shared geometry -----------------------------------------------------------------

def split_channels(cfg: Mapping[str, Any], shape: Shape, rank: int, cls: str) -> tuple[list, int | None]:
    """``(spatial sizes, channels)`` of an input of ``rank`` spatial dimensions.

    >>> split_channels({"data_format": "channels_first"}, (None, 3, 8, 9), 2, "Conv2D")
    ([8, 9], 3)
    """
    if len(shape) != rank + 2:
        raise ShapeError(f"{cls} needs an input of rank {rank + 2}, got {shape}")
    if cfg.get("data_format") == "channels_first":
        return list(shape[2:]), shape[1]
    return list(shape[1:-1]), shape[-1]


def join_channels(cfg: Mapping[str, Any], batch: int | None, spatial: Sequence,
                  channels: int | None) -> Shape:
    """The inverse of :func:`split_channels`."""
    if cfg.get("data_format") == "channels_first":
        return (batch, channels, *spatial)
    return (batch, *spatial, channels)


def infers_each(fn: Callable[..., Inferred], *names: str) -> None:
    """Register ``fn(cfg, inputs, cls)`` for each class, so that one function serves 1D, 2D and 3D."""
    for name in names:
        infers(name)(lambda cfg, inputs, _c=name: fn(cfg, inputs, _c))


def _geometry(cfg: Mapping[str, Any], rank: int) -> tuple[tuple[int, ...], tuple[int, ...], tuple[int, ...], str]:
    """``(kernel_size, strides, dilation_rate, padding)``; Keras 1 lists and ints both read."""
    kernel = normalize_tuple(cfg["kernel_size"], rank, "kernel_size")
    strides = normalize_tuple(cfg.get("strides", 1) or 1, rank, "strides")
    dilation = normalize_tuple(cfg.get("dilation_rate", 1) or 1, rank, "dilation_rate")
    if min(kernel) <= 0 or min(strides) <= 0:
        raise ShapeError(f"kernel_size {kernel} and strides {strides} must be positive")
    return kernel, strides, dilation, str(cfg.get("padding", "valid")).lower()


def _conv_spatial(cfg: Mapping[str, Any], spatial: Sequence, rank: int) -> list:
    kernel, strides, dilation, padding = _geometry(cfg, rank)
    return [conv_output_length(n, k, padding, s, d) for n, k, s, d in zip(spatial, kernel, strides, dilation)]


def _bias(cfg: Mapping[str, Any], n: int | None) -> list:
    return [weight("bias", n)] if cfg.get("use_bias", True) else []



def _positive(cfg: Mapping[str, Any], key: str, default: Any = None) -> int:
    value = cfg.get(key, default)
    if value is None or int(value) <= 0:
        raise ShapeError(f"{key} must be a positive integer, got {value!r}")
    return int(value)


# -- the classes -----------------------------------------------------------------------

def conv(cfg: Mapping[str, Any], inputs: Sequence[Shape], cls: str) -> Inferred:
    """Convolution: kernel ``(k..., in/groups, filters)``, bias ``(filters,)``."""
    rank = _RANK[cls]
    shape = one_input(inputs, cls)
    spatial, channels = split_channels(cfg, shape, rank, cls)
    filters = _positive(cfg, "filters")
    groups = _positive(cfg, "groups", 1)
    if filters % groups or (channels is not None and channels % groups):
        raise ShapeError(f"filters ({filters}) and input channels ({channels}) must be divisible "
                         f"by groups ({groups})")
    kernel = normalize_tuple(cfg["kernel_size"], rank, "kernel_size")
    out = join_channels(cfg, shape[0], _conv_spatial(cfg, spatial, rank), filters)
    in_per_group = None if channels is None else channels // groups
    kernel_w = weight("kernel", *kernel, in_per_group, filters)
    if cfg.get("lora_rank"):
        # Keras 3 LoRA freezes the kernel and trains two low-rank factors beside it
        r = int(cfg["lora_rank"])
        return Inferred([out], [weight("kernel", *kernel_w.shape, trainable=False), *_bias(cfg, filters),
                                weight("lora_kernel_a", *kernel_w.shape[:-1], r),
                                weight("lora_kernel_b", r, filters)])
    return Inferred([out], [kernel_w, *_bias(cfg, filters)])


infers_each(conv, "Conv1D", "Conv2D", "Conv3D")


def _keras1_deconv_shape(cfg: Mapping[str, Any], batch: int | None, filters: int,
                         rank: int) -> Shape | None:
    """Keras 1 ``Deconvolution2D`` states its output shape; use it when it is complete."""
    stated = cfg.get("output_shape")
    if not isinstance(stated, (list, tuple)) or len(stated) != rank + 2:
        return None
    rest = list(stated[1:])
    if any(not isinstance(d, int) for d in rest):
        return None
    channels = rest[0] if cfg.get("data_format") == "channels_first" else rest[-1]
    return (batch, *rest) if channels == filters else None


def conv_transpose(cfg: Mapping[str, Any], inputs: Sequence[Shape], cls: str) -> Inferred:
    """Transposed convolution: kernel ``(k..., filters, in)``, bias ``(filters,)``."""
    rank = _RANK[cls]
    shape = one_input(inputs, cls)
    spatial, channels = split_channels(cfg, shape, rank, cls)
    filters = _positive(cfg, "filters")
    kernel, strides, dilation, padding = _geometry(cfg, rank)
    out = _keras1_deconv_shape(cfg, shape[0], filters, rank)
    if out is None:
        pads = cfg.get("output_padding")
        pads = (None,) * rank if pads is None else normalize_tuple(pads, rank, "output_padding")
        sizes = [deconv_output_length(n, k, padding, p, s, d)
                 for n, k, p, s, d in zip(spatial, kernel, pads, strides, dilation)]
        out = join_channels(cfg, shape[0], sizes, filters)
    return Inferred([out], [weight("kernel", *kernel, filters, channels), *_bias(cfg, filters)])


infers_each(conv_transpose, "Conv1DTranspose", "Conv2DTranspose", "Conv3DTranspose")


def separable_conv(cfg: Mapping[str, Any], inputs: Sequence[Shape], cls: str) -> Inferred:
    """Depthwise kernel ``(k..., in, m)``, pointwise kernel ``(1..., in*m, filters)``, bias."""
    rank = _RANK[cls]
    shape = one_input(inputs, cls)
    spatial, channels = split_channels(cfg, shape, rank, cls)
    filters = _positive(cfg, "filters")
    mult = _positive(cfg, "depth_multiplier", 1)
    kernel = normalize_tuple(cfg["kernel_size"], rank, "kernel_size")
    out = join_channels(cfg, shape[0], _conv_spatial(cfg, spatial, rank), filters)
    mid = None if channels is None else channels * mult
    return Inferred([out], [weight("depthwise_kernel", *kernel, channels, mult),
                            weight("pointwise_kernel", *(1,) * rank, mid, filters), *_bias(cfg, filters)])


infers_each(separable_conv, "SeparableConv1D", "SeparableConv2D")


def depthwise_conv(cfg: Mapping[str, Any], inputs: Sequence[Shape], cls: str) -> Inferred:
    """Kernel ``(k..., in, m)``, bias ``(in*m,)``; ``in*m`` output channels."""
    rank = _RANK[cls]
    shape = one_input(inputs, cls)
    spatial, channels = split_channels(cfg, shape, rank, cls)
    mult = _positive(cfg, "depth_multiplier", 1)
    kernel = normalize_tuple(cfg["kernel_size"], rank, "kernel_size")
    out_channels = None if channels is None else channels * mult
    out = join_channels(cfg, shape[0], _conv_spatial(cfg, spatial, rank), out_channels)
    return Inferred([out], [weight("kernel", *kernel, channels, mult), *_bias(cfg, out_channels)],
                    units=out_channels)


infers_each(depthwise_conv, "DepthwiseConv1D", "DepthwiseConv2D")


def locally_connected(cfg: Mapping[str, Any], inputs: Sequence[Shape], cls: str) -> Inferred:
    """Keras 1/2 ``LocallyConnected1D/2D``: one unshared kernel per output position.

    Implementations 1 and 3 store only the connected entries; implementation 2
    stores a dense (input x output) kernel, so its count is larger.
    """
    rank = _RANK[cls]
    shape = one_input(inputs, cls)
    spatial, channels = split_channels(cfg, shape, rank, cls)
    filters = _positive(cfg, "filters")
    kernel = normalize_tuple(cfg["kernel_size"], rank, "kernel_size")
    sizes = _conv_spatial(cfg, spatial, rank)
    out = join_channels(cfg, shape[0], sizes, filters)
    positions = known_product(sizes)
    impl = int(cfg.get("implementation", 1) or 1)
    if impl == 2:
        if cfg.get("data_format") == "channels_first":
            kshape = (channels, *spatial, filters, *sizes)
        else:
            kshape = (*spatial, channels, *sizes, filters)
        kernel_w = weight("kernel", *kshape)
    elif impl == 3:
        kernel_w = weight("kernel", known_product([positions, known_product(kernel), channels, filters]))
    else:
        kernel_w = weight("kernel", positions, known_product([*kernel, channels]), filters)
    bias = [weight("bias", *sizes, filters)] if cfg.get("use_bias", True) else []
    return Inferred([out], [kernel_w, *bias])


infers_each(locally_connected, "LocallyConnected1D", "LocallyConnected2D")
