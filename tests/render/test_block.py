"""The block style: scene assertions (tier 2), text extents on the figure, DOT golden text (tier 3).

Keras applications are built once with TensorFlow and recorded as ``to_json()``
text under ``tests/data/truth/`` (see ``tests/truth.py``); the tests read the
JSON back with ``nnviz.load`` and need no TensorFlow.
"""

from __future__ import annotations

import html
import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

import nnviz
from nnviz.api import draw_blocks
from nnviz.cli import cli
from nnviz.errors import MissingDependencyError, OptionError
from nnviz.layout.blocks import block_view
from nnviz.layout.blocktext import line_centers
from nnviz.view import fold_repeats, find_repeats, flatten
from nnviz.layout.layered import PAGES, BlockOptions
from nnviz.render.block import BlockDiagram
from nnviz.render.mermaid import to_mermaid

from keras_zoo import APPLICATIONS
from truth import app_json

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
GOLDEN = Path(__file__).resolve().parents[1] / "golden"
A4 = PAGES["a4"]
MIN_FONT = 6.0
TOL = 0.51  # points

SMALL_CNN = {
    "name": "small_cnn", "input_shape": [28, 28, 1],
    "layers": [
        {"type": "Conv2D", "filters": 8, "kernel_size": 3, "activation": "relu"},
        {"type": "MaxPooling2D", "pool_size": 2},
        {"type": "Conv2D", "filters": 16, "kernel_size": 3, "activation": "relu"},
        {"type": "Flatten"},
        {"type": "Dropout", "rate": 0.5},
        {"type": "Dense", "units": 10, "activation": "softmax"},
    ],
}


def application(name: str) -> nnviz.LayerGraph:
    """A keras.applications model (weights=None), from its recorded to_json() text."""
    return nnviz.load(json.loads(app_json(name)))


# -- checks on a scene and on the drawn figure ------------------------------------------

def _overlap(a: tuple, b: tuple, tol: float = TOL) -> bool:
    return a[0] < b[2] - tol and b[0] < a[2] - tol and a[1] < b[3] - tol and b[1] < a[3] - tol


def _rect(item) -> tuple[float, float, float, float]:
    return (item.x, item.y, item.x + item.w, item.y + item.h)


def _pairs(rects: list[tuple]) -> list[tuple[int, int]]:
    """Index pairs of overlapping rectangles (a sweep along x)."""
    order = sorted(range(len(rects)), key=lambda i: rects[i][0])
    hits, active = [], []
    for i in order:
        active = [j for j in active if rects[j][2] > rects[i][0] + TOL]
        hits += [(j, i) for j in active if _overlap(rects[i], rects[j])]
        active.append(i)
    return hits


def assert_scene_ok(scene) -> None:
    """No two boxes overlap, a frame holds whole boxes only, edges start and end on their boxes."""
    boxes = {b.id: b for b in scene.boxes}
    rects = [_rect(b) for b in scene.boxes]
    clash = _pairs(rects)
    assert not clash, [(scene.boxes[i].id, scene.boxes[j].id) for i, j in clash[:5]]
    for c in scene.clusters:
        cr = _rect(c)
        for b in scene.boxes:
            br = _rect(b)
            inside = cr[0] - TOL <= br[0] and br[2] <= cr[2] + TOL and cr[1] - TOL <= br[1] and br[3] <= cr[3] + TOL
            assert inside or not _overlap(cr, br), f"{b.id} straddles the frame of {c.id}"
    for r in rects + [_rect(c) for c in scene.clusters]:
        assert -TOL <= r[0] and r[2] <= scene.width + TOL and -TOL <= r[1] and r[3] <= scene.height + TOL
    stubs = [(lb.x, lb.y) for lb in scene.labels if lb.role == "connector"]  # an off-column connector's ends
    for e in scene.edges:
        assert _on_border(e.points[0], boxes[e.src]) or _at_stub(e.points[0], stubs), (e.src, e.dst, e.points[0])
        assert _on_border(e.points[-1], boxes[e.dst]) or _at_stub(e.points[-1], stubs), (e.src, e.dst, e.points[-1])


