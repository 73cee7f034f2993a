"""The registry of shape and parameter inference, one function per Keras layer class.

A function takes the layer's config (modern argument names) and the shapes of
its inputs (batch dimension first, ``None`` for unknown dimensions) and returns
an :class:`Inferred`: the output shapes and the weight variables. Register it with
:func:`infers`:

>>> @infers("MyScale")
... def _my_scale(cfg, inputs):
...     (shape,) = inputs
...     return Inferred([shape], [weight("scale", shape[-1])])
>>> lookup("MyScale")(dict(), [(None, 4)]).params
4
>>> unregister("MyScale")
"""

from __future__ import annotations

import numbers
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping, Sequence

from ..errors import ShapeError
from ..formatting import short_repr
from ..registry import ClassRegistry
from ..graph import Shape, Weight
from .names import activation_name

__all__ = ["Inferred", "UnknownShape", "infers", "lookup", "unregister", "registered", "weight",
           "conv_output_length", "deconv_output_length", "normalize_tuple", "channels_axis",
           "activation_name", "one_input", "known_product", "InferFn", "keras_major", "KERAS_MAJOR", "LENIENT",
           "era_note", "ERA_NOTE", "MAX_DIM", "SIZE_KEYS", "check_config_sizes"]


MAX_DIM = 2**31 - 1   # the largest size of one dimension (inference's and the spec reader's limit)
# config entries that are sizes: a Keras config with one of them <= 0 or huge is not a model
SIZE_KEYS = ("units", "filters", "output_dim", "input_dim", "num_heads", "key_dim", "n", "depth_multiplier")


def check_config_sizes(cfg: Mapping[str, Any], *, layer: str | None = None, whole_floats: bool = True) -> None:
    """Refuse a size in a layer's config (``SIZE_KEYS``) that is no integer from 1 to ``MAX_DIM``.

    The one rule of inference and the spec reader, checked before an inference function sees the
    config: such a config is a damaged or hostile file, never a model.

    Args:
        cfg: the layer's config.
        layer: the layer's name, for the message.
        whole_floats: accept ``3.0`` for ``3`` (as files may hold); a hand-written spec may not.

    Raises:
        ShapeError: naming the entry and its value.

    >>> check_config_sizes({"units": 3.0, "filters": 8})
    >>> check_config_sizes({"units": 3.0}, layer="d", whole_floats=False)
    Traceback (most recent call last):
    ...
    nnviz.errors.ShapeError: layer 'd': units must be a positive integer of at most 2,147,483,647, got 3.0
    """
    for key in SIZE_KEYS:
        v = cfg.get(key)
        if v is None:
            continue
        if whole_floats and isinstance(v, float) and v.is_integer():
            v = int(v)
        if isinstance(v, bool) or not isinstance(v, int) or not 0 < v <= MAX_DIM:
            raise ShapeError(f"{key} must be a positive integer of at most {MAX_DIM:,}, got {short_repr(v)}",
                             layer=layer)

# The major Keras version that wrote the config being inferred (None: a spec, or unknown).
# A few shape rules changed between eras; the functions for those classes read it.
KERAS_MAJOR: ContextVar[int | None] = ContextVar("KERAS_MAJOR", default=None)


def keras_major() -> int | None:
    """The major Keras version of the config being inferred, when the source says."""
    return KERAS_MAJOR.get()


ERA_NOTE = "accepted by the Keras that wrote the file"


def era_note(text: str) -> str:
    """A warning for a shape that only the file's Keras accepted (``nnviz draw`` prints these).

    Files written by Keras are drawn as their Keras built them; hand-written specs (no Keras
    version) stay strict.
    """
    return f"{text}: {ERA_NOTE} (Keras {keras_major()}), drawn as it was; newer Keras refuses it"


# Set by the engine while it asks a function what it can say about a layer whose input is
# only partly known: weight() then returns a weight with unknown (None) dimensions instead of
# raising, so the output shape is computed and the parameter count is marked unknown.
LENIENT: ContextVar[bool] = ContextVar("LENIENT", default=False)


class UnknownShape(Exception):
    """Raised by an inference function when its inputs do not determine its output."""


@dataclass
class Inferred:
    """What an inference function returns.

    Attributes:
        outputs: one shape per output tensor (``None`` where unknown).
        weights: the layer's weight variables, in Keras's order.
        units: the layer's width, when the generic rule (units/filters) is wrong.
        activation: the activation's name, when not the config's ``activation``.
        notes: what the user should hear (a shape only the file's Keras accepted: see :func:`era_note`).
    """

    outputs: list[Shape | None]
    weights: list[Weight] = field(default_factory=list)
    units: int | None = None
    activation: str | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def params(self) -> int | None:
        """The number of parameters, ``None`` when a weight has an unknown dimension."""
        if any(not w.known for w in self.weights):
            return None
        return sum(w.size for w in self.weights)


