"""Hostile and damaged input beyond test_bad_input.py: one ReadError naming the file, in bounded time.

Absurd sizes in Keras configs (not only in specs), self-references, missing names, negative
references, layers wrapped without end, damaged SavedModel metadata, damaged weights inside a
``.keras``, oversized members and attributes, and an HDF5 file that makes the HDF5 library loop
forever. Through the command line: exit status 2, one line, no traceback (``--debug`` shows one).
"""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import time
import zipfile
from pathlib import Path
from typing import Any

import h5py
import numpy as np
import pytest
from click.testing import CliRunner

import nnviz
from nnviz.cli import cli
from nnviz.errors import ReadError, ShapeError
from nnviz.readers import h5 as h5_reader
from nnviz.readers import isolate, keras_zip, savedmodel, sniff
from nnviz.readers.savedmodel import varint_bytes
from h5files import write_h5_model

needs_fork = pytest.mark.skipif(not isolate.isolation_available(), reason="reads run in-process here")


def _err(path: Path, match: str, cls: type = ReadError) -> str:
    with pytest.raises(cls) as e:
        nnviz.load(path)
    text = str(e.value)
    assert text.startswith(f"{path}: "), text
    assert "\n" not in text
    assert match in text, text
    return text


# -- Keras configs with hostile values -----------------------------------------------------------

def _functional(*layers: dict) -> dict:
    x = {"class_name": "InputLayer", "name": "x", "config": {"batch_shape": [None, 3], "name": "x"},
         "inbound_nodes": []}
    return {"class_name": "Functional", "config": {"name": "m", "layers": [x, *layers],
                                                  "input_layers": [["x", 0, 0]],
                                                  "output_layers": [[layers[-1].get("name", "?"), 0, 0]]}}


def _layer(cls: str, name: str, src: Any = "x", **cfg: Any) -> dict:
    return {"class_name": cls, "name": name, "config": {"name": name, **cfg},
            "inbound_nodes": [[[src, 0, 0, {}]]]}


def _sequential(input_shape: list, *layers: dict) -> dict:
    return {"class_name": "Sequential", "config": {"name": "s", "layers": [
        {"class_name": "InputLayer", "config": {"batch_shape": [None, *input_shape], "name": "x"}}, *layers]}}


def _wrapped(depth: int) -> dict:
    inner = {"class_name": "LSTM", "config": {"name": "lstm", "units": 2}}
    for i in range(depth):
        inner = {"class_name": "Bidirectional", "config": {"name": f"bi{i}", "layer": inner}}
    return _sequential([4, 3], inner)


HOSTILE_CONFIGS = {
    "self_reference": (_functional(_layer("Dense", "a", "a", units=3)), "reads its own output"),
    "no_name_functional": (_functional({"class_name": "Dense", "config": {"units": 3},
                                        "inbound_nodes": [[["x", 0, 0, {}]]]}), "has no name"),
    "no_name_sequential": ({"class_name": "Sequential", "config": {"layers": [
        {"class_name": "Dense", "config": {"units": 2, "batch_input_shape": [None, 3]}}]}}, "has no name"),
    "units_10e12": (_functional(_layer("Dense", "a", units=10**12)), "units must be a positive integer"),
    "units_zero": (_functional(_layer("Dense", "a", units=0)), "units must be a positive integer"),
    "units_negative": (_functional(_layer("Dense", "a", units=-4)), "units must be a positive integer"),
    "units_fraction": (_functional(_layer("Dense", "a", units=2.5)), "units must be a positive integer"),
    "units_text": (_functional(_layer("Dense", "a", units="10")), "units must be a positive integer"),
    "filters_huge": (_sequential([8, 8, 1], {"class_name": "Conv2D", "config": {
        "name": "c", "filters": 2**40, "kernel_size": 3}}), "filters must be a positive integer"),
    "kernel_size_zero": (_sequential([8, 8, 1], {"class_name": "Conv2D", "config": {
        "name": "c", "filters": 2, "kernel_size": [0, 0]}}), "positive"),
    "pool_size_zero": (_sequential([8, 8, 1], {"class_name": "MaxPooling2D", "config": {
        "name": "p", "pool_size": 0}}), "positive"),
    "input_dimension_huge": (_sequential([2**40], {"class_name": "Dense", "config": {"name": "d", "units": 2}}),
                             "impossible dimension"),
    "input_dimension_negative": (_sequential([-3], {"class_name": "Dense", "config": {"name": "d", "units": 2}}),
                                 "impossible dimension"),
    "dense_of_10e18_params": (_sequential([2**30], {"class_name": "Dense", "config": {
        "name": "d", "units": 2**30}}), "parameters in one layer"),
    "embedding_of_10e13_params": (_sequential([4], {"class_name": "Embedding", "config": {
        "name": "e", "input_dim": 10**7, "output_dim": 10**6}}), "parameters in one layer"),
    "upsampling_to_huge": (_sequential([4, 4, 1], {"class_name": "UpSampling2D", "config": {
        "name": "u", "size": [2**30, 2**30]}}), "impossible dimension"),
    "reshape_to_negative": (_sequential([4], {"class_name": "Reshape", "config": {
        "name": "r", "target_shape": [-2, -2]}}), "impossible dimension"),
    "repeat_10e12_times": (_sequential([4], {"class_name": "RepeatVector", "config": {"name": "r", "n": 10**12}}),
                           "n must be a positive integer"),
    "negative_tensor_index": (_functional({"class_name": "Dense", "name": "a", "config": {"name": "a", "units": 3},
                                           "inbound_nodes": [[["x", 0, -7, {}]]]}), "negative index"),
    "negative_node_index": (_functional({"class_name": "Dense", "name": "a", "config": {"name": "a", "units": 3},
                                         "inbound_nodes": [[["x", -9, 0, {}]]]}), "negative index"),
    # a wrapper may infer its inner layer twice: without a limit, depth is exponential time
    "wrapped_200_deep": (_wrapped(200), "wrapped in layers more than"),
}