def _at_stub(p: tuple[float, float], stubs: list[tuple[float, float]]) -> bool:
    return any(abs(p[1] - y) <= TOL and abs(p[0] - x) <= 6.0 for x, y in stubs)


def _on_border(p: tuple[float, float], box) -> bool:
    x0, y0, x1, y1 = _rect(box)
    x, y = p
    within = x0 - TOL <= x <= x1 + TOL and y0 - TOL <= y <= y1 + TOL
    return within and min(abs(x - x0), abs(x - x1), abs(y - y0), abs(y - y1)) <= TOL


def drawn_texts(fig) -> list[tuple[str, float, tuple]]:
    """(text, font size, extent in points with y down) of every Text drawn on the figure.

    The figure is drawn without painting pixels (every artist's draw runs and places its text; the
    renderer's paint calls do nothing): the extents are canvas.draw()'s to the bit, in a fifth of the time
    (checked on NASNetMobile, ResNet50 with every layer, InceptionV3, MobileNetV3Small)."""
    fig.draw_without_rendering()
    renderer = fig.canvas.get_renderer()
    scale = 72.0 / fig.dpi
    height = fig.get_figheight() * 72.0
    out = []
    for ax in fig.axes:
        for t in ax.texts:
            if not t.get_visible() or not t.get_text():
                continue
            bb = t.get_window_extent(renderer)
            out.append((t.get_text(), t.get_fontsize(),
                        (bb.x0 * scale, height - bb.y1 * scale, bb.x1 * scale, height - bb.y0 * scale)))
    return out


def assert_text_ok(fig, min_size: float = 0.0) -> None:
    """No text overlaps another or leaves the canvas; none is smaller than ``min_size``."""
    texts = drawn_texts(fig)
    w, h = fig.get_figwidth() * 72.0, fig.get_figheight() * 72.0
    for text, size, (x0, y0, x1, y1) in texts:
        assert size >= min_size - 1e-6, f"{text!r} at {size:.2f} pt"
        assert x0 >= -TOL and y0 >= -TOL and x1 <= w + TOL and y1 <= h + TOL, f"{text!r} leaves the canvas"
    clash = _pairs([t[2] for t in texts])
    assert not clash, [(texts[i][0], texts[j][0]) for i, j in clash[:5]]


def assert_text_in_boxes(diagram) -> None:
    """A block's name, and its other lines, lie inside the block."""
    texts: dict[str, list] = {}
    for text, _, ext in drawn_texts(diagram.figure):
        texts.setdefault(text, []).append(ext)
    for b in diagram.scene.boxes:
        for text in (b.lines[0], "\n".join(b.lines[1:])):
            if text:
                assert any(b.x - TOL <= x0 and x1 <= b.x + b.w + TOL and b.y - TOL <= y0
                           and y1 <= b.y + b.h + TOL for x0, y0, x1, y1 in texts.get(text, [])), \
                    f"{text!r} outside block {b.id}"


def fits_a4(scene) -> bool:
    w, h = sorted((scene.width, scene.height))
    return w <= A4[0] + TOL and h <= A4[1] + TOL


# -- small models (no TensorFlow) ----------------------------------------------------------

def test_small_cnn_blocks_lines_and_edges():
    d = draw_blocks(nnviz.load(SMALL_CNN))
    assert isinstance(d, BlockDiagram) and d.engine == "matplotlib"
    names = [b.lines[0] for b in d.scene.boxes]
    assert names == ["input", "conv2d", "max_pooling2d", "conv2d_1", "flatten", "dropout", "dense"]
    conv = next(b for b in d.scene.boxes if b.id == "conv2d")
    assert conv.lines == ("conv2d", "Conv2D · relu", "(None, 26, 26, 8)", "80 params")
    assert conv.family == "convolution" and d.scene.boxes[-1].family == "output"
    assert len(d.scene.edges) == 6
    assert_scene_ok(d.scene)
    assert_text_ok(d.figure, MIN_FONT)
    assert_text_in_boxes(d)
    legend = [text for text, _ in d.scene.legend]
    assert {"input", "output", "convolution", "pooling", "reshape", "regularization"} <= set(legend)


