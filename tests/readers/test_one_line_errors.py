"""Inputs that gave tracebacks give one line and exit status 2 (issue 17, item 7, the readers' part).

A 5,000-digit integer (past Python's int-string limit, a ValueError from ``json``) in a spec,
a to_json() config or a ``.keras`` zip, and an empty Functional config (an AssertionError in
the block layout of every format). SavedModel metadata with a huge integer or nested 600 deep
is in ``test_hostile_input.py`` (``SAVEDMODEL_METADATA``).
"""

from __future__ import annotations

import json
import zipfile

import pytest
from click.testing import CliRunner

import nnviz
from nnviz.cli import cli
from nnviz.errors import ReadError

HUGE = "9" * 5000
SEQUENTIAL = ('{"class_name": "Sequential", "config": {"name": "s", "layers": [{"class_name": "InputLayer", '
              '"config": {"batch_shape": [null, 3], "name": "in"}}, {"class_name": "Dense", "config": '
              '{"name": "d", "units": %s}}]}}' % HUGE)
EMPTY_FUNCTIONAL = {"class_name": "Functional", "config": {"name": "f", "layers": [], "input_layers": [],
                                                           "output_layers": []}}


def _write(tmp_path, name):
    if name == "spec":
        path = tmp_path / "spec.json"
        path.write_text('{"input_shape": [3], "layers": [{"type": "Dense", "units": %s}]}' % HUGE)
    elif name == "config":
        path = tmp_path / "model_config.json"
        path.write_text(SEQUENTIAL)
    elif name == "keras":
        path = tmp_path / "model.keras"
        with zipfile.ZipFile(path, "w") as z:
            z.writestr("config.json", SEQUENTIAL)
            z.writestr("metadata.json", json.dumps({"keras_version": "3.5.0"}))
    elif name == "keras-metadata":  # only the version comes from metadata.json: it still reads
        path = tmp_path / "meta.keras"
        with zipfile.ZipFile(path, "w") as z:
            z.writestr("config.json", SEQUENTIAL.replace(HUGE, "4"))
            z.writestr("metadata.json", '{"keras_version": %s}' % HUGE)
    else:
        path = tmp_path / f"{name}.json"
        config = dict(EMPTY_FUNCTIONAL, class_name="Model" if name == "empty-model" else "Functional")
        path.write_text(json.dumps(config))
    return path


def _one_line(args, path):
    r = CliRunner().invoke(cli, args)
    assert r.exit_code == 2, r.output
    lines = r.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"nnviz: error: {path}: "), r.output
    return lines[0]


@pytest.mark.parametrize("name", ["spec", "config", "keras"])
def test_a_five_thousand_digit_integer(tmp_path, name):
    path = _write(tmp_path, name)
    with pytest.raises(ReadError, match="integer of thousands of digits"):
        nnviz.load(path)
    assert "integer of thousands of digits" in _one_line(["summary", str(path)], path)
    _one_line(["draw", str(path), "-o", str(tmp_path / "out.svg")], path)
    assert not (tmp_path / "out.svg").exists()


def test_a_huge_integer_in_the_version_only(tmp_path):
    path = _write(tmp_path, "keras-metadata")
    assert [layer.name for layer in nnviz.load(path).layers] == ["in", "d"]


@pytest.mark.parametrize("name", ["empty-functional", "empty-model"])
@pytest.mark.parametrize("suffix", ["svg", "dot", "mmd", "html"])
def test_an_empty_functional_config(tmp_path, name, suffix):
    path = _write(tmp_path, name)
    out = tmp_path / f"out.{suffix}"
    assert "with no layers" in _one_line(["draw", str(path), "-o", str(out)], path)
    assert not out.exists()
    with pytest.raises(ReadError, match="with no layers"):
        nnviz.load(path)


@pytest.mark.parametrize("spec", [
    {"input_shape": [3], "layers": [{"type": "Dense", "units": 10 ** 5000}]},
    {"input_shape": [10 ** 5000], "layers": [{"type": "Dense", "units": 3}]},
    {"input_shape": [3, -10 ** 5000], "layers": [{"type": "Dense", "units": 3}]},
    {"input_shape": [3], "layers": [{"type": "Dense", "units": 3, "name": "a"},
                                    {"type": "Dense", "units": 3, "inputs": ["a:" + "1" * 5000]}]},
    {"input_shape": [3], "layers": [{"type": "Dense", "units": 3, "name": "a"},
                                    {"type": "Dense", "units": 3, "inputs": ["a:\u00b2"]}]},
])
def test_huge_integers_in_a_python_spec(spec):
    """A spec given as a dict (no JSON limit on the way) names the bad value without a ValueError."""
    with pytest.raises(ReadError) as info:
        nnviz.load(spec)
    assert len(str(info.value)) < 300
