"""Keras ground truth for the tests, recorded once with TensorFlow and committed as data.

Keras's own numbers (output shapes, parameter counts, weights, a model's ``to_json()``)
are the truth nnviz is tested against. Computing them means importing TensorFlow and
building models, so each answer is recorded under ``tests/data/truth/<kind>/`` as one
small JSON file: what was asked (``key``), the Keras versions that answered, and the
answer (``value``). The tests read those files and need no TensorFlow.

- A question with no recorded answer is computed and recorded when TensorFlow is
  installed (commit the new file); without TensorFlow, or under ``CI=true`` (where
  everything must be committed), the test fails and says so. It never skips.
- Tests marked ``oracle`` ask live Keras again and compare with what is recorded
  (``tests/layers/test_oracle.py`` for layers, the ``oracle`` cases of
  ``tests/test_exactness.py`` for whole models), so the data cannot drift from Keras.
  After a Keras upgrade that changes an answer, delete the file and rerun to record it.
"""

from __future__ import annotations

import contextlib
import copy
import functools
import gzip
import hashlib
import importlib.metadata
import json
import os
from pathlib import Path
from typing import Any, Callable, Iterator

import pytest

DATA = Path(__file__).parent / "data" / "truth"
BIG = 16 * 1024  # answers larger than this (a whole model's to_json()) are stored gzipped


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


def in_ci() -> bool:
    """``CI=true`` (or 1/yes): every dependency is installed and every truth committed."""
    return os.environ.get("CI", "").strip().lower() in ("1", "true", "yes")


def _versions() -> dict[str, str]:
    out = {}
    for dist in ("keras", "tensorflow", "tf_keras"):
        try:
            out[dist] = importlib.metadata.version(dist)
        except importlib.metadata.PackageNotFoundError:
            pass
    return out


def truth_path(kind: str, key: Any) -> Path:
    """Where the answer to ``key`` is recorded (``.json``, or ``.json.gz`` for a big one)."""
    blob = json.dumps([kind, key], sort_keys=True)
    return DATA / kind / f"{hashlib.sha256(blob.encode()).hexdigest()[:20]}.json"


def read_record(path: Path) -> dict | None:
    """The record at ``path`` (or its gzipped twin), or None."""
    if path.exists():
        return json.loads(path.read_text(encoding="utf-8"))
    gz = path.with_name(path.name + ".gz")
    if gz.exists():
        return json.loads(gzip.decompress(gz.read_bytes()).decode("utf-8"))
    return None


def all_records(*kinds: str) -> list[tuple[Path, dict]]:
    """Every recorded answer of these kinds, sorted by file name."""
    out = []
    for kind in kinds:
        for path in sorted((DATA / kind).glob("*.json*")):
            out.append((path, read_record(path.with_name(path.name.removesuffix(".gz")))))
    return out


def _write_record(path: Path, kind: str, key: Any, value: Any) -> None:
    text = json.dumps({"kind": kind, "key": key, "keras": _versions(), "value": value}, sort_keys=True) + "\n"
    path.parent.mkdir(parents=True, exist_ok=True)
    data = text.encode("utf-8")
    if len(data) > BIG:
        path, data = path.with_name(path.name + ".gz"), gzip.compress(data, mtime=0)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_bytes(data)
    tmp.replace(path)


def recorded(kind: str, key: Any, compute: Callable[[], Any]) -> Any:
    """Keras's answer to ``key``: read from ``tests/data/truth/``, else computed once and recorded.

    ``key`` is plain JSON that says everything the answer depends on (never an installed
    version: the versions that answered are written beside it).
    """
    path = truth_path(kind, key)
    record = read_record(path)
    if record is not None:
        return record["value"]
    where = f"{path.relative_to(Path(__file__).parent.parent)}"
    if in_ci():
        pytest.fail(f"no recorded Keras truth for {kind} {key} ({where}): run the test once with "
                    "TensorFlow installed and commit the file it writes")
    if not have_tf():
        pytest.fail(f"no recorded Keras truth for {kind} {key} ({where}); recording it needs TensorFlow "
                    "(pip install -e '.[test]')")
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    value = compute()
    _write_record(path, kind, key, value)
    return value


# -- one layer on inputs of given shapes -------------------------------------------------------

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


def _call_layer(key: dict) -> tuple[Any, Any]:
    """Build ``key``'s layer from its config and call it on Keras inputs; returns (layer, outputs)."""
    import keras

    inputs = [keras.Input(batch_shape=tuple(s), dtype=key.get("dtype") or "float32") for s in key["inputs"]]
    # a deep copy: deserializing nested configs (an RNN's cells) pops keys from them
    layer = getattr(keras.layers, key["cls"]).from_config(copy.deepcopy(key["config"]))
    call = key.get("call", "list")
    if call == "args":
        out = layer(*inputs)
    elif call == "initial_state":
        out = layer(inputs[0], initial_state=inputs[1:])
    else:
        out = layer(inputs[0] if len(inputs) == 1 else inputs)
    return layer, out


