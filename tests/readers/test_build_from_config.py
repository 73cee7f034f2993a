"""``--build`` / ``build=True`` (issue 12 item 5): a model built from its config, screened and isolated."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

import nnviz
from nnviz.errors import ReadError
from nnviz.readers.build import screen_config

ROOT = Path(__file__).resolve().parents[2]

DENSE = {"module": "keras.layers", "class_name": "Dense", "config": {"units": 2, "activation": "relu"},
         "registered_name": None}
RELU = {"module": "keras.activations", "class_name": "function", "config": "relu", "registered_name": "relu"}


def _backbone(**inner):
    return {"module": "keras_hub.src.models.gemma.gemma_backbone", "class_name": "GemmaBackbone",
            "config": {"name": "g", "num_layers": 2, **inner}, "registered_name": "keras_hub>GemmaBackbone"}


def test_screen_accepts_keras_and_keras_hub_classes(tmp_path):
    import hub_zoo

    hub_zoo.write_gemma_2b_preset(tmp_path / "p")
    screen_config(json.loads((tmp_path / "p" / "config.json").read_text()), path="p")
    screen_config({"module": "keras", "class_name": "Functional", "config": {"layers": [
        {**DENSE, "config": {"units": 2, "activation": RELU, "kernel_initializer": {
            "module": "keras.initializers", "class_name": "GlorotUniform", "config": {"seed": None},
            "registered_name": None}}},
        {"class_name": "__numpy__", "config": {"value": [1, 2], "dtype": "int32"}}]}}, path="m.keras")


@pytest.mark.parametrize("item, refused", [
    ({"module": "keras.layers", "class_name": "Lambda", "config": {"function": "x"}}, "class 'Lambda'"),
    ({"module": "keras.layers", "class_name": "TFSMLayer", "config": {}}, "class 'TFSMLayer'"),
    ({"module": "keras.layers", "class_name": "TorchModuleWrapper", "config": {}}, "class 'TorchModuleWrapper'"),
    ({"module": "__main__", "class_name": "ResidualMLP", "config": {}}, "module '__main__'"),
    ({"module": "os", "class_name": "system", "config": {}}, "module 'os'"),
    ({"module": None, "class_name": "MyLayer", "config": {}}, "module None"),
    ({"module": "keras_hubx.evil", "class_name": "Backbone", "config": {}}, "module 'keras_hubx.evil'"),
    ({"class_name": "__lambda__", "config": {"value": "4wEAAAAA"}}, "serialized '__lambda__'"),
    ({"class_name": "__typespec__", "spec_name": "X", "module": "os", "config": []}, "serialized '__typespec__'"),
    ({"module": "builtins", "class_name": "function", "config": "exec"}, "function 'exec' of module 'builtins'"),
    ({"module": "keras.activations", "class_name": "function", "config": "relu; x"}, "function 'relu; x'"),
    ({"module": "keras.layers", "class_name": "Dense", "config": {}, "registered_name": "Evil>Dense"},
     "registered as 'Evil>Dense'"),
    ({"module": "keras_hub.src.tokenizers", "class_name": "GemmaTokenizer", "config": {"proto": "/etc/passwd"}},
     "needs files besides the config"),
])
def test_screen_refuses_code_other_packages_and_stored_functions(item, refused):
    nested = _backbone(layers=[DENSE, {"wrapper": [item]}])  # wherever it hides
    with pytest.raises(ReadError, match="--build refuses") as info:
        screen_config(nested, path="m.keras")
    assert refused in info.value.message and "\n" not in str(info.value)


def test_a_refused_config_never_reaches_the_child(tmp_path, monkeypatch):
    """The screen runs first, in this process: no child, no Keras, no import of the module named."""
    marker = tmp_path / "imported"
    (tmp_path / "evil_pkg.py").write_text(f"open({str(marker)!r}, 'w').write('ran')\n")
    folder = tmp_path / "preset"
    folder.mkdir()
    (folder / "config.json").write_text(json.dumps({"module": "evil_pkg", "class_name": "Backbone",
                                                    "config": {"name": "x", "num_layers": 2}}))
    (folder / "metadata.json").write_text("{}")
    monkeypatch.syspath_prepend(str(tmp_path))
    import nnviz.readers.isolate as isolate

    monkeypatch.setattr(isolate, "run_fresh", lambda *a, **k: pytest.fail("the child was started"))
    with pytest.raises(ReadError, match="refuses class 'Backbone' of module 'evil_pkg'"):
        nnviz.load(folder, build=True)
    assert not marker.exists()
    code = (f"import sys, nnviz\ntry:\n    nnviz.load({str(folder)!r}, build=True)\nexcept nnviz.NnvizError as e:\n"
            "    print(type(e).__name__)\nprint('keras' in sys.modules, 'tensorflow' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         env={"PYTHONPATH": f"{ROOT / 'src'}:{tmp_path}", "PATH": "/usr/bin:/bin"})
    assert out.stdout.split() == ["ReadError", "False", "False"] and not marker.exists()


def test_cli_build_refusal_is_one_line(tmp_path):
    from click.testing import CliRunner

    from nnviz.cli import cli

    folder = tmp_path / "preset"
    folder.mkdir()
    (folder / "config.json").write_text(json.dumps(_backbone(head={
        "module": "keras.layers", "class_name": "Lambda", "config": {}})))
    (folder / "metadata.json").write_text("{}")
    for args in (["summary", str(folder), "--build"], ["draw", str(folder), "--build", "-o", str(tmp_path / "g.png")],
                 ["view", str(folder), "--build", "--no-browser"]):
        result = CliRunner().invoke(cli, args)
        assert result.exit_code == 2, result.output
        assert result.output.strip().splitlines() == [
            f"nnviz: error: {folder}: --build refuses class 'Lambda': it runs code stored in the file"]
    assert not (tmp_path / "g.png").exists()


def test_build_needs_a_config(tmp_path):
    import h5py

    path = tmp_path / "m.weights.h5"
    with h5py.File(path, "w") as f:
        f.create_group("vars")
        f.create_group("layers/dense/vars").create_dataset("0", shape=(2, 2), dtype="f4")
    with pytest.raises(ReadError, match="--build needs the model's config: this file has none"):
        nnviz.load(_weights_zip(tmp_path, path), build=True)


def _weights_zip(tmp_path, weights):
    """A .keras zip holding only model.weights.h5 (no config.json)."""
    import zipfile

    out = tmp_path / "weights_only.keras"
    with zipfile.ZipFile(out, "w") as zf:
        zf.write(weights, "model.weights.h5")
    return out


def test_build_is_not_the_default_and_a_graph_file_needs_none(tmp_path):
    p = tmp_path / "m.json"
    p.write_text(json.dumps({"input_shape": [3], "layers": [{"type": "Dense", "units": 2}]}))
    assert nnviz.load(p, build=True).total_params == 8  # a spec stores its graph: read as always
    with pytest.raises(nnviz.OptionError, match="build must be True or False"):
        nnviz.load(p, build="yes")


def test_weights_of_a_built_model_say_it_has_none():
    from nnviz.readers.build import BUILT_NOTE

    graph = nnviz.load({"input_shape": [3], "layers": [{"type": "Dense", "units": 2}]})
    graph = graph.replace(warnings=(*graph.warnings, BUILT_NOTE))  # as build_graph leaves it: no weights loader
    with pytest.raises(nnviz.OptionError, match=r"was built from its config \(--build\): it has no weights"):
        nnviz.draw(graph, style="node", weights=True)


def test_the_child_is_bounded_in_time(tmp_path):
    from nnviz.readers.isolate import run_fresh

    with pytest.raises(ReadError, match=r"building it did not finish within 0\.5 s"):
        run_fresh("nnviz.readers.build:_build_in_child", {"config": _backbone(), "path": "p"}, path="p",
                  time_limit=0.5, memory_limit=8 << 30, doing="building it")


# -- with Keras and KerasHub: the built graph is the live model's ------------------------------------------

@pytest.mark.needs_tf
def test_built_keras_file_and_config_only_preset_equal_the_live_model(tmp_path):
    import hub_zoo
    import keras

    # Keras numbers automatic names per process (ops.multiply -> "multiply", then "multiply_1"); the build runs in
    # a fresh child, so the live model is made in a fresh naming scope too, else the names differ by a suffix only.
    keras.backend.clear_session()
    model = hub_zoo.gemma()
    model.save(tmp_path / "gemma.keras")
    model.save_to_preset(tmp_path / "preset")
    for name in list((tmp_path / "preset").iterdir()):
        if name.name not in ("config.json", "metadata.json"):
            name.unlink()  # a preset of its config alone: no weights, no tokenizer
    live = nnviz.load(model)
    for source in (tmp_path / "gemma.keras", tmp_path / "preset"):
        graph = nnviz.load(source, build=True)
        assert graph.has_graph and graph.source == str(source)
        assert graph.total_params == model.count_params()
        assert [layer.name for layer in graph.layers] == [layer.name for layer in live.layers]
        assert [layer.output_shapes for layer in graph.layers] == [layer.output_shapes for layer in live.layers]
        assert graph.inbound("decoder_block_1") == [["decoder_block_0", "padding_mask"]]
        assert graph.layer("decoder_block_0").subgraph is not None  # traced inside, for expand=
        assert not graph.has_weights and "built from its config by --build" in graph.summary()
        assert graph.hyperparameters["num_layers"] == 3


@pytest.mark.needs_tf
def test_gemma_2b_shaped_preset_builds_without_the_memory_of_its_weights(tmp_path):
    """10 GB of float32 weights: built with uninitialised variables, the whole command stays under 1.5 GB."""
    import hub_zoo

    hub_zoo.write_gemma_2b_preset(tmp_path / "gemma_2b")
    (tmp_path / "gemma_2b" / "model.weights.h5").unlink()  # config.json and metadata.json only
    code = ("import json, resource, subprocess, sys\n"
            f"out = subprocess.run([sys.executable, '-m', 'nnviz.cli', 'summary', {str(tmp_path / 'gemma_2b')!r},"
            " '--build', '--json'], capture_output=True, text=True)\n"
            "print(json.dumps({'rc': out.returncode, 'err': out.stderr[-500:], 'total': json.loads(out.stdout)"
            "['total_params'] if out.returncode == 0 else None,"
            " 'peak_kb': resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss}))")
    result = json.loads(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                                       env={"PYTHONPATH": str(ROOT / "src"), "PATH": "/usr/bin:/bin",
                                            "HOME": str(Path.home())}).stdout)
    assert result["rc"] == 0, result["err"]
    assert result["total"] == hub_zoo.GEMMA_2B_PARAMS
    assert result["peak_kb"] < 1.5 * 1024 * 1024  # every process of the command, the build child included


@pytest.mark.needs_tf
def test_build_with_input_shape_keeps_the_shapes_keras_computes(tmp_path):
    """``--build --input-shape``: the shapes are the ones Keras computes at those sizes. They were inferred
    again by nnviz over the built graph, which knows no KerasHub class: every shape after the inputs
    became '?' and the parameter total a lower bound. The truth is Keras running the model on such inputs."""
    import hub_zoo
    import keras
    import numpy as np

    keras.backend.clear_session()
    model = hub_zoo.gemma()
    model.save(tmp_path / "gemma.keras")
    graph = nnviz.load(tmp_path / "gemma.keras", build=True, input_shape={"token_ids": (8,), "padding_mask": (8,)})
    ops = [op for op in model.operations if type(op).__name__ != "InputLayer"]
    probe = keras.Model(model.inputs, [op.output for op in ops])
    ran = probe({"token_ids": np.ones((1, 8), "int32"), "padding_mask": np.ones((1, 8), "int32")})
    assert [layer.name for layer in graph.layers if layer.type != "InputLayer"] == [op.name for op in ops]
    for op, out in zip(ops, ran):
        assert graph.layer(op.name).output_shape == (None, *out.shape[1:]), op.name
    assert graph.layer("token_ids").output_shape == (None, 8)
    assert graph.total_params == model.count_params() and not graph.total_params_is_lower_bound
    assert graph.layer("decoder_block_0").subgraph is not None  # still traced inside, for expand=


@pytest.mark.needs_tf
def test_input_sizes_for_a_built_model_are_checked_against_its_inputs():
    """In the build child (called here directly): a name that is no input, another number of axes, or one
    shape for a model of two inputs stop with one line; one shape fixes a model of one input."""
    import keras

    from nnviz.errors import OptionError
    from nnviz.readers.build import _read_at_input_shape

    a, b = keras.Input((None, 3), name="a"), keras.Input((None, 3), name="b")
    two = keras.Model({"a": a, "b": b}, keras.layers.Add(name="add")([a, b]))
    for shape, match in (({"c": (5, 3)}, r"names \['c'\], not inputs of the model"),
                         ({"a": (5,)}, "has 1 axes; the input has 2"),
                         ((5, 3), "has 2 inputs: give input_shape as")):
        with pytest.raises(OptionError, match=match):
            _read_at_input_shape(keras, two, shape, "m.keras")
    graph = _read_at_input_shape(keras, two, {"a": (5, 3)}, "m.keras")  # b keeps its free axis
    assert graph.layer("a").output_shape == (None, 5, 3) and graph.layer("b").output_shape == (None, None, 3)
    x = keras.Input((None, 4), name="x")
    one = keras.Model(x, keras.layers.Conv1D(2, 3, name="conv")(x))
    graph = _read_at_input_shape(keras, one, (9, 4), "m.keras")
    assert graph.layer("conv").output_shape == (None, *one.get_layer("conv").compute_output_shape((1, 9, 4))[1:])
    assert graph.layer("conv").output_shape == (None, 7, 2)
