"""Legibility on real models (issue 16, items 8-14): group labels, frozen marks, long names,
shared nested models, the graphviz engine's look. Scene and artist assertions, no pixels."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import nnviz
from nnviz.layout.blocks import block_view
from nnviz.layout.blocktext import FROZEN_BAND, PAD
from nnviz.view import fold_repeats, flatten, fold_chains
from nnviz.view.labels import cut_name, group_label
from nnviz.layout.layered import BlockOptions
from nnviz.api import draw_blocks
from nnviz.layout.dottext import _connectors, to_dot
from nnviz.render.svg import scene_to_svg

from test_block import assert_scene_ok, assert_text_ok, drawn_texts

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


# -- item 9: one rule for every folded group's label ----------------------------------------

def _dense_chain(n: int) -> dict:
    """``n`` Dense layers with Keras's automatic names (dense, dense_1, ...)."""
    return {"name": "deep", "input_shape": [8], "layers": [{"type": "Dense", "units": 8} for _ in range(n)]}


def _named_blocks(n: int, name: str = "res_block_{}") -> dict:
    """``n`` residual blocks, their layers named ``res_block_i_*``."""
    layers, prev = [], "input"
    for i in range(1, n + 1):
        b = name.format(i)
        layers += [{"type": "Dense", "name": f"{b}_fc1", "units": 8, "inputs": [prev]},
                   {"type": "Dense", "name": f"{b}_fc2", "units": 8},
                   {"type": "Dense", "name": f"{b}_fc3", "units": 8},
                   {"type": "Add", "name": f"{b}_add", "inputs": [prev, f"{b}_fc3"]}]
        prev = f"{b}_add"
    return {"name": "res", "input_shape": [8], "layers": layers}


def _auto_conv_blocks(n: int) -> dict:
    """Conv blocks whose every layer Keras named (conv2d_3, batch_normalization_3, leaky_re_lu_3)."""
    layers = []
    for _ in range(n):
        layers += [{"type": "Conv2D", "filters": 4, "kernel_size": 3, "padding": "same"},
                   {"type": "BatchNormalization"}, {"type": "LeakyReLU"}]
    return {"name": "convs", "input_shape": [16, 16, 4], "layers": layers}


def _group_labels(spec: dict, as_block: bool = True) -> dict[str, int]:
    view = fold_repeats(flatten(nnviz.load(spec)), as_block=as_block)
    if as_block:
        return {n.label: n.repeat for n in view.blocks.values() if n.kind == "repeat"}
    return {c.title: c.repeat for c in view.clusters.values()}


def test_automatic_names_give_the_class_name():
    assert _group_labels(_dense_chain(120)) == {"Dense": 120}  # not "dense … dense_119"


def test_named_copies_give_prefix_and_range():
    assert _group_labels(_named_blocks(20)) == {"res_block_1..20": 20}
    assert _group_labels(_named_blocks(20), as_block=False) == {"res_block_1..20  ×20": 20}


def test_conv_blocks_named_by_keras_are_named_by_their_classes():
    (label,) = _group_labels(_auto_conv_blocks(4))
    assert label == "Conv2D + BN + LeakyReLU"  # not "leaky_re_lu_10..12"
    assert not re.search(r"\d", label.replace("Conv2D", ""))


@pytest.mark.parametrize("n", [10_000, 50_000])
def test_big_chains_are_labelled_alike_at_every_size(n):
    """The benchmark's chains of l0 ... l{n-1} (period 4): one format whatever the size."""
    period = 4
    copies = [[f"l{i + k}" for k in range(period)] for i in range(1, n - period, period)]
    label = group_label(copies, ["Dense", "Dense", "Dropout", "Add"])
    assert label == f"l1..{copies[-1][-1][1:]}"


def test_modules_follow_the_same_rule():
    spec = _named_blocks(3, "cell_{}")
    from nnviz.view import fold_modules

    view = fold_modules(flatten(nnviz.load(spec)))
    assert [n.label for n in view.blocks.values() if n.kind == "module"] == ["cell_1", "cell_2", "cell_3"]


# -- item 14: long names cut between words ---------------------------------------------------

