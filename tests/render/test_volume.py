"""The volume style (issue 15): feature maps as 3-D boxes, laid out as the block style folds.

Scene assertions (tier 2): volumes never overlap each other, text never overlaps text or a
volume (measured on the drawn matplotlib figure), arrows start and end on their volumes and
cross no other, everything lies on the page; every keras.applications model (from its recorded
``to_json()``) and every example draws; ResNet50 and InceptionV3 fit A4 with text of 6 pt or
more. Sizes written beside volumes are checked against Keras's own output shapes.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

import nnviz
from nnviz.cli import cli
from nnviz.errors import NnvizError, OptionError
from nnviz.layout.layered import PAGES
from nnviz.layout.volume import (VolumeOptions, channel_extent, layout_volumes, spatial_extent,
                                 volume_of)

sys.path.insert(0, str(Path(__file__).parent))
from test_block import _overlap, _pairs, drawn_texts  # noqa: E402

from keras_zoo import APPLICATIONS  # noqa: E402
from truth import app_json  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = sorted((ROOT / "examples").glob("*.json")) + sorted((ROOT / "examples" / "keras").iterdir())
A4 = PAGES["a4"]
TOL = 0.51


def application(name: str) -> nnviz.LayerGraph:
    return nnviz.load(json.loads(app_json(name)))


def _segment_hits_rect(a, b, r, pad: float = 1.0) -> bool:
    """Whether segment a-b passes through the inside of rectangle r (shrunk by ``pad``)."""
    x0, y0, x1, y1 = r[0] + pad, r[1] + pad, r[2] - pad, r[3] - pad
    if x0 >= x1 or y0 >= y1:
        return False
    t0, t1 = 0.0, 1.0  # Liang-Barsky clipping
    dx, dy = b[0] - a[0], b[1] - a[1]
    for p, q in ((-dx, a[0] - x0), (dx, x1 - a[0]), (-dy, a[1] - y0), (dy, y1 - a[1])):
        if abs(p) < 1e-12:
            if q < 0:
                return False
            continue
        t = q / p
        if p < 0:
            t0 = max(t0, t)
        else:
            t1 = min(t1, t)
        if t0 > t1:
            return False
    return True


def assert_volumes_ok(diagram) -> None:
    """Volumes apart, on the page, inside their frames or clear of them; arrows from volume to volume,
    crossing no other; no text on text or on a volume, none off the page."""
    scene = diagram.scene
    vols = scene.volumes
    ids = list(vols)
    rects = [vols[i] for i in ids]
    clash = _pairs(rects)
    assert not clash, [(ids[i], ids[j]) for i, j in clash[:5]]
    for p in scene.polygons:
        for x, y in p.points:
            assert -TOL <= x <= scene.width + TOL and -TOL <= y <= scene.height + TOL, (p.id, x, y)
    for c in scene.clusters:
        cr = (c.x, c.y, c.x + c.w, c.y + c.h)
        for nid, r in vols.items():
            inside = cr[0] - TOL <= r[0] and r[2] <= cr[2] + TOL and cr[1] - TOL <= r[1] and r[3] <= cr[3] + TOL
            assert inside or not _overlap(cr, r), f"{nid} straddles the frame of {c.id}"
    for e in scene.edges:
        for end, nid in ((e.points[0], e.src), (e.points[-1], e.dst)):
            x0, y0, x1, y1 = vols[nid]
            assert x0 - TOL <= end[0] <= x1 + TOL and y0 - TOL <= end[1] <= y1 + TOL, (e.src, e.dst, end)
        for a, b in zip(e.points, e.points[1:]):
            hit = [nid for nid, r in vols.items() if nid not in (e.src, e.dst) and _segment_hits_rect(a, b, r)]
            assert not hit, (e.src, e.dst, hit)
    texts = drawn_texts(diagram.figure)
    for text, _, (x0, y0, x1, y1) in texts:
        assert x0 >= -TOL and y0 >= -TOL and x1 <= scene.width + TOL and y1 <= scene.height + TOL, text
    clash = _pairs([t[2] for t in texts])
    assert not clash, [(texts[i][0], texts[j][0]) for i, j in clash[:5]]
    on = [(text, nid) for text, _, r in texts for nid, v in vols.items() if _overlap(r, v)]
    assert not on, on[:5]


def fits_a4(scene) -> bool:
    small, big = sorted((scene.width, scene.height))
    return small <= A4[0] + TOL and big <= A4[1] + TOL


def size_labels(scene) -> dict[str, str]:
    """The size written below each volume, by the volume it is nearest to (its block)."""
    vols = scene.volumes
    out = {}
    for lb in scene.labels:
        if lb.role == "volume-size":
            nid = min(vols, key=lambda n: abs((vols[n][0] + vols[n][2]) / 2 - lb.x) + abs(vols[n][3] - lb.y))
            out[nid] = lb.text
    return out


# -- every model draws ----------------------------------------------------------------------

@pytest.mark.parametrize("name", sorted(APPLICATIONS))
@pytest.mark.slow
def test_every_application_draws_on_a4_with_text_of_6pt(name):
    d = nnviz.draw(application(name), style="volume")
    assert_volumes_ok(d)
    assert fits_a4(d.scene), (d.scene.width, d.scene.height)
    assert min(size for _, size, _ in drawn_texts(d.figure)) >= 6.0 - 1e-6
    assert d.to_bytes("svg").count(b"<polygon") == len(d.scene.polygons)


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
@pytest.mark.slow
def test_every_example_draws(path):
    graph = nnviz.load(path)
    if not graph.has_graph:  # a file stored without its graph: the one-line error, tested below
        with pytest.raises(NnvizError, match="the volume style needs the model's graph"):
            nnviz.draw(graph, style="volume")
        return
    d = nnviz.draw(graph, style="volume")
    assert_volumes_ok(d)
    assert set(d.scene.volumes) == set(d.view.blocks)
    assert len(size_labels(d.scene)) == len(d.view.blocks)


@pytest.mark.parametrize("name, badges", [("ResNet50", ["×2", "×2", "×3", "×5"]), ("InceptionV3", None)])
@pytest.mark.slow
def test_resnet50_and_inceptionv3_fit_a4_with_text_of_6pt_or_more(name, badges):
    d = nnviz.draw(application(name), style="volume", page="a4")
    scene = d.scene
    assert fits_a4(scene)
    texts = drawn_texts(d.figure)
    assert min(size for _, size, _ in texts) >= 6.0 - 1e-6
    assert scene.level != "full"  # folded as the block style folds
    assert_volumes_ok(d)
    if badges:
        assert sorted(t.split()[-1] for t, _, _ in texts if t.split()[-1].startswith("×")) == badges


# -- what a volume shows ----------------------------------------------------------------------

def test_compressed_scales_keep_small_and_large_visible_together():
    fs = 8.0
    # 224 and 7 rows on one page: neither a speck nor a wall (in ems of the text beside them)
    assert spatial_extent(224, fs) <= 10 * fs and spatial_extent(7, fs) >= 1.5 * fs
    assert spatial_extent(224, fs) > 3 * spatial_extent(7, fs)  # the shrink still shows
    assert channel_extent(2048, fs) <= 5 * fs and channel_extent(3, fs) >= 0.3 * fs
    assert channel_extent(2048, fs) > 3 * channel_extent(64, fs) / 2
    sizes = [spatial_extent(n, fs) for n in (1, 2, 7, 14, 28, 56, 112, 224, 4096)]
    assert sizes == sorted(sizes) and len(set(sizes)) == len(sizes)


def test_pooling_and_strides_show_as_the_shrink():
    d = nnviz.draw(ROOT / "examples" / "vgg.json", style="volume")
    vols = d.scene.volumes
    heights = {nid: r[3] - r[1] for nid, r in vols.items()}
    assert heights["block1_pool"] < heights["block1_conv2"]
    assert heights["block2_pool"] < heights["block2_conv2"] < heights["block1_conv2"]
    widths = {nid: r[2] - r[0] for nid, r in vols.items()}
    assert widths["block2_conv1"] > widths["block1_pool"]  # 64 channels deeper than 32
    assert size_labels(d.scene)["block1_pool"] == "16×16×32"


def test_dense_and_flatten_are_thin_columns():
    d = nnviz.draw(ROOT / "examples" / "alexnet.json", style="volume")
    vols = d.scene.volumes
    w = {nid: r[2] - r[0] for nid, r in vols.items()}
    h = {nid: r[3] - r[1] for nid, r in vols.items()}
    for nid in ("flatten", "fc6", "fc7", "predictions"):
        assert w[nid] < 0.25 * h[nid], nid
    assert w["conv5"] > 2 * w["fc6"]


def test_a_model_without_a_graph_is_a_one_line_error(tmp_path):
    import h5py
    import numpy as np

    path = tmp_path / "w.h5"
    with h5py.File(path, "w") as f:  # a save_weights() file: layer weights, no model config
        f.attrs["layer_names"] = np.array([b"dense"])
        g = f.create_group("dense")
        g.attrs["weight_names"] = np.array([b"dense/kernel:0"])
        g.create_dataset("dense/kernel:0", shape=(4, 3), dtype="f4")
    with pytest.raises(NnvizError, match="the volume style needs the model's graph"):
        nnviz.draw(path, style="volume")
    out = tmp_path / "w.png"
    result = CliRunner().invoke(cli, ["draw", str(path), "--style", "volume", "-o", str(out)])
    assert result.exit_code == 2 and not out.exists()
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"nnviz: error: {path}: the volume style needs the model's graph") and "Traceback" not in result.output


def test_channels_first_is_drawn_rows_by_columns_by_channels():
    spec = {"input_shape": [3, 32, 24], "layers": [
        {"type": "Conv2D", "filters": 8, "kernel_size": 3, "data_format": "channels_first", "name": "c"}]}
    g = nnviz.load(spec)
    assert g.layer("c").output_shape == (None, 8, 30, 22)
    labels = size_labels(layout_volumes(g))
    assert labels["c"] == "30×22×8" and labels[g.layers[0].name] == "32×24×3"


def test_sequences_volumes_and_frames():
    fs = 8.0
    seq = volume_of((None, 100, 64), fs)
    assert (seq.rows, seq.cols, seq.text, seq.cards) == (100, 1, "100×64", 0)
    assert seq.slant == volume_of((None, 10), fs).slant  # a slab: no columns to show
    cube = volume_of((None, 8, 16, 16, 4), fs)
    assert (cube.text, cube.cards, cube.rows, cube.cols) == ("8×16×16×4", 2, 16, 16)
    assert volume_of(((None, 5, 5, 2), (None, 3)), fs).text == "5×5×2"  # several outputs: the first
    assert volume_of((None, None, 64), fs).text == "?×64"


@pytest.mark.needs_tf
def test_sizes_are_keras_output_shapes_for_conv1d_conv3d_and_time_distributed(tmp_path):
    import keras

    def shape_text(layer):
        return "×".join("?" if d is None else str(d) for d in layer.output.shape[1:])

    seq = keras.Sequential([keras.Input((64, 12)), keras.layers.Conv1D(16, 5, strides=2, name="c1"),
                            keras.layers.LSTM(8, return_sequences=True, name="rnn"),
                            keras.layers.GlobalAveragePooling1D(name="gap"), keras.layers.Dense(3, name="out")],
                           name="seq")
    video = keras.Sequential([keras.Input((6, 32, 32, 3)),
                              keras.layers.TimeDistributed(keras.layers.Conv2D(8, 3), name="td"),
                              keras.layers.Conv3D(4, 3, strides=(1, 2, 2), name="c3"),
                              keras.layers.MaxPooling3D(2, name="p3"), keras.layers.Flatten(name="flat"),
                              keras.layers.Dense(2, name="out")], name="video")
    for model in (seq, video):
        path = tmp_path / f"{model.name}.keras"
        model.save(path)
        d = nnviz.draw(path, style="volume", kernels=True)
        assert_volumes_ok(d)
        labels = size_labels(d.scene)
        want = {layer.name: shape_text(layer) for layer in model.layers}
        assert {k: v for k, v in labels.items() if k in want} == want
    td = volume_of(nnviz.load(tmp_path / "video.keras").layer("td").output_shape, 8.0)
    assert td.cards == 2 and (td.rows, td.cols) == (30, 30)  # frames behind, each a 30x30 map


# -- branches, kernels, options, outputs ---------------------------------------------------------

def test_branches_and_merges_are_arrows_between_volumes():
    g = nnviz.load(ROOT / "examples" / "residual_block.json")
    d = nnviz.draw(g, style="volume")
    merges = [layer.name for layer in g.layers if layer.type == "Add"]
    assert merges
    for m in merges:
        into = [e for e in d.scene.edges if e.dst == m]
        assert len(into) == 2 and len({e.points[-1] for e in into}) == 2
    assert_volumes_ok(d)


def test_kernel_pyramids_join_a_window_on_one_volume_to_the_next():
    plain = nnviz.draw(ROOT / "examples" / "vgg.json", style="volume")
    assert not [p for p in plain.scene.polygons if p.role == "kernel"]
    d = nnviz.draw(ROOT / "examples" / "vgg.json", style="volume", kernels=True)
    vols = d.scene.volumes
    kernels = [p for p in d.scene.polygons if p.role == "kernel"]
    windows = [p for p in kernels if len(p.points) == 4]
    sides = [p for p in kernels if len(p.points) == 3]
    straight = [e for e in d.scene.edges if len(e.points) == 2 and d.view.blocks[e.dst].layer.type
                in ("Conv2D", "MaxPooling2D")]
    assert len(windows) == len(straight) and len(sides) == 4 * len(straight) and straight
    wrapped = [e for e in d.scene.edges if len(e.points) > 2]
    assert wrapped  # the row wraps; no pyramid runs across the page
    for w, e in zip(windows, straight):
        x0, y0, x1, y1 = vols[e.src]
        assert all(x0 - TOL <= x <= x1 + TOL and y0 - TOL <= y <= y1 + TOL for x, y in w.points)
    for s in sides:
        apex = s.points[2]
        assert any(r[0] <= apex[0] <= r[2] and r[1] <= apex[1] <= r[3] for r in vols.values())
    assert_volumes_ok(d)


def test_options_of_the_volume_style():
    assert VolumeOptions().show == ("name", "shapes") and VolumeOptions().direction == "LR"
    with pytest.raises(OptionError, match="direction"):
        VolumeOptions(direction="TB")
    with pytest.raises(OptionError, match="graphviz"):
        VolumeOptions(engine="graphviz")
    with pytest.raises(OptionError, match="kernels"):
        VolumeOptions(kernels="yes")
    with pytest.raises(OptionError, match="kernals"):
        nnviz.draw(ROOT / "examples" / "lenet5.json", style="volume", kernals=True)
    result = CliRunner().invoke(cli, ["draw", str(ROOT / "examples" / "lenet5.json"), "--kernels", "-o", "x.png"])
    assert result.exit_code == 2 and "--kernels is a volume-style option" in result.output


def test_show_adds_type_and_params_lines():
    d = nnviz.draw(ROOT / "examples" / "lenet5.json", style="volume", show="name,type,shapes,params")
    roles = [lb.role for lb in d.scene.labels if lb.role.startswith("volume-")]
    assert roles.count("volume-type") == roles.count("volume-name") and "volume-note" in roles
    assert_volumes_ok(d)


@pytest.mark.slow
def test_png_svg_pdf_and_the_legend(tmp_path):
    d = nnviz.draw(ROOT / "examples" / "lenet5.json", style="volume")
    for fmt in ("png", "svg", "pdf"):
        assert d.save(tmp_path / f"l.{fmt}").stat().st_size > 1000
    svg = (tmp_path / "l.svg").read_text()
    assert svg == nnviz.draw(ROOT / "examples" / "lenet5.json", style="volume").to_bytes("svg").decode()
    assert ">28×28×6<" in svg and ">C1<" in svg
    families = {p.family for p in d.scene.polygons}
    legend = {family for _, family in d.scene.legend}
    assert families <= legend and "convolution" in families and "pooling" in families
    result = CliRunner().invoke(cli, ["draw", str(ROOT / "examples" / "lenet5.json"), "--style", "volume",
                                      "--kernels", "-o", str(tmp_path / "k.pdf")])
    assert result.exit_code == 0 and (tmp_path / "k.pdf").read_bytes().startswith(b"%PDF")


def test_color_by_paints_volumes():
    d = nnviz.draw(ROOT / "examples" / "lenet5.json", style="volume", color_by="params")
    families = {p.family for p in d.scene.polygons}
    assert families and not families & {"convolution", "pooling", "dense"}
    assert families <= {family for _, family in d.scene.legend}


def test_time_distributed_is_coloured_by_the_layer_it_wraps():
    spec = {"input_shape": [4, 16, 16, 3], "layers": [
        {"type": "TimeDistributed", "name": "td", "layer": {"class_name": "Conv2D", "config": {
            "filters": 4, "kernel_size": 3, "name": "conv"}}},
        {"type": "TimeDistributed", "name": "tdd", "layer": {"class_name": "Flatten", "config": {"name": "f"}}}]}
    d = nnviz.draw(spec, style="volume")
    fam = {p.id: p.family for p in d.scene.polygons}
    assert fam["td"] == "convolution" and fam["tdd"] == "reshape"
    assert size_labels(d.scene)["td"] == "4×14×14×4"
    assert {"convolution", "reshape"} <= {f for _, f in d.scene.legend}


def test_frozen_layers_are_written_frozen_and_the_legend_has_no_band():
    spec = {"input_shape": [16, 16, 3], "layers": [
        {"type": "Conv2D", "filters": 4, "kernel_size": 3, "name": "base", "trainable": False},
        {"type": "Conv2D", "filters": 4, "kernel_size": 3, "name": "tuned"}]}
    d = nnviz.draw(spec, style="volume")
    notes = [lb for lb in d.scene.labels if lb.role == "volume-note"]
    assert [lb.text for lb in notes] == ["frozen"]
    vols = d.scene.volumes
    assert abs(notes[0].x - (vols["base"][0] + vols["base"][2]) / 2) < abs(notes[0].x - (vols["tuned"][0] + vols["tuned"][2]) / 2)
    assert "frozen" not in {f for _, f in d.scene.legend}
    assert not [lb for lb in nnviz.draw(spec, style="volume", show_trainable=False).scene.labels
                if lb.role == "volume-note"]
    assert_volumes_ok(d)


def test_volume_style_draws_into_the_users_axes():
    """ax= works for the volume style as for the block and node styles: the layout fits the Axes, drawn at once."""
    from matplotlib.figure import Figure

    fig = Figure(figsize=(12, 5))
    left, right = fig.subplots(1, 2)
    left.plot([0, 1], [0, 1])
    d = nnviz.draw(ROOT / "examples" / "lenet5.json", style="volume", ax=right)
    assert d.figure is fig and d.style == "volume"
    assert len(left.lines) == 1 and not left.collections and not left.patches
    texts = [lb.text for lb in d.scene.labels if lb.text]
    assert texts and set(texts) <= {t.get_text() for t in right.texts}  # every label went into the given Axes
    fig_w, fig_h = fig.get_size_inches()
    box = right.get_position()
    assert d.scene.width <= box.width * fig_w * 72 + 1 and d.scene.height <= box.height * fig_h * 72 + 1
    assert right.get_aspect() == 1.0
    with pytest.raises(OptionError, match="ax must be a matplotlib Axes"):
        nnviz.draw(ROOT / "examples" / "lenet5.json", style="volume", ax=object())


@pytest.mark.parametrize("name", ["InceptionV3", "ResNet50", "DenseNet121"])
def test_color_by_colours_folded_volumes_as_the_block_style_does(name):
    """Costs colour the folded view, as in the block style (groups by their sums, badges on the
    heaviest blocks drawn): the colours do not change what folds, and where both styles fold
    alike the volumes carry the block style's colours and notes."""
    graph = application(name)
    plain = nnviz.draw(graph, style="volume").view
    volume = nnviz.draw(graph, style="volume", color_by="macs").view
    assert list(volume.blocks) == list(plain.blocks)
    assert sum("%" in (n.note or "") for n in volume.blocks.values()) <= 3
    block = nnviz.draw(graph, style="block", color_by="macs").view
    if list(block.blocks) == list(volume.blocks):  # InceptionV3 folds alike in both styles
        assert {nid: (n.paint, n.note) for nid, n in volume.blocks.items()} == \
            {nid: (n.paint, n.note) for nid, n in block.blocks.items()}
    else:  # DenseNet121: its repeats as frames in the volume style; ResNet50: as frames in the block
        # style, whose frames fit their captions (the volume style folds them into blocks)
        assert name in ("DenseNet121", "ResNet50")


