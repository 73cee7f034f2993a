"""Separate weights files (``--weights-file``): both layouts, written here with h5py so no TensorFlow is needed."""

from __future__ import annotations

import os
import zipfile

import h5py
import numpy as np
import pytest

import nnviz
from nnviz.errors import ReadError
from nnviz.readers.weights import attach_weights, weights_layout

SPEC = {"name": "w", "input_shape": [3], "layers": [{"type": "Dense", "units": 4, "name": "a"},
                                                    {"type": "Dense", "units": 2, "name": "b"}]}
RNG = np.random.default_rng(0)
ARRAYS = {"a": [RNG.normal(size=(3, 4)), RNG.normal(size=4)], "b": [RNG.normal(size=(4, 2)), RNG.normal(size=2)]}


def legacy_file(path):
    """The layout of Keras 2's ``save_weights("w.h5")``: layer_names, then weight_names per layer."""
    with h5py.File(path, "w") as f:
        f.attrs["layer_names"] = [b"a", b"b"]
        for name, (kernel, bias) in ARRAYS.items():
            g = f.create_group(name)
            g.attrs["weight_names"] = [f"{name}/kernel:0".encode(), f"{name}/bias:0".encode()]
            g[f"{name}/kernel:0"] = kernel
            g[f"{name}/bias:0"] = bias
    return path


def keras3_file(path):
    """The layout of Keras 3's ``save_weights("m.weights.h5")``: layers/<snake_case class>/vars/<i>."""
    with h5py.File(path, "w") as f:
        for key, name in (("dense", "a"), ("dense_1", "b")):
            v = f.create_group(f"layers/{key}/vars")
            v["0"], v["1"] = ARRAYS[name]
    return path


@pytest.mark.parametrize("make, layout", [(legacy_file, "legacy"), (keras3_file, "keras3")])
def test_both_layouts_attach(tmp_path, make, layout):
    path = make(tmp_path / "w.weights.h5")
    assert weights_layout(path) == layout
    graph = attach_weights(nnviz.load(SPEC), path)
    assert graph.has_weights and [l.name for l in graph.layers] == ["input", "a", "b"]
    for name in ("a", "b"):
        got = [a for _, a in graph.weights(name)]
        assert all(np.array_equal(g, w) for g, w in zip(got, ARRAYS[name], strict=True))
    assert graph.weights("input") == []


def test_load_takes_the_weights_file(tmp_path):
    spec = tmp_path / "model.json"
    import json

    spec.write_text(json.dumps(SPEC))
    graph = nnviz.load(spec, weights_file=legacy_file(tmp_path / "w.h5"))
    links = nnviz.draw(graph, style="node", weights=True).scene.links
    assert np.allclose(links[0].weights, ARRAYS["a"][0].ravel())


def test_weights_load_lazily(tmp_path):
    path = legacy_file(tmp_path / "w.h5")
    graph = attach_weights(nnviz.load(SPEC), path)
    os.remove(path)  # nothing was read yet beyond the check: reading now fails with a ReadError
    with pytest.raises(ReadError):
        graph.weights("a")


@pytest.mark.parametrize("content, match", [
    (None, "no such weights file"),
    (b"not hdf5 at all", "not HDF5"),
    ("zip", "draw the .keras file itself"),
    ("empty-h5", "without Keras weights"),
])
def test_bad_weights_files(tmp_path, content, match):
    path = tmp_path / "w.h5"
    if content == "zip":
        with zipfile.ZipFile(path, "w") as z:
            z.writestr("model.weights.h5", b"")
    elif content == "empty-h5":
        with h5py.File(path, "w") as f:
            f.create_group("something")
    elif content is not None:
        path.write_bytes(content)
    with pytest.raises(ReadError, match=match):
        attach_weights(nnviz.load(SPEC), path)


@pytest.mark.needs_tf
def test_tf_keras_legacy_save_weights(tmp_path):
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    tf_keras = pytest.importorskip("tf_keras")
    model = tf_keras.Sequential([tf_keras.layers.Dense(5, activation="relu", input_shape=(3,), name="a"),
                                 tf_keras.layers.Dense(2, name="b")], name="legacy")
    model.save_weights(tmp_path / "w.h5")
    (tmp_path / "m.json").write_text(model.to_json())
    graph = nnviz.load(tmp_path / "m.json", weights_file=tmp_path / "w.h5")
    assert weights_layout(tmp_path / "w.h5") == "legacy"
    kernel = dict(graph.weights("a"))["a/kernel:0"]
    assert np.array_equal(kernel, model.get_layer("a").get_weights()[0])