def test_long_names_are_cut_at_a_boundary():
    name = "convnext_tiny_stage_0_block_0_depthwise_conv"
    spec = {"name": "m", "input_shape": [8], "layers": [{"type": "Dense", "name": name, "units": 4}]}
    d = draw_blocks(nnviz.load(spec))
    (box,) = [b for b in d.scene.boxes if b.id == name]
    shown = box.lines[0]
    assert len(shown) <= 40 and shown == "convnext_…_block_0_depthwise_conv"
    head, tail = shown.split("…")
    assert name.startswith(head) and name.endswith(tail) and tail.startswith("_")  # whole words only
    for text in ("a" * 60, "x_" + "y" * 60, "relu · shared, 2 calls · " * 3):
        out = cut_name(text, 40)
        assert len(out) <= 40 and "…" in out


# -- item 10: frozen layers marked by a band, never across the text --------------------------

FROZEN = {"name": "frozen", "input_shape": [8], "layers": [
    {"type": "Dense", "name": "base_features", "units": 64, "trainable": False},
    {"type": "Dense", "name": "head", "units": 2}]}


def test_frozen_band_keeps_clear_of_the_text():
    d = draw_blocks(nnviz.load(FROZEN))
    fig = d.figure
    ax = fig.axes[0]
    assert all(c.get_hatch() is None for c in ax.collections), "no fill pattern on blocks"
    frozen = next(b for b in d.scene.boxes if b.id == "base_features")
    assert frozen.frozen and "(frozen)" in frozen.lines[-1]
    color = d.options.theme.frozen_color
    bands = [c for c in ax.collections if len(c.get_paths()) and len(c.get_facecolor()) and
             tuple(round(v, 3) for v in c.get_facecolor()[0][:3]) == _rgb(color)]
    assert len(bands) == 1 and len(bands[0].get_paths()) == 1
    x0, y0, w, h = frozen.x, frozen.y, FROZEN_BAND * frozen.font_size, frozen.h
    assert FROZEN_BAND < PAD  # inside the block's padding
    for text, _, (tx0, ty0, tx1, ty1) in drawn_texts(fig):
        crosses = tx0 < x0 + w and tx1 > x0 and ty0 < y0 + h and ty1 > y0
        assert not crosses, f"{text!r} runs over the frozen band"
    assert_text_ok(fig)
    svg = scene_to_svg(d.scene)
    assert svg.count('class="nnviz-frozen"') == 1 and "stroke-dasharray" not in svg.split("nnviz-block")[1]


def _rgb(hex_color: str) -> tuple[float, ...]:
    from matplotlib.colors import to_rgb

    return tuple(round(v, 3) for v in to_rgb(hex_color))


def test_frozen_band_in_dot_is_a_stripe_not_dashes():
    opts = BlockOptions(title="")
    view, _ = block_view(nnviz.load(FROZEN), opts)
    text = to_dot(view, opts)
    line = next(ln for ln in text.splitlines() if ln.strip().startswith('"base_features"'))
    assert 'style="striped"' in line and opts.theme.frozen_color in line and "dashed" not in line


# -- item 12: a shared nested model --------------------------------------------------------

def test_shared_nested_model_is_marked_and_has_an_edge_per_call():
    g = nnviz.load(EXAMPLES / "siamese.json")
    d = draw_blocks(g)
    (emb,) = [b for b in d.scene.boxes if b.id == "embedding"]
    assert "shared, 2 calls" in emb.lines[1]
    into_merge = [e for e in d.scene.edges if (e.src, e.dst) == ("embedding", "cosine")]
    assert len(into_merge) == 2
    xs = sorted(e.points[-1][0] for e in into_merge)
    assert xs[1] - xs[0] >= d.scene.font_size - 1e-6  # apart by at least the text size
    assert_scene_ok(d.scene)
    opts = BlockOptions(title="")
    assert to_dot(block_view(g, opts)[0], opts).count('"embedding" -> "cosine";') == 2


# -- item 13: the graphviz engine looks like the matplotlib one ---------------------------

def test_dot_boxes_are_square_and_lines_spaced_as_matplotlib_does():
    opts = BlockOptions(title="")
    view, _ = block_view(nnviz.load(FROZEN), opts)
    text = to_dot(view, opts)
    assert "rounded" not in text
    height = 1.25 * opts.theme.font_size
    label = next(ln for ln in text.splitlines() if ln.strip().startswith('"head"'))
    assert label.count(f'<TD HEIGHT="{height:g}">') == 4  # name, type, shape, params: a line each
    fig = draw_blocks(nnviz.load(FROZEN)).figure
    from matplotlib.patches import FancyBboxPatch

    assert not any(isinstance(p, FancyBboxPatch) for p in fig.axes[0].patches)


