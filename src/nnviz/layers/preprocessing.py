"""Inference for preprocessing layers: image augmentation, resizing, normalization, encoding, text and audio.

Most augmentations keep the shape. The encoders (CategoryEncoding, Hashing,
the lookups, TextVectorization) turn the last axis into one of ``depth``
entries; the depth is known from the config only when the vocabulary (or its
size) was saved, else the dimension is ``None``, as it is in Keras.

>>> resizing(dict(height=32, width=48), [(None, 64, 64, 3)], "Resizing").outputs
[(None, 32, 48, 3)]
"""

from __future__ import annotations

import math
from typing import Any, Mapping, Sequence

from ..errors import ShapeError
from ..graph import Shape
from .conv import infers_each
from .normalization import infer_wrapped
from .registry import Inferred, UnknownShape, conv_output_length, infers, one_input, weight

_IDENTITY = (
    "Rescaling", "RandomFlip", "RandomRotation", "RandomZoom", "RandomContrast", "RandomTranslation",
    "RandomBrightness", "AugMix", "AutoContrast", "ContrastLimitedAdaptiveHistogramEqualization",
    "CutMix", "Equalization", "MixUp", "RandAugment", "RandomColorDegeneration", "RandomColorJitter",
    "RandomElasticTransform", "RandomErasing", "RandomGaussianBlur", "RandomGrayscale", "RandomHue",
    "RandomInvert", "RandomPerspective", "RandomPosterization", "RandomSaturation", "RandomSharpness",
    "RandomShear", "Solarization",
)


def _identity(cfg: Mapping[str, Any], inputs: Sequence[Shape]) -> Inferred:
    return Inferred([one_input(inputs)])


infers(*_IDENTITY)(_identity)


# -- images ----------------------------------------------------------------------------

def _image_axes(cfg: Mapping[str, Any], shape: Shape, cls: str) -> tuple[int, int]:
    """The (height, width) axes of a batched (rank 4) or single (rank 3) image."""
    if len(shape) not in (3, 4):
        raise ShapeError(f"{cls} needs an image of rank 3 or 4, got {shape}")
    return (-2, -1) if cfg.get("data_format") == "channels_first" else (-3, -2)


def _with_sizes(shape: Shape, axes: Sequence[int], sizes: Sequence[int | None]) -> Shape:
    out = list(shape)
    for axis, size in zip(axes, sizes):
        out[axis] = size
    return tuple(out)


def resizing(cfg: Mapping[str, Any], inputs: Sequence[Shape], cls: str) -> Inferred:
    """Resizing, CenterCrop and RandomCrop all output ``height`` x ``width``."""
    shape = one_input(inputs, cls)
    sizes = (int(cfg["height"]), int(cfg["width"]))
    return Inferred([_with_sizes(shape, _image_axes(cfg, shape, cls), sizes)])


infers_each(resizing, "Resizing", "CenterCrop", "RandomCrop")


def random_size(cfg: Mapping[str, Any], inputs: Sequence[Shape], cls: str) -> Inferred:
    """tf.keras RandomHeight/RandomWidth: the size of that axis changes per batch, so it is unknown."""
    shape = one_input(inputs, cls)
    height, width = _image_axes(cfg, shape, cls)
    return Inferred([_with_sizes(shape, [height if cls == "RandomHeight" else width], [None])])


infers_each(random_size, "RandomHeight", "RandomWidth")


# -- feature normalization -------------------------------------------------------------

@infers("Normalization")
def normalization(cfg: Mapping[str, Any], inputs: Sequence[Shape]) -> Inferred:
    """Adapted mean, variance and count weights (none of them train); none when the config gives the mean."""
    shape = one_input(inputs, "Normalization")
    if cfg.get("mean") is not None:
        return Inferred([shape])
    axis = cfg.get("axis", -1)
    axis = [] if axis is None else list(axis) if isinstance(axis, (list, tuple)) else [axis]
    ndim = len(shape)
    if any(not -ndim <= int(a) < ndim for a in axis):
        raise ShapeError(f"Normalization axis {axis} is out of range for an input of rank {ndim}")
    kept = [shape[a] for a in sorted(int(a) % ndim for a in axis)]
    return Inferred([shape], [weight("mean", *kept, trainable=False), weight("variance", *kept, trainable=False),
                              weight("count", trainable=False)])


