"""One colouring mechanism: ``color_by`` resolved in the view stage, palettes from the theme."""

from __future__ import annotations

import pytest

import nnviz
from nnviz.api import draw_blocks
from nnviz.errors import OptionError
from nnviz.modeldiff import diff
from nnviz.theme import Theme
from nnviz.view import Coloring, StatusColoring, resolve_coloring
from nnviz.view.paint import Painting


def _mlp(name="mlp", units=(64, 8, 2)):
    return {"name": name, "input_shape": [8], "layers": [
        {"type": "Dense", "units": u, "name": f"d{i}"} for i, u in enumerate(units)]}


def _colours(d):
    """Each box's fill colour as its drawing's theme gives it."""
    return {b.id: d.options.theme.color(b.family) for b in d.scene.boxes}


def test_color_by_resolves_to_one_kind_of_object():
    g = nnviz.load(_mlp())
    family = resolve_coloring(g, None)
    assert type(family) is Coloring and family.name == "family" and family.colors == {}
    assert family.before_folding is None and family.after_folding is None
    cost = resolve_coloring(g, "params")
    assert isinstance(cost, Painting) and cost.name == "cost" and cost.after_folding is not None
    status = StatusColoring({"d0": "added"}, {})
    assert resolve_coloring(g, status) is status
    with pytest.raises(OptionError, match="unknown color_by: 'speed'"):
        resolve_coloring(g, "speed")


def test_the_family_colouring_changes_nothing():
    g = nnviz.load(_mlp())
    plain = draw_blocks(g)
    assert _colours(plain) == {b.id: Theme().color(b.family) for b in plain.scene.boxes}
    assert all(b.family in ("input", "dense", "output") for b in plain.scene.boxes)


def test_a_cost_takes_its_colours_from_the_themes_scale_palette():
    g = nnviz.load(_mlp())
    default = _colours(draw_blocks(g, color_by="params"))
    assert default["d0"] == Theme().palette("scale")["6"]   # the heaviest layer: the darkest bin
    theme = Theme(palettes={"scale": {"6": "#123456", "zero": "#abcdef"}})
    d = draw_blocks(g, color_by="params", theme=theme)
    colours = _colours(d)
    assert colours["d0"] == "#123456"
    assert colours["input"] == "#abcdef"                      # no parameters: the zero colour
    assert colours["d2"] == default["d2"] == Theme().palette("scale")["1"]  # roles not given: the default's
    assert "#123456" in d.to_bytes("svg").decode()


def test_a_new_colouring_plugs_in_through_color_by():
    """A colouring made elsewhere (here a diff's status) is drawn by the ordinary pipeline: painted
    before folding, its keys' colours in the theme, its keys in the legend."""
    g = nnviz.load(_mlp())
    theme = Theme(palettes={"status": {"added": "#00aa00"}})
    coloring = StatusColoring({"d1": "added"}, {}, theme)
    d = draw_blocks(g, color_by=coloring)
    colours = _colours(d)
    assert colours["d1"] == "#00aa00"
    assert colours["d0"] == colours["d2"] == Theme().palette("status")["unchanged"]
    legend = [lb.text for lb in d.scene.labels if lb.role.startswith("legend:")]
    assert "added" in legend and "unchanged" in legend


def test_a_diff_takes_its_colours_from_the_themes_status_palette():
    from nnviz.layout.diff import diff_scene
    from nnviz.view.diff import STATUS_COLORS

    a, b = _mlp("a"), _mlp("b", (64, 32, 2))
    scene, opts, _ = diff_scene(diff(a, b))
    colour = {box.layer: opts.theme.color(box.family) for box in scene.boxes}
    assert colour["d1"] == STATUS_COLORS["changed"] == Theme().palette("status")["changed"]
    scene, opts, _ = diff_scene(diff(a, b), theme=Theme(palettes={"status": {"changed": "#ff00ff"}}))
    colour = {box.layer: opts.theme.color(box.family) for box in scene.boxes}
    assert colour["d1"] == "#ff00ff" and colour["d0"] == STATUS_COLORS["unchanged"]


@pytest.mark.parametrize("palettes, message", [
    ({"rainbow": {}}, "unknown palette 'rainbow'"),
    ({"scale": {"7": "#000000"}}, "unknown colour '7' in palette 'scale'"),
])
def test_unknown_palettes_are_option_errors(palettes, message):
    with pytest.raises(OptionError, match=message):
        Theme(palettes=palettes)
