"""A model file cannot make nnviz read another local file (issue 17, item 1).

HDF5 can send a read elsewhere: external raw storage (a dataset whose bytes live in any file),
external links (into another HDF5 file), soft links and virtual datasets (assembled from
datasets of other files). Every file here is built with h5py and plants one of them where a
weight is expected, sourcing a "secret" file whose bytes are a known token; nnviz must refuse
the file, naming the object, in every HDF5 read: a ``.h5`` model, the weights inside a
``.keras`` zip, ``--weights-file`` of both layouts, and the lazy weights of a node drawing.
"""

from __future__ import annotations

import json
import re
import zipfile
from pathlib import Path

import h5py
import numpy as np
import pytest
from click.testing import CliRunner
from h5files import write_h5_model

import nnviz
from nnviz.cli import cli
from nnviz.errors import ReadError
from nnviz.readers.h5safe import check_h5

TOKEN = b"NNVIZ-SECRET-TOKEN-0123456789ab"[:24] * 2  # 48 bytes: a (3, 4) float32 kernel
KINDS = ["external-storage", "external-link", "soft-link", "virtual"]
CONTAINERS = ["h5", "keras", "weights-legacy", "weights-keras3"]

SPEC = {"name": "s", "input_shape": [3], "layers": [{"type": "Dense", "units": 4, "name": "d"}]}
LEGACY_CONFIG = {"class_name": "Sequential", "config": {"name": "s", "layers": [
    {"class_name": "InputLayer", "config": {"batch_input_shape": [None, 3], "name": "in"}},
    {"class_name": "Dense", "config": {"name": "d", "units": 4, "activation": "linear"}}]}}
KERAS3_CONFIG = {"module": "keras", "class_name": "Sequential", "config": {"name": "s", "layers": [
    {"module": "keras.layers", "class_name": "InputLayer",
     "config": {"batch_shape": [None, 3], "dtype": "float32", "name": "in"}},
    {"module": "keras.layers", "class_name": "Dense",
     "config": {"name": "d", "units": 4, "activation": "linear", "use_bias": True}}]}}


@pytest.fixture
def secrets(tmp_path):
    """The files a hostile model points at: raw bytes, and an HDF5 file with a dataset of them."""
    raw = tmp_path / "secret.bin"
    raw.write_bytes(TOKEN)
    h5 = tmp_path / "secret.h5"
    with h5py.File(h5, "w") as f:
        f["secret"] = np.frombuffer(TOKEN, dtype="<f4").reshape(3, 4)
    return raw, h5


def _plant(group, key: str, kind: str, secrets) -> None:
    """Where a (3, 4) kernel belongs, a dataset or link whose bytes come from elsewhere."""
    raw, h5 = secrets
    if kind == "external-storage":
        group.create_dataset(key, shape=(3, 4), dtype="<f4", external=[(str(raw), 0, len(TOKEN))])
    elif kind == "external-link":
        group[key] = h5py.ExternalLink(str(h5), "/secret")
    elif kind == "inside":
        group[key] = np.frombuffer(TOKEN, dtype="<f4").reshape(3, 4)
    elif kind == "soft-link":
        group.file["hidden"] = np.frombuffer(TOKEN, dtype="<f4").reshape(3, 4)
        group[key] = h5py.SoftLink("/hidden")
    else:
        layout = h5py.VirtualLayout(shape=(3, 4), dtype="<f4")
        layout[:] = h5py.VirtualSource(str(h5), "secret", shape=(3, 4))
        group.create_virtual_dataset(key, layout)


def _legacy_weights(f, kind: str, secrets) -> None:
    g = f.create_group("d")
    g.attrs["weight_names"] = [b"d/kernel:0", b"d/bias:0"]
    _plant(g, "d/kernel:0", kind, secrets)
    g["d/bias:0"] = np.zeros(4, "f4")


def _keras3_weights(f, kind: str, secrets) -> None:
    v = f.create_group("layers/dense/vars")
    _plant(v, "0", kind, secrets)
    v["1"] = np.zeros(4, "f4")


