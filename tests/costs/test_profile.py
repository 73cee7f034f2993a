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


def test_a_graphless_file_is_screened_before_any_child_is_started(tmp_path, monkeypatch):
    """`profile --build` of a file that stores no graph passes the same screen as `draw --build`."""
    from nnviz.errors import ReadError
    import nnviz.readers.isolate as isolate

    folder = tmp_path / "preset"
    folder.mkdir()
    (folder / "config.json").write_text(json.dumps({"module": "evil_pkg", "class_name": "Backbone",
                                                    "config": {"name": "x", "num_layers": 2}}))
    (folder / "metadata.json").write_text("{}")
    monkeypatch.setattr(isolate, "run_fresh", lambda *a, **k: pytest.fail("the child was started"))
    with pytest.raises(ReadError, match="--build refuses class 'Backbone' of module 'evil_pkg'"):
        nnviz.profile(folder, build=True, repeats=1)
    r = CliRunner().invoke(cli, ["profile", "examples/keras/subclassed_mlp.keras", "--build"])
    assert r.exit_code == 2 and "refuses class 'ResidualMLP'" in r.output and "Traceback" not in r.output


@pytest.mark.needs_tf
def test_profile_builds_a_graphless_keras_file_in_a_child_and_times_its_layers(tmp_path):
    """A KerasHub .keras file (no graph stored) is built from its config in the bounded child,
    run once at the given sizes, and each top-level layer and operation is timed there."""
    pytest.importorskip("keras_hub")
    source = "examples/keras/gemma_backbone.keras"
    r = CliRunner().invoke(cli, ["profile", source, "--build", "--repeats", "2"])
    assert r.exit_code == 2 and "--input-shape token_ids=128" in r.output and "--input-shape padding_mask=128" in r.output
    times = tmp_path / "times.json"
    r = CliRunner().invoke(cli, ["profile", source, "--build", "--repeats", "2", "--input-shape", "token_ids=8",
                                 "--input-shape", "padding_mask=8", "-o", str(times)])
    assert r.exit_code == 0, r.output
    result = json.loads(times.read_text())
    blocks = [f"decoder_block_{i}" for i in range(4)]
    assert list(result["layers"]) == ["token_embedding", "multiply", *blocks, "final_normalization"]
    assert result["skipped"] == {} and all(0 < s < 60 for s in result["layers"].values())
    assert result["repeats"] == 2 and result["device"].startswith(result["backend"] + " ")
    # the times colour the file's layer tree, drawn without building or TensorFlow
    out = tmp_path / "g.svg"
    r = CliRunner().invoke(cli, ["draw", source, "--color-by", str(times), "-o", str(out)])
    assert r.exit_code == 0, r.output and out.stat().st_size > 0


@pytest.mark.needs_tf
def test_keras_ops_calls_and_keyword_arguments_of_a_live_functional_model_are_timed():
    """A ``keras.ops`` call in a Functional graph (an Operation, not a Layer: ``get_layer`` cannot find
    it) and its constant argument are timed as the model calls them; a layer given a keyword (a mask) too."""
    import keras

    x = keras.Input((6,), name="x")
    h = keras.layers.Dense(8, name="dense")(x)
    h = keras.ops.multiply(h, 2.0)
    y = keras.layers.Dropout(0.5, name="drop")(h, training=False)
    model = keras.Model(x, keras.ops.add(y, h))
    result = nnviz.profile(model, repeats=2)
    names = [layer.name for layer in nnviz.load(model).layers if not layer.is_input]
    assert [n for n in names if n.startswith(("multiply", "add"))] and result["skipped"] == {}
    assert list(result["layers"]) == names and all(0 < s < 5 for s in result["layers"].values())


@pytest.mark.needs_tf
def test_a_keras_op_on_a_free_size_is_reported_not_timed_with_the_reason():
    import keras

    a, b = keras.Input((4,), name="a"), keras.Input((None, 3), name="b")
    ha = keras.ops.multiply(keras.layers.Dense(2, name="da")(a), 2.0)
    hb = keras.layers.Dense(2, name="db")(b)
    result = nnviz.profile(keras.Model([a, b], [ha, hb]), repeats=2)
    assert list(result["layers"]) == ["da"]
    (op,) = [n for n in result["skipped"] if n.startswith("multiply")]
    assert "Keras operation" in result["skipped"][op] and "input_shape" in result["skipped"][op]
    assert "input size is unknown" in result["skipped"]["db"]


@pytest.mark.needs_tf
def test_profile_a_live_keras_hub_backbone_at_given_sizes_times_every_layer_and_op():
    """A live KerasHub backbone: its ``ops.multiply`` and its decoder blocks (called with the padding
    mask as a keyword) are timed at the sizes given; before, rebuilding it from its graph stopped on the op."""
    pytest.importorskip("keras_hub")
    import hub_zoo

    model = hub_zoo.gemma()
    with pytest.raises(nnviz.NnvizError, match="no layer could be timed; token_embedding: an input size"):
        nnviz.profile(model, repeats=1)
    result = nnviz.profile(model, repeats=2, input_shape={"token_ids": [8], "padding_mask": [8]}, batch_size=2)
    names = [layer.name for layer in nnviz.load(model).layers if not layer.is_input]
    blocks = [f"decoder_block_{i}" for i in range(3)]
    assert names[0] == "token_embedding" and names[1].startswith("multiply") and names[2:] == [*blocks, "final_normalization"]
    assert list(result["layers"]) == names
    assert result["skipped"] == {} and all(0 < s < 60 for s in result["layers"].values())
    assert result["costs"]["token_embedding"]["weight_bytes"] == 50 * 16 * 4 and result["batch_size"] == 2