def test_top_to_bottom_and_left_to_right():
    g = nnviz.load(SMALL_CNN)
    tb = draw_blocks(g, page=None).scene
    lr = draw_blocks(g, direction="LR", page=None).scene
    ys = [b.y for b in tb.boxes]
    xs = [b.x for b in lr.boxes]
    assert ys == sorted(ys) and len(set(ys)) == len(ys)
    assert xs == sorted(xs) and len(set(xs)) == len(xs)
    assert_scene_ok(lr)


def test_show_fields_units_and_frozen():
    spec = {"name": "f", "input_shape": [4], "layers": [
        {"type": "Dense", "units": 3, "activation": "tanh", "trainable": False},
        {"type": "Dense", "units": 2}]}
    g = nnviz.load(spec)
    d = draw_blocks(g, show="name,units,params")
    first = next(b for b in d.scene.boxes if b.id == "dense")
    assert first.lines == ("dense", "3 units", "15 params (frozen)") and first.frozen
    assert ("frozen", "frozen") in d.scene.legend
    plain = draw_blocks(g, show=("name",), show_trainable=False)
    assert next(b for b in plain.scene.boxes if b.id == "dense").lines == ("dense",)


@pytest.mark.parametrize("options, message", [
    ({"direction": "XY"}, "unknown direction: 'XY' (must be one of ['LR', 'TB'])"),
    ({"engine": "cairo"}, "unknown engine"),
    ({"show": "name,colour"}, "unknown field to show: 'colour'"),
    ({"collapse": "sometimes"}, "unknown collapse"),
    ({"page": "a3"}, "unknown page"),
    ({"colour": "red"}, "unknown option 'colour'"),
    ({"figsize": (0, 3)}, "figsize"),
])
def test_bad_options_name_the_allowed_values(options, message):
    with pytest.raises(OptionError, match=message.replace("(", r"\(").replace(")", r"\)").replace("[", r"\[")
                       .replace("]", r"\]")):
        draw_blocks(nnviz.load(SMALL_CNN), **options)


@pytest.mark.slow
def test_examples_draw_in_the_matplotlib_engine():
    for path in sorted(EXAMPLES.glob("*.json")):
        d = nnviz.draw(str(path))
        assert_scene_ok(d.scene)
        assert_text_ok(d.figure)


def test_shared_layer_drawn_once_with_an_edge_per_call():
    config = {"class_name": "Functional", "config": {
        "name": "shared", "layers": [
            {"class_name": "InputLayer", "name": "a", "config": {"batch_shape": [None, 4], "name": "a"},
             "inbound_nodes": []},
            {"class_name": "InputLayer", "name": "b", "config": {"batch_shape": [None, 4], "name": "b"},
             "inbound_nodes": []},
            {"class_name": "Dense", "name": "d", "config": {"name": "d", "units": 3},
             "inbound_nodes": [[["a", 0, 0, {}]], [["b", 0, 0, {}]]]},
            {"class_name": "Add", "name": "sum", "config": {"name": "sum"},
             "inbound_nodes": [[["d", 0, 0, {}], ["d", 1, 0, {}]]]}],
        "input_layers": [["a", 0, 0], ["b", 0, 0]], "output_layers": [["sum", 0, 0]]}}
    d = draw_blocks(nnviz.load(config))
    boxes = [b for b in d.scene.boxes if b.id == "d"]
    assert len(boxes) == 1 and "shared, 2 calls" in boxes[0].lines[1]
    assert sorted((e.src, e.dst) for e in d.scene.edges) == [("a", "d"), ("b", "d"), ("d", "sum"), ("d", "sum")]
    assert_scene_ok(d.scene)