def test_a_volume_scene_scaled_keeps_its_faces():
    """``to_width`` (``blocks._scaled``) rebuilt a scene without its polygons: a volume scene shrunk
    to a width lost every face. Now the faces, their outlines and the volumes' bounds scale with it."""
    from nnviz.layout.blocks import to_width
    from nnviz.layout.layered import BlockOptions

    scene = nnviz.draw(ROOT / "examples" / "cost_cnn.json", style="volume").scene
    assert scene.polygons
    small = to_width(scene, BlockOptions(width=scene.width / 2 / 72))  # inches: half as wide
    assert small.width == pytest.approx(scene.width / 2)
    assert len(small.polygons) == len(scene.polygons)
    for a, b in zip(scene.polygons, small.polygons):
        assert [v for pt in b.points for v in pt] == pytest.approx([v / 2 for pt in a.points for v in pt])
        assert b.line_width == pytest.approx(a.line_width / 2)
        assert (b.family, b.shade, b.alpha, b.id, b.role) == (a.family, a.shade, a.alpha, a.id, a.role)
    assert small.scale == pytest.approx(scene.scale / 2)
    assert set(small.volumes) == set(scene.volumes)
    for nid, bounds in scene.volumes.items():
        assert small.volumes[nid] == pytest.approx(tuple(v / 2 for v in bounds))


def test_a_folded_group_writes_its_cost_sum_under_its_volume_as_the_block_style_does():
    """color_by: a repeated group drawn as one volume (ResNet50's conv3_block2..4 ×3) writes its
    layers' sum under its size, the note the block style writes in the group's block; clear of
    every other text and volume."""
    graph = application("ResNet50")
    d = nnviz.draw(graph, style="volume", color_by="macs")
    groups = {nid: n.note for nid, n in d.view.blocks.items() if n.kind in ("repeat", "model", "module") and n.note}
    assert len(groups) >= 3 and all("MACs" in note for note in groups.values())
    vols = d.scene.volumes
    notes = [lb for lb in d.scene.labels if lb.role == "volume-note"]
    for nid, note in groups.items():
        near = min(notes, key=lambda lb: abs((vols[nid][0] + vols[nid][2]) / 2 - lb.x) + abs(vols[nid][3] - lb.y))
        assert near.text == note and near.y > vols[nid][3]
    assert any("%" in note for note in groups.values())
    assert not [lb for lb in nnviz.draw(graph, style="volume").scene.labels if "MACs" in lb.text]
    assert_volumes_ok(d)
