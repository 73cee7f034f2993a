"""No code from a model file ever runs: not a Lambda's bytecode, not a custom class, not a module it names.

Real Keras 3 and tf_keras build models whose Lambda layers and custom objects write a
marker file when run, and whose custom classes live in a throwaway module that writes the
marker when imported. A positive control proves the files are armed (Keras itself, loading
them with ``safe_mode=False``, writes the marker). nnviz then reads them in a FRESH process,
with the throwaway module importable, through ``nnviz summary``, ``nnviz.load`` (and ``nnviz
draw`` where the renderers exist): no marker, the module not imported, nothing the file names
imported, and the layers shown as what they are, with what can be known.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import zipfile
from pathlib import Path
from typing import Any, Iterator

import h5py
import numpy as np
import pytest
from h5files import write_h5_model

MARKER_ENV = "NNVIZ_EVIL_MARKER"

# the throwaway module: importing it, building its layers, calling its function or its layers
# appends a line to the marker file named by $NNVIZ_EVIL_MARKER
_EVIL_MODULE = '''
import os

def _mark(what):
    path = os.environ.get("NNVIZ_EVIL_MARKER")
    if path:
        with open(path, "a") as fh:
            fh.write(what + "\\n")

_mark("imported " + __name__)
import {keras} as keras

@keras.saving.register_keras_serializable(package="Evil")
def evil_activation(x):
    _mark("activation")
    return x

@keras.saving.register_keras_serializable(package="Evil")
class EvilDense(keras.layers.Layer):
    def __init__(self, units=5, **kwargs):
        super().__init__(**kwargs)
        self.units = units
        _mark("EvilDense.__init__")

    def build(self, shape):
        self.kernel = self.add_weight(name="kernel", shape=(shape[-1], self.units))
        self.bias = self.add_weight(name="bias", shape=(self.units,))

    def call(self, x):
        _mark("EvilDense.call")
        return x @ self.kernel + self.bias

    def get_config(self):
        return {{**super().get_config(), "units": self.units}}

class EvilPlain(keras.layers.Layer):  # not registered: Keras would import this module by name
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        _mark("EvilPlain.__init__")

    def build(self, shape):
        self.scale = self.add_weight(name="scale", shape=(shape[-1],))

    def call(self, x):
        return x * self.scale
'''

# builds x -> Dense(3, custom activation) -> Lambda -> EvilDense(5) -> EvilPlain -> Dense(2) with
# both Keras 3 and tf_keras, saves every format, then runs Keras's own loader as the control
_GENERATE = '''
import os, sys
os.environ.pop("NNVIZ_EVIL_MARKER", None)
sys.path.insert(0, os.getcwd())

LAMBDA = lambda x: (__import__("os").environ.get("NNVIZ_EVIL_MARKER") and open(
    __import__("os").environ["NNVIZ_EVIL_MARKER"], "a").write("lambda ran\\n"), x)[1]

def build(keras, evil):
    inp = keras.Input((4,), name="x")
    h = keras.layers.Dense(3, activation=evil.evil_activation, name="d1")(inp)
    h = keras.layers.Lambda(LAMBDA, name="lam")(h)
    h = evil.EvilDense(5, name="evil")(h)
    h = evil.EvilPlain(name="plain")(h)
    return keras.Model(inp, keras.layers.Dense(2, name="out")(h), name="evilnet")

import keras, nnviz_evil_k3
m = build(keras, nnviz_evil_k3)
m.save("k3.keras")
m.save("k3.h5")
open("k3.json", "w").write(m.to_json())

import tf_keras, nnviz_evil_tfk
t = build(tf_keras, nnviz_evil_tfk)
t.save("tfk.keras")
t.save("tfk.h5")
open("tfk.json", "w").write(t.to_json())
assert m.count_params() == t.count_params() == 52

# the control: Keras's own loader runs what the files hold
os.environ["NNVIZ_EVIL_MARKER"] = os.path.abspath("control.txt")
keras.saving.load_model("k3.keras", safe_mode=False, custom_objects={"EvilPlain": nnviz_evil_k3.EvilPlain})
tf_keras.models.load_model("tfk.keras", safe_mode=False, custom_objects={"EvilPlain": nnviz_evil_tfk.EvilPlain})
'''

# in a fresh process: read benign files of every kind first (so that what nnviz itself imports
# is loaded), then the hostile ones, noting every module imported while reading them
_CHECK = '''
import json, sys
import nnviz
from nnviz.cli import main

out, n_benign, files = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
graphs = {}
for i, f in enumerate(files):
    if i == n_benign:
        before = set(sys.modules)
    g = nnviz.load(f)
    graphs[f] = {"total": g.total_params, "layers": {
        l.name: {"type": l.type, "params": l.params, "inbound": g.inbound(l.name),
                 "shape": None if l.output_shape is None else list(l.output_shape), "notes": list(l.notes)}
        for l in g.layers}}
    g.summary()
    for l in g.layers:
        g.weights(l.name)
    try:
        main(["summary", f])
    except SystemExit as e:
        assert e.code in (0, None), e.code
json.dump({"graphs": graphs, "new_modules": sorted(set(sys.modules) - before),
           "all_modules": sorted(sys.modules)}, open(out, "w"))
'''

EVIL_MODULES = ("nnviz_evil_k3", "nnviz_evil_tfk")
NEVER_IMPORTED = ("keras", "tensorflow", "tf_keras", *EVIL_MODULES)


def _env(folder: Path, marker: Path | None) -> dict[str, str]:
    env = dict(os.environ)
    # the throwaway modules are importable: if nnviz imported them, it would succeed
    env["PYTHONPATH"] = os.pathsep.join([str(folder), env.get("PYTHONPATH", "")])
    env.pop(MARKER_ENV, None)
    if marker is not None:
        env[MARKER_ENV] = str(marker)
    env["TF_CPP_MIN_LOG_LEVEL"] = "3"
    env["MPLBACKEND"] = "Agg"
    return env


def _write_modules(folder: Path) -> None:
    (folder / "nnviz_evil_k3.py").write_text(_EVIL_MODULE.format(keras="keras"))
    (folder / "nnviz_evil_tfk.py").write_text(_EVIL_MODULE.format(keras="tf_keras"))


@pytest.fixture(scope="module")
def armed(tmp_path_factory) -> Path:
    """A folder with model files that run code if loaded by Keras, and the modules they name."""
    folder = tmp_path_factory.mktemp("armed")
    _write_modules(folder)
    proc = subprocess.run([sys.executable, "-c", _GENERATE], cwd=folder, env=_env(folder, None),
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return folder


def _module_names(value: Any) -> Iterator[str]:
    """Every module a config names: ``module`` entries and the packages of ``registered_name``."""
    if isinstance(value, dict):
        for key in ("module", "registered_name"):
            v = value.get(key)
            if isinstance(v, str) and v:
                name = v.split(">")[0] if key == "registered_name" else v
                yield name
                yield name.split(".")[0]
        for v in value.values():
            yield from _module_names(v)
    elif isinstance(value, list):
        for v in value:
            yield from _module_names(v)


def _config_of(path: Path) -> Any:
    if path.suffix == ".keras":
        with zipfile.ZipFile(path) as z:
            return json.loads(z.read("config.json"))
    if path.suffix == ".h5":
        with h5py.File(path, "r") as f:
            raw = f.attrs["model_config"]
            return json.loads(raw.decode() if isinstance(raw, bytes) else raw)
    return json.loads(path.read_text())


def _benign_files(folder: Path) -> list[Path]:
    """Harmless files of every kind nnviz reads, to warm up a process before the hostile ones."""
    config = {"class_name": "Sequential", "config": {"name": "s", "layers": [
        {"class_name": "InputLayer", "config": {"batch_shape": [None, 4], "name": "x"}},
        {"class_name": "Dense", "config": {"name": "dense", "units": 2}},
        {"class_name": "Lambda", "config": {"name": "lam", "function": "x"}},
        {"class_name": "Custom", "config": {"name": "custom"}}]}}
    folder = folder / "benign"
    folder.mkdir(exist_ok=True)
    spec = folder / "spec.json"
    spec.write_text(json.dumps({"input_shape": [3], "layers": [{"type": "Dense", "units": 2}]}))
    as_json = folder / "config.json"
    as_json.write_text(json.dumps(config))
    as_h5 = folder / "model.h5"
    with h5py.File(as_h5, "w") as f:
        f.attrs["model_config"] = json.dumps(config)
        g = f.create_group("model_weights")
        g.attrs["layer_names"] = np.array([b"dense"])
        d = g.create_group("dense")
        d.attrs["weight_names"] = np.array([b"kernel:0"])
        d.create_dataset("kernel:0", data=np.zeros((4, 2), "float32"))
    weights = folder / "w.h5"
    with h5py.File(weights, "w") as f:
        f.create_dataset("layers/custom/vars/0", data=np.zeros((3,), "float32"))
    as_keras = folder / "model.keras"
    with zipfile.ZipFile(as_keras, "w") as z:
        z.writestr("config.json", json.dumps(config))
        z.writestr("model.weights.h5", weights.read_bytes())
    return [spec, as_json, as_h5, as_keras]


def _read_fresh(folder: Path, files: list[Path]) -> dict[str, Any]:
    """nnviz.load, the summary, the weights and the CLI's summary, in a new interpreter."""
    marker = folder / "marker.txt"
    out = folder / "check.json"
    benign = _benign_files(folder)
    proc = subprocess.run([sys.executable, "-c", _CHECK, str(out), str(len(benign)),
                           *map(str, benign + files)], cwd=folder,
                          env=_env(folder, marker), capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert not marker.exists(), f"code from a model file ran: {marker.read_text()}"
    return json.loads(out.read_text())


def _assert_nothing_imported(result: dict[str, Any], files: list[Path]) -> None:
    named = set()
    for f in files:
        named |= set(_module_names(_config_of(f)))
    new = set(result["new_modules"])
    assert not new & named, f"imported modules that the file names: {sorted(new & named)}"
    loaded = set(result["all_modules"])
    for name in NEVER_IMPORTED:
        assert name not in loaded, f"{name} was imported"


def _run_cli(folder: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(["nnviz", *args], cwd=folder, env=_env(folder, folder / "marker.txt"),
                          capture_output=True, text=True, timeout=120)


@pytest.mark.needs_tf
def test_the_files_are_armed(armed):
    # the control: Keras's own loader (safe_mode=False) ran the Lambda and the custom classes
    ran = (armed / "control.txt").read_text().splitlines()
    assert "lambda ran" in ran
    assert "EvilDense.__init__" in ran and "EvilPlain.__init__" in ran


ARMED_FILES = ["k3.keras", "k3.h5", "k3.json", "tfk.keras", "tfk.h5", "tfk.json"]
WITH_WEIGHTS = {"k3.keras", "k3.h5", "tfk.keras", "tfk.h5"}


@pytest.mark.needs_tf
def test_reading_runs_nothing_and_imports_nothing(armed):
    files = [armed / n for n in ARMED_FILES]
    result = _read_fresh(armed, files)
    _assert_nothing_imported(result, files)
    for f in files:
        layers = result["graphs"][str(f)]["layers"]
        # the Lambda and the custom classes are there, as what they are, wired as saved
        assert layers["lam"]["type"] == "Lambda"
        assert layers["evil"]["type"] == "EvilDense"
        assert layers["plain"]["type"] == "EvilPlain"
        assert layers["lam"]["inbound"] == [["d1"]]
        assert layers["evil"]["inbound"] == [["lam"]]
        assert layers["plain"]["inbound"] == [["evil"]]
        assert any("never runs" in n for n in layers["lam"]["notes"])
        assert layers["d1"]["params"] == 15 and layers["lam"]["params"] == 0
        if f.name in WITH_WEIGHTS:
            # what cannot be inferred comes from the stored weight shapes: Keras's count
            assert layers["evil"]["params"] == 20
            assert layers["plain"]["params"] == 5
            assert result["graphs"][str(f)]["total"] == 52
        if f.name.startswith("k3"):
            # Keras 3 records the tensors' shapes, so even the Lambda's output is known
            assert layers["lam"]["shape"] == [None, 3]


@pytest.mark.needs_tf
def test_the_command_runs_nothing(armed):
    procs = [subprocess.Popen(["nnviz", "summary", n], cwd=armed, env=_env(armed, armed / "marker.txt"),
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for n in ARMED_FILES]
    for name, proc in zip(ARMED_FILES, procs):
        out, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err
        assert "lam (Lambda)" in out and "evil (EvilDense)" in out, out
    assert not (armed / "marker.txt").exists()


@pytest.mark.needs_tf
@pytest.mark.parametrize("style", ["block", "node"])
def test_drawing_runs_nothing(armed, style, tmp_path):
    for name in ("k3.keras", "tfk.h5"):
        out = tmp_path / f"{name}.{style}.svg"
        proc = _run_cli(armed, "draw", name, "--style", style, "-o", str(out))
        if style == "node" and proc.returncode == 2:
            # a node view needs every width; an unknown one (after a Lambda) is a clear refusal
            assert proc.stderr.startswith("nnviz: error: ") and proc.stderr.count("\n") == 1, proc.stderr
            continue
        assert proc.returncode == 0, proc.stderr[-2000:]
        assert out.exists()
    assert not (armed / "marker.txt").exists()


# -- hostile configs written by hand (no TensorFlow needed) ------------------------------------

def _entry(module: Any, cls: str, name: str, cfg: dict, src: str, registered: Any = None) -> dict:
    return {"module": module, "class_name": cls, "registered_name": registered, "name": name,
            "config": {"name": name, **cfg},
            "inbound_nodes": [{"args": [{"class_name": "__keras_tensor__", "config": {
                "shape": [None, 4], "dtype": "float32", "keras_history": [src, 0, 0]}}], "kwargs": {}}]}


def hostile_config(marker: str) -> dict:
    """A Keras 3 config whose every object names something dangerous to import or call."""
    touch = ["touch", marker]
    layers = [
        {"module": "keras.layers", "class_name": "InputLayer", "name": "x", "registered_name": None,
         "config": {"batch_shape": [None, 4], "name": "x"}, "inbound_nodes": []},
        # safe_mode-style attacks: a module and a "class" that would run a command if resolved
        _entry("os", "system", "os_system", {"command": " ".join(touch)}, "x", "os>system"),
        _entry("subprocess", "Popen", "popen", {"args": touch}, "os_system"),
        _entry("builtins", "exec", "exec", {"source": f"open({marker!r}, 'w')"}, "popen", "builtins>exec"),
        _entry("nnviz_evil_k3", "EvilPlain", "plain", {}, "exec", "EvilPlain"),
        # a Dense whose activation, initializer, constraint and dtype name functions and modules
        _entry("keras.layers", "Dense", "dense", {
            "units": 2,
            "activation": {"module": "builtins", "class_name": "function", "config": "eval",
                           "registered_name": "function"},
            "kernel_initializer": {"module": "nnviz_evil_k3", "class_name": "EvilInit", "config": {},
                                   "registered_name": "Evil>EvilInit"},
            "kernel_constraint": {"module": "subprocess", "class_name": "check_call", "config": {"args": touch}},
            "dtype": {"module": "nnviz_evil_tfk", "class_name": "DTypePolicy", "config": {"name": "float32"}},
        }, "plain"),
        # a Lambda whose function is a module function named by reference, not bytecode
        _entry("keras.layers", "Lambda", "lam", {"function": {
            "module": "nnviz_evil_k3", "class_name": "function", "config": "evil_activation",
            "registered_name": "function"}}, "dense"),
    ]
    return {"module": "nnviz_evil_k3", "class_name": "Functional", "registered_name": "Evil>Model",
            "config": {"name": "hostile", "layers": layers, "input_layers": [["x", 0, 0]],
                       "output_layers": [["lam", 0, 0]]}}


def _write_hostile(folder: Path) -> list[Path]:
    config = hostile_config(str(folder / "marker.txt"))
    text = json.dumps(config)
    as_json = folder / "hostile.json"
    as_json.write_text(text)
    as_h5 = folder / "hostile.h5"
    write_h5_model(as_h5, text, {"dense": {"dense/kernel": np.zeros((4, 2), "float32"),
                                           "dense/bias": np.zeros((2,), "float32")}}, keras_version="3.5.0")
    as_keras = folder / "hostile.keras"
    with zipfile.ZipFile(as_keras, "w") as z:
        z.writestr("config.json", text)
        z.writestr("metadata.json", json.dumps({"keras_version": "3.5.0"}))
    return [as_json, as_h5, as_keras]


def test_hostile_names_are_data(tmp_path):
    _write_modules(tmp_path)
    files = _write_hostile(tmp_path)
    result = _read_fresh(tmp_path, files)
    _assert_nothing_imported(result, files)
    for f in files:
        layers = result["graphs"][str(f)]["layers"]
        assert [layers[n]["type"] for n in ("os_system", "popen", "exec", "plain", "dense", "lam")] == [
            "system", "Popen", "exec", "EvilPlain", "Dense", "Lambda"]
        assert layers["dense"]["params"] == 10  # 4 x 2 + 2: inferred, nothing resolved
        assert layers["popen"]["inbound"] == [["os_system"]]


@pytest.mark.slow
def test_hostile_names_through_the_command(tmp_path):
    _write_modules(tmp_path)
    for f in _write_hostile(tmp_path):
        proc = _run_cli(tmp_path, "summary", str(f))
        assert proc.returncode == 0, proc.stderr
        assert "os_system (system)" in proc.stdout
    assert not (tmp_path / "marker.txt").exists()


def test_reading_imports_no_tensorflow_even_when_installed():
    # the readers never reach for Keras: the file's names are data (checked in a fresh process)
    code = textwrap.dedent("""
        import sys, nnviz
        nnviz.load({"input_shape": [3], "layers": [{"type": "Dense", "units": 2}]})
        print(",".join(m for m in ("keras", "tensorflow", "tf_keras") if m in sys.modules))
    """)
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == ""