def test_a_cycle_through_a_shared_layer_is_drawn():
    config = {"class_name": "Functional", "config": {
        "name": "loop", "layers": [
            {"class_name": "InputLayer", "name": "x", "config": {"batch_shape": [None, 4], "name": "x"},
             "inbound_nodes": []},
            {"class_name": "Dense", "name": "d", "config": {"name": "d", "units": 4},
             "inbound_nodes": [[["x", 0, 0, {}]], [["d", 0, 0, {}]]]}],
        "input_layers": [["x", 0, 0]], "output_layers": [["d", 1, 0]]}}
    d = draw_blocks(nnviz.load(config))
    assert {(e.src, e.dst) for e in d.scene.edges} == {("x", "d"), ("d", "d")}
    d.to_bytes("svg")


# -- repeats, nesting, ranges ----------------------------------------------------------------

def _chain_of_blocks(n: int, width: int = 16) -> dict:
    layers = []
    for _ in range(n):
        layers += [{"type": "Dense", "units": width}, {"type": "BatchNormalization"},
                   {"type": "Activation", "activation": "relu"}]
    return {"name": "stack", "input_shape": [width], "layers": layers}


def test_repeats_collapse_into_a_group_marked_with_its_count():
    g = nnviz.load(_chain_of_blocks(5))
    view = fold_repeats(flatten(g), as_block=True)
    groups = [n for n in view.blocks.values() if n.kind == "repeat"]
    assert len(groups) == 1 and groups[0].repeat == 5 and groups[0].size == 3
    assert groups[0].params == g.total_params
    clustered = fold_repeats(flatten(g))
    (info,) = clustered.clusters.values()
    assert info.kind == "repeat" and "×5" in info.title


def test_collapse_false_draws_every_layer():
    g = nnviz.load(_chain_of_blocks(30))
    d = draw_blocks(g, collapse=False)
    assert len(d.scene.boxes) == len(g.layers)
    folded = draw_blocks(g, collapse=True)
    assert len(folded.scene.boxes) < len(g.layers)
    assert any(c.repeat == 30 or "×30" in c.title for c in folded.scene.clusters) or \
        any(b.repeat == 30 for b in folded.scene.boxes)


def test_from_and_to_draw_a_range():
    g = nnviz.load(SMALL_CNN)
    d = draw_blocks(g, from_layer="max_pooling2d", to_layer="flatten")
    assert [b.id for b in d.scene.boxes] == ["max_pooling2d", "conv2d_1", "flatten"]
    assert [(e.src, e.dst) for e in d.scene.edges] == [("max_pooling2d", "conv2d_1"), ("conv2d_1", "flatten")]
    with pytest.raises(OptionError, match="unknown --from layer 'maxpool'.*max_pooling2d"):
        draw_blocks(g, from_layer="maxpool")
    with pytest.raises(OptionError, match="comes before"):
        draw_blocks(g, from_layer="flatten", to_layer="conv2d")


def test_nested_model_closed_by_default_and_expanded_by_name(real_models):
    g = nnviz.load(real_models / "k3_nanotag_ae_nested.keras")
    closed = draw_blocks(g)
    assert {b.id for b in closed.scene.boxes} == {"input_layer", "encoder", "decoder"}
    assert next(b for b in closed.scene.boxes if b.id == "encoder").family == "model"
    opened = draw_blocks(g, expand=("encoder",))
    (frame,) = opened.scene.clusters
    assert frame.id == "encoder" and frame.title.startswith("encoder")
    inner = [b for b in opened.scene.boxes if b.id.startswith("encoder/")]
    assert inner and all(frame.x <= b.x and b.x + b.w <= frame.x + frame.w for b in inner)
    assert ("input_layer", "encoder/input_layer") in {(e.src, e.dst) for e in opened.scene.edges}
    assert any(lb.role == "cluster" and lb.text == "encoder" for lb in opened.scene.labels)
    assert_scene_ok(opened.scene)
    assert_text_ok(opened.figure)
    everything = draw_blocks(g, expand="all", direction="LR")
    assert {c.id for c in everything.scene.clusters} == {"encoder", "decoder"}
    assert_scene_ok(everything.scene)
    with pytest.raises(OptionError, match="cannot expand 'decodr'"):
        draw_blocks(g, expand=("decodr",))


