"""nnviz diff inside nested models: A's removed inner layers come back as ghosts in their place,
and the legend's colours are the blocks' colours whatever the theme."""

from __future__ import annotations

import copy
import json
import re

import pytest
from click.testing import CliRunner

from nnviz.cli import cli
from nnviz.modeldiff import compare, diff, save_diff
from nnviz.theme import Theme

from test_diff import EXAMPLES, _valid


def _encoder(*inner, name="m"):
    """A model whose nested Sequential ``encoder`` holds ``inner``, then a Dense head."""
    return {"name": name, "input_shape": [8], "layers": [
        {"type": "Sequential", "name": "encoder", "layers": list(inner)},
        {"type": "Dense", "units": 2, "name": "head"}]}


E1 = {"type": "Dense", "units": 16, "name": "e1", "activation": "relu"}
DROP = {"type": "Dropout", "rate": 0.2, "name": "drop"}
E2 = {"type": "Dense", "units": 8, "name": "e2", "activation": "relu"}


def _inside(box, frame, pad=0.0):
    return (frame.x - pad <= box.x and box.x + box.w <= frame.x + frame.w + pad
            and frame.y - pad <= box.y and box.y + box.h <= frame.y + frame.h + pad)


def _no_overlaps(scene):
    boxes = list(scene.boxes)
    for i, p in enumerate(boxes):
        for q in boxes[i + 1:]:
            apart = p.x + p.w <= q.x or q.x + q.w <= p.x or p.y + p.h <= q.y or q.y + q.h <= p.y
            assert apart, f"{p.id} overlaps {q.id}"


def _colours(scene, theme):
    return {b.id: theme.color(b.family) for b in scene.boxes}


def test_a_layer_removed_inside_a_nested_model_is_a_ghost_in_its_place():
    from nnviz.layout.diff import diff_scene
    from nnviz.view.diff import union_graph

    d = diff(_encoder(E1, DROP, E2), _encoder(E1, E2))
    assert d.removed == ["encoder/drop"] and d.added == [] and d.changed == []
    union = union_graph(d)
    assert union.ghosts == {"encoder/drop": "encoder/drop"} and union.status["encoder/drop"] == "removed"
    inner = union.graph.layer("encoder").subgraph
    assert [layer.name for layer in inner.layers] == ["encoder_input", "e1", "drop", "e2"]  # where it was in A
    assert {k: v for k, v in union.links.items() if k[0].startswith("encoder/")} == {
        ("encoder/encoder_input", "encoder/e1"): "both", ("encoder/e1", "encoder/drop"): "a",
        ("encoder/drop", "encoder/e2"): "a", ("encoder/e1", "encoder/e2"): "b"}

    scene, opts, _ = diff_scene(d, expand=("all",))
    colour = _colours(scene, opts.theme)
    status = opts.theme.palette("status")
    assert colour["encoder/drop"] == status["removed"] and colour["encoder/e1"] == status["unchanged"]
    kinds = {(e.src, e.dst): e.kind for e in scene.edges}
    assert kinds[("encoder/e1", "encoder/drop")] == kinds[("encoder/drop", "encoder/e2")] == "only_a"
    assert kinds[("encoder/e1", "encoder/e2")] == "only_b" and kinds[("input", "encoder/encoder_input")] == "data"
    box = {b.id: b for b in scene.boxes}
    assert box["encoder/e1"].y < box["encoder/drop"].y < box["encoder/e2"].y  # between its neighbours
    frame = next(c for c in scene.clusters if c.id == "encoder")
    assert all(_inside(box[f"encoder/{n}"], frame) for n in ("encoder_input", "e1", "drop", "e2"))
    _no_overlaps(scene)
    # the frame counts B's layers, and the ghost apart
    caption = " ".join(lb.text for lb in scene.labels if lb.role == "cluster-detail")  # wrapped beside the edge
    assert "Sequential, 2 layers + 1 removed" in caption

    scene, opts, _ = diff_scene(d)  # closed: the model's block says so
    enc = next(b for b in scene.boxes if b.id == "encoder")
    assert "inside: 1 removed" in enc.lines and not any(b.id.startswith("encoder/") for b in scene.boxes)
    assert "Sequential, 2 layers" in enc.lines  # B's own, as the frame counts them
    # the lists name the inner layer by its path
    assert _valid(d.to_dict())["removed"] == [{"name": "encoder/drop", "type": "Dropout", "params": 0}]
    assert "- encoder/drop (Dropout, 0 params)" in d.summary_lines()


