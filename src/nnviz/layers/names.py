"""Keras's naming rules: snake_case of class names, automatic layer names, activation names, the
model classes' names."""

from __future__ import annotations

import re
from typing import Any

__all__ = ["snake_case", "NameCounter", "activation_name", "major_version", "TF_BINARY", "TF_UNARY_PREFIXES",
           "MODEL_TYPES"]

MODEL_TYPES = ("Sequential", "Functional", "Model")  # class names of a whole (nested) model

_A = re.compile(r"(.)([A-Z][a-z]+)")
_B = re.compile(r"([a-z])([A-Z])")


def snake_case(name: str) -> str:
    """Keras's ``to_snake_case``.

    >>> snake_case("Conv2D"), snake_case("BatchNormalization"), snake_case("LSTM"), snake_case("LeakyReLU")
    ('conv2d', 'batch_normalization', 'lstm', 'leaky_re_lu')
    """
    intermediate = _A.sub(r"\1_\2", name)
    insecure = _B.sub(r"\1_\2", intermediate).lower()
    if insecure[0] != "_":
        return insecure
    return "private" + insecure


class NameCounter:
    """Names layers as Keras does: ``dense``, ``dense_1``, ``dense_2`` ...

    >>> c = NameCounter(); [c.next("Dense"), c.next("Dense"), c.next("Conv2D")]
    ['dense', 'dense_1', 'conv2d']
    """

    def __init__(self, taken: set[str] | None = None) -> None:
        self.counts: dict[str, int] = {}
        self.taken = set(taken or ())

    def next(self, class_name: str) -> str:
        base = snake_case(class_name)
        while True:
            n = self.counts.get(base, 0)
            self.counts[base] = n + 1
            name = base if n == 0 else f"{base}_{n}"
            if name not in self.taken:
                self.taken.add(name)
                return name


def activation_name(value: Any) -> str | None:
    """The name of an activation from a config entry of any era.

    >>> activation_name("relu"), activation_name({"class_name": "LeakyReLU", "config": {}}), activation_name(None)
    ('relu', 'leaky_re_lu', None)
    """
    if value is None:
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, dict):
        cfg = value.get("config")
        if isinstance(cfg, dict) and isinstance(cfg.get("name"), str) and value.get("class_name") in (
                None, "function", "builtins.function"):
            return cfg["name"]
        cls = value.get("class_name")
        if isinstance(cls, str):
            if cls in ("function", "builtins.function"):
                return str(value.get("config"))
            return snake_case(cls)
    return str(value)


def major_version(version: str | None) -> int | None:
    """The major number of a Keras version string (``None`` when there is none to read).

    >>> major_version("2.15.0"), major_version("3"), major_version(None), major_version("dev")
    (2, 3, None, None)
    """
    try:
        return int(str(version).split(".")[0]) if version else None
    except ValueError:
        return None


# TensorFlow functions tf.keras wraps in TFOpLambda layers (their config names the function):
# the elementwise ones nnviz infers (layers.merge) and counts (costs.rules)
TF_BINARY = {"__operators__.add", "__operators__.sub", "__operators__.mul", "__operators__.truediv",
              "math.add", "math.subtract", "math.multiply", "math.divide", "math.truediv", "math.maximum",
              "math.minimum", "math.pow", "math.squared_difference", "compat.v1.add", "add", "multiply"}
TF_UNARY_PREFIXES = ("nn.relu", "nn.relu6", "nn.sigmoid", "nn.silu", "nn.swish", "nn.gelu", "nn.tanh",
                      "nn.elu", "nn.selu", "nn.softplus", "nn.leaky_relu", "math.sigmoid", "math.tanh",
                      "math.exp", "math.log", "math.sqrt", "math.rsqrt", "math.square", "math.abs",
                      "math.negative", "identity", "cast", "stop_gradient", "clip_by_value")