def test_wrap_stubs_name_the_real_source_layer():
    spec = _named_blocks(4, "conv2_block{}")
    spec["layers"].append({"type": "Dense", "name": "head", "units": 2})
    view = fold_chains(fold_repeats(flatten(nnviz.load(spec))))
    sample = next(u for u, v in view.edges if v == "head")
    assert sample == "conv2_block1_add" and view.source_name(sample) == "conv2_block4_add"
    columns = {nid: (1 if nid == "head" else 0) for nid in view.blocks}
    nodes, _, _ = _connectors(view, columns, BlockOptions())
    assert any('"conv2_block4_add ▸"' in stmt for stmt in nodes[1])
    assert not any("conv2_block1_add ▸" in stmt for stmt in nodes[1])


# -- item 8: a U-Net drawn as a U; column breaks between blocks --------------------------

def _keras_unet(path: Path) -> Path:
    """A small U-Net (four levels, a bottleneck, skip concatenations), saved by Keras."""
    import keras
    from keras import layers

    inp = keras.Input((128, 128, 1), name="image")
    x, skips = inp, []
    for i, f in enumerate([16, 32, 64, 128]):
        x = layers.Conv2D(f, 3, padding="same", activation="relu", name=f"enc{i}_conv1")(x)
        x = layers.Conv2D(f, 3, padding="same", activation="relu", name=f"enc{i}_conv2")(x)
        skips.append(x)
        x = layers.MaxPooling2D(name=f"enc{i}_pool")(x)
    x = layers.Conv2D(256, 3, padding="same", activation="relu", name="bottleneck_conv1")(x)
    x = layers.Conv2D(256, 3, padding="same", activation="relu", name="bottleneck_conv2")(x)
    for i, f in reversed(list(enumerate([16, 32, 64, 128]))):
        x = layers.Conv2DTranspose(f, 2, strides=2, name=f"dec{i}_up")(x)
        x = layers.Concatenate(name=f"dec{i}_concat")([x, skips[i]])
        x = layers.Conv2D(f, 3, padding="same", activation="relu", name=f"dec{i}_conv1")(x)
        x = layers.Conv2D(f, 3, padding="same", activation="relu", name=f"dec{i}_conv2")(x)
    out = layers.Conv2D(1, 1, activation="sigmoid", name="mask")(x)
    keras.Model(inp, out, name="unet").save(path)
    return path


@pytest.mark.needs_tf
def test_unet_is_drawn_as_a_u(tmp_path):
    from test_block import fits_a4

    g = nnviz.load(_keras_unet(tmp_path / "unet.keras"))
    d = draw_blocks(g)
    scene = d.scene
    boxes = {b.id: b for b in scene.boxes}
    pairs = scene.u_pairs
    assert [tuple(p) for p in pairs] == [(f"enc{i}_conv2", f"dec{i}_concat") for i in range(4)]
    tol = 0.51
    for a, b in pairs:  # each level side by side, at the same height
        ea, eb = boxes[a], boxes[b]
        assert abs((ea.y + ea.h / 2) - (eb.y + eb.h / 2)) < tol and ea.x + ea.w < eb.x
    ys = []
    for e in scene.edges:
        if (e.src, e.dst) in pairs:  # skip edges run straight across, at distinct heights
            assert len(e.points) == 2 and abs(e.points[0][1] - e.points[1][1]) < tol
            ys.append(e.points[0][1])
    assert len(ys) == 4 and ys == sorted(ys) and min(b - a for a, b in zip(ys, ys[1:])) > 10
    levels = [boxes[a].y for a, _ in pairs]
    assert levels == sorted(levels)  # encoder going down, decoder coming up beside it
    assert boxes["mask"].y < boxes["dec0_concat"].y and boxes["image"].x < boxes["mask"].x
    assert_scene_ok(scene)
    assert_text_ok(d.figure, 6.0)
    assert fits_a4(scene) and scene.font_size >= 6.0


def test_residual_chains_are_not_taken_for_a_u():
    from nnviz.layout.ushape import u_plan

    spec = _named_blocks(6)
    assert u_plan(flatten(nnviz.load(spec))) is None


def _long_blocks(blocks: int, inner: int) -> dict:
    """``blocks`` residual blocks of ``inner`` Dense layers each: longer than a balanced column."""
    layers, prev = [], "input"
    for i in range(1, blocks + 1):
        b = f"res_block_{i}"
        layers += [{"type": "Dense", "name": f"{b}_fc{k}", "units": 8, **({"inputs": [prev]} if k == 0 else {})}
                   for k in range(inner)]
        layers.append({"type": "Add", "name": f"{b}_add", "inputs": [prev, f"{b}_fc{inner - 1}"]})
        prev = f"{b}_add"
    return {"name": "res", "input_shape": [8], "layers": layers}


