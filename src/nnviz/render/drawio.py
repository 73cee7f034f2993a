"""diagrams.net (draw.io) files of block diagrams, to finish a figure by hand in a common editor.

Every block becomes a vertex (its lines as text, the name in bold, the family's colour and, in a
patterned theme, draw.io's nearest fill style), every arrow an edge joined to the blocks it links,
with the layout's bends as waypoints, so that moving a block in the editor drags its arrows along.
Frames of nested models and repeated groups are vertices behind the blocks; the title, legend and
other labels are text. Positions are the Scene's, one draw.io unit per point. Output is deterministic.

>>> import nnviz
>>> d = nnviz.draw({"input_shape": [4], "layers": [{"type": "Dense", "units": 8}, {"type": "Dense", "units": 2}]})
>>> xml = scene_drawio(d.scene, d.options.theme)
>>> xml.startswith("<mxfile") and xml.count('vertex="1"') - xml.count("nnviz-label") - xml.count("nnviz-swatch")
3
"""

from __future__ import annotations

import html
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import OptionError
from ..fileio import write_atomic
from ..layout.blocktext import LEGEND_SWATCH
from ..text import printable

if TYPE_CHECKING:  # pragma: no cover
    from ..scene import Box, Scene
    from .diagram import Diagram
    from ..theme import Theme

__all__ = ["scene_drawio", "write_drawio"]

# theme.PATTERNS as draw.io's fill styles (it has no plain line patterns: hatching stands for them)
_FILL_STYLE = {"hatch": "hatch", "backhatch": "hatch", "crosshatch": "cross-hatch", "horizontal": "dashed",
               "vertical": "dashed", "grid": "cross-hatch", "dots": "dots"}
_ALIGN = {"left": "left", "center": "center", "right": "right"}
_VALIGN = {"top": "top", "bottom": "bottom"}


def _f(v: float) -> str:
    text = f"{v:.2f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def _attr(text: str) -> str:
    return html.escape(text, quote=True)


def _html_text(text: str) -> str:
    """Text from a file as draw.io's HTML labels show it: control characters escaped, markup escaped."""
    return html.escape(printable(text), quote=False)


class _Cells:
    def __init__(self, theme: "Theme", font: str) -> None:
        self.theme, self.font = theme, font
        self.out: list[str] = []
        self.ids: dict[str, str] = {}

    def vertex(self, cid: str, value: str, style: str, x: float, y: float, w: float, h: float) -> None:
        self.out.append(f'<mxCell id="{_attr(cid)}" value="{_attr(value)}" style="{_attr(style)}" vertex="1" '
                        f'parent="1"><mxGeometry x="{_f(x)}" y="{_f(y)}" width="{_f(w)}" height="{_f(h)}" '
                        'as="geometry"/></mxCell>')

    def text(self, n: int, x: float, y: float, text: str, size: float, ha: str, va: str, bold: bool) -> None:
        """A text cell placed as the other writers place it: the anchor and its alignment."""
        w = max(len(text) * size * 0.62, size)
        h = size * 1.3
        x0 = {"left": x, "right": x - w}.get(ha, x - w / 2)
        y0 = {"top": y, "bottom": y - h}.get(va, y - h / 2)
        style = (f"text;html=1;nnviz-label=1;align={_ALIGN.get(ha, 'center')};verticalAlign="
                 f"{_VALIGN.get(va, 'middle')};fontSize={_f(size)};fontFamily={self.font};"
                 f"fontColor={self.theme.text_color};fontStyle={1 if bold else 0};spacing=0;"
                 "whiteSpace=nowrap;resizable=1;")
        self.vertex(f"label-{n}", _html_text(text), style, x0, y0, w, h)


