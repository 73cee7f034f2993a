"""Bad input of every kind gives one clear ReadError naming the file, never another exception."""

import io
import json
import zipfile

import h5py
import numpy as np
import pytest

import nnviz
from nnviz.errors import ReadError
from h5files import write_h5_model


def _h5_model(path, config):
    write_h5_model(path, config, {"dense": {"dense/kernel:0": np.zeros((3, 2), "float32"),
                                            "dense/bias:0": np.zeros((2,), "float32")}})


SEQ = {"class_name": "Sequential", "config": {"name": "s", "layers": [
    {"class_name": "Dense", "config": {"name": "dense", "units": 2, "batch_input_shape": [None, 3]}}]}}


@pytest.fixture
def good_h5(tmp_path):
    p = tmp_path / "good.h5"
    _h5_model(p, SEQ)
    return p


def test_good_h5_reads(good_h5):
    g = nnviz.load(good_h5)
    assert g.total_params == 8
    assert [l.type for l in g.layers] == ["InputLayer", "Dense"]
    kernel = dict(g.weights("dense"))["dense/kernel:0"]
    assert kernel.shape == (3, 2)


def _err(path) -> str:
    with pytest.raises(ReadError) as e:
        nnviz.load(path)
    text = str(e.value)
    assert str(path) in text
    assert "\n" not in text
    return text


def test_missing_file(tmp_path):
    assert "no such file" in _err(tmp_path / "nope.h5")


def test_empty_file(tmp_path):
    p = tmp_path / "empty.json"
    p.write_bytes(b"")
    assert "empty" in _err(p)


def test_truncated_h5(tmp_path, good_h5):
    data = good_h5.read_bytes()
    for cut in (16, len(data) // 3, len(data) // 2, len(data) - 100):
        p = tmp_path / f"cut{cut}.h5"
        p.write_bytes(data[:cut])
        _err(p)


def test_weights_only_h5(tmp_path):
    """A save_weights() file stores no graph: nnviz reads the tree of its stored weights."""
    p = tmp_path / "w.h5"
    with h5py.File(p, "w") as f:
        f.attrs["layer_names"] = np.array([b"dense", b"dropout"])
        g = f.create_group("dense")
        g.attrs["weight_names"] = np.array([b"dense/kernel:0", b"dense/bias:0"])
        g.create_dataset("dense/kernel:0", shape=(4, 3), dtype="f4")
        g.create_dataset("dense/bias:0", shape=(3,), dtype="f4")
        f.create_group("dropout").attrs["weight_names"] = np.array([], dtype="S1")
    graph = nnviz.load(p)
    assert graph.has_graph is False and graph.to_dict()["graph"] is False
    assert [(layer.name, layer.type, layer.params) for layer in graph.layers] == [("dense", "Dense", 15),
                                                                                 ("dropout", "Dropout", 0)]


def test_h5_without_config(tmp_path):
    p = tmp_path / "data.h5"
    with h5py.File(p, "w") as f:
        f.create_dataset("x", data=np.arange(3))
    assert "model config" in _err(p)


def test_zip_that_is_not_keras(tmp_path):
    p = tmp_path / "other.keras"
    with zipfile.ZipFile(p, "w") as z:
        z.writestr("readme.txt", "hello")
    assert "not a Keras model" in _err(p)


def test_keras_extension_on_text(tmp_path):
    p = tmp_path / "fake.keras"
    p.write_text("hello")
    assert "not a zip" in _err(p) or "not a .keras" in _err(p)


def test_zip_bomb_config_is_refused(tmp_path):
    p = tmp_path / "bomb.keras"
    with zipfile.ZipFile(p, "w", compression=zipfile.ZIP_DEFLATED) as z:
        z.writestr("config.json", b" " * (80 * 1024 * 1024))
    text = _err(p)
    assert "inflate" in text or "zip bomb" in text


def test_truncated_zip(tmp_path):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as z:
        z.writestr("config.json", json.dumps(SEQ) * 5)
    p = tmp_path / "cut.keras"
    p.write_bytes(buf.getvalue()[:60])
    _err(p)


def test_non_utf8_text(tmp_path):
    p = tmp_path / "bin.json"
    p.write_bytes(b"\xff\xfe\x00garbage\x80")
    assert "UTF-8" in _err(p)


def test_json_nested_thousands_deep(tmp_path):
    p = tmp_path / "deep.json"
    p.write_text("[" * 100_000 + "]" * 100_000)
    assert "deep" in _err(p)


def test_json_that_is_not_a_model(tmp_path):
    p = tmp_path / "x.json"
    p.write_text('{"hello": 1}')
    _err(p)


def test_invalid_json(tmp_path):
    p = tmp_path / "x.json"
    p.write_text('{"layers": [')
    assert "not valid JSON" in _err(p)


def test_directory_that_is_not_a_savedmodel(tmp_path):
    assert "not a SavedModel" in _err(tmp_path)


def test_config_with_cycle(tmp_path):
    cfg = {"class_name": "Functional", "config": {"name": "m", "layers": [
        {"class_name": "InputLayer", "name": "x", "config": {"batch_shape": [None, 3], "name": "x"},
         "inbound_nodes": []},
        {"class_name": "Dense", "name": "a", "config": {"name": "a", "units": 3}, "inbound_nodes": [[["b", 0, 0, {}]]]},
        {"class_name": "Dense", "name": "b", "config": {"name": "b", "units": 3}, "inbound_nodes": [[["a", 0, 0, {}]]]},
    ], "input_layers": [["x", 0, 0]], "output_layers": [["b", 0, 0]]}}
    p = tmp_path / "cycle.json"
    p.write_text(json.dumps(cfg))
    assert "cycle" in _err(p)


def test_config_with_dangling_and_duplicate_names(tmp_path):
    base = {"class_name": "Functional", "config": {"name": "m", "layers": [
        {"class_name": "InputLayer", "name": "x", "config": {"batch_shape": [None, 3], "name": "x"},
         "inbound_nodes": []},
        {"class_name": "Dense", "name": "a", "config": {"name": "a", "units": 3}, "inbound_nodes": [[["zz", 0, 0, {}]]]},
    ], "input_layers": [["x", 0, 0]], "output_layers": [["a", 0, 0]]}}
    p = tmp_path / "dangling.json"
    p.write_text(json.dumps(base))
    assert "'zz'" in _err(p)
    base["config"]["layers"][1]["inbound_nodes"] = [[["x", 0, 0, {}]]]
    base["config"]["layers"].append(dict(base["config"]["layers"][1]))
    p.write_text(json.dumps(base))
    assert "two layers are named 'a'" in _err(p)


def test_h5_with_hostile_config(tmp_path):
    p = tmp_path / "hostile.h5"
    _h5_model(p, {"class_name": "Sequential", "config": {"layers": "nope"}})
    _err(p)
    _h5_model(p, {"class_name": "Sequential", "config": {"name": "s", "layers": [
        {"class_name": "Dense", "config": {"name": "dense", "units": "many", "batch_input_shape": [None, 3]}}]}})
    _err(p)


@pytest.mark.slow
def test_bit_flipped_h5_never_raises_anything_else(tmp_path, good_h5):
    data = bytearray(good_h5.read_bytes())
    rng = np.random.default_rng(0)
    for i in range(40):
        mutated = bytearray(data)
        for pos in rng.integers(0, len(data), size=8):
            mutated[pos] ^= 1 << int(rng.integers(0, 8))
        p = tmp_path / f"flip{i}.h5"
        p.write_bytes(bytes(mutated))
        try:
            nnviz.load(p)
        except ReadError:
            pass