@pytest.mark.parametrize("name", sorted(HOSTILE_CONFIGS))
def test_hostile_keras_config(tmp_path, name):
    config, match = HOSTILE_CONFIGS[name]
    path = tmp_path / f"{name}.json"
    path.write_text(json.dumps(config))
    start = time.perf_counter()
    _err(path, match)
    assert time.perf_counter() - start < 30  # bounded (the deep wrapper took minutes before)


def test_absurd_sizes_are_shape_errors(tmp_path):
    path = tmp_path / "huge.json"
    path.write_text(json.dumps(HOSTILE_CONFIGS["dense_of_10e18_params"][0]))
    _err(path, "parameters", ShapeError)


def test_infinite_units(tmp_path):
    path = tmp_path / "inf.json"
    path.write_text(json.dumps(_functional(_layer("Dense", "a", units=float("inf")))))  # JSON's Infinity
    _err(path, "units")


def test_a_little_wrapping_is_fine():
    graph = nnviz.load(_wrapped(2))
    assert graph.layer("bi1").type == "Bidirectional" and graph.total_params > 0


# -- stored weights of absurd shapes ----------------------------------------------------------

def _h5_with_custom_weights(path: Path, shapes: dict[str, tuple]) -> None:
    config = _sequential([3], {"class_name": "MyCustom", "config": {"name": "custom"}})
    # declared, never written: an absurd shape costs no disk
    write_h5_model(path, config, {"custom": shapes}, keras_version="2.15.0")


def test_stored_weights_of_absurd_shape(tmp_path):
    path = tmp_path / "absurd.h5"
    _h5_with_custom_weights(path, {"custom/w:0": (10**7, 10**6)})
    _err(path, "parameters in one layer", ShapeError)
    _h5_with_custom_weights(path, {"custom/w:0": (2**32, 1)})
    _err(path, "impossible dimension", ShapeError)


def test_loading_weights_refuses_an_absurd_array(tmp_path, monkeypatch):
    path = tmp_path / "big.h5"
    _h5_with_custom_weights(path, {"custom/w:0": (10**5, 10**4)})  # 4 GB declared, nothing stored
    graph = nnviz.load(path)
    assert graph.layer("custom").params == 10**9
    with pytest.raises(ReadError, match="would take 4,000,000,000 bytes"):
        graph.weights("custom")


# -- SavedModel directories -------------------------------------------------------------------



def _metadata(payload: bytes) -> bytes:
    def field(number: int, data: bytes) -> bytes:
        return varint_bytes(number << 3 | 2) + varint_bytes(len(data)) + data

    return field(1, field(3, b"root") + field(5, payload))


