"""Files that store no graph (issue 12 item 4): the layer tree of their stored variables."""

from __future__ import annotations

import json
import subprocess
from collections import Counter
import sys
from pathlib import Path

import numpy as np
import pytest

import nnviz
from nnviz.errors import ReadError

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def gemma_2b(tmp_path_factory) -> Path:
    import hub_zoo

    folder = tmp_path_factory.mktemp("presets") / "gemma_2b"
    hub_zoo.write_gemma_2b_preset(folder)
    return folder


def test_gemma_2b_preset_is_read_from_declared_shapes(gemma_2b):
    import hub_zoo

    assert (gemma_2b / "model.weights.h5").stat().st_size < 1_000_000  # 10 GB of weights declared only
    graph = nnviz.load(gemma_2b)
    assert graph.total_params == hub_zoo.GEMMA_2B_PARAMS
    data = graph.to_dict()
    assert data["graph"] is False and data["class_name"] == "GemmaBackbone"
    assert data["hyperparameters"]["num_layers"] == 18 and data["metadata"]["tasks"] == ["CausalLM"]
    block = next(row for row in data["layers"] if row["name"] == "decoder_block_7")
    assert block["path"] == "layers/gemma_decoder_block_7" and block["type"] == "GemmaDecoderBlock"
    assert block["params"] == 110_104_576
    attention = next(row for row in block["layers"] if row["name"] == "attention")
    assert {row["name"]: row["params"] for row in attention["layers"]}["query"] == 8 * 2048 * 256
    text = graph.summary(width=200)
    assert "decoder_block_0 … decoder_block_17 (GemmaDecoderBlock) ×18" in text
    assert "1,981,882,368 (18 × 110,104,576)" in text
    assert "hyperparameters: vocabulary_size=256000" in text and "stores no graph" in text
    assert "Costs (MACs, FLOPs, activation memory): unknown" in text and "Total MACs" not in text
    assert "keras_hub_version" in graph._repr_html_()


def test_gemma_2b_preset_draws_nested_boxes_without_arrows(gemma_2b, tmp_path):
    diagram = nnviz.draw(gemma_2b)
    scene = diagram.scene
    assert scene.edges == [] and scene.has_graph is False
    assert any("stores no graph" in label.text for label in scene.labels)
    frames = {c.title: c for c in scene.clusters}
    block = next(c for t, c in frames.items() if t.startswith("decoder_block_0 … decoder_block_17 ×18"))
    assert block.repeat == 18
    inside = [b for b in scene.boxes if block.x < b.x and b.x + b.w < block.x + block.w
              and block.y < b.y and b.y + b.h < block.y + block.h]
    assert {b.lines[0] for b in inside} >= {"query", "key", "value", "ffw_linear", "pre_ffw_norm"}
    boxes = sorted(scene.boxes, key=lambda b: (b.y, b.x))
    for a in boxes:  # no two blocks overlap
        for b in boxes:
            if a is not b:
                assert a.x + a.w <= b.x or b.x + b.w <= a.x or a.y + a.h <= b.y or b.y + b.h <= a.y
    diagram.save(tmp_path / "g.png")
    assert (tmp_path / "g.png").stat().st_size > 1000


