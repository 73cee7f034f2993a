"""The node layout without drawing: chains, columns, elided neurons, captions, geometry, text estimates."""

from __future__ import annotations

import pytest

import nnviz
from nnviz.errors import OptionError
from nnviz.layout.metrics import text_size
from nnviz.layout.neurons import layout_nodes
from nnviz.layout.neurons.chain import node_chain
from nnviz.layout.neurons.columns import plan_columns, shown_neurons
from nnviz.layout.neurons.nodeoptions import NodeOptions

DEEPNN = {"name": "DeepNN", "input_shape": [10], "layers": [
    {"type": "Dense", "name": "h1", "units": 6, "activation": "relu"},
    {"type": "Dropout", "name": "drop1", "rate": 0.2},
    {"type": "Dense", "name": "h2", "units": 3, "activation": "relu"},
    {"type": "BatchNormalization", "name": "bn"},
    {"type": "Dense", "name": "output", "units": 1, "activation": "sigmoid"},
    {"type": "Activation", "name": "act", "activation": "linear"}]}


@pytest.mark.parametrize("n, max_neurons, shown, head", [
    (10, 10, list(range(10)), None),
    (11, 10, [0, 1, 2, 3, 7, 8, 9, 10], 4),
    (784, 4, [0, 783], 1),
    (100, 11, [0, 1, 2, 3, 96, 97, 98, 99], 4),
])
def test_shown_neurons(n, max_neurons, shown, head):
    assert shown_neurons(n, max_neurons) == (shown, head)


def test_columns_roles_and_captions():
    cols = plan_columns(nnviz.load(DEEPNN), NodeOptions())
    assert [(c.layer.name, c.role, c.n) for c in cols] == [
        ("input", "input", 10), ("h1", "hidden", 6), ("drop1", "passive", 6), ("h2", "hidden", 3),
        ("bn", "passive", 3), ("output", "output", 1), ("act", "passive", 1)]
    assert cols[1].caption == ("h1", "Dense(6, relu)\n66 params")
    assert cols[2].caption == ("drop1", "Dropout(0.2)")
    assert cols[4].caption == ("bn", "BatchNormalization\n12 params")
    assert cols[-1].labels == ["$y_{1}$"] and cols[-2].labels == ["$H_{1}$"]


def test_description_captions_follow_the_recipe():
    cols = plan_columns(nnviz.load(DEEPNN), NodeOptions(description=True))
    assert cols[0].caption == ("INPUT", "")
    assert cols[1].caption == ("H1", "RELU(Σ10[X*w]+b) = 6 out\n66 params")  # one line when it fits
    assert cols[5].caption == ("OUTPUT", "SIGMOID(Σ3[X*w]+b) = 1 out\n4 params")


def test_last_dense_layer_says_y():
    spec = {"input_shape": [8], "layers": [{"type": "Dense", "units": 1, "activation": "sigmoid"}]}
    cols = plan_columns(nnviz.load(spec), NodeOptions(description=True))
    assert cols[-1].caption[1].splitlines()[0] == "SIGMOID(Σ8[X*w]+b) = 1 Y"
    wide = {"input_shape": [784], "layers": [{"type": "Dense", "units": 10000, "activation": "softplus"}]}
    cols = plan_columns(nnviz.load(wide), NodeOptions(description=True))  # too long: broken at parentheses
    assert cols[-1].caption[1].splitlines()[:3] == ["SOFTPLUS (", "Σ784[X*w]+b", ") = 10000 Y"]


def test_chain_errors_name_the_layer():
    spec = {"name": "fork", "inputs": {"x": [4]}, "layers": [
        {"type": "Dense", "units": 2, "name": "a", "inputs": ["x"]},
        {"type": "Dense", "units": 2, "name": "b", "inputs": ["x"]},
        {"type": "Add", "name": "sum", "inputs": ["a", "b"]}]}
    with pytest.raises(OptionError, match=r"layer 'sum' merges 2 tensors.*style='block'"):
        node_chain(nnviz.load(spec))


def test_unknown_width_is_an_option_error():
    spec = {"input_shape": [None], "layers": [{"type": "Dropout", "rate": 0.1}]}
    with pytest.raises(OptionError, match="width of layer 'input' is unknown"):
        layout_nodes(nnviz.load(spec))


@pytest.mark.parametrize("options", [{}, {"direction": "TB"}, {"figsize": (4, 3)}, {"max_neurons": 200}])
def test_everything_lies_on_the_page(options):
    spec = {"name": "wide", "input_shape": [300], "layers": [{"type": "Dense", "units": 64}, {"type": "Dense", "units": 2}]}
    scene = layout_nodes(nnviz.load(spec), NodeOptions(**options))
    for n in scene.neurons:
        assert n.r <= n.x <= scene.width - n.r and n.r <= n.y <= scene.height - n.r
    for links in scene.links:
        assert links.segments.min() >= 0 and links.segments[..., 0].max() <= scene.width
    if "figsize" in options:
        assert (scene.width, scene.height) == (4 * 72, 3 * 72) and scene.fits


def test_small_figsize_shrinks_the_fonts():
    scene = layout_nodes(nnviz.load(DEEPNN), NodeOptions(figsize=(5, 3.5)))
    assert scene.font_scale < 1 and scene.fits


def test_layout_is_deterministic():
    a = layout_nodes(nnviz.load(DEEPNN))
    b = layout_nodes(nnviz.load(DEEPNN))
    assert a.labels == b.labels and a.neurons == b.neurons