SAVEDMODEL_METADATA = {
    "invalid_json": (_metadata(b'{"class_name": "Sequential", "config": '), "not valid JSON"),
    "json_bomb": (_metadata(b"[" * 100_000 + b"]" * 100_000), "nested too deeply"),
    "not_utf8": (_metadata(b'{"class_name": "\xff\xfe"}'), "keras_metadata.pb"),
    "not_a_model": (_metadata(b'["a list"]'), "not a Keras model"),
    "hostile_config": (_metadata(json.dumps({"class_name": "Sequential", "config": {"name": "s", "layers": [
        {"class_name": "Dense", "config": {"name": "d", "units": -1, "batch_input_shape": [None, 3]}}]}}).encode()),
        "units must be a positive integer"),
    "truncated": (_metadata(b'{"class_name": "Sequential"}')[:9], "keras_metadata.pb"),
    "no_nodes": (b"", "holds no model"),
    # issue 17 item 7: these were tracebacks (the int-string limit; RecursionError)
    "huge_int": (_metadata(b'{"class_name": "Sequential", "config": {"name": "s", "layers": [{"class_name": '
                           b'"Dense", "config": {"name": "d", "units": ' + b"9" * 5000 + b'}}]}}'),
                 "integer of thousands of digits"),
    "nested_600": (_metadata(b'{"class_name": "Functional", "config": ' + b'{"a": ' * 600 + b"1" + b"}" * 601),
                   "nested too deeply"),
}


@pytest.mark.parametrize("name", sorted(SAVEDMODEL_METADATA))
def test_savedmodel_with_bad_metadata(tmp_path, name):
    data, match = SAVEDMODEL_METADATA[name]
    folder = tmp_path / name
    folder.mkdir()
    (folder / "saved_model.pb").write_bytes(b"")
    (folder / "keras_metadata.pb").write_bytes(data)
    _err(folder, match)


def test_savedmodel_metadata_over_the_limit(tmp_path, monkeypatch):
    monkeypatch.setattr(savedmodel, "MAX_METADATA_BYTES", 1000)
    (tmp_path / "saved_model.pb").write_bytes(b"")
    (tmp_path / "keras_metadata.pb").write_bytes(_metadata(b" " * 2000))
    _err(tmp_path, "larger than")


def test_directory_of_other_files(tmp_path):
    (tmp_path / "notes.txt").write_text("hello")
    (tmp_path / "sub").mkdir()
    _err(tmp_path, "not a SavedModel")


# -- .keras zips with damaged members ---------------------------------------------------------

CUSTOM_CONFIG = {"class_name": "Sequential", "config": {"name": "s", "layers": [
    {"class_name": "InputLayer", "config": {"batch_shape": [None, 3], "name": "x"}},
    {"class_name": "MyScale", "module": None, "registered_name": "My>MyScale", "config": {"name": "scale"}}]}}


def _weights_h5() -> bytes:
    buf = io.BytesIO()
    with h5py.File(buf, "w") as f:
        f.create_dataset("layers/my_scale/vars/0", data=np.ones(3, "float32"))
    return buf.getvalue()


def _keras_zip(path: Path, config: bytes, weights: bytes | None = None,
               compression: int = zipfile.ZIP_DEFLATED) -> None:
    with zipfile.ZipFile(path, "w", compression=compression) as z:
        z.writestr("metadata.json", json.dumps({"keras_version": "3.5.0"}))
        z.writestr("config.json", config)
        if weights is not None:
            z.writestr("model.weights.h5", weights)


def test_keras_custom_layer_reads_its_weights(tmp_path):
    path = tmp_path / "good.keras"
    _keras_zip(path, json.dumps(CUSTOM_CONFIG).encode(), _weights_h5())
    assert nnviz.load(path).layer("scale").params == 3