def compute_layer(key: dict) -> dict:
    """Keras's output shapes and parameter counts for a ``layer`` key (see :func:`layer_truth`)."""
    layer, out = _call_layer(key)
    return _measure(layer, out)


def compute_weights(key: dict) -> list:
    """Keras's weights of a ``weights`` key's layer: ``[[name, [dims], trainable], ...]``."""
    layer, _ = _call_layer(key)
    return [[w.name, [int(d) for d in w.shape], bool(w.trainable)] for w in layer.weights]


def compute_tfprof(key: dict, model: Any = None) -> dict:
    """TensorFlow's profiler on a ``tfprof`` key's application: ``{layer: {op type: FLOPs}}``.

    The model (weights=None, after ``clear_session()``, so its layer names are the recorded
    ``app`` truth's; ``model``: one so built already, as test_exactness shares it) is traced
    for one sample as a concrete function, and ``tf.compat.v1.profiler`` with
    ``float_operation()`` counts every node of its graph; a node belongs to the layer whose
    name its name scope holds (``"?"``: none; the scopes are uniquified by TensorFlow, so
    where one layer's name is another's plus ``_1`` their counts may be swapped: compare per
    op type, not per layer). The profiler counts from static shapes, and a variable's read
    has the variable's shape, so the graph is profiled as traced: freezing the variables into
    constants first (as the truth was first recorded) gives the same counts on all 15
    families and took most of the time (VGG16's 138 M values copied into the graph).
    """
    import tensorflow as tf
    from keras_zoo import APPLICATIONS, build_application, flavor_module

    if model is None:
        flavor_module(APPLICATIONS[key["model"]]).backend.clear_session()
        model = build_application(key["model"])
    names = {layer.name for layer in model.layers}
    # a free image size (MobileNetV3) is profiled at 224 x 224; the tests fix nnviz's the same
    size = [224 if d is None else int(d) for d in model.input_shape[1:]]
    fn = tf.function(lambda x: model(x, training=False))
    with _grouped_convolutions_inline():
        concrete = fn.get_concrete_function(tf.TensorSpec([key["batch"], *size], tf.float32))
    graph = concrete.graph
    opts = tf.compat.v1.profiler.ProfileOptionBuilder.float_operation()
    opts["output"] = "none"
    root = tf.compat.v1.profiler.profile(graph, cmd="scope", options=opts)
    out: dict[str, dict[str, int]] = {}
    stack = list(root.children)
    while stack:
        node = stack.pop()
        stack.extend(node.children)
        if not node.float_ops:
            continue
        parts = node.name.split("/")
        # a traced call's scope is the layer's name, uniquified by TensorFlow ("conv1_1")
        layer = next((p for p in parts if p in names), None) or next(
            (p.rsplit("_", 1)[0] for p in parts if p.rsplit("_", 1)[0] in names), "?")
        op = graph.get_operation_by_name(node.name).type
        out.setdefault(layer, {})
        out[layer][op] = out[layer].get(op, 0) + int(node.float_ops)
    return {"layers": {k: dict(sorted(v.items())) for k, v in sorted(out.items())},
            "total_float_ops": int(root.total_float_ops), "input_shape": size}


@contextlib.contextmanager
def _grouped_convolutions_inline() -> Iterator[None]:
    """Trace grouped convolutions as plain Conv2D nodes the profiler counts.

    Keras 3's and tf_keras's TensorFlow backends run a grouped convolution as an XLA-compiled
    function (TensorFlow's CPU kernel lacks groups); the profiler does not look into function
    calls, and every shape after one is unknown to it. The graph is only counted, never run,
    so the convolution is traced inline here.
    """
    import tensorflow as tf
    from keras.src.backend.tensorflow import nn as k3_nn

    class _NoJit:
        def __getattr__(self, name: str) -> Any:
            return getattr(tf, name)

        def function(self, fn: Any = None, **kwargs: Any) -> Any:
            return fn if fn is not None else (lambda f: f)

    saved = [(k3_nn, "tf", k3_nn.tf)]
    try:
        from tf_keras.src.layers.convolutional.base_conv import Conv

        saved.append((Conv, "_jit_compiled_convolution_op", Conv.__dict__["_jit_compiled_convolution_op"]))
        Conv._jit_compiled_convolution_op = lambda self, inputs, kernel: self.convolution_op(inputs, kernel)
    except (ImportError, KeyError):
        pass
    k3_nn.tf = _NoJit()
    try:
        yield
    finally:
        for owner, name, value in saved:
            setattr(owner, name, value)