@pytest.mark.parametrize("blocks,inner", [(3, 20), (4, 15), (6, 10)])
def test_column_breaks_fall_between_blocks(blocks, inner):
    """A long residual chain wraps into columns; no column starts inside a residual block."""
    d = draw_blocks(nnviz.load(_long_blocks(blocks, inner)), collapse=False)
    column = d.scene.column_of
    assert d.scene.page_columns > 1
    for i in range(1, blocks + 1):
        inside = {c for nid, c in column.items() if nid.startswith(f"res_block_{i}_")}
        assert len(inside) == 1, f"res_block_{i} is cut between columns {sorted(inside)}"
    assert_scene_ok(d.scene)


def _spec_unet(levels: int = 3) -> dict:
    """A U-Net as a spec (no TensorFlow): conv/pool down, a bottleneck, upsample/concat/conv up."""
    layers, prev, skips = [], "input", []
    for i in range(levels):
        layers += [{"type": "Conv2D", "name": f"down{i}", "filters": 4, "kernel_size": 3, "padding": "same",
                    "inputs": [prev]},
                   {"type": "MaxPooling2D", "name": f"pool{i}"}]
        skips.append(f"down{i}")
        prev = f"pool{i}"
    layers.append({"type": "Conv2D", "name": "bottom", "filters": 8, "kernel_size": 3, "padding": "same"})
    prev = "bottom"
    for i in reversed(range(levels)):
        layers += [{"type": "UpSampling2D", "name": f"up{i}", "inputs": [prev]},
                   {"type": "Concatenate", "name": f"cat{i}", "inputs": [f"up{i}", skips[i]]},
                   {"type": "Conv2D", "name": f"conv{i}", "filters": 4, "kernel_size": 3, "padding": "same"}]
        prev = f"conv{i}"
    return {"name": "unet", "input_shape": [32, 32, 1], "layers": layers}


def test_spec_unet_is_a_u_in_matplotlib():
    d = draw_blocks(nnviz.load(_spec_unet()))
    boxes = {b.id: b for b in d.scene.boxes}
    assert [tuple(p) for p in d.scene.u_pairs] == [("down0", "cat0"), ("down1", "cat1"), ("down2", "cat2")]
    for a, b in d.scene.u_pairs:
        assert abs((boxes[a].y + boxes[a].h / 2) - (boxes[b].y + boxes[b].h / 2)) < 0.51
    assert_scene_ok(d.scene)


@pytest.mark.needs_dot
def test_graphviz_draws_the_u_too():
    d = draw_blocks(nnviz.load(_spec_unet()), engine="graphviz")
    assert '{rank=same; "down0"; "cat0";}' in d.source and "cluster_nnviz_column" not in d.source
    boxes = {b.id: b for b in d.scene.boxes}
    for a, b in [("down0", "cat0"), ("down1", "cat1"), ("down2", "cat2"), ("bottom", "up2")]:
        assert abs((boxes[a].y + boxes[a].h / 2) - (boxes[b].y + boxes[b].h / 2)) < 1.0, (a, b)
        assert boxes[a].x + boxes[a].w < boxes[b].x
    assert boxes["conv0"].y < boxes["cat0"].y  # the decoder runs upwards
    flow = {(e.src, e.dst) for e in d.scene.edges}
    assert ("cat0", "conv0") in flow and ("conv0", "cat0") not in flow
    assert_scene_ok(d.scene)


def _crosses(box: tuple[float, float, float, float], a: tuple[float, float], b: tuple[float, float]) -> bool:
    """Whether the segment a-b runs through the rectangle (x0, y0, x1, y1), sampled finely."""
    x0, y0, x1, y1 = box
    return any(x0 < a[0] + (b[0] - a[0]) * t / 200 < x1 and y0 < a[1] + (b[1] - a[1]) * t / 200 < y1
               for t in range(201))