@pytest.mark.parametrize("text", ["$X_{1}$", "$H_{128}$", "$y_{10}$", "DENSE_3", "Σ128[X*w]+b", "+4,088 more",
                                  "Dense(4096, relu)\n16,781,312 params", "input, output", "WWWWW", "iiii"])
def test_text_estimates_cover_matplotlib(text):
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(dpi=72)
    FigureCanvasAgg(fig)
    for weight in ("normal", "bold"):
        box = fig.text(0, 0, text, fontsize=10, fontweight=weight).get_window_extent(fig.canvas.get_renderer())
        w, h = text_size(text, 10)
        assert w * (1.05 if weight == "bold" else 1) >= box.width - 0.5 and h >= box.height - 0.5, (weight, box)


# -- channels-first models: a column's neurons are the channels ------------------------------

KERAS1_TH = {"class_name": "Sequential", "keras_version": "1.2.2", "config": [
    {"class_name": "Convolution2D", "config": {
        "name": "conv1", "nb_filter": 16, "nb_row": 3, "nb_col": 3, "border_mode": "same", "dim_ordering": "th",
        "activation": "relu", "batch_input_shape": [None, 3, 448, 448]}},
    {"class_name": "BatchNormalization", "config": {"name": "bn", "axis": 1, "mode": 0}},
    {"class_name": "MaxPooling2D", "config": {"name": "pool", "pool_size": [2, 2], "strides": [2, 2],
                                              "border_mode": "valid", "dim_ordering": "th"}},
    {"class_name": "Dropout", "config": {"name": "drop", "p": 0.25}},
    {"class_name": "Convolution2D", "config": {
        "name": "conv2", "nb_filter": 1024, "nb_row": 3, "nb_col": 3, "border_mode": "valid", "dim_ordering": "th"}},
    {"class_name": "Flatten", "config": {"name": "flat"}},
    {"class_name": "Dense", "config": {"name": "out", "output_dim": 10, "activation": "softmax"}}]}


def test_keras1_th_columns_count_channels():
    cols = plan_columns(nnviz.load(KERAS1_TH), NodeOptions())
    assert [(c.layer.name, c.n) for c in cols] == [
        ("conv1_input", 3), ("conv1", 16), ("bn", 16), ("pool", 16), ("drop", 16), ("conv2", 1024),
        ("flat", 1024 * 222 * 222), ("out", 10)]
    assert cols[3].caption == ("pool", "MaxPooling2D\n16×224×224")  # not MaxPooling2D(224)
    assert cols[5].caption[1].startswith("Conv2D(1024)\n1024×222×222")


@pytest.mark.needs_tf
def test_keras3_channels_first_columns_match_keras(tmp_path):
    import keras

    model = keras.Sequential([
        keras.Input((3, 40, 32)),
        keras.layers.Conv2D(8, 3, data_format="channels_first", activation="relu", name="c1"),
        keras.layers.Dropout(0.1, name="d"),
        keras.layers.MaxPooling2D(2, data_format="channels_first", name="p"),
        keras.layers.Conv2D(5, 3, data_format="channels_first", name="c2"),
        keras.layers.GlobalAveragePooling2D(data_format="channels_first", name="gap"),
        keras.layers.Dense(4, name="out")], name="cf")
    model.save(tmp_path / "cf.keras")
    cols = plan_columns(nnviz.load(tmp_path / "cf.keras"), NodeOptions())
    truth = [model.inputs[0].shape[1]] + [layer.output.shape[1] for layer in model.layers]
    assert [c.n for c in cols] == truth == [3, 8, 8, 8, 5, 5, 4]


def test_node_refusal_of_a_nested_model_names_the_file(tmp_path):
    import json

    from click.testing import CliRunner

    from nnviz.cli import cli

    branchy = {"class_name": "Functional", "config": {"name": "model_2", "layers": [
        {"class_name": "InputLayer", "name": "a", "config": {"name": "a", "batch_input_shape": [None, 4]},
         "inbound_nodes": []},
        {"class_name": "Dense", "name": "b1", "config": {"name": "b1", "units": 2}, "inbound_nodes": [[["a", 0, 0, {}]]]},
        {"class_name": "Dense", "name": "b2", "config": {"name": "b2", "units": 2}, "inbound_nodes": [[["a", 0, 0, {}]]]},
        {"class_name": "Add", "name": "sum", "config": {"name": "sum"},
         "inbound_nodes": [[["b1", 0, 0, {}], ["b2", 0, 0, {}]]]}],
        "input_layers": [["a", 0, 0]], "output_layers": [["sum", 0, 0]]}}
    outer = {"class_name": "Sequential", "keras_version": "2.4.0", "config": {"name": "outer", "layers": [
        {"class_name": "InputLayer", "config": {"name": "x", "batch_input_shape": [None, 4]}},
        branchy, {"class_name": "Dense", "config": {"name": "y", "units": 1}}]}}
    path = tmp_path / "outer.json"
    path.write_text(json.dumps(outer))
    result = CliRunner().invoke(cli, ["draw", str(path), "--style", "node", "-o", str(tmp_path / "o.png")])
    assert result.exit_code == 2
    assert result.output.startswith(f"nnviz: error: {path}: the node style draws a chain of layers, "
                                    "and model 'model_2' is not one")