InferFn = Callable[[Mapping[str, Any], Sequence[Shape]], Inferred]
_REGISTRY: ClassRegistry[InferFn] = ClassRegistry()


def infers(*class_names: str) -> Callable[[InferFn], InferFn]:
    """Register the decorated function for the Keras classes ``class_names``."""
    return _REGISTRY.register(*class_names)


def lookup(class_name: str) -> InferFn | None:
    """The inference function of a class, or ``None`` when nnviz does not know it.

    Every family module has registered its classes by then: importing any module of this
    package runs ``nnviz/layers/__init__.py``, which imports them all.
    """
    return _REGISTRY.lookup(class_name)


def unregister(class_name: str) -> None:
    _REGISTRY.unregister(class_name)


def registered() -> list[str]:
    """Every class name nnviz can infer, sorted."""
    return _REGISTRY.registered()


# -- helpers for inference functions -----------------------------------------------

def weight(name: str, *shape: int, trainable: bool = True) -> Weight:
    """A weight variable; every dimension must be known (except while the engine is lenient)."""
    if None in shape:
        if LENIENT.get():
            return Weight(name, tuple(None if d is None else int(d) for d in shape), trainable)
        raise UnknownShape(f"weight {name!r} depends on an unknown dimension")
    return Weight(name, tuple(map(int, shape)), trainable)


def known_product(dims: Sequence[int | None]) -> int | None:
    """The product of sizes, or ``None`` when one of them is unknown.

    >>> known_product([2, 3, 4]), known_product([2, None])
    (24, None)
    """
    n = 1
    for d in dims:
        if d is None:
            return None
        n *= int(d)
    return n


def one_input(inputs: Sequence[Shape], cls: str = "layer") -> Shape:
    """The single input shape of a layer that takes one tensor."""
    if len(inputs) < 1:
        raise ShapeError(f"{cls} needs an input")
    return inputs[0]


def normalize_tuple(value: Any, n: int, name: str = "value") -> tuple[int, ...]:
    """``3`` -> ``(3, 3)``; ``[3, 1]`` -> ``(3, 1)``.

    >>> normalize_tuple(3, 2), normalize_tuple([1, 2], 2)
    ((3, 3), (1, 2))
    """
    if isinstance(value, (list, tuple)):
        if len(value) == 1 and n > 1:
            return tuple(int(value[0]) for _ in range(n))
        if len(value) != n:
            raise ShapeError(f"{name} must have {n} entries, got {list(value)}")
        return tuple(int(v) for v in value)
    return tuple(int(value) for _ in range(n))


def conv_output_length(length: int | None, kernel: int, padding: str, stride: int,
                       dilation: int = 1) -> int | None:
    """Keras's ``conv_output_length`` (valid, same, causal, full).

    >>> conv_output_length(28, 3, "valid", 1), conv_output_length(28, 3, "same", 2)
    (26, 14)
    """
    _check_window(kernel, stride, dilation)
    if length is None:
        return None
    dilated = kernel + (kernel - 1) * (dilation - 1)
    padding = padding.lower()
    if padding in ("same", "causal"):
        out = length
    elif padding == "valid":
        out = length - dilated + 1
    elif padding == "full":
        out = length + dilated - 1
    else:
        raise ShapeError(f"unknown padding {padding!r}")
    out = (out + stride - 1) // stride
    if out <= 0:
        raise ShapeError(f"input of size {length} is too small for kernel {kernel}")
    return out


def _check_window(kernel: int, stride: int, dilation: int) -> None:
    # Keras refuses these too; a config with them is damaged or hostile, and a kernel of 0
    # would otherwise give a plausible-looking shape
    for what, v in (("kernel size", kernel), ("stride", stride), ("dilation rate", dilation)):
        if isinstance(v, bool) or not isinstance(v, numbers.Integral) or v < 1:
            raise ShapeError(f"the {what} must be a positive integer, got {v!r}")


def deconv_output_length(length: int | None, kernel: int, padding: str, output_padding: int | None,
                         stride: int, dilation: int = 1) -> int | None:
    """Keras's ``deconv_output_length`` for transposed convolutions.

    >>> deconv_output_length(7, 3, "same", None, 2), deconv_output_length(7, 5, "valid", None, 2)
    (14, 17)
    """
    _check_window(kernel, stride, dilation)
    if length is None:
        return None
    kernel = kernel + (kernel - 1) * (dilation - 1)
    padding = padding.lower()
    if output_padding is None:
        if padding == "valid":
            return length * stride + max(kernel - stride, 0)
        if padding == "full":
            return length * stride - (stride + kernel - 2)
        return length * stride  # same
    pad = {"same": kernel // 2, "valid": 0, "full": kernel - 1}[padding]
    return (length - 1) * stride + kernel - 2 * pad + output_padding


def channels_axis(cfg: Mapping[str, Any]) -> int:
    """-1 for ``channels_last`` (the default), 1 for ``channels_first``."""
    return 1 if cfg.get("data_format") == "channels_first" else -1
