"""The node-and-link style: artists (tier 2), label extents, weights, options, and a few golden images (tier 4)."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from matplotlib.collections import EllipseCollection, LineCollection
from matplotlib.colors import to_rgba
from matplotlib.text import Text

import nnviz
from nnviz.errors import OptionError, ReadError
from nnviz.layout.neurons.nodeoptions import NodeOptions
from nnviz.api import draw_nodes
from nnviz.render.theme import Theme

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
GOLDEN = Path(__file__).resolve().parents[1] / "golden"


def mlp(*widths: int, name: str = "mlp", dropout: float | None = None) -> dict:
    """A spec of Dense layers (ReLU inside, sigmoid last), with Dropout after each hidden one if asked."""
    layers: list[dict] = []
    for i, w in enumerate(widths[1:]):
        last = i == len(widths) - 2
        layers.append({"type": "Dense", "units": w, "activation": "sigmoid" if last else "relu"})
        if dropout and not last:
            layers.append({"type": "Dropout", "rate": dropout})
    return {"name": name, "input_shape": [widths[0]], "layers": layers}


MNIST = mlp(784, 512, 256, 10, name="mnist")
STOCK = mlp(27, 128, 128, 1, name="stock")


def collection(fig, gid: str):
    found = [c for ax in fig.axes for c in ax.collections if c.get_gid() == gid]
    return found[0] if found else None


def segments(fig, gid: str) -> int:
    lines = collection(fig, gid)
    return 0 if lines is None else len(lines.get_segments())


def texts(fig, gid: str) -> list[str]:
    return [t.get_text() for ax in fig.axes for t in ax.texts if t.get_gid() == gid]


# -- no label overlaps another or leaves the canvas ----------------------------

def drawn_text_boxes(fig) -> list[tuple[str, object]]:
    """(text, window extent) of every non-empty Text the figure actually draws.

    Drawn without painting pixels (every artist's draw runs; the renderer's paint calls do nothing): the same
    texts and extents as canvas.draw() (checked on VGG16 wrapped, 20,096 links of stock.json, MNIST), without
    painting thousands of links."""
    if not hasattr(fig.canvas, "get_renderer"):  # a bare Figure() of the user's
        from matplotlib.backends.backend_agg import FigureCanvasAgg

        FigureCanvasAgg(fig)
    drawn: list[tuple[str, object]] = []
    original = Text.draw

    def record(self, renderer):  # ticks outside the view exist but are not drawn: ask the drawing
        original(self, renderer)
        if self.get_visible() and self.get_text().strip():
            drawn.append((self.get_text(), self.get_window_extent(renderer)))

    Text.draw = record
    try:
        fig.draw_without_rendering()
    finally:
        Text.draw = original
    return drawn


def assert_labels_clear(fig, tol: float = 0.5) -> int:
    """No two labels overlap and every label lies inside the figure; returns how many were checked."""
    boxes = drawn_text_boxes(fig)
    w, h = fig.bbox.width, fig.bbox.height
    for text, b in boxes:
        assert b.x0 >= -tol and b.y0 >= -tol and b.x1 <= w + tol and b.y1 <= h + tol, \
            f"{text!r} leaves the canvas: {b.bounds} in {w}x{h}"
    for i, (ta, a) in enumerate(boxes):
        for tb, b in boxes[i + 1:]:
            overlap = a.x0 < b.x1 - tol and b.x0 < a.x1 - tol and a.y0 < b.y1 - tol and b.y0 < a.y1 - tol
            assert not overlap, f"{ta!r} {a.bounds} overlaps {tb!r} {b.bounds}"
    return len(boxes)


EXAMPLE_SPECS = sorted(EXAMPLES.glob("*.json"))


@pytest.mark.parametrize("variant", [{}, {"direction": "TB", "description": True}],
                         ids=["LR", "TB-description"])
@pytest.mark.parametrize("path", EXAMPLE_SPECS, ids=[p.stem for p in EXAMPLE_SPECS])
@pytest.mark.slow
def test_every_example_has_clear_labels(path, variant):
    try:
        diagram = nnviz.draw(path, style="node", **variant)
    except OptionError as err:  # models with branches: the message points to the block style
        assert "style='block'" in str(err)
        return
    assert assert_labels_clear(diagram.figure) > 3


@pytest.mark.parametrize("variant", [
    {}, {"description": True}, {"direction": "TB"}, {"figsize": (10, 8)}, {"figsize": (6, 4), "description": True},
    {"max_neurons": 40}, {"direction": "TB", "max_neurons": 30},
], ids=["default", "description", "TB", "10x8", "6x4", "max40", "TB-max30"])
@pytest.mark.slow
def test_mnist_has_clear_labels(variant):
    assert assert_labels_clear(nnviz.draw(MNIST, style="node", **variant).figure) > 10


@pytest.mark.parametrize("direction", ["LR", "TB"])
@pytest.mark.slow
def test_every_neuron_drawn_keeps_labels_clear(direction):
    """With nothing collapsed, labels thin out rather than overlap (20,096 links drawn)."""
    fig = nnviz.draw(STOCK, style="node", max_neurons=128, direction=direction).figure
    assert len(collection(fig, "nnviz-neurons").get_offsets()) == 27 + 128 + 128 + 1
    labels = texts(fig, "nnviz-neuron")
    assert 10 < len(labels) < 27 + 128 + 128 + 1
    assert assert_labels_clear(fig) > 10


@pytest.mark.parametrize("direction", ["LR", "TB"])
def test_feature_names_have_clear_labels(direction):
    names = [f"feature number {i}" for i in range(8)]
    outputs = ["diabetes"]
    fig = nnviz.draw(mlp(8, 16, 8, 1), style="node", direction=direction, feature_names=names,
                     output_names=outputs).figure
    assert assert_labels_clear(fig) > 8
    assert set(names + outputs) <= set(texts(fig, "nnviz-neuron"))
    rotations = {t.get_rotation() for t in fig.axes[0].texts if t.get_text() in names}
    assert rotations == ({90.0} if direction == "TB" else {0.0})


# -- artists ------------------------------------------------------------------

def test_deepnn_artists_and_roles():
    fig = nnviz.draw(EXAMPLES / "deepnn.json", style="node").figure
    ax = fig.axes[0]
    assert [c.get_gid() for c in ax.collections] == ["nnviz-links", "nnviz-dropped", "nnviz-neurons"]
    neurons = collection(fig, "nnviz-neurons")
    assert isinstance(neurons, EllipseCollection) and len(neurons.get_offsets()) == 10 + 6 + 6 + 3 + 3 + 1
    assert isinstance(collection(fig, "nnviz-links"), LineCollection)
    assert segments(fig, "nnviz-links") == 10 * 6 + 6 * 3 + 3 * 1
    assert segments(fig, "nnviz-dropped") == 6 + 3
    theme = Theme()
    faces = [tuple(c) for c in neurons.get_facecolors()]
    roles = ["input"] * 10 + ["hidden"] * 6 + ["passive"] * 6 + ["hidden"] * 3 + ["passive"] * 3 + ["output"]
    assert faces == [to_rgba(theme.role_color(r)) for r in roles]
    assert texts(fig, "nnviz-title") == ["DeepNN · 91 parameters"]
    assert "$X_{10}$" in texts(fig, "nnviz-neuron") and "$y_{1}$" in texts(fig, "nnviz-neuron")
    assert "Dense(6, relu)\n66 params" in texts(fig, "nnviz-caption")
    assert "Dropout(0.2)" in texts(fig, "nnviz-caption")
    legend = [t.get_text() for t in ax.artists[0].get_texts()] if ax.artists else []
    assert legend == ["input, output", "hidden", "no neurons (Dropout)"]
    assert len(ax.artists) + len(ax.patches) + len(ax.lines) <= 1  # no artist per neuron or link


def test_dropped_links_are_one_to_one():
    scene = nnviz.draw(EXAMPLES / "deepnn.json", style="node").scene
    dropped = [s for s in scene.links if s.kind == "dropped"][0]
    starts, ends = dropped.segments[:, 0], dropped.segments[:, 1]
    assert np.allclose(starts[:, 1], ends[:, 1])  # neuron i to neuron i: level lines (LR)


def test_wide_layers_collapse():
    diagram = nnviz.draw(STOCK, style="node")
    fig = diagram.figure
    assert len(collection(fig, "nnviz-neurons").get_offsets()) == 8 + 8 + 8 + 1
    assert segments(fig, "nnviz-links") == 8 * 8 + 8 * 8 + 8 * 1
    assert sorted(texts(fig, "nnviz-more")) == ["+120 more", "+120 more", "+19 more"]
    assert texts(fig, "nnviz-ellipsis") == ["⋮"] * 3
    assert "Dense(128, relu)\n3,584 params" in texts(fig, "nnviz-caption")  # the caption keeps the true count
    labels = texts(fig, "nnviz-neuron")
    assert "$X_{27}$" in labels and "$H_{128}$" in labels and "$H_{5}$" not in labels
    assert diagram.scene.node_columns[1] == ("dense", "hidden", 128, 8)


def test_mnist_collapses_by_default_and_draws_in_full_when_asked():
    fig = nnviz.draw(MNIST, style="node").figure
    assert len(collection(fig, "nnviz-neurons").get_offsets()) == 8 + 8 + 8 + 10
    assert segments(fig, "nnviz-links") == 64 + 64 + 80
    full = nnviz.draw(MNIST, style="node", max_neurons=1000).scene
    assert len(full.neurons) == 784 + 512 + 256 + 10
    assert sum(len(s) for s in full.links) == 784 * 512 + 512 * 256 + 256 * 10  # as arrays, not objects


def test_max_neurons_sets_the_collapse():
    fig = nnviz.draw(STOCK, style="node", max_neurons=6).figure
    assert len(collection(fig, "nnviz-neurons").get_offsets()) == 4 + 4 + 4 + 1
    assert sorted(texts(fig, "nnviz-more")) == ["+124 more", "+124 more", "+23 more"]


def test_top_to_bottom():
    diagram = nnviz.draw(EXAMPLES / "deepnn.json", style="node", direction="TB")
    offsets = collection(diagram.figure, "nnviz-neurons").get_offsets()
    inputs, output = offsets[:10], offsets[-1]
    assert np.ptp(inputs[:, 1]) == 0 and np.ptp(inputs[:, 0]) > 0  # the input is a row
    assert output[1] > inputs[0, 1] if diagram.figure.axes[0].yaxis_inverted() else output[1] < inputs[0, 1]
    assert texts(diagram.figure, "nnviz-ellipsis") == []


def test_convolutions_show_channels_as_neurons():
    spec = {"name": "cnn", "input_shape": [8, 8, 3], "layers": [
        {"type": "Conv2D", "filters": 4, "kernel_size": 3, "activation": "relu"},
        {"type": "MaxPooling2D"}, {"type": "Flatten"}, {"type": "Dense", "units": 2}]}
    diagram = nnviz.draw(spec, style="node")
    cols = diagram.scene.node_columns
    assert [(c.role, c.n) for c in cols] == [("input", 3), ("hidden", 4), ("passive", 4), ("passive", 36),
                                            ("output", 2)]
    flatten = [s for s in diagram.scene.links if s.dst == "flatten"][0]
    assert len(flatten) == 8  # unit j of the flattened map comes from channel j mod 4; 8 units shown
    assert "3×3×4" in texts(diagram.figure, "nnviz-caption")[2]
    assert_labels_clear(diagram.figure)


def test_nested_models_are_opened():
    spec = {"name": "outer", "input_shape": [5], "layers": [
        {"type": "Sequential", "name": "encoder", "layers": [{"type": "Dense", "units": 3, "name": "enc"}]},
        {"type": "Dense", "units": 2, "name": "head"}]}
    cols = nnviz.draw(spec, style="node").scene.node_columns
    assert [c.layer for c in cols] == ["input", "enc", "head"]


@pytest.mark.parametrize("stem", ["residual_block", "siamese", "multi_io"])
def test_branching_models_point_to_the_block_style(stem):
    path = EXAMPLES / f"{stem}.json"
    if not path.exists():
        pytest.skip(f"{path.name} is not in examples/")
    with pytest.raises(OptionError, match=r"style='block'"):
        nnviz.draw(path, style="node")


# -- options ------------------------------------------------------------------

@pytest.mark.parametrize("options, match", [
    ({"max_neuron": 5}, r"unknown option 'max_neuron' \(did you mean 'max_neurons'\?"),
    ({"direction": "XY"}, r"unknown direction: 'XY' \(must be one of \['LR', 'TB'\]\)"),
    ({"max_neurons": 3}, "at least 4"),
    ({"figsize": (10,)}, "figsize"),
    ({"dpi": -1}, "dpi"),
    ({"feature_names": "abc"}, "feature_names"),
    ({"weights": "yes"}, "weights"),
    ({"ax": "not an axes"}, "ax must be"),
])
def test_bad_options_are_option_errors(options, match):
    with pytest.raises(OptionError, match=match):
        nnviz.draw(EXAMPLES / "deepnn.json", style="node", **options)


def test_options_are_keyword_only_and_strict():
    with pytest.raises(OptionError):
        NodeOptions(10)
    with pytest.raises(OptionError, match="unknown option 'colour'"):
        NodeOptions(colour="red")
    assert NodeOptions().max_neurons == 10 and NodeOptions().theme == Theme()


def test_names_must_match_the_widths():
    with pytest.raises(OptionError, match="feature_names has 2 names, and the input has 10"):
        nnviz.draw(EXAMPLES / "deepnn.json", style="node", feature_names=["a", "b"])


def test_weights_need_a_source_with_weights():
    with pytest.raises(OptionError, match="carries no weights") as info:
        nnviz.draw(EXAMPLES / "deepnn.json", style="node", weights=True)
    assert "weights_file" in str(info.value)


def test_title_option():
    fig = nnviz.draw(EXAMPLES / "deepnn.json", style="node", title="My net").figure
    assert texts(fig, "nnviz-title") == ["My net"]
    assert texts(nnviz.draw(EXAMPLES / "deepnn.json", style="node", title="").figure, "nnviz-title") == []


def test_figsize_and_dpi():
    diagram = nnviz.draw(EXAMPLES / "deepnn.json", style="node", figsize=(10, 8), dpi=50)
    assert tuple(diagram.figure.get_size_inches()) == (10, 8)
    from PIL import Image

    assert Image.open(io.BytesIO(diagram.to_bytes("png"))).size == (500, 400)


def test_draws_into_the_users_axes():
    from matplotlib.figure import Figure

    fig = Figure(figsize=(12, 5))
    left, right = fig.subplots(1, 2)
    left.plot([0, 1], [0, 1])
    diagram = nnviz.draw(EXAMPLES / "deepnn.json", style="node", ax=right)
    assert diagram.figure is fig
    assert [c.get_gid() for c in right.collections] == ["nnviz-links", "nnviz-dropped", "nnviz-neurons"]
    assert len(left.lines) == 1 and not left.collections
    assert_labels_clear(fig)
    assert diagram.to_bytes("png")[:4] == b"\x89PNG"


def test_visualize_nn_returns_a_pyplot_figure():
    import matplotlib.pyplot as plt

    fig = nnviz.visualize_nn(EXAMPLES / "deepnn.json", description=True, figsize=(10, 8))
    assert fig.number in plt.get_fignums()
    assert tuple(fig.get_size_inches()) == (10, 8)
    assert "RELU(Σ10[X*w]+b) = 6 out\n66 params" in texts(fig, "nnviz-caption")
    assert ") = 1 Y" in texts(fig, "nnviz-caption")[-1]


def test_svg_is_deterministic_and_text_free_of_dates():
    a = nnviz.draw(EXAMPLES / "deepnn.json", style="node").to_bytes("svg")
    b = nnviz.draw(EXAMPLES / "deepnn.json", style="node").to_bytes("svg")
    assert a == b and b"<dc:date>" not in a


def test_saves_every_format(tmp_path):
    diagram = nnviz.draw(EXAMPLES / "deepnn.json", style="node")
    for suffix, magic in ((".png", b"\x89PNG"), (".svg", b"<?xml"), (".pdf", b"%PDF")):
        assert diagram.save(tmp_path / f"net{suffix}").read_bytes().startswith(magic)


def test_drawing_libraries_load_only_when_drawing():
    code = ("import sys, nnviz; import nnviz.layout.neurons; "
            "nnviz.layout.neurons.layout_nodes(nnviz.load('examples/deepnn.json')); "
            "print('matplotlib' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         cwd=EXAMPLES.parent)
    assert out.stdout.strip() == "False"


def test_cli_draws_nodes(tmp_path):
    from click.testing import CliRunner

    from nnviz.cli import cli

    out = tmp_path / "net.png"
    result = CliRunner().invoke(cli, ["draw", str(EXAMPLES / "deepnn.json"), "--style", "node", "-o", str(out),
                                      "--max-neurons", "4", "--description", "--direction", "TB",
                                      "--figsize", "6x8", "--dpi", "50"])
    assert result.exit_code == 0, result.output
    from PIL import Image

    assert Image.open(out).size == (300, 400)
    result = CliRunner().invoke(cli, ["draw", str(EXAMPLES / "deepnn.json"), "--style", "node", "--weights",
                                      "-o", str(tmp_path / "w.png")])
    assert result.exit_code == 2 and "carries no weights" in result.output


# -- weights ------------------------------------------------------------------

def fixed_weights(graph, seed: int = 1):
    """A graph whose weights loader returns seeded arrays of the right shapes (no TensorFlow needed)."""
    rng = np.random.default_rng(seed)
    table = {}
    for layer in graph.layers:
        ws = [w for w in layer.weights]
        table[layer.name] = [(w.name, rng.normal(0, 0.5, w.shape).astype("float32")) for w in ws]
    graph = graph.replace(weights_loader=lambda name: table.get(name, []))
    return graph, table


def test_weights_colour_links_by_sign_and_size():
    graph, table = fixed_weights(nnviz.load(mlp(4, 5, 3, name="w")))
    diagram = draw_nodes(graph, weights=True)
    fig = diagram.figure
    first = diagram.scene.links[0]
    kernel = table["dense"][0][1]
    assert np.allclose(first.weights, kernel.ravel())
    lines = collection(fig, "nnviz-links")
    colors, widths = lines.get_colors(), np.asarray(lines.get_linewidths())
    w = np.concatenate([s.weights for s in diagram.scene.links])
    assert len(colors) == len(w) == 4 * 5 + 5 * 3
    blue_wins = colors[:, 2] > colors[:, 0]
    assert np.array_equal(blue_wins[np.abs(w) > 0.05], (w > 0)[np.abs(w) > 0.05])
    order = np.argsort(np.abs(w))
    assert np.all(np.diff(widths[order]) >= -1e-9) and np.all(np.diff(colors[order, 3]) >= -1e-9)
    biases = [n.value for n in diagram.scene.neurons if n.layer == "dense"]
    assert np.allclose(biases, table["dense"][1][1])
    assert any(ax.get_gid() == "nnviz-colorbar" for ax in fig.axes)
    assert texts(fig, "nnviz-colorbar") == ["weight (links), bias (neurons)"]
    assert_labels_clear(fig)


def test_weights_of_another_architecture_are_a_read_error():
    graph = nnviz.load(mlp(4, 5, 3))
    graph = graph.replace(weights_loader=lambda name: [("kernel", np.zeros((7, 7))), ("bias", np.zeros(7))])
    with pytest.raises(ReadError, match=r"needs a kernel of \(4, 5\)"):
        draw_nodes(graph, weights=True)


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """A tiny Keras model trained a few epochs, saved as .keras, .h5, and JSON + .weights.h5."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    keras = pytest.importorskip("keras")
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(6, activation="relu", name="h1"),
                              keras.layers.Dropout(0.1, name="drop"),
                              keras.layers.Dense(3, activation="softmax", name="out")], name="tiny")
    model.compile("adam", "sparse_categorical_crossentropy")
    x = np.random.default_rng(0).random((64, 4))
    model.fit(x, (x[:, 0] * 3).astype(int), epochs=5, verbose=0)
    out = tmp_path_factory.mktemp("trained")
    model.save(out / "tiny.keras")
    model.save(out / "tiny.h5")
    (out / "tiny.json").write_text(model.to_json())
    model.save_weights(out / "tiny.weights.h5")
    return out, {layer.name: layer.get_weights() for layer in model.layers}