def _build(tmp_path: Path, container: str, kind: str, secrets) -> tuple[Path, list[str]]:
    """The hostile file, and the arguments of ``nnviz draw`` that draw its weights."""
    if container == "h5":
        path = tmp_path / "model.h5"
        write_h5_model(path, LEGACY_CONFIG, {})
        with h5py.File(path, "a") as f:
            f["model_weights"].attrs["layer_names"] = [b"d"]
            _legacy_weights(f["model_weights"], kind, secrets)
        return path, [str(path)]
    if container == "keras":
        weights = tmp_path / "model.weights.h5"
        with h5py.File(weights, "w") as f:
            _keras3_weights(f, kind, secrets)
        path = tmp_path / "model.keras"
        with zipfile.ZipFile(path, "w") as z:
            z.writestr("metadata.json", json.dumps({"keras_version": "3.5.0"}))
            z.writestr("config.json", json.dumps(KERAS3_CONFIG))
            z.write(weights, "model.weights.h5")
        weights.unlink()
        return path, [str(path)]
    spec = tmp_path / "model.json"
    spec.write_text(json.dumps(SPEC))
    path = tmp_path / "w.weights.h5"
    with h5py.File(path, "w") as f:
        if container == "weights-legacy":
            f.attrs["layer_names"] = [b"d"]
            _legacy_weights(f, kind, secrets)
        else:
            _keras3_weights(f, kind, secrets)
    return path, [str(spec), "--weights-file", str(path)]


def _read_weights(args: list[str]):
    graph = nnviz.load(args[0], weights_file=args[2] if len(args) > 1 else None)
    return graph.weights("d")


@pytest.mark.parametrize("container", CONTAINERS)
@pytest.mark.parametrize("kind", KINDS)
def test_no_read_outside_the_file(tmp_path, secrets, container, kind):
    path, args = _build(tmp_path, container, kind, secrets)
    with pytest.raises(ReadError) as info:
        _read_weights(args)
    message = str(info.value)
    assert str(path) in message
    # the object is named: the kernel's dataset or link
    assert re.search(r"'/[^']*(kernel:0|vars/0)'", message), message
    assert "outside the file" in message


@pytest.mark.parametrize("container", CONTAINERS)
@pytest.mark.parametrize("kind", KINDS)
def test_the_secret_never_reaches_a_drawing(tmp_path, secrets, container, kind):
    path, args = _build(tmp_path, container, kind, secrets)
    out = tmp_path / "out.svg"
    r = CliRunner().invoke(cli, ["draw", *args, "--style", "node", "--weights", "-o", str(out)])
    assert r.exit_code == 2, r.output
    lines = r.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("nnviz: error: ") and str(path) in lines[0], r.output
    assert not out.exists()
    assert TOKEN[:12].decode() not in r.output


@pytest.mark.parametrize("container", CONTAINERS)
def test_the_same_files_with_the_kernel_inside_draw(tmp_path, secrets, container):
    """The control: the same files with the kernel's bytes stored in the file itself read and draw."""
    path, args = _build(tmp_path, container, "inside", secrets)
    (_, kernel), _ = _read_weights(args)
    np.testing.assert_array_equal(kernel, np.frombuffer(TOKEN, dtype="<f4").reshape(3, 4))
    r = CliRunner().invoke(cli, ["draw", *args, "--style", "node", "--weights", "-o", str(tmp_path / "o.svg")])
    assert r.exit_code == 0, r.output


def test_hard_links_and_their_cycles_are_fine(tmp_path):
    """Hard links inside the file (even a cycle back to the root) read, and the walk ends."""
    path = tmp_path / "loops.h5"
    with h5py.File(path, "w") as f:
        f["a/x"] = np.arange(3)
        f["a/again"] = f["a/x"]
        f["a/b/root"] = f["/"]
    with h5py.File(path, "r") as f:
        check_h5(f, path=path)


def test_every_hdf5_open_is_checked():
    """nnviz opens HDF5 in one place only: the checked ``open_h5``."""
    src = Path(nnviz.__file__).parent
    opened = [p.relative_to(src).as_posix() for p in src.rglob("*.py")
              if re.search(r"\bFile\s*\(|from h5py import", p.read_text())]
    assert opened == ["readers/h5safe.py"], opened