def test_reading_a_preset_imports_no_tensorflow(gemma_2b):
    code = (f"import sys, nnviz; g = nnviz.load({str(gemma_2b)!r}); nnviz.draw(g).to_bytes('png');"
            "print(g.total_params, 'tensorflow' in sys.modules, 'keras' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         env={"PYTHONPATH": str(ROOT / "src"), "PATH": "/usr/bin:/bin", "MPLBACKEND": "Agg"})
    assert out.stdout.split() == ["2506172416", "False", "False"]


def test_cli_summary_and_json_of_a_preset(gemma_2b):
    from click.testing import CliRunner

    from nnviz.cli import cli

    result = CliRunner().invoke(cli, ["summary", str(gemma_2b), "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["total_params"] == 2_506_172_416
    result = CliRunner().invoke(cli, ["summary", str(gemma_2b)])
    assert "×18" in result.output


@pytest.mark.parametrize("args, what", [(["--style", "node", "-o", "g.png"], "the node style"),
                                        (["-o", "g.dot"], "DOT output (g.dot)"),
                                        (["-o", "g.mmd"], "Mermaid output (g.mmd)"),
                                        (["--engine", "graphviz", "-o", "g.png"], "the graphviz engine"),
                                        (["--engine", "graphviz", "-o", "g.svg"], "the graphviz engine")])
@pytest.mark.slow
def test_styles_that_need_a_graph_say_the_file_stores_none(gemma_2b, tmp_path, args, what):
    from click.testing import CliRunner

    from nnviz.cli import cli

    args = [str(tmp_path / a) if a.startswith("g.") else a for a in args]
    result = CliRunner().invoke(cli, ["draw", str(gemma_2b), *args])
    assert result.exit_code == 2, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in result.output
    assert lines[0].startswith(f"nnviz: error: {gemma_2b}: {what} needs the model's graph")
    assert "this file stores no graph" in lines[0]
    assert list(tmp_path.iterdir()) == []  # nothing half-written


def test_node_style_of_a_layer_tree_is_an_option_error(gemma_2b):
    from nnviz.errors import OptionError

    with pytest.raises(OptionError, match="stores no graph") as info:
        nnviz.draw(gemma_2b, style="node")
    assert info.value.path == str(gemma_2b)
    nnviz.draw(gemma_2b).to_bytes("svg")  # the block style still draws it


def test_graphviz_engine_of_a_layer_tree_is_an_option_error_and_auto_draws(gemma_2b):
    from nnviz.errors import OptionError

    with pytest.raises(OptionError, match="the graphviz engine needs the model's graph") as info:
        nnviz.draw(gemma_2b, engine="graphviz")
    assert info.value.path == str(gemma_2b)
    diagram = nnviz.draw(gemma_2b, engine="auto")  # auto picks what can draw a tree: nested boxes
    assert diagram.engine == "matplotlib" and diagram.scene.has_graph is False


def test_sharded_index_refuses_paths_outside_its_folder(tmp_path):
    index = tmp_path / "m.weights.json"
    index.write_text(json.dumps({"metadata": {}, "weight_map": {"/layers/dense/vars": "../elsewhere.h5"}}))
    with pytest.raises(ReadError, match="not a file name beside the index"):
        nnviz.load(index)


def test_a_hub_config_alone_says_what_to_give(tmp_path):
    p = tmp_path / "gemma.json"
    p.write_text(json.dumps({"class_name": "GemmaBackbone", "config": {"name": "g", "num_layers": 2}}))
    with pytest.raises(ReadError, match="holds its hyperparameters, not layers"):
        nnviz.load(p)


# -- against Keras: the trees of saved models equal the live models' variables --------------------------

def _live_vars(model) -> dict[str, list[tuple]]:
    """Variables by their layer's path (a subclassed model's own layers are scoped under its name)."""
    out: dict[str, list[tuple]] = {}
    for v in model.weights:
        path = v.path.rsplit("/", 1)[0]
        path = path[len(model.name) + 1:] if path.startswith(model.name + "/") else path
        out.setdefault(path, []).append(tuple(v.shape))
    return out


def _by_leaf(paths: dict[str, list[tuple]]) -> Counter:
    """Each variable as (its layer's own name, shape), counted."""
    return Counter((path.rsplit("/", 1)[-1], shape) for path, shapes in paths.items() for shape in shapes)


def _tree_vars(graph, prefix: str = "") -> dict[str, list[tuple]]:
    out: dict[str, list[tuple]] = {}
    for layer in graph.layers:
        path = f"{prefix}/{layer.name}" if prefix else layer.name
        if layer.weights:
            out[path] = [w.shape for w in layer.weights]
        if layer.subgraph is not None:
            out.update(_tree_vars(layer.subgraph, path))
    return out


@pytest.mark.needs_tf
@pytest.mark.parametrize("arch", ["gemma", "bert", "gpt2", "llama", "mistral", "bart", "t5", "whisper", "vit", "resnet"])
def test_hub_files_give_the_live_variables(arch, tmp_path):
    import hub_zoo

    model = hub_zoo.HUB[arch]()
    model.save_to_preset(str(tmp_path / "preset"))
    model.save(tmp_path / "m.keras")
    model.save_weights(tmp_path / "m.weights.h5")
    model.save_weights(tmp_path / "s.weights.json", max_shard_size=0.00002 if arch != "resnet" else 0.0002)
    live = _live_vars(model)
    for source in ("preset", "m.keras", "m.weights.h5", "s.weights.json"):
        graph = nnviz.load(tmp_path / source)
        assert graph.total_params == model.count_params(), source
        if arch == "t5":  # T5's shared relative-position bias is created outside its layer's name scope:
            # its variable paths ("self_attention/...") lose the block, so compare by layer name and shape
            assert _by_leaf(_tree_vars(graph)) == _by_leaf(live), source
        else:
            assert _tree_vars(graph) == live, source
    assert nnviz.load(tmp_path / "preset").hyperparameters["num_layers" if arch != "resnet"
                                                          else "stackwise_num_blocks"]


@pytest.mark.needs_tf
def test_subclassed_model_files(tmp_path):
    import keras

    class Residual(keras.Model):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.inp = keras.layers.Dense(16, activation="relu")
            self.blocks = [keras.layers.Dense(16, activation="relu") for _ in range(3)]
            self.norm = keras.layers.BatchNormalization()
            self.head = keras.layers.Dense(2)

        def call(self, x):
            x = self.inp(x)
            for block in self.blocks:
                x = x + block(x)
            return self.head(self.norm(x))

    model = Residual(name="residual")
    model(np.zeros((1, 8), "float32"))
    model.save(tmp_path / "r.keras")
    model.save_weights(tmp_path / "r.weights.h5")
    for source in ("r.keras", "r.weights.h5"):
        graph = nnviz.load(tmp_path / source)
        assert graph.total_params == model.count_params()
        assert graph.non_trainable_params == 32  # BatchNormalization's moving mean and variance
        assert _tree_vars(graph) == _live_vars(model)
        assert graph.summary(width=200).count("×3") == 1  # the three blocks in the list fold


@pytest.mark.needs_tf
def test_keras2_save_weights_file(tmp_path):
    import tf_keras

    model = tf_keras.Sequential([tf_keras.layers.Dense(5, input_shape=(3,)), tf_keras.layers.Dense(2)])
    model.save_weights(tmp_path / "w.h5")
    graph = nnviz.load(tmp_path / "w.h5")
    assert graph.total_params == model.count_params()
    assert [layer.name for layer in graph.layers] == [layer.name for layer in model.layers]


def test_weights_file_of_a_model_holding_layers_in_attributes(tmp_path):
    """Keras 3 stores a subclassed model's attribute-held layers at the top, beside a root ``vars``
    group, with no ``layers`` container: that is a weights file too, and the attribute names are not
    class names (a layer's own automatic name is: ``dense_1`` is a Dense, ``projection`` no class)."""
    import h5py

    path = tmp_path / "m.weights.h5"
    with h5py.File(path, "w") as f:
        f.create_group("vars")
        for key, name, shapes in (("encoder", "dense", [(8, 16), (16,)]), ("head", "dense_1", [(16, 4), (4,)]),
                                  ("proj", "projection", [(4, 2)])):
            v = f.create_group(f"{key}/vars")
            v.attrs["name"] = name
            for i, s in enumerate(shapes):
                v.create_dataset(str(i), shape=s, dtype="f4")
    g = nnviz.load(path)
    assert g.has_graph is False
    assert [(l.name, l.type, l.params) for l in g.layers] == [("dense", "Dense", 144), ("dense_1", "Dense", 68),
                                                               ("projection", "Layer", 8)]
    assert g.total_params == 220


@pytest.mark.parametrize("name", ["gemma_backbone.keras", "subclassed_mlp.keras"])
def test_tree_json_costs_are_null_not_zero(name):
    """A layer tree has no shapes: its totals are unknown (null), as its layers' costs are."""
    from click.testing import CliRunner

    from nnviz.cli import cli

    path = ROOT / "examples" / "keras" / name
    result = CliRunner().invoke(cli, ["summary", str(path), "--json"])
    assert result.exit_code == 0, result.output
    d = json.loads(result.output)
    assert d["graph"] is False and d["total_params"] > 0
    assert d["total_macs"] is None and d["total_flops"] is None
    assert all(r["macs"] is None for r in d["layers"])
    text = CliRunner().invoke(cli, ["summary", str(path)]).output
    assert "Costs (MACs, FLOPs, activation memory): unknown without the model's graph" in text
    assert "Total MACs" not in text


def test_differently_named_siblings_do_not_fold_as_copies():
    """The gallery's Gemma stores its two inputs as input_layer and input_layer_1, but they are
    token_ids and padding_mask: two layers, not "token_ids … padding_mask ×2"."""
    from nnviz.layout.tree import tree_scene
    from nnviz.layout.layered import BlockOptions

    graph = nnviz.load(ROOT / "examples" / "keras" / "gemma_backbone.keras")
    stored = {layer.name: layer.config.get("storage_path") for layer in graph.layers}
    assert stored["token_ids"] == "layers/input_layer" and stored["padding_mask"] == "layers/input_layer_1"
    boxes = {b.layer: b for b in tree_scene(graph, BlockOptions()).boxes}
    assert boxes["token_ids"].repeat == 1 and boxes["padding_mask"].repeat == 1
    assert boxes["token_ids"].lines[0] == "token_ids"
    text = graph.summary(width=200)
    assert "padding_mask ×2" not in text and "| padding_mask (InputLayer)" in text
    assert "decoder_block_0 … decoder_block_3 (GemmaDecoderBlock) ×4" in text  # real copies still fold