def scene_drawio(scene: "Scene", theme: "Theme") -> str:
    """A block Scene as a draw.io document (``.drawio``, uncompressed XML).

    Args:
        scene: a block scene (blocks, frames, arrows, labels).
        theme: its colours, font and fill patterns.

    Returns:
        The document's text.

    Raises:
        OptionError: a node-and-link or volume scene (draw.io output is for block diagrams).
    """
    if scene.neurons or scene.links or scene.polygons:
        raise OptionError("draw.io output draws block diagrams, not the node or volume style",
                          hint="draw with style='block', or write .svg to edit in a vector editor")
    font = theme.font.replace(";", " ")
    cells = _Cells(theme, font)
    s = float(scene.scale)
    for i, c in enumerate(scene.clusters):
        repeat = c.repeat > 1
        fill = theme.color("group") if repeat else "none"
        dash = "" if repeat else "dashed=1;dashPattern=4 2;"
        shadow = "shadow=1;" if repeat else ""
        cells.vertex(f"frame-{i}", "", f"rounded=0;whiteSpace=wrap;html=1;fillColor={fill};"
                     f"strokeColor={theme.edge_color};strokeWidth={_f(0.8 * s)};{dash}{shadow}"
                     "container=0;movable=1;", c.x, c.y, c.w, c.h)
    for i, b in enumerate(scene.boxes):
        cid = f"block-{i}"
        cells.ids[b.id] = cid
        lines = [f"<b>{_html_text(b.lines[0])}</b>" if b.lines else ""] + [_html_text(t) for t in b.lines[1:]]
        if b.repeat > 1:
            lines[0] += f" <b>×{b.repeat}</b>"
        pattern = theme.pattern(b.family)
        style = (f"rounded=0;whiteSpace=wrap;html=1;fillColor={theme.color(b.family)};"
                 f"strokeColor={theme.edge_color};strokeWidth={_f((1.4 if b.family == 'output' else 0.8) * s)};"
                 f"fontFamily={font};fontSize={_f(b.font_size)};fontColor={theme.text_on(theme.color(b.family))};"
                 + (f"fillStyle={_FILL_STYLE[pattern]};labelBackgroundColor={theme.color(b.family)};"
                    if pattern else "")  # text on a plate of the block's colour, as the other writers
                 + ("shadow=1;" if b.repeat > 1 else ""))
        cells.vertex(cid, "<br>".join(lines), style, b.x, b.y, b.w, b.h)
        if b.frozen:  # the band along a frozen block's left side, as the other writers mark it
            cells.vertex(f"frozen-{i}", "", f"rounded=0;html=1;fillColor={theme.frozen_color};strokeColor=none;"
                         "movable=1;", b.x, b.y, 0.3 * b.font_size, b.h)
    boxes = {b.id: b for b in scene.boxes}
    for i, e in enumerate(scene.edges):
        src, dst = cells.ids.get(e.src), cells.ids.get(e.dst)
        pts = e.points
        ends = ""
        if src is not None:
            ends += f' source="{_attr(src)}"'
        if dst is not None:
            ends += f' target="{_attr(dst)}"'
        a, b = boxes.get(e.src), boxes.get(e.dst)
        style = (f"edgeStyle=none;html=1;endArrow=block;endFill=1;endSize={_f(5 * s)};rounded=0;"
                 f"strokeColor={theme.edge_color};strokeWidth={_f(0.8 * s)};"
                 f"exitX={_f(_rel(pts[0][0], a, 'x'))};exitY={_f(_rel(pts[0][1], a, 'y'))};"
                 f"entryX={_f(_rel(pts[-1][0], b, 'x'))};entryY={_f(_rel(pts[-1][1], b, 'y'))};")
        waypoints = "".join(f'<mxPoint x="{_f(x)}" y="{_f(y)}"/>' for x, y in pts[1:-1])
        cells.out.append(f'<mxCell id="edge-{i}" style="{_attr(style)}" edge="1" parent="1"{ends}>'
                         f'<mxGeometry relative="1" as="geometry">'
                         f'<mxPoint x="{_f(pts[0][0])}" y="{_f(pts[0][1])}" as="sourcePoint"/>'
                         f'<mxPoint x="{_f(pts[-1][0])}" y="{_f(pts[-1][1])}" as="targetPoint"/>'
                         + (f'<Array as="points">{waypoints}</Array>' if waypoints else "")
                         + "</mxGeometry></mxCell>")
    for n, lb in enumerate(scene.labels):
        cells.text(n, lb.x, lb.y, lb.text, lb.size, lb.ha, lb.va, lb.role in ("title", "cluster"))
        if lb.role.startswith("legend:"):
            family = lb.role.split(":", 1)[1]
            side = LEGEND_SWATCH * lb.size * 0.8
            x = lb.x - (LEGEND_SWATCH + 0.4) * lb.size
            fill = theme.background if family == "frozen" else theme.color(family)
            pattern = None if family == "frozen" else theme.pattern(family)
            cells.vertex(f"swatch-{n}", "", f"rounded=0;html=1;nnviz-swatch=1;fillColor={fill};"
                         f"strokeColor={theme.edge_color};strokeWidth={_f(0.6 * s)};"
                         + (f"fillStyle={_FILL_STYLE[pattern]};" if pattern else ""), x, lb.y - side / 2, side, side)
    name = _attr(printable(scene.title) or "nnviz")
    return ('<mxfile host="nnviz" type="device">'
            f'<diagram id="nnviz" name="{name}"><mxGraphModel dx="0" dy="0" grid="0" gridSize="10" guides="1" '
            'tooltips="1" connect="1" arrows="1" fold="1" page="1" pageScale="1" '
            f'pageWidth="{_f(scene.width)}" pageHeight="{_f(scene.height)}" background="{theme.background}" '
            'math="0" shadow="0"><root><mxCell id="0"/><mxCell id="1" parent="0"/>'
            + "\n".join(cells.out) + "</root></mxGraphModel></diagram></mxfile>\n")


def _rel(v: float, box: "Box | None", axis: str) -> float:
    """Where a point lies on a block, as draw.io's 0-1 fraction of its width or height."""
    if box is None:
        return 0.5
    lo, size = (box.x, box.w) if axis == "x" else (box.y, box.h)
    return min(1.0, max(0.0, (v - lo) / size)) if size else 0.5


def write_drawio(diagram: "Diagram", path: Path, dpi: float | None = None) -> None:
    """Write a block diagram as a draw.io file (atomically)."""
    write_atomic(Path(path), scene_drawio(diagram.scene, diagram.options.theme))
