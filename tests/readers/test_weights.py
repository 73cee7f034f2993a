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


def _declared_kernel_files(tmp_path, n: int) -> list:
    """A .h5 model, a .keras zip and a weights file of Input(n) -> Dense(n, name="d") whose kernel is
    chunked and stores no chunk: a few KB that read as n x n float32 zeros."""
    import json

    from h5files import write_h5_model

    spec = {"name": "huge", "input_shape": [n], "layers": [{"type": "Dense", "units": n, "name": "d"}]}
    h5 = tmp_path / "huge.h5"
    write_h5_model(h5, {"class_name": "Sequential", "config": {"name": "huge", "layers": [
        {"class_name": "InputLayer", "config": {"batch_input_shape": [None, n], "name": "in"}},
        {"class_name": "Dense", "config": {"name": "d", "units": n, "activation": "linear"}}]}},
                   {"d": {"d/bias:0": np.zeros(n, "f4")}})
    with h5py.File(h5, "a") as f:
        f["model_weights/d"].attrs["weight_names"] = [b"d/kernel:0", b"d/bias:0"]
        f["model_weights/d"].create_dataset("d/kernel:0", shape=(n, n), dtype="f4", chunks=(256, 256))
    weights = tmp_path / "huge.weights.h5"
    with h5py.File(weights, "w") as f:
        v = f.create_group("layers/dense/vars")
        v.create_dataset("0", shape=(n, n), dtype="f4", chunks=(256, 256))
        v["1"] = np.zeros(n, "f4")
    keras = tmp_path / "huge.keras"
    with zipfile.ZipFile(keras, "w") as z:
        z.writestr("config.json", json.dumps({"class_name": "Sequential", "config": {"name": "huge", "layers": [
            {"class_name": "InputLayer", "config": {"batch_shape": [None, n], "name": "in"}},
            {"class_name": "Dense", "config": {"name": "d", "units": n, "activation": "linear"}}]}}))
        z.writestr("metadata.json", json.dumps({"keras_version": "3.5.0"}))
        z.write(weights, "model.weights.h5")
    spec_path = tmp_path / "huge.json"
    spec_path.write_text(json.dumps(spec))
    return [(h5, None), (keras, None), (spec_path, weights)]


def test_only_the_drawn_weights_cross_from_the_reading_process(tmp_path, monkeypatch):
    """Issue 17 item 10: a kernel is cut down to the drawn neurons in the child that reads it.

    The files declare a 3,000 x 3,000 kernel (36 MB); the drawing shows 20 x 20 of it, and the
    whole of what comes back from the child processes must be of that order, not the kernel.
    """
    from nnviz.readers import isolate

    if not isolate.isolation_available():
        pytest.skip("reads run in-process here (no fork)")
    sizes = []
    read_all = isolate._read_all
    monkeypatch.setattr(isolate, "_read_all", lambda fd, path: sizes.append(len(data := read_all(fd, path)))
                        or data)
    for source, weights_file in _declared_kernel_files(tmp_path, 3000):
        sizes.clear()
        links = nnviz.draw(source, weights_file=weights_file, style="node", weights=True,
                           max_neurons=20).scene.links
        assert sizes, source  # the weights came from a child process
        assert max(sizes) < 200_000, (source, sizes)
        assert 0 < len(links[0].weights) <= 20 * 20 and not np.any(links[0].weights), source


def test_only_the_drawn_rows_of_a_kernel_are_read(tmp_path):
    """A kernel is never read whole for a drawing: one declared past the 2 GB array limit
    (50,000 x 50,000 float32, 10 GB, stored as no chunk at all) draws from the rows shown,
    while reading it whole is refused."""
    for source, weights_file in _declared_kernel_files(tmp_path, 50_000):
        graph = nnviz.load(source, weights_file=weights_file)
        with pytest.raises(ReadError, match="would take 10,000,000,000 bytes"):
            graph.weights("d")
        links = nnviz.draw(graph, style="node", weights=True, max_neurons=20).scene.links
        assert 0 < len(links[0].weights) <= 20 * 20 and not np.any(links[0].weights), source