# bump when compute_tfprof() records something new
TFPROF_VERSION = 1


def tfprof_key(name: str) -> dict:
    from keras_zoo import APPLICATIONS

    return {"model": name, "flavor": APPLICATIONS[name], "batch": 1, "truth": TFPROF_VERSION}


def tfprof_truth(name: str) -> dict:
    """TensorFlow's profiler's FLOPs of a keras.applications model, per layer and op type, as recorded."""
    key = tfprof_key(name)
    return recorded("tfprof", key, lambda: compute_tfprof(key))


# kind -> how to ask Keras again from the recorded key alone (the oracle tests use it)
COMPUTE: dict[str, Callable[[dict], Any]] = {"layer": compute_layer, "weights": compute_weights,
                                              "tfprof": compute_tfprof}


def _layer_key(cls: str, config: dict, input_shapes: list, call_style: str = "list",
               dtype: str | None = None) -> dict:
    key: dict = {"cls": cls, "config": config, "inputs": [list(s) for s in input_shapes]}
    if call_style != "list":
        key["call"] = call_style
    if dtype is not None:
        key["dtype"] = dtype
    return key


def layer_truth(cls: str, config: dict, input_shapes: list, call_style: str = "list",
                dtype: str | None = None) -> dict:
    """Keras 3's output shapes and parameter counts for one layer on inputs of these shapes.

    ``input_shapes`` include the batch dimension (``None``). Returns
    ``{"outputs": [[None, ...], ...], "params": n, "trainable": n, "non_trainable": n}``.

    ``call_style`` says how the inputs reach the layer: ``"list"`` (one tensor alone,
    several as a list), ``"args"`` (as positional arguments, as MultiHeadAttention takes
    ``(query, value, key)``) or ``"initial_state"`` (an RNN's sequence, then its initial states).
    ``dtype``: the inputs' dtype (``"string"``, ``"int64"``), float32 when None.
    """
    key = _layer_key(cls, config, input_shapes, call_style, dtype)
    return recorded("layer", key, lambda: compute_layer(key))


def check_layer(cls: str, config: dict, input_shapes: list, call_style: str = "list") -> None:
    """Assert that nnviz infers what Keras computes for one layer (``call_style``: see :func:`layer_truth`)."""
    _assert_matches(cls, config, input_shapes, layer_truth(cls, config, input_shapes, call_style))


def check_typed_layer(cls: str, config: dict, input_shapes: list, dtype: str) -> None:
    """:func:`check_layer` on inputs of ``dtype`` (string lookups, integer encoders)."""
    _assert_matches(cls, config, input_shapes, layer_truth(cls, config, input_shapes, dtype=dtype))


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
    key = _layer_key(cls, config, input_shapes, dtype=None if dtype == "float32" else dtype)
    return recorded("weights", key, lambda: compute_weights(key))


def check_weights(cls: str, config: dict, input_shapes: list, dtype: str = "float32") -> None:
    """Assert that nnviz lists the weights Keras creates: same names, shapes, order and trainable flags."""
    from nnviz.layers.infer import infer_layer

    truth = weights_truth(cls, config, input_shapes, dtype)
    got = infer_layer(cls, config, [tuple(s) for s in input_shapes])
    mine = [[w.name, list(w.shape), w.trainable] for w in got.weights]
    assert mine == truth, f"{cls} {config}: weights {mine} != Keras {truth}"


# -- whole models ---------------------------------------------------------------------------------

def app_truth(name: str, build: Callable[[], Any] | None = None) -> dict:
    """A keras.applications model's numbers and ``to_json()`` text (``{"numbers", "json"}``).

    ``build()`` returns the built model (test_exactness passes its shared one); by default
    the application is built here, after ``clear_session()`` so its generated names are fixed.
    """
    from keras_zoo import APPLICATIONS, TRUTH_VERSION, build_application, flavor_module, keras_numbers

    def compute() -> dict:
        if build is None:
            flavor_module(APPLICATIONS[name]).backend.clear_session()
            model = build_application(name)
        else:
            model = build()
        return {"numbers": keras_numbers(model), "json": model.to_json()}

    return recorded("app", {"model": name, "flavor": APPLICATIONS[name], "truth": TRUTH_VERSION}, compute)


@functools.lru_cache(maxsize=None)
def app_json(name: str) -> str:
    """A keras.applications model's ``to_json()`` text (weights=None), as recorded (read once per session:
    the block, volume, HTML, cost and profiler tests all start from it)."""
    return app_truth(name)["json"]