# -- categorical encoders --------------------------------------------------------------

def _encoded(shape: Shape, depth: int | None, mode: str) -> Shape:
    """Keras's rule: one-hot adds an axis (or replaces a last axis of 1); the other modes replace the last.

    >>> _encoded((None, 4), 10, "one_hot"), _encoded((None, 1), 10, "one_hot"), _encoded((None, 4), 10, "count")
    ((None, 4, 10), (None, 10), (None, 10))
    """
    if mode == "int":
        return shape
    if mode == "one_hot" and (len(shape) == 1 or shape[-1] != 1):
        return (*shape, depth)
    return (*shape[:-1], depth)


@infers("CategoryEncoding")
def category_encoding(cfg: Mapping[str, Any], inputs: Sequence[Shape]) -> Inferred:
    shape = one_input(inputs, "CategoryEncoding")
    depth = cfg.get("num_tokens", cfg.get("max_tokens"))  # Keras 2.4 called it max_tokens
    return Inferred([_encoded(shape, depth, str(cfg.get("output_mode", "multi_hot")))])


@infers("Discretization")
def discretization(cfg: Mapping[str, Any], inputs: Sequence[Shape]) -> Inferred:
    shape = one_input(inputs, "Discretization")
    mode = str(cfg.get("output_mode", "int"))
    bounds = cfg.get("bin_boundaries", cfg.get("bins"))  # Keras 2.4 called them bins
    depth = len(bounds) + 1 if isinstance(bounds, (list, tuple)) else cfg.get("num_bins")
    if mode in ("int", "one_hot") or len(shape) < 2:
        return Inferred([_encoded(shape, depth, mode)])
    # Keras 3 drops axis 1 (not the last) for multi_hot and count
    return Inferred([(shape[0], *shape[2:], depth)])


@infers("Hashing")
def hashing(cfg: Mapping[str, Any], inputs: Sequence[Shape]) -> Inferred:
    shape = one_input(inputs, "Hashing")
    mode = str(cfg.get("output_mode", "int"))
    # unlike the other encoders, Hashing's one-hot also replaces the last axis
    return Inferred([shape if mode == "int" else (*shape[:-1], cfg["num_bins"])])


@infers("HashedCrossing")
def hashed_crossing(cfg: Mapping[str, Any], inputs: Sequence[Shape]) -> Inferred:
    if len(inputs) < 2:
        raise ShapeError(f"HashedCrossing needs at least two inputs, got {len(inputs)}")
    if any(s[-1:] != inputs[0][-1:] for s in inputs):
        raise ShapeError(f"HashedCrossing needs inputs of one shape, got {list(inputs)}")
    return Inferred([_encoded(inputs[0], cfg["num_bins"], str(cfg.get("output_mode", "int")))])


def _vocabulary_depth(cfg: Mapping[str, Any]) -> int | None:
    """The encoded depth of a lookup: ``max_tokens`` when padded, else the vocabulary's size."""
    if cfg.get("pad_to_max_tokens") and cfg.get("max_tokens"):
        return int(cfg["max_tokens"])
    if cfg.get("vocabulary_size") is not None:  # Keras 3 saves it
        return int(cfg["vocabulary_size"])
    vocab = cfg.get("vocabulary")
    if not isinstance(vocab, (list, tuple)):
        return None  # adapted later, or read from a file nnviz does not open
    oov = int(cfg.get("num_oov_indices", 1))
    tokens = list(vocab)
    # a vocabulary may start with the OOV token(s) itself; Keras counts them once
    if oov and tokens[:oov] == [cfg.get("oov_token", "[UNK]")] * oov:
        tokens = tokens[oov:]
    return len(tokens) + oov