def test_shared_nested_model_expanded_once(real_models):
    g = nnviz.load(real_models / "k3_speaker_siamese.keras")
    d = draw_blocks(g, expand="all")
    inner_input = "functional_4/input_layer_6"
    sources = sorted(e.src for e in d.scene.edges if e.dst == inner_input)
    assert sources == ["input_layer_7", "input_layer_8"]
    assert_scene_ok(d.scene)


# -- keras.applications --------------------------------------------------------------------

def test_resnet50_repeats_found():
    g = application("ResNet50")
    runs = find_repeats(flatten(g), None)
    found = {(len(r.copies), r.copies[0][0]) for r in runs}
    assert {(2, "conv2_block2_1_conv"), (3, "conv3_block2_1_conv"), (5, "conv4_block2_1_conv"),
            (2, "conv5_block2_1_conv")} <= found
    view = fold_repeats(flatten(g), as_block=True)
    labels = {n.label: n.repeat for n in view.blocks.values() if n.kind == "repeat"}
    assert labels == {"conv2_block2..3": 2, "conv3_block2..4": 3, "conv4_block2..6": 5, "conv5_block2..3": 2}
    d = draw_blocks(g)
    badges = [b.repeat for b in d.scene.boxes if b.repeat > 1] + [c.repeat for c in d.scene.clusters]
    assert sorted(badges) == [2, 2, 3, 5]
    svg = d.to_bytes("svg").decode()
    assert "×3" in svg and "conv3_block2..4" in svg


@pytest.mark.parametrize("name", ["ResNet50", "InceptionV3", "DenseNet121", "NASNetMobile"])
@pytest.mark.slow
def test_big_applications_fit_one_a4_page(name):
    d = draw_blocks(application(name))
    scene = d.scene
    assert fits_a4(scene), (scene.width, scene.height)
    assert min(b.font_size for b in scene.boxes) >= MIN_FONT - 1e-6
    assert_scene_ok(scene)
    assert_text_ok(d.figure, MIN_FONT)
    assert_text_in_boxes(d)


@pytest.mark.parametrize("name", sorted(APPLICATIONS))
@pytest.mark.slow
def test_every_application_family_draws_in_matplotlib(name):
    d = draw_blocks(application(name))
    assert_scene_ok(d.scene)
    assert_text_ok(d.figure)
    assert d.to_bytes("svg").startswith(b"<?xml")


@pytest.mark.needs_dot
@pytest.mark.parametrize("name", sorted(APPLICATIONS))
@pytest.mark.slow
def test_every_application_family_draws_in_graphviz(name):
    d = draw_blocks(application(name), engine="graphviz")
    svg = html.unescape(d.to_bytes("svg").decode())
    assert "<text" in svg and d.view.name in svg


@pytest.mark.slow
def test_resnet50_full_draws_every_layer():
    g = application("ResNet50")
    d = draw_blocks(g, collapse=False)
    assert len(d.scene.boxes) == len(g.layers)
    assert_scene_ok(d.scene)
    assert_text_ok(d.figure, MIN_FONT)


def _gutter_crossings(scene) -> int:
    """Edges drawn from one column into another (each runs through a gutter)."""
    col = scene.column_of
    return sum(1 for e in scene.edges if col[e.src] != col[e.dst] and _on_border(e.points[0], _box(scene, e.src))
               and _on_border(e.points[-1], _box(scene, e.dst)))


def _box(scene, nid):
    return next(b for b in scene.boxes if b.id == nid)