@pytest.mark.needs_tf
@pytest.mark.parametrize("source, weights_file", [("tiny.keras", None), ("tiny.h5", None),
                                                  ("tiny.json", "tiny.weights.h5")])
def test_weights_from_trained_files(trained, source, weights_file):
    folder, truth = trained
    wf = None if weights_file is None else folder / weights_file
    diagram = nnviz.draw(folder / source, style="node", weights=True, weights_file=wf)
    links = {s.dst: s for s in diagram.scene.links}
    assert np.allclose(links["h1"].weights, truth["h1"][0].ravel(), atol=1e-6)
    assert np.allclose(links["out"].weights, truth["out"][0].ravel(), atol=1e-6)
    assert links["drop"].weights is None and links["drop"].kind == "dropped"
    biases = [n.value for n in diagram.scene.neurons if n.layer == "out"]
    assert np.allclose(biases, truth["out"][1], atol=1e-6)
    lines = collection(diagram.figure, "nnviz-links")
    w = np.concatenate([links["h1"].weights, links["out"].weights])
    colors = lines.get_colors()
    strong = np.abs(w) > 0.05
    assert np.array_equal((colors[:, 2] > colors[:, 0])[strong], (w > 0)[strong])


@pytest.mark.needs_tf
def test_cli_weights_file(trained, tmp_path):
    from click.testing import CliRunner

    from nnviz.cli import cli

    folder, _ = trained
    out = tmp_path / "w.svg"
    result = CliRunner().invoke(cli, ["draw", str(folder / "tiny.json"), "--style", "node", "--weights",
                                      "--weights-file", str(folder / "tiny.weights.h5"), "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert b"nnviz-colorbar" in out.read_bytes()


@pytest.mark.needs_tf
def test_plain_drawing_of_a_file_reads_no_weights(trained):
    folder, _ = trained
    graph = nnviz.load(folder / "tiny.h5")
    calls = []
    loader = graph.weights_loader
    graph = graph.replace(weights_loader=lambda name: calls.append(name) or loader(name))
    draw_nodes(graph).figure
    assert calls == []


# -- golden images -------------------------------------------------------------

def _golden_graph(name: str):
    if name == "deepnn":
        return nnviz.load(EXAMPLES / "deepnn.json"), {}
    if name == "mnist-tb":
        return nnviz.load(MNIST), {"direction": "TB", "description": True}
    graph, _ = fixed_weights(nnviz.load(mlp(5, 12, 4, name="weights", dropout=0.2)))
    return graph, {"weights": True}


@pytest.mark.parametrize("name", ["deepnn", "mnist-tb", "weights"])
def test_golden_images(name, regen):
    from PIL import Image

    graph, options = _golden_graph(name)
    png = draw_nodes(graph, dpi=72, **options).to_bytes("png")
    path = GOLDEN / f"node-{name}.png"
    if regen:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(png)
    assert path.exists(), f"no golden image {path.name} (pytest --regen writes it)"
    got = np.asarray(Image.open(io.BytesIO(png)).convert("RGB"), dtype=float)
    want = np.asarray(Image.open(path).convert("RGB"), dtype=float)
    assert got.shape == want.shape, f"size {got.shape} != golden {want.shape} (pytest --regen to accept)"
    rms = float(np.sqrt(np.mean((got - want) ** 2)))
    assert rms < 4.0, f"differs from {path.name} by RMS {rms:.2f} (pytest --regen to accept)"


def test_weight_scale_fixes_the_colour_bar():
    import numpy as np

    from nnviz.graph import LayerGraph
    from nnviz.layout.neurons import layout_nodes
    from nnviz.layout.neurons.nodeoptions import NodeOptions
    from nnviz.errors import OptionError

    g = nnviz.load({"input_shape": [2], "layers": [{"type": "Dense", "units": 2, "name": "d"}]})
    g2 = LayerGraph(g.name, g.layers, g.calls, g.inputs, g.outputs,
                    weights_loader=lambda n: [("kernel", np.full((2, 2), 0.5)), ("bias", np.zeros(2))] if n == "d" else [])
    assert layout_nodes(g2, NodeOptions(weights=True)).colorbar.vmax == 0.5
    assert layout_nodes(g2, NodeOptions(weights=True, weight_scale=3.0)).colorbar.vmax == 3.0
    with pytest.raises(OptionError, match="weight_scale"):
        NodeOptions(weight_scale=-1)