def test_a_frame_is_entered_straight_down_beside_its_caption():
    """cost_cnn's ×3 frame (coloured by MACs): its caption is wider than half its blocks. It was twice as
    wide as its blocks (the caption right of the edge entering at their middle); then the edge ran
    diagonally to the frame's top right corner and back left under the caption. Now the block above
    lines up with the frame's port, the edge runs straight down into the first block, and the caption
    sits right of it, its detail line wrapped so that the frame stays no wider than before."""
    from nnviz.layout.blocktext import BOLD
    from nnviz.layout.metrics import text_size

    scene = nnviz.draw(Path(__file__).parents[2] / "examples" / "cost_cnn.json", color_by="macs",
                       collapse=True).scene
    (frame,) = [c for c in scene.clusters if c.repeat > 1]

    def inside(x: float, y: float) -> bool:
        return frame.x <= x <= frame.x + frame.w and frame.y <= y <= frame.y + frame.h

    boxes = [b for b in scene.boxes if inside(b.x, b.y)]
    caption = [lb for lb in scene.labels if lb.role in ("cluster", "cluster-detail") and inside(lb.x, lb.y)]
    assert len(boxes) == 3 and caption[0].role == "cluster" and len(caption) == 3
    assert [lb.text for lb in caption[1:]] == ["111,360 params", "113 M MACs (80 %)"]  # the detail, wrapped
    content = max(b.x + b.w for b in boxes) - min(b.x for b in boxes)
    bold = {"cluster": BOLD, "cluster-detail": 1.0}  # the title is bold
    words = text_size("111,360 params · 113 M MACs (80 %)", caption[0].size)[0]  # on one line
    fs = caption[0].size
    assert words > content / 2  # the case: beside an edge at the middle the caption would not fit
    assert frame.w <= max(content, words) + 4 * fs  # padding, and the entering edge left of the caption
    first = min(boxes, key=lambda b: b.y)
    (into,) = [e for e in scene.edges if e.dst == first.id]  # from outside the frame down to its first block
    assert not inside(*into.points[0]) and into.points[-1][1] == pytest.approx(first.y)
    assert {round(x, 6) for x, _ in into.points} == {round(first.x + first.w / 2, 6)}  # straight down
    source = next(b for b in scene.boxes if b.id == into.src)
    assert source.x + source.w / 2 == pytest.approx(first.x + first.w / 2)  # pool1 above conv2a
    assert all(lb.x > into.points[0][0] for lb in caption)  # the caption right of the edge
    for lb in caption:  # no edge runs through the caption's lines
        w, h = text_size(lb.text, lb.size)
        box = (lb.x, lb.y - h / 2, lb.x + w * bold[lb.role], lb.y + h / 2)
        for e in scene.edges:
            assert not any(_crosses(box, a, b) for a, b in zip(e.points, e.points[1:])), (lb.text, e.src, e.dst)


@pytest.mark.parametrize("source, options", [
    ("keras/resnet50.json", {}),
    ("conv_autoencoder.json", {"expand": ("all",)}),
    ("cost_cnn.json", {"color_by": "macs", "collapse": True}),
])
def test_edges_cross_a_frame_top_straight_down_and_never_its_caption(source, options):
    """Where an edge crosses the top side of a frame (a repeat, an opened nested model) it runs straight
    down (it met it at a slant, then ran along under the caption), and no edge crosses a caption."""
    from nnviz.layout.blocktext import BOLD
    from nnviz.layout.metrics import text_size

    scene = nnviz.draw(Path(__file__).parents[2] / "examples" / source, engine="matplotlib", **options).scene
    assert scene.clusters
    crossings = 0
    def at(points, y):  # where a polyline crosses depth y, and whether it runs straight down there
        return [(x0 + (x1 - x0) * (y - y0) / (y1 - y0), abs(x1 - x0) < 1e-6)
                for (x0, y0), (x1, y1) in zip(points, points[1:]) if min(y0, y1) < y < max(y0, y1)]

    for c in scene.clusters:
        for e in scene.edges:
            inner, outer = ([(x, down) for x, down in at(e.points, y) if c.x < x < c.x + c.w]
                            for y in (c.y + 0.5, c.y - 0.5))
            if not inner:
                continue
            crossings += 1  # just inside the frame and just outside it: one vertical line
            assert len(inner) == 1 and inner[0][1] and (pytest.approx(inner[0][0]), True) in outer, \
                (c.id, e.src, e.dst, e.points)
    assert crossings
    for lb in scene.labels:
        if lb.role in ("cluster", "cluster-detail"):
            w, h = text_size(lb.text, lb.size)
            box = (lb.x, lb.y - h / 2, lb.x + w * (BOLD if lb.role == "cluster" else 1.0), lb.y + h / 2)
            for e in scene.edges:
                assert not any(_crosses(box, a, b) for a, b in zip(e.points, e.points[1:])), (lb.text, e.src)