@pytest.mark.slow
def test_nasnet_full_gutter_uses_connectors(monkeypatch, tmp_path):
    """NASNetMobile with every layer: a cut that many edges cross gets off-column connectors
    ("▸ target" under the source's column, "source ▸" over the target's) instead of a band of lanes."""
    import nnviz.layout.pagecolumns as pagecolumns

    g = application("NASNetMobile")
    monkeypatch.setattr(pagecolumns, "MAX_LANES", 10**6)
    before = draw_blocks(g, collapse=False).scene
    monkeypatch.undo()
    d = draw_blocks(g, collapse=False)
    after = d.scene
    assert after.page_columns == before.page_columns >= 2
    assert _gutter_crossings(before) > pagecolumns.MAX_LANES
    assert _gutter_crossings(after) == 0
    col = after.column_of
    crossing = {(e.src, e.dst) for e in before.edges if col[e.src] != col[e.dst]}
    conn = [lb for lb in after.labels if lb.role == "connector"]
    feet = {lb.text for lb in conn if lb.text.startswith("▸ ")}
    heads = {lb.text for lb in conn if lb.text.endswith(" ▸")}
    assert feet == {"▸ " + d.view.target_name(v) for _, v in crossing}
    assert heads == {d.view.source_name(u) + " ▸" for u, _ in crossing}
    assert len(conn) == 2 * len(crossing)
    assert_scene_ok(after)
    texts = [t for t in drawn_texts(d.figure) if t[0] in feet | heads]
    assert len(texts) == len(conn)
    rects = [t[2] for t in texts] + [_rect(b) for b in after.boxes]
    clash = [(i, j) for i, j in _pairs(rects) if min(i, j) < len(texts)]
    assert not clash, clash[:5]
    # a file to look at: SVG, written from the scene (a PNG painted and encoded 127 M pixels, which no
    # assertion looks at: a third of the test's time)
    assert d.save(tmp_path / "nasnet_full.svg").stat().st_size > 0


# -- real files ----------------------------------------------------------------------------

def _real_files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.iterdir() if p.suffix in (".h5", ".hdf5", ".keras", ".json"))


@pytest.mark.slow
def test_real_models_draw_in_matplotlib(real_models):
    for path in _real_files(real_models):
        d = nnviz.draw(str(path))
        assert_scene_ok(d.scene)
        assert_text_ok(d.figure)
        opened = nnviz.draw(str(path), expand="all")
        assert_scene_ok(opened.scene)


@pytest.mark.needs_dot
@pytest.mark.slow
def test_real_models_draw_in_graphviz(real_models, tmp_path):
    for path in _real_files(real_models):
        d = nnviz.draw(str(path), engine="graphviz", expand="all")
        out = d.save(tmp_path / (path.stem + ".svg"))
        assert b"<text" in out.read_bytes()
        assert d.scene.boxes  # dot's own layout, read back


# -- engines, formats, determinism -----------------------------------------------------------

def test_svg_keeps_text_and_is_deterministic(tmp_path):
    g = nnviz.load(SMALL_CNN)
    a = draw_blocks(g).save(tmp_path / "a.svg").read_bytes()
    b = draw_blocks(g).save(tmp_path / "b.svg").read_bytes()
    assert a == b
    assert b"<text" in a and b">conv2d_1<" in a


def test_png_dpi_does_not_change_the_svg(tmp_path):
    d = draw_blocks(nnviz.load(SMALL_CNN))
    svg = d.to_bytes("svg")
    low, high = d.to_bytes("png", dpi=50), d.to_bytes("png", dpi=200)
    assert len(high) > len(low)
    assert d.to_bytes("svg") == svg


def test_dot_golden_text(tmp_path, regen):
    d = nnviz.draw(SMALL_CNN, title="")
    d.save(tmp_path / "small.dot")
    text = (tmp_path / "small.dot").read_text()
    golden = GOLDEN / "block-small-cnn.dot"
    if regen:
        golden.write_text(text, encoding="utf-8")
    assert text == golden.read_text(encoding="utf-8")
    assert text == d.save(tmp_path / "small.gv").read_text()


