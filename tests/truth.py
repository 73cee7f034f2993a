"""Keras ground truth for the tests, computed with TensorFlow once and cached.

Keras's own numbers (output shapes, parameter counts) are the truth nnviz is
tested against. Computing them means importing TensorFlow and building models,
so each result is cached on disk under ``tests/.truth-cache/`` (not committed),
keyed by the Keras version and a hash of what was asked. A clean clone (CI)
computes everything once; later runs read the cache.
"""

from __future__ import annotations

import copy
import hashlib
import importlib.metadata
import json
import os
from pathlib import Path
from typing import Any, Callable

import pytest

CACHE = Path(__file__).parent / ".truth-cache"


def keras_version() -> str | None:
    try:
        return importlib.metadata.version("keras")
    except importlib.metadata.PackageNotFoundError:
        return None


def have_tf() -> bool:
    try:
        importlib.metadata.version("tensorflow")
    except importlib.metadata.PackageNotFoundError:
        return False
    return keras_version() is not None


def cached(kind: str, key: Any, compute: Callable[[], Any]) -> Any:
    """``compute()`` once per (kind, key, Keras version); later calls read the cache.

    Skips the test when TensorFlow is missing and the cache has no answer.
    """
    blob = json.dumps([kind, key, keras_version()], sort_keys=True, default=str)
    digest = hashlib.sha256(blob.encode()).hexdigest()[:24]
    path = CACHE / kind / f"{digest}.json"
    if path.exists():
        return json.loads(path.read_text())
    if not have_tf():
        pytest.skip("needs TensorFlow to compute Keras's ground truth")
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    value = compute()
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(value))
    tmp.replace(path)
    return value


def _flatten(x: Any) -> list:
    if isinstance(x, (list, tuple)):
        return [t for v in x for t in _flatten(v)]
    if isinstance(x, dict):
        return [t for k in sorted(x) for t in _flatten(x[k])]
    return [x]


def _measure(layer: Any, out: Any) -> dict:
    """A built Keras layer's output shapes and parameter counts, as the truth records them."""
    import numpy as np

    outs = [list(t.shape) for t in _flatten(out)]
    tr = int(sum(np.prod(w.shape) for w in layer.trainable_weights))
    nt = int(sum(np.prod(w.shape) for w in layer.non_trainable_weights))
    return {"outputs": outs, "params": int(layer.count_params()), "trainable": tr, "non_trainable": nt}


def layer_truth(cls: str, config: dict, input_shapes: list, call_style: str = "list") -> dict:
    """Keras 3's output shapes and parameter counts for one layer on inputs of these shapes.

    ``input_shapes`` include the batch dimension (``None``). Returns
    ``{"outputs": [[None, ...], ...], "params": n, "trainable": n, "non_trainable": n}``.

    ``call_style`` says how the inputs reach the layer: ``"list"`` (one tensor alone,
    several as a list), ``"args"`` (as positional arguments, as MultiHeadAttention takes
    ``(query, value, key)``) or ``"initial_state"`` (an RNN's sequence, then its initial states).
    """

    def compute() -> dict:
        import keras

        inputs = [keras.Input(batch_shape=tuple(s)) for s in input_shapes]
        # a deep copy: deserializing nested configs (an RNN's cells) pops keys from them
        layer = getattr(keras.layers, cls).from_config(copy.deepcopy(config))
        if call_style == "args":
            out = layer(*inputs)
        elif call_style == "initial_state":
            out = layer(inputs[0], initial_state=inputs[1:])
        else:
            out = layer(inputs[0] if len(inputs) == 1 else inputs)
        return _measure(layer, out)

    # the default style keeps the cache keys it always had
    key = [cls, config, input_shapes] if call_style == "list" else [cls, config, input_shapes, call_style]
    return cached("layer", key, compute)


def check_layer(cls: str, config: dict, input_shapes: list, call_style: str = "list") -> None:
    """Assert that nnviz infers what Keras computes for one layer (``call_style``: see :func:`layer_truth`)."""
    _assert_matches(cls, config, input_shapes, layer_truth(cls, config, input_shapes, call_style))


def typed_layer_truth(cls: str, config: dict, input_shapes: list, dtype: str) -> dict:
    """:func:`layer_truth` for layers whose inputs must be of one dtype (``"string"``, ``"int64"``)."""

    def compute() -> dict:
        import keras

        inputs = [keras.Input(batch_shape=tuple(s), dtype=dtype) for s in input_shapes]
        layer = getattr(keras.layers, cls).from_config(copy.deepcopy(config))
        out = layer(inputs[0] if len(inputs) == 1 else inputs)
        return _measure(layer, out)

    return cached("layer", [cls, config, input_shapes, "dtype", dtype], compute)


def check_typed_layer(cls: str, config: dict, input_shapes: list, dtype: str) -> None:
    """:func:`check_layer` on inputs of ``dtype`` (string lookups, integer encoders)."""
    _assert_matches(cls, config, input_shapes, typed_layer_truth(cls, config, input_shapes, dtype))


def _assert_matches(cls: str, config: dict, input_shapes: list, truth: dict) -> None:
    from nnviz.layers.infer import infer_layer

    got = infer_layer(cls, config, [tuple(s) for s in input_shapes])
    shapes = [list(s) if s is not None else None for s in got.output_shapes]
    assert shapes == truth["outputs"], f"{cls} {config}: shapes {shapes} != Keras {truth['outputs']}"
    assert got.params == truth["params"], f"{cls} {config}: params {got.params} != Keras {truth['params']}"
    assert got.trainable_params == truth["trainable"]
    assert got.non_trainable_params == truth["non_trainable"]


def weights_truth(cls: str, config: dict, input_shapes: list, dtype: str = "float32") -> list:
    """Keras 3's weights of one layer, in its order: ``[[name, [dims], trainable], ...]``."""

    def compute() -> list:
        import keras

        inputs = [keras.Input(batch_shape=tuple(s), dtype=dtype) for s in input_shapes]
        layer = getattr(keras.layers, cls).from_config(copy.deepcopy(config))
        layer(inputs[0] if len(inputs) == 1 else inputs)
        return [[w.name, [int(d) for d in w.shape], bool(w.trainable)] for w in layer.weights]

    return cached("weights", [cls, config, input_shapes, dtype], compute)


def check_weights(cls: str, config: dict, input_shapes: list, dtype: str = "float32") -> None:
    """Assert that nnviz lists the weights Keras creates: same names, shapes, order and trainable flags."""
    from nnviz.layers.infer import infer_layer

    truth = weights_truth(cls, config, input_shapes, dtype)
    got = infer_layer(cls, config, [tuple(s) for s in input_shapes])
    mine = [[w.name, list(w.shape), w.trainable] for w in got.weights]
    assert mine == truth, f"{cls} {config}: weights {mine} != Keras {truth}"