def test_ghosts_and_additions_at_every_depth():
    from nnviz.layout.diff import diff_scene

    def deep(*leaves):
        return {"name": "m", "input_shape": [4], "layers": [{"type": "Sequential", "name": "outer", "layers": [
            {"type": "Dense", "units": 6, "name": "o1"},
            {"type": "Sequential", "name": "inner", "layers": list(leaves)}]}]}

    d1 = {"type": "Dense", "units": 5, "name": "d1"}
    d2 = {"type": "Dense", "units": 5, "name": "d2"}
    norm = {"type": "LayerNormalization", "name": "norm"}
    d = diff(deep(d1, d2), deep(d1, norm))
    assert d.removed == ["outer/inner/d2"] and d.added == ["outer/inner/norm"]
    scene, opts, _ = diff_scene(d, expand=("all",))
    colour = _colours(scene, opts.theme)
    status = opts.theme.palette("status")
    assert colour["outer/inner/d2"] == status["removed"] and colour["outer/inner/norm"] == status["added"]
    assert colour["outer/inner/d1"] == colour["outer/o1"] == status["unchanged"]
    kinds = {(e.src, e.dst): e.kind for e in scene.edges}
    assert kinds[("outer/inner/d1", "outer/inner/d2")] == "only_a"
    assert kinds[("outer/inner/d1", "outer/inner/norm")] == "only_b"
    frames = {c.id: c for c in scene.clusters}
    box = {b.id: b for b in scene.boxes}
    assert _inside(box["outer/inner/d2"], frames["outer/inner"]) and _inside(frames["outer/inner"], frames["outer"])
    _no_overlaps(scene)
    # opening one of them by name: the outer one stays a closed block noting the inner changes
    scene, _, _ = diff_scene(d, expand=("inner",))
    assert "outer/inner/d2" not in {b.id for b in scene.boxes}
    scene, _, _ = diff_scene(d, expand=("outer",))
    assert "inside: 1 added, 1 removed" in next(b for b in scene.boxes if b.id == "outer/inner").lines


def test_a_nested_model_added_or_removed_whole_has_its_layers_in_its_status():
    from nnviz.layout.diff import diff_scene

    plain = {"name": "m", "input_shape": [8], "layers": [{"type": "Dense", "units": 2, "name": "head"}]}
    with_aux = copy.deepcopy(plain)
    with_aux["layers"].insert(0, {"type": "Sequential", "name": "aux", "layers": [copy.deepcopy(E1)]})
    for a, b, st in ((plain, with_aux, "added"), (with_aux, plain, "removed")):
        d = diff(a, b)
        scene, opts, _ = diff_scene(d, expand=("all",))
        colour = _colours(scene, opts.theme)
        assert colour["aux/e1"] == colour["aux/aux_input"] == opts.theme.palette("status")[st], st
        _no_overlaps(scene)


def _drop(g, path):
    """Graph ``g`` without the layer at ``path`` (nested ones by ``outer/inner``)."""
    head, _, rest = path.partition("/")
    if not rest:
        return g.with_layers([layer for layer in g.layers if layer.name != head])
    return g.with_layers([layer.replace(subgraph=_drop(layer.subgraph, rest)) if layer.name == head else layer
                          for layer in g.layers])


def test_a_layer_removed_inside_a_block_of_a_file_without_a_graph(tmp_path):
    """A KerasHub-style model stored without a graph: its blocks nest layers matched by storage
    path; the diff is drawn as its layer tree, the ghost in its block, copies folded only when
    they agree."""
    import nnviz
    from nnviz.layout.diff import diff_scene, side_scenes

    a = nnviz.load(EXAMPLES / "keras" / "gemma_backbone.keras")
    b = _drop(a, "decoder_block_1/ffw_gating_2")
    d = compare(a, b)
    assert d.removed == ["decoder_block_1/ffw_gating_2"] and d.added == [] and d.changed == []
    scene, opts, _ = diff_scene(d)
    status = opts.theme.palette("status")
    frames = {c.title.split(" · ")[0]: c for c in scene.clusters if c.title.startswith("decoder_block")}
    # block 1 (with the ghost) is drawn apart; 2 and 3, alike, still fold
    assert set(frames) == {"decoder_block_0", "decoder_block_1", "decoder_block_2 … decoder_block_3 ×2"}
    assert frames["decoder_block_1"].title.endswith("· inside: 1 removed")
    in_one = [x for x in scene.boxes if _inside(x, frames["decoder_block_1"])]
    ghost = next(x for x in in_one if x.lines[0] == "ffw_gating_2")
    gating = next(x for x in in_one if x.lines[0] == "ffw_gating")
    assert opts.theme.color(ghost.family) == status["removed"] and opts.theme.color(gating.family) == status["unchanged"]
    assert gating.y == ghost.y and gating.x < ghost.x  # beside the layer A had before it
    assert [lb.text for lb in scene.labels if lb.role.startswith("legend:")] == ["removed", "unchanged"]
    _no_overlaps(scene)
    assert not [x for x in scene.boxes if x.family == "removed" and x is not ghost]
    scene_a, scene_b, theme = side_scenes(d)  # the page: each model's tree
    assert [x.lines[0] for x in scene_a.boxes if theme.color(x.family) == status["removed"]] == ["ffw_gating_2"]
    assert {x.family for x in scene_b.boxes} == {"unchanged"}
    (png,) = save_diff(d, tmp_path / "d.png")
    assert png.stat().st_size > 1000