@infers("StringLookup", "IntegerLookup")
def lookup_layer(cfg: Mapping[str, Any], inputs: Sequence[Shape]) -> Inferred:
    shape = one_input(inputs, "StringLookup")
    mode = "int" if cfg.get("invert") else str(cfg.get("output_mode", "int"))
    return Inferred([_encoded(shape, _vocabulary_depth(cfg), mode)])


@infers("TextVectorization")
def text_vectorization(cfg: Mapping[str, Any], inputs: Sequence[Shape]) -> Inferred:
    """``int``: ``(batch, output_sequence_length)``; else the split tokens encoded like a lookup."""
    shape = one_input(inputs, "TextVectorization")
    mode = str(cfg.get("output_mode", "int"))
    if mode == "int":
        return Inferred([(shape[0], cfg.get("output_sequence_length"))])
    if cfg.get("split", "whitespace") is None:
        tokens = (*shape, 1) if len(shape) <= 1 else shape
    else:
        tokens = (*shape, None)  # splitting adds a ragged axis of tokens
    return Inferred([_encoded(tokens, _vocabulary_depth(cfg), mode)])


# -- audio -----------------------------------------------------------------------------

@infers("MelSpectrogram")
def mel_spectrogram(cfg: Mapping[str, Any], inputs: Sequence[Shape]) -> Inferred:
    """``(batch, num_mel_bins, frames)``, with Keras's frame count ``(n + stride + 1) // stride``."""
    shape = one_input(inputs, "MelSpectrogram")
    if len(shape) not in (1, 2):
        raise ShapeError(f"MelSpectrogram needs audio of rank 1 or 2, got {shape}")
    stride = int(cfg.get("sequence_stride", 512))
    n = shape[-1]
    frames = None if n is None else (n + stride + 1) // stride
    return Inferred([(*shape[:-1], int(cfg.get("num_mel_bins", 128)), frames)])


@infers("STFTSpectrogram")
def stft_spectrogram(cfg: Mapping[str, Any], inputs: Sequence[Shape]) -> Inferred:
    """A strided 1D convolution with fixed-initialized real and imaginary kernels ``(frame, 1, fft/2+1)``."""
    shape = one_input(inputs, "STFTSpectrogram")
    if len(shape) != 3:
        raise ShapeError(f"STFTSpectrogram needs an input of rank 3, got {shape}")
    first = cfg.get("data_format") == "channels_first"
    length, channels = (shape[2], shape[1]) if first else (shape[1], shape[2])
    frame = int(cfg.get("frame_length", 256))
    step = int(cfg.get("frame_step") or frame // 2)
    fft = int(cfg.get("fft_length") or 2 ** math.ceil(math.log2(frame)))
    mode = str(cfg.get("mode", "log"))
    bins = fft // 2 + 1
    freq = bins * 2 if mode == "stft" else bins
    time = conv_output_length(length, frame, str(cfg.get("padding", "valid")), step)
    if cfg.get("expand_dims", False):
        out = (shape[0], channels, time, freq) if first else (shape[0], time, freq, channels)
    else:
        width = None if channels is None else freq * channels
        out = (shape[0], width, time) if first else (shape[0], time, width)
    w = []
    if mode != "imag":
        w.append(weight("real_kernel", frame, 1, bins))
    if mode != "real":
        w.append(weight("imag_kernel", frame, 1, bins))
    return Inferred([out], w)


# -- pipelines -------------------------------------------------------------------------

@infers("Pipeline")
def pipeline(cfg: Mapping[str, Any], inputs: Sequence[Shape]) -> Inferred:
    """Keras 3 Pipeline: its layers applied in turn; their weights are the pipeline's."""
    shapes = list(inputs)
    weights = []
    for entry in cfg.get("layers") or ():
        _, _, result = infer_wrapped(entry, shapes, "Pipeline")
        if any(s is None for s in result.outputs):
            raise UnknownShape("a layer of the Pipeline has an unknown shape")
        shapes = [s for s in result.outputs if s is not None]
        weights += result.weights
    return Inferred(list(shapes), weights)