def test_dot_source_of_the_matplotlib_engine(tmp_path):
    g = nnviz.load(SMALL_CNN)
    mpl = draw_blocks(g, engine="matplotlib").save(tmp_path / "m.dot").read_text()
    assert mpl.startswith('digraph "small_cnn" {')
    assert ('"conv2d" [label=<<TABLE BORDER="0" CELLBORDER="0" CELLSPACING="0" CELLPADDING="0">'
            '<TR><TD HEIGHT="10"><B>conv2d</B></TD></TR><TR><TD HEIGHT="10">Conv2D · relu</TD></TR>'
            '<TR><TD HEIGHT="10">(None, 26, 26, 8)</TD></TR><TR><TD HEIGHT="10">80 params</TD></TR></TABLE>>') in mpl
    assert '"conv2d" -> "max_pooling2d";' in mpl


@pytest.mark.needs_dot
def test_dot_source_from_both_engines_is_the_same(tmp_path):
    g = nnviz.load(SMALL_CNN)
    mpl = draw_blocks(g, engine="matplotlib").save(tmp_path / "m.dot").read_text()
    graphviz = draw_blocks(g, engine="graphviz")
    assert graphviz.engine == "graphviz"
    assert graphviz.save(tmp_path / "g.dot").read_text() == mpl


def test_mermaid_flowchart(tmp_path):
    d = draw_blocks(nnviz.load(SMALL_CNN), direction="LR")
    text = d.save(tmp_path / "m.mmd").read_text()
    lines = text.splitlines()
    assert lines[0] == "flowchart LR"
    assert '  n1["<b>conv2d</b><br/>Conv2D · relu<br/>(None, 26, 26, 8)<br/>80 params"]:::convolution' in lines
    assert "  n0 --> n1" in lines
    assert any(line.startswith("  classDef convolution fill:#") for line in lines)


def test_mermaid_clusters_for_expanded_models(real_models):
    g = nnviz.load(real_models / "k3_nanotag_ae_nested.keras")
    view, _ = block_view(g, BlockOptions(expand=("all",)))
    text = to_mermaid(view, BlockOptions())
    assert text.count("subgraph ") == 2 and text.count("\n  end") == 2


@pytest.mark.needs_dot
def test_graphviz_engine_renders_with_dot(tmp_path):
    d = draw_blocks(nnviz.load(SMALL_CNN), engine="graphviz")
    assert d.engine == "graphviz" and d.source.startswith("digraph")
    svg = d.save(tmp_path / "g.svg").read_bytes()
    assert b"<text" in svg and b"conv2d_1" in svg
    png = d.save(tmp_path / "g.png", dpi=72).read_bytes()
    assert png.startswith(b"\x89PNG")
    assert d.save(tmp_path / "g.pdf").read_bytes().startswith(b"%PDF")
    assert_scene_ok(d.scene)
    assert d.figure.axes


@pytest.mark.needs_dot
@pytest.mark.parametrize("direction", ["TB", "LR"])
def test_graphviz_draws_the_same_columns_in_order(direction):
    g = nnviz.load(_chain_of_blocks(40, 8))
    d = draw_blocks(g, engine="graphviz", collapse=False, direction=direction)
    count = max(d.columns.values()) + 1
    assert count > 1 and d.source.count('subgraph "cluster_nnviz_column_') == count
    assert d.source.count("▸") == 2 * sum(1 for u, v in d.view.edges if d.columns[u] != d.columns[v])
    where = {}
    for b in d.scene.boxes:  # columns left to right (TB), rows top down (LR)
        where.setdefault(d.columns[b.id], []).append(b.x if direction == "TB" else b.y)
    firsts = [min(where[c]) for c in sorted(where)]
    assert firsts == sorted(firsts)
    assert not d.scene.clusters  # the column frames are invisible, not clusters of the view


def test_graphviz_without_dot_says_how_to_install(monkeypatch):
    monkeypatch.setattr(shutil, "which", lambda name: None)
    with pytest.raises(MissingDependencyError, match="apt-get install graphviz"):
        draw_blocks(nnviz.load(SMALL_CNN), engine="graphviz")
    assert draw_blocks(nnviz.load(SMALL_CNN), engine="auto").engine == "matplotlib"


@pytest.mark.needs_dot
def test_auto_engine_picks_graphviz_when_dot_is_there():
    assert draw_blocks(nnviz.load(SMALL_CNN), engine="auto").engine == "graphviz"