def test_the_page_shows_an_inner_removal_on_a_s_side():
    from nnviz.layout.diff import side_scenes

    d = diff(_encoder(E1, DROP, E2), _encoder(E1, E2))
    scene_a, scene_b, theme = side_scenes(d, expand=("all",))
    colour_a = _colours(scene_a, theme)
    status = theme.palette("status")
    assert colour_a["encoder/drop"] == status["removed"] and colour_a["encoder/e1"] == status["unchanged"]
    kinds_a = {(e.src, e.dst): e.kind for e in scene_a.edges}
    kinds_b = {(e.src, e.dst): e.kind for e in scene_b.edges}
    assert kinds_a[("encoder/e1", "encoder/drop")] == kinds_a[("encoder/drop", "encoder/e2")] == "only_a"
    assert kinds_b[("encoder/e1", "encoder/e2")] == "only_b"
    assert "encoder/drop" not in {b.id for b in scene_b.boxes}
    # a name only one side nests opens there; one neither nests is an error
    from nnviz.errors import OptionError

    with_aux = _encoder(E1, E2)
    with_aux["layers"].insert(1, {"type": "Sequential", "name": "aux", "layers": [copy.deepcopy(E2)]})
    scene_a, scene_b, _ = side_scenes(diff(_encoder(E1, E2), with_aux), expand=("aux",))
    assert "aux/e2" in {b.id for b in scene_b.boxes} and "aux" not in {b.id for b in scene_a.boxes}
    with pytest.raises(OptionError, match="cannot expand 'nope'"):
        side_scenes(d, expand=("nope",))


# -- the legend in the blocks' colours ------------------------------------------------------------
OWN = {"added": "#115522", "removed": "#662233", "changed": "#775511", "unchanged": "#334455",
       "edge:only_a": "#ee2299", "edge:only_b": "#22bbee"}


def test_the_legend_is_in_the_colours_of_the_blocks_with_the_theme_s_palette(tmp_path):
    import matplotlib.colors as mcolors

    theme = Theme(palettes={"status": OWN})
    d = diff(_encoder(E1, DROP, E2), _encoder(E1, {**E2, "units": 9}, {"type": "Dense", "units": 3, "name": "e3"}))
    fills = {OWN[s] for s in ("added", "removed", "changed", "unchanged")}
    # PNG and PDF (matplotlib): the legend's swatches and lines, the blocks' fills and the dashed links
    ax = d.draw(theme=theme, expand=("all",)).figure.axes[0]
    swatches = {mcolors.to_hex(p.get_facecolor()) for p in ax.patches if p.get_zorder() == 4}
    blocks = {mcolors.to_hex(c) for coll in ax.collections if type(coll).__name__ == "PatchCollection"
              for c in coll.get_facecolors()}
    assert swatches == blocks == fills
    legend_lines = {mcolors.to_hex(line.get_color()) for line in ax.lines}
    dashed = {mcolors.to_hex(c.get_colors()[0]) for c in ax.collections
              if type(c).__name__ == "LineCollection" and c.get_linestyle()[0][1] is not None}
    assert legend_lines == dashed == {OWN["edge:only_a"], OWN["edge:only_b"]}
    # SVG
    (svg,) = save_diff(d, tmp_path / "d.svg", theme=theme, expand=("all",))
    text = svg.read_text()
    for colour in fills:
        assert text.count(f'fill="{colour}"') >= 2, colour  # a block and its swatch
    # the HTML page: the header's legend and both sides' blocks and links
    (page,) = save_diff(d, tmp_path / "d.html", theme=theme, expand=("all",))
    html = page.read_text()
    legend = set(re.findall(r'class="sw" style="background:([^"]+)"', html))
    drawn = set(re.findall(r'<g class="nnviz-block"[^>]*>\s*<rect[^>]*fill="(#[0-9a-f]{6})"', html))
    assert legend == fills and drawn == fills
    lines = re.findall(r'class="ln" style="border-color:([^"]+)"', html)
    assert lines == [OWN["edge:only_a"], OWN["edge:only_b"]]
    assert all(f'stroke="{c}"' in html for c in lines)


