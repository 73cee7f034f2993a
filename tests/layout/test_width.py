"""``width=`` / ``--width``: figures exactly as wide as a paper's column or page, text no smaller than 6 pt."""

from __future__ import annotations

import io
import re
from itertools import combinations
from pathlib import Path

import pytest
from click.testing import CliRunner

import nnviz
from nnviz.cli import cli
from nnviz.errors import OptionError
from nnviz.layout.layered import BlockOptions
from nnviz.layout.neurons.nodeoptions import NodeOptions
from nnviz.options import WIDTHS, parse_width

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = sorted((ROOT / "examples").glob("*.json"))
NODE_EXAMPLES = ["iris", "deepnn", "mnist_mlp", "three_layer", "wine", "lenet5", "stock"]


@pytest.mark.parametrize("value, points", [
    ("ieee-column", 252.0), ("IEEE-page", 7.16 * 72), ("acm-column", 3.33 * 72), ("acm-page", 504.0),
    ("a4-text", 6.3 * 72), ("3.25in", 234.0), ("8.5cm", 8.5 / 2.54 * 72), ("85mm", 85 / 25.4 * 72),
    ("252pt", 252 * 72 / 72.27), ("300bp", 300.0), (4, 288.0), (3.5, 252.0), ("slide", 160 / 25.4 * 72)])
def test_widths_are_read_in_points(value, points):
    assert parse_width(value) == pytest.approx(points, abs=1e-3)


@pytest.mark.parametrize("bad", ["wide", "3.25", "-2in", "0.1in", "300in", "3 inches", True, [3]])
def test_a_bad_width_says_what_a_width_is(bad):
    with pytest.raises(OptionError, match="width"):
        BlockOptions(width=bad)
    with pytest.raises(OptionError, match="width"):
        NodeOptions(width=bad)


def test_figsize_over_width_over_page():
    assert BlockOptions(width="ieee-column").target == (252.0, 841.9)  # the page's height to fit
    assert BlockOptions(width="ieee-column", page=None).target[1] == float("inf")
    assert BlockOptions(width="ieee-column", figsize=(4, 5)).target == (288.0, 360.0)
    assert nnviz.draw(EXAMPLES[0], width="ieee-column", figsize=(4, 5)).scene.width == 288.0
    assert nnviz.draw(EXAMPLES[0], width="ieee-column", page="letter").scene.width == 252.0


def _texts(scene) -> list[tuple[float, float, float, float, float]]:
    """(x0, y0, x1, y1, size) of every block's text and every label, estimated as the layout measures."""
    from nnviz.layout.metrics import text_size

    out = []
    for b in scene.boxes:
        out.append((b.x, b.y, b.x + b.w, b.y + b.h, b.font_size))
    for lb in scene.labels:
        w, h = text_size(lb.text, lb.size)
        x0 = {"left": lb.x, "right": lb.x - w}.get(lb.ha, lb.x - w / 2)
        y0 = {"top": lb.y, "bottom": lb.y - h}.get(lb.va, lb.y - h / 2)
        out.append((x0, y0, x0 + w, y0 + h, lb.size))
    return out


@pytest.mark.parametrize("width", ["ieee-column", "acm-column", "ieee-page", "a4-text", "slide"])
@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: p.stem)
def test_block_figures_are_exactly_that_wide_with_text_of_6pt_or_more(example, width):
    scene = nnviz.draw(example, width=width).scene
    target = parse_width(width)
    assert scene.width == pytest.approx(target, abs=0.01)
    texts = _texts(scene)
    assert min(t[4] for t in texts) >= 6.0 - 1e-9, (example.stem, width)
    for x0, y0, x1, y1, _ in texts:  # everything on the page
        assert x0 >= -0.5 and x1 <= scene.width + 0.5 and y0 >= -0.5 and y1 <= scene.height + 0.5
    for a, b in combinations(scene.boxes, 2):  # and no block over another
        assert a.x + a.w <= b.x + 0.01 or b.x + b.w <= a.x + 0.01 or a.y + a.h <= b.y + 0.01 \
            or b.y + b.h <= a.y + 0.01, (a.id, b.id)