@pytest.mark.parametrize("damage", ["garbage", "truncated", "empty", "bit_flips"])
def test_keras_with_a_damaged_weights_file(tmp_path, damage):
    weights = _weights_h5()
    broken = {"garbage": b"\x89HDF\r\n\x1a\n" + os.urandom(2000), "truncated": weights[:len(weights) // 2],
              "empty": b"", "bit_flips": bytes(b ^ 0x55 if 8 <= i < 600 else b for i, b in enumerate(weights))}
    path = tmp_path / f"{damage}.keras"
    _keras_zip(path, json.dumps(CUSTOM_CONFIG).encode(), broken[damage])
    _err(path, "model.weights.h5")


def test_keras_with_a_bad_crc(tmp_path):
    path = tmp_path / "crc.keras"
    _keras_zip(path, json.dumps(CUSTOM_CONFIG).encode(), _weights_h5())
    data = bytearray(path.read_bytes())
    entry = data.index(b"PK\x01\x02")  # the first entry of the central directory
    while data[entry + 46:entry + 46 + 16] != b"model.weights.h5":
        entry = data.index(b"PK\x01\x02", entry + 4)
    data[entry + 16] ^= 0xFF  # the central directory's CRC of the weights no longer matches them
    path.write_bytes(bytes(data))
    _err(path, "model.weights.h5")


def test_keras_config_json_bomb(tmp_path):
    path = tmp_path / "deep.keras"
    _keras_zip(path, b'{"class_name": "Sequential", "config": ' + b"[" * 200_000 + b"]" * 200_000 + b"}")
    _err(path, "nested too deeply")


def test_keras_config_not_utf8(tmp_path):
    path = tmp_path / "latin.keras"
    _keras_zip(path, b'{"class_name": "Sequential", "config": {"name": "\xe9"}}')
    _err(path, "not UTF-8")


def test_keras_member_limits(tmp_path, monkeypatch):
    path = tmp_path / "big.keras"
    _keras_zip(path, json.dumps(CUSTOM_CONFIG).encode(), _weights_h5())
    monkeypatch.setattr(keras_zip, "MAX_WEIGHTS_BYTES", 100)
    _err(path, "larger than 100 bytes")
    monkeypatch.setattr(keras_zip, "MAX_CONFIG_BYTES", 100)
    _err(path, "limit 100")


def test_keras_with_garbage_metadata_still_reads(tmp_path):
    path = tmp_path / "meta.keras"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("metadata.json", b"\xff\x00 not json")
        z.writestr("config.json", json.dumps(CUSTOM_CONFIG))
    assert nnviz.load(path).layer("scale").type == "MyScale"


# -- HDF5 ---------------------------------------------------------------------------------

def test_h5_config_attribute_over_the_limit(tmp_path, monkeypatch):
    path = tmp_path / "big.h5"
    with h5py.File(path, "w") as f:
        f.attrs["model_config"] = json.dumps(CUSTOM_CONFIG)
    monkeypatch.setattr(h5_reader, "MAX_ATTR_BYTES", 100)
    _err(path, "larger than")


def test_h5_config_not_utf8_and_deeply_nested(tmp_path):
    path = tmp_path / "bad.h5"
    with h5py.File(path, "w") as f:
        f.attrs["model_config"] = np.bytes_(b'{"class_name": "\xff"}')
    _err(path, "HDF5")
    with h5py.File(path, "w") as f:
        f.attrs["model_config"] = "[" * 50_000 + "]" * 50_000
    _err(path, "nested too deeply")


def test_json_file_over_the_limit(tmp_path, monkeypatch):
    path = tmp_path / "big.json"
    path.write_text(json.dumps(CUSTOM_CONFIG))
    monkeypatch.setattr(sniff, "MAX_JSON_BYTES", 100)
    _err(path, "more than nnviz reads as JSON")


@pytest.mark.parametrize("suffix", [".h5", ".keras", ".hdf5"])
def test_empty_model_files(tmp_path, suffix):
    path = tmp_path / f"empty{suffix}"
    path.write_bytes(b"")
    _err(path, "empty")


def looping_h5(path: Path) -> Path:
    """An HDF5 file on which the HDF5 library loops forever (holding the GIL).

    The config string lives in a global heap collection; the heap's free-space object that
    follows it gets size 0, and the library's walk over the heap never advances.
    """
    text = json.dumps(_sequential([3], {"class_name": "Dense", "config": {"name": "d", "units": 2}}))
    buf = io.BytesIO()
    with h5py.File(buf, "w") as f:
        f.attrs["model_config"] = text
    data = bytearray(buf.getvalue())
    gcol = data.index(b"GCOL")
    size = int.from_bytes(data[gcol + 24:gcol + 32], "little")
    assert size == len(text)
    free = gcol + 32 + (size + 7) // 8 * 8
    data[free:free + 16] = bytes(16)
    path.write_bytes(bytes(data))
    return path


@needs_fork
def test_a_file_that_makes_the_hdf5_library_loop(tmp_path, monkeypatch):
    monkeypatch.setattr(isolate, "TIME_LIMIT_S", 2.0)
    path = looping_h5(tmp_path / "loop.h5")
    start = time.perf_counter()
    _err(path, "did not finish within 2 s")
    assert time.perf_counter() - start < 20


# -- the child process that bounds HDF5 reads ---------------------------------------------------

def _loop_forever() -> None:
    while True:
        pass


def _crash() -> None:
    import signal

    os.kill(os.getpid(), signal.SIGKILL)  # as a segfault would end it, without a core dump


def _allocate() -> bytes:
    return bytes(1024 ** 3)


def _refuse() -> None:
    raise ShapeError("no", layer="dense", hint="try again")


def _bug() -> None:
    raise KeyError("a bug")


@needs_fork
def test_isolation_bounds_time(monkeypatch):
    monkeypatch.setattr(isolate, "TIME_LIMIT_S", 1.0)
    with pytest.raises(ReadError, match="did not finish within 1 s"):
        isolate.run_isolated(_loop_forever, path="x.h5")


@needs_fork
def test_isolation_survives_a_crash():
    with pytest.raises(ReadError, match="crashed"):
        isolate.run_isolated(_crash, path="x.h5")


@needs_fork
def test_isolation_bounds_memory(monkeypatch):
    monkeypatch.setattr(isolate, "MEMORY_LIMIT_BYTES", 256 * 1024 ** 2)
    with pytest.raises(ReadError, match="needs more than 256 MB"):
        isolate.run_isolated(_allocate, path="x.h5")


@needs_fork
def test_isolation_passes_nnviz_errors_back_whole():
    with pytest.raises(ShapeError) as e:
        isolate.run_isolated(_refuse, path="x.h5")
    assert (e.value.path, e.value.layer, e.value.hint) == ("x.h5", "dense", "try again")


@needs_fork
def test_isolation_shows_a_bug_as_a_bug():
    with pytest.raises(RuntimeError, match="KeyError: 'a bug'"):
        isolate.run_isolated(_bug, path="x.h5")


def test_without_isolation_the_same_function_runs_here(monkeypatch):
    monkeypatch.setenv("NNVIZ_ISOLATE", "0")
    assert not isolate.isolation_available()
    assert isolate.run_isolated(sum, [1, 2], path="x.h5") == 3


# -- the command line ---------------------------------------------------------------------

def _bad_files(folder: Path) -> list[Path]:
    out = []
    for name in ("units_10e12", "self_reference", "wrapped_200_deep"):
        p = folder / f"{name}.json"
        p.write_text(json.dumps(HOSTILE_CONFIGS[name][0]))
        out.append(p)
    p = folder / "damaged.keras"
    _keras_zip(p, json.dumps(CUSTOM_CONFIG).encode(), b"\x89HDF\r\n\x1a\n" + b"\x00" * 100)
    out.append(p)
    p = folder / "absurd.h5"
    _h5_with_custom_weights(p, {"custom/w:0": (2**32, 1)})
    out.append(p)
    return out


def test_cli_one_line_exit_2_no_traceback(tmp_path):
    runner = CliRunner()
    for path in _bad_files(tmp_path):
        r = runner.invoke(cli, ["summary", str(path)])
        assert r.exit_code == 2, (path, r.output)
        lines = r.output.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith(f"nnviz: error: {path}: "), r.output
        assert "Traceback" not in r.output


def test_cli_debug_shows_the_traceback(tmp_path):
    path = _bad_files(tmp_path)[0]
    proc = subprocess.run([sys.executable, "-m", "nnviz.cli", "--debug", "summary", str(path)],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode != 0
    assert "Traceback" in proc.stderr and "ShapeError" in proc.stderr


def test_nesting_limit_does_not_depend_on_the_callers_stack(tmp_path):
    """The depth check is nnviz's own, so a caller deep in its stack gets the same one-line error."""
    data, match = SAVEDMODEL_METADATA["nested_600"]
    (tmp_path / "saved_model.pb").write_bytes(b"")
    (tmp_path / "keras_metadata.pb").write_bytes(data)

    def deep(n):
        if n:
            return deep(n - 1)
        with pytest.raises(ReadError, match=match):
            nnviz.load(tmp_path)
        return True

    assert deep(350)
