"""Measured time per layer: nnviz.profile and `nnviz profile` (they run Keras: needs_tf)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from click.testing import CliRunner

import nnviz
from nnviz.cli import cli
from nnviz.errors import OptionError

SPEC = {"name": "p", "input_shape": [None, 6], "layers": [
    {"type": "Dense", "units": 256, "name": "wide", "activation": "relu"},
    {"type": "Dropout", "rate": 0.5, "name": "drop"},
    {"type": "Dense", "units": 2, "name": "out"}]}


def test_a_file_is_profiled_only_when_built():
    with pytest.raises(OptionError, match="build=True"):
        nnviz.profile("examples/deepnn.json")
    with pytest.raises(OptionError, match="repeats"):
        nnviz.profile("examples/deepnn.json", build=True, repeats=0)
    r = CliRunner().invoke(cli, ["profile", "examples/deepnn.json"])
    assert r.exit_code == 2 and "--build" in r.output


@pytest.mark.needs_tf
def test_profile_a_live_model_times_each_layer_beside_its_counts():
    import keras

    keras.utils.set_random_seed(0)
    model = nnviz.to_keras({**SPEC, "input_shape": [6]})
    result = nnviz.profile(model, repeats=3)
    assert list(result["layers"]) == ["wide", "drop", "out"]          # every layer but the input, in order
    assert all(isinstance(s, float) and 0 < s < 5 for s in result["layers"].values())
    assert result["backend"] == keras.backend.backend() and result["device"].startswith(result["backend"] + " ")
    assert "CPU" in result["device"] or "GPU" in result["device"] or "cuda" in result["device"]
    assert result["costs"]["wide"]["macs"] == 6 * 256 and result["skipped"] == {}
    assert (result["repeats"], result["batch_size"], result["unit"]) == (3, 1, "seconds")


@pytest.mark.needs_tf
def test_unknown_sizes_are_skipped_unless_input_shape_fixes_them():
    with pytest.raises(nnviz.NnvizError, match="no layer could be timed; wide: an input size is unknown"):
        nnviz.profile(SPEC, build=True, repeats=2)
    fixed = nnviz.profile(SPEC, build=True, repeats=2, input_shape=(4, 6), batch_size=3)
    assert set(fixed["layers"]) == {"wide", "drop", "out"} and fixed["batch_size"] == 3
    assert fixed["costs"]["wide"]["macs"] == 4 * 6 * 256


@pytest.mark.needs_tf
def test_cli_profile_writes_json_that_colours_a_drawing_without_tensorflow(tmp_path):
    spec = tmp_path / "p.json"
    spec.write_text(json.dumps({**SPEC, "input_shape": [6]}))
    times = tmp_path / "times.json"
    r = CliRunner().invoke(cli, ["profile", str(spec), "--build", "--repeats", "3", "-o", str(times)])
    assert r.exit_code == 0, r.output
    assert "timed 3 layers on " in r.output and f"wrote {times}" in r.output
    data = json.loads(times.read_text())
    assert set(data["layers"]) == {"wide", "drop", "out"}
    # a fresh process draws the file coloured by those times, and never imports TensorFlow
    svg = tmp_path / "p.svg"
    code = ("import sys, nnviz; nnviz.draw(sys.argv[1], color_by=sys.argv[2]).save(sys.argv[3]); "
            "print(','.join(m for m in ('tensorflow', 'keras') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code, str(spec), str(times), str(svg)], capture_output=True,
                         text=True, check=True).stdout
    assert out.strip() == ""
    assert "times" in svg.read_text()   # the legend names the scale