def test_a_module_too_wide_for_a_column_wraps_left_to_right():
    inception = ROOT / "examples" / "inception_module.json"
    top_down = nnviz.draw(inception, width="ieee-page").scene
    column = nnviz.draw(inception, width="ieee-column").scene
    assert len({round(b.y) for b in top_down.boxes}) < len(top_down.boxes)  # branches side by side
    assert min(b.font_size for b in column.boxes) >= 6.0 and column.width == 252.0
    assert len({round(b.x) for b in column.boxes}) < len(column.boxes) <= len({round(b.y) for b in column.boxes}) + 3


@pytest.mark.parametrize("width", ["ieee-column", "ieee-page"])
@pytest.mark.parametrize("direction", ["LR", "TB"])
@pytest.mark.parametrize("example", NODE_EXAMPLES)
def test_node_figures_are_exactly_that_wide_with_text_of_6pt_or_more(example, direction, width):
    scene = nnviz.draw(ROOT / "examples" / f"{example}.json", style="node", width=width, direction=direction).scene
    assert scene.width == pytest.approx(parse_width(width), abs=0.01)
    assert min(lb.size for lb in scene.labels) >= 6.0
    for n in scene.neurons:
        assert n.r <= n.x <= scene.width - n.r + 0.01 and n.r <= n.y <= scene.height - n.r + 0.01


@pytest.mark.slow
def test_every_output_is_that_wide(tmp_path):
    from PIL import Image

    d = nnviz.draw(ROOT / "examples" / "lenet5.json", width="3.25in")
    png = Image.open(io.BytesIO(d.to_bytes("png", dpi=200)))
    assert png.width == round(3.25 * 200)
    svg = d.to_bytes("svg").decode()
    assert re.search(r'<svg [^>]*width="234pt"', svg)
    pdf = d.to_bytes("pdf")
    box = re.search(rb"/MediaBox \[ *0 0 ([\d.]+) ([\d.]+) *\]", pdf)
    assert box and float(box[1]) == pytest.approx(234.0, abs=0.01)
    tex = d.save(tmp_path / "f.tex").read_text()
    assert "(0,0) rectangle (234," in tex


def test_the_graphviz_engine_and_the_layer_tree(tmp_path):
    with pytest.raises(OptionError, match="width draws with the matplotlib engine"):
        nnviz.draw(EXAMPLES[0], width="ieee-column", engine="graphviz")
    from nnviz.readers.tree import tree_graph

    layer = lambda k: {"key": k, "name": k * 6, "vars": {"0": (4, 2)}, "children": []}  # noqa: E731
    tree = tree_graph({"key": "", "name": "m", "vars": {}, "children": [
        {"key": "layers", "name": None, "vars": None, "children": [layer(f"d{i}") for i in range(12)]}]}, source="m.h5")
    for width in ("ieee-column", "ieee-page"):
        assert nnviz.draw(tree, width=width).scene.width == parse_width(width)


def test_cli_width(tmp_path):
    out = tmp_path / "f.svg"
    r = CliRunner().invoke(cli, ["draw", str(ROOT / "examples" / "vgg.json"), "--width", "acm-column", "-o", str(out)])
    assert r.exit_code == 0, r.output
    assert f'width="{parse_width("acm-column"):g}pt"' in out.read_text()
    r = CliRunner().invoke(cli, ["draw", str(ROOT / "examples" / "vgg.json"), "--width", "ieee", "-o", str(out)])
    assert r.exit_code == 2 and "width 'ieee' is not a length" in r.output and "ieee-column" in r.output
    assert set(WIDTHS) >= {"ieee-column", "ieee-page", "acm-column", "acm-page", "a4-text", "slide"}
