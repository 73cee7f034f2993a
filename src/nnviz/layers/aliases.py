"""Keras 1 and Keras 2 names, mapped onto the modern class and argument names.

>>> modernize("Convolution2D", {"nb_filter": 8, "nb_row": 3, "nb_col": 3, "border_mode": "same", "dim_ordering": "th"})
('Conv2D', {'filters': 8, 'padding': 'same', 'kernel_size': [3, 3], 'data_format': 'channels_first'})
>>> modernize("Merge", {"mode": "sum"})[0]
'Add'
"""

from __future__ import annotations

from typing import Any, Mapping

__all__ = ["modernize", "CLASS_ALIASES"]

CLASS_ALIASES = {
    "Convolution1D": "Conv1D", "Convolution2D": "Conv2D", "Convolution3D": "Conv3D",
    "Deconvolution2D": "Conv2DTranspose", "Deconvolution3D": "Conv3DTranspose",
    "Conv2DTranspose": "Conv2DTranspose", "Convolution2DTranspose": "Conv2DTranspose",
    "AtrousConvolution1D": "Conv1D", "AtrousConvolution2D": "Conv2D",
    "SeparableConvolution1D": "SeparableConv1D", "SeparableConvolution2D": "SeparableConv2D",
    "DepthwiseConvolution2D": "DepthwiseConv2D",
    "TimeDistributedDense": "TimeDistributedDense",
    "GlobalAvgPool1D": "GlobalAveragePooling1D", "GlobalAvgPool2D": "GlobalAveragePooling2D",
    "GlobalAvgPool3D": "GlobalAveragePooling3D", "GlobalMaxPool1D": "GlobalMaxPooling1D",
    "GlobalMaxPool2D": "GlobalMaxPooling2D", "GlobalMaxPool3D": "GlobalMaxPooling3D",
    "AvgPool1D": "AveragePooling1D", "AvgPool2D": "AveragePooling2D", "AvgPool3D": "AveragePooling3D",
    "MaxPool1D": "MaxPooling1D", "MaxPool2D": "MaxPooling2D", "MaxPool3D": "MaxPooling3D",
    "Convolution3DTranspose": "Conv3DTranspose", "Conv1DTranspose": "Conv1DTranspose",
    "SeparableConv2D": "SeparableConv2D",
    "ZeroPadding1D": "ZeroPadding1D",
    "Functional": "Functional", "Model": "Functional",
}

_MERGE_MODES = {"sum": "Add", "concat": "Concatenate", "mul": "Multiply", "ave": "Average",
                "max": "Maximum", "dot": "Dot", "cos": "Dot"}

_ARG_ALIASES = {
    "output_dim": "units", "nb_filter": "filters", "border_mode": "padding", "subsample": "strides",
    "init": "kernel_initializer", "W_regularizer": "kernel_regularizer",
    "b_regularizer": "bias_regularizer", "W_constraint": "kernel_constraint",
    "b_constraint": "bias_constraint", "bias": "use_bias", "p": "rate",
    "filter_length": "kernel_size", "pool_length": "pool_size", "inner_activation": "recurrent_activation",
    "inner_init": "recurrent_initializer", "U_regularizer": "recurrent_regularizer",
    "dropout_W": "dropout", "dropout_U": "recurrent_dropout", "subsample_length": "strides",
    "stride": "strides", "atrous_rate": "dilation_rate", "forget_bias_init": "unit_forget_bias",
    "depth_multiplier": "depth_multiplier", "mode_concat_axis": "concat_axis",
}

# Embedding keeps output_dim; TimeDistributedDense and Dense rename it
_KEEP_OUTPUT_DIM = {"Embedding"}


def modernize(class_name: str, config: Mapping[str, Any]) -> tuple[str, dict[str, Any]]:
    """Map a Keras 1/2 class and its config onto modern names.

    Args:
        class_name: the class name as stored.
        config: the layer's config as stored.

    Returns:
        ``(modern class name, config with modern argument names)``; the input is not changed.
    """
    cfg = dict(config)
    cls = CLASS_ALIASES.get(class_name, class_name)
    if class_name == "Merge":
        mode = cfg.pop("mode", "sum")
        cls = _MERGE_MODES.get(mode if isinstance(mode, str) else "", "Merge")
        if cls == "Concatenate" and "concat_axis" in cfg:
            cfg["axis"] = cfg.pop("concat_axis")
        if cls == "Dot":
            cfg.setdefault("axes", cfg.pop("dot_axes", -1))
            cfg["normalize"] = mode == "cos"
    for old, new in _ARG_ALIASES.items() if not cfg.keys().isdisjoint(_ARG_ALIASES) else ():  # (a modern config: none)
        if old not in cfg or new in cfg:
            continue
        if old == "output_dim" and cls in _KEEP_OUTPUT_DIM:
            continue
        cfg[new] = cfg.pop(old)
    if "nb_row" in cfg and "nb_col" in cfg:
        cfg["kernel_size"] = [cfg.pop("nb_row"), cfg.pop("nb_col")]
    if "kernel_dim1" in cfg:
        cfg["kernel_size"] = [cfg.pop("kernel_dim1"), cfg.pop("kernel_dim2"), cfg.pop("kernel_dim3")]
    if "dim_ordering" in cfg:
        order = cfg.pop("dim_ordering")
        cfg["data_format"] = {"th": "channels_first", "tf": "channels_last"}.get(order, "channels_last")
    if class_name in ("AtrousConvolution1D", "AtrousConvolution2D") and "dilation_rate" not in cfg:
        cfg["dilation_rate"] = 1
    if cls == "Embedding" and "input_dim" in cfg and "output_dim" not in cfg and "units" in cfg:
        cfg["output_dim"] = cfg.pop("units")
    if "input_dtype" in cfg and "dtype" not in cfg:
        cfg["dtype"] = cfg.pop("input_dtype")
    return cls, cfg
