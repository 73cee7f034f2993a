"""The text writers (Mermaid, DOT, draw.io, TikZ) colour a block's text as the SVG/PNG do
(``Theme.text_on``): in every named theme, each block's text contrasts at least 4.5:1 (WCAG AA)
with the block's fill, both read back from the written file.
"""

from __future__ import annotations

import html
import re
from pathlib import Path

import pytest

from nnviz import draw
from nnviz.theme import THEMES, contrast

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
MODELS = ("residual_block.json", "transformer_encoder.json")  # merge, output and most other families
AA = 4.5


def _mermaid(text: str) -> list[tuple[str, str, str]]:
    """(family, text colour, fill) of every class the blocks use."""
    used = set(re.findall(r":::(\w+)", text))
    out = [(f, color, fill) for f, fill, color in
           re.findall(r"classDef (\w+) fill:(#\w+),stroke:#\w+,color:(#\w+)", text)]
    assert used and {f for f, _, _ in out} == used
    return out


def _dot(text: str) -> list[tuple[str, str, str]]:
    """(node, text colour, fill) of every block: its own fontcolor, else the node default's."""
    default = re.search(r'^\s*node \[.*fontcolor="(#\w+)"', text, re.M).group(1)
    out = []
    for name, attrs in re.findall(r'^\s*("[^"]*") \[label=<.*>>(.*)\];$', text, re.M):
        fill = re.search(r'fillcolor="([^"]+)"', attrs).group(1).split(":")[-1]  # a frozen band's stripes
        font = re.search(r'fontcolor="(#\w+)"', attrs)
        out.append((name, font.group(1) if font else default, fill))
    return out


def _drawio(text: str) -> list[tuple[str, str, str]]:
    out = []
    for cid, style in re.findall(r'<mxCell id="(block-\d+)" value="[^"]*" style="([^"]*)"', text):
        style = html.unescape(style)
        out.append((cid, re.search(r"fontColor=(#\w+);", style).group(1),
                    re.search(r"fillColor=(#\w+);", style).group(1)))
    return out


def _tikz(text: str, boxes) -> list[tuple[str, str, str]]:
    """(text, colour, fill) of every text node inside a block; the block's fill is that of the
    last rectangle drawn over exactly the block's bounds."""
    names = {n: "#" + hx for n, hx in re.findall(r"\\definecolor\{(\w+)\}\{HTML\}\{(\w+)\}", text)}
    default = re.search(r"every node/\.style=\{text=(\w+)\}", text).group(1)
    rects = [(fill, tuple(map(float, xy))) for fill, *xy in re.findall(
        r"\\path\[fill=(\w+)[^\]]*\] \(([-\d.]+),([-\d.]+)\) rectangle \(([-\d.]+),([-\d.]+)\);", text)]
    nodes = re.findall(r"\\node\[([^\]]*)\] at \(([-\d.]+),([-\d.]+)\) \{(.*)\};", text)
    out = []
    for b in boxes:
        bounds = (b.x, b.y, b.x + b.w, b.y + b.h)
        fills = [fill for fill, xy in rects if all(abs(u - v) < 0.02 for u, v in zip(xy, bounds))]
        assert fills, f"no rectangle for block {b.id}"
        inside = [(opts, body) for opts, x, y, body in nodes
                  if b.x < float(x) < b.x + b.w and b.y < float(y) < b.y + b.h and not body.startswith("×")]
        assert len(inside) >= len(b.lines)
        for opts, body in inside:
            m = re.search(r"text=(\w+)", opts)
            out.append((body, names[m.group(1) if m else default], names[fills[-1]]))
    return out


@pytest.mark.parametrize("theme", THEMES)
@pytest.mark.parametrize("model", MODELS)
def test_block_text_contrasts_with_its_fill_in_every_text_writer(tmp_path, model, theme):
    d = draw(EXAMPLES / model, theme=theme)
    read = {fmt: d.save(tmp_path / f"m.{fmt}").read_text(encoding="utf-8") for fmt in ("mmd", "dot", "drawio", "tex")}
    found = {"mmd": _mermaid(read["mmd"]), "dot": _dot(read["dot"]), "drawio": _drawio(read["drawio"]),
             "tex": _tikz(read["tex"], d.scene.boxes)}
    assert len(found["dot"]) == len(found["drawio"]) == len(d.scene.boxes)
    for fmt, items in found.items():
        poor = [(what, ink, fill, round(contrast(ink, fill), 2)) for what, ink, fill in items
                if contrast(ink, fill) < AA]
        assert not poor, (fmt, poor)
    if theme == "colorblind":  # the blue merge block: the theme's #222 would read 3.07:1 on it
        assert "classDef merge fill:#0072B2,stroke:#555555,color:#ffffff" in read["mmd"]