def test_the_dark_theme_draws_a_diff_in_its_own_colours(tmp_path):
    from nnviz.theme import resolve_theme

    dark = resolve_theme("dark")
    assert dark.palette("status") != Theme().palette("status")
    a, b = json.dumps(_encoder(E1, DROP, E2)), json.dumps(_encoder(E1, E2))
    (tmp_path / "a.json").write_text(a)
    (tmp_path / "b.json").write_text(b)
    out = tmp_path / "d.html"
    r = CliRunner().invoke(cli, ["diff", str(tmp_path / "a.json"), str(tmp_path / "b.json"), "-o", str(out),
                                 "--theme", "dark", "--expand", "all"], catch_exceptions=False)
    assert r.exit_code == 0, r.output
    html = out.read_text()
    assert re.findall(r'class="sw" style="background:([^"]+)"', html) == [
        dark.palette("status")[s] for s in ("added", "removed", "changed", "unchanged")]
    assert 'data-layer="encoder/drop"' in html


@pytest.mark.needs_tf
def test_real_keras_nested_models_through_the_command_line(tmp_path):
    """Keras's own nested Functional model (a model used as a layer), saved to .keras: the inner
    removal and addition are listed by path and drawn in place, in every output."""
    import keras

    def build(extra):
        x = keras.Input((6,), name="feats")
        h = keras.layers.Dense(8, activation="relu", name="proj")(x)
        if extra == "norm":
            h = keras.layers.LayerNormalization(name="norm")(h)
        else:
            h = keras.layers.Dropout(0.1, name="drop")(h)
        encoder = keras.Model(x, keras.layers.Dense(4, name="out")(h), name="encoder")
        inp = keras.Input((6,), name="x")
        return keras.Model(inp, keras.layers.Dense(2, name="head")(encoder(inp)), name="net")

    build("drop").save(tmp_path / "a.keras")
    build("norm").save(tmp_path / "b.keras")
    a, b = str(tmp_path / "a.keras"), str(tmp_path / "b.keras")
    run = CliRunner().invoke
    r = run(cli, ["diff", a, b, "--json"], catch_exceptions=False)
    data = _valid(json.loads(r.output))
    assert [x["name"] for x in data["removed"]] == ["encoder/drop"]
    assert [(x["name"], x["type"]) for x in data["added"]] == [("encoder/norm", "LayerNormalization")]
    r = run(cli, ["diff", a, b, "-o", str(tmp_path / "d.png"), "--expand", "all"], catch_exceptions=False)
    assert r.exit_code == 0, r.output
    assert "- encoder/drop (Dropout, 0 params)" in r.output and "+ encoder/norm (LayerNormalization" in r.output
    assert (tmp_path / "d.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    r = run(cli, ["diff", a, b, "-o", str(tmp_path / "d.html"), "--expand", "all"], catch_exceptions=False)
    assert r.exit_code == 0, r.output
    html = (tmp_path / "d.html").read_text()
    pane_a, pane_b = html.split("</main>")[0].split('id="pane-b"')
    assert 'data-layer="encoder/drop"' in pane_a and 'data-layer="encoder/drop"' not in pane_b
    assert 'data-layer="encoder/norm"' in pane_b
    from nnviz.layout.diff import diff_scene

    scene, opts, _ = diff_scene(diff(a, b), expand=("all",))
    colour = _colours(scene, opts.theme)
    status = opts.theme.palette("status")
    assert colour["encoder/drop"] == status["removed"] and colour["encoder/norm"] == status["added"]
    box = {x.id: x for x in scene.boxes}
    assert box["encoder/proj"].y < box["encoder/drop"].y < box["encoder/out"].y
    _no_overlaps(scene)