def test_cli_draw_block_options(tmp_path):
    spec = tmp_path / "cnn.json"
    spec.write_text(json.dumps(SMALL_CNN))
    out = tmp_path / "cnn.svg"
    result = CliRunner().invoke(cli, ["draw", str(spec), "-o", str(out), "--direction", "LR",
                                      "--show", "name,params", "--from", "conv2d", "--to", "dense",
                                      "--collapse", "no", "--page", "letter"])
    assert result.exit_code == 0, result.output
    assert b">conv2d<" in out.read_bytes() and b">input<" not in out.read_bytes()
    bad = CliRunner().invoke(cli, ["draw", str(spec), "-o", str(out), "--show", "colour"])
    assert bad.exit_code == 2 and "unknown field to show: 'colour'" in bad.output


@pytest.mark.slow
def test_page_fit_scales_to_the_page_and_wraps_into_columns():
    g = nnviz.load(_chain_of_blocks(40, 8))
    d = draw_blocks(g, collapse=False)
    assert d.scene.page_columns > 1
    assert d.scene.font_size >= MIN_FONT
    assert_scene_ok(d.scene)
    assert_text_ok(d.figure, MIN_FONT)
    natural = draw_blocks(g, collapse=False, page=None)
    assert natural.scene.page_columns == 1
    sized = draw_blocks(g, figsize=(4, 3))
    assert (sized.scene.width, sized.scene.height) == (4 * 72.0, 3 * 72.0)


def test_line_centers_are_inside_the_box():
    d = draw_blocks(nnviz.load(SMALL_CNN))
    for b in d.scene.boxes:
        ys = line_centers(b)
        assert all(b.y < y < b.y + b.h for y in ys) and ys == sorted(ys)


@pytest.mark.parametrize("bad", [{"figsize": (0, 3)}, {"figsize": (300, 3)}, {"figsize": (True, 3)},
                                 {"dpi": 0}, {"dpi": "high"}, {"dpi": 5000}, {"direction": "XY"},
                                 {"page": "a3"}, {"width": "wide"}, {"theme": "neon"}, {"font": 3}])
def test_both_styles_check_figsize_and_dpi_alike(bad):
    """One rule and one message for figsize, dpi, direction, page, width, theme and font, whichever
    style (issue 11: options.check_figure)."""
    from nnviz.layout.neurons.nodeoptions import NodeOptions

    messages = []
    for options in (BlockOptions, NodeOptions):
        with pytest.raises(OptionError) as err:
            options(**bad)
        messages.append(str(err.value))
    assert messages[0] == messages[1] and repr(next(iter(bad.values()))) in messages[0]


def test_block_style_draws_into_the_users_axes():
    """ax= works for the block style as for the node style: the layout fits the Axes, drawn at once."""
    from matplotlib.figure import Figure

    fig = Figure(figsize=(12, 5))
    left, right = fig.subplots(1, 2)
    left.plot([0, 1], [0, 1])
    d = nnviz.draw(SMALL_CNN, ax=right)
    assert d.figure is fig
    assert right.patches or right.collections  # the blocks went into the given Axes
    assert len(left.lines) == 1 and not left.collections and not left.patches
    drawn = {t.get_text() for t in right.texts}
    assert {b.lines[0] for b in d.scene.boxes} <= drawn  # every block's name is there
    fig_w, fig_h = fig.get_size_inches()
    box = right.get_position()
    assert d.scene.width <= box.width * fig_w * 72 + 1 and d.scene.height <= box.height * fig_h * 72 + 1
    assert right.get_aspect() == 1.0  # points stay square, so text stays inside its blocks
    assert d.to_bytes("png")[:4] == b"\x89PNG"
    alone = nnviz.draw(SMALL_CNN)  # without ax: a figure of its own, the scene as before
    assert alone.figure is not fig and alone.scene.width > 0
    with pytest.raises(OptionError, match="ax must be a matplotlib Axes"):
        nnviz.draw(SMALL_CNN, ax="not an axes")
