"""A Scene as SVG text, with ids and data attributes for the interactive HTML view.

Matplotlib draws the scene for files; this small writer draws the same scene
for the browser, where every block must be an element that script can find.
Output is deterministic (sorted, fixed number formatting).
"""

from __future__ import annotations

import html
from typing import Iterable

from ..scene import Box, Scene
from ..text import printable
from ..theme import Theme

__all__ = ["scene_to_svg"]


def _f(v: float) -> str:
    return f"{v:.1f}".rstrip("0").rstrip(".")


def _esc(text: str) -> str:
    """Text or an attribute value: markup escaped, control characters (not XML) shown as ``\\xNN``."""
    return html.escape(printable(text), quote=True)


def block_id(name: str) -> str:
    """The element id of a block: prefixed, so that no layer name (``nnviz-data``, ``panel-body``)
    can take the id of an element the page's script looks up."""
    return "nnviz-block-" + name


def _plain(text: str) -> str:
    """Mathtext such as ``$X_{1}$`` as plain text for the browser."""
    return text.replace("$", "").replace("_{", "").replace("{", "").replace("}", "").replace("\\", "")


def _box(b: Box, theme: Theme) -> str:
    from ..layout.blocktext import frozen_band, line_centers

    fill = theme.color(b.family)
    parts = [f'<g class="nnviz-block" id="{_esc(block_id(b.id))}" data-layer="{_esc(b.id)}" '
             f'data-family="{_esc(b.family)}" data-repeat="{b.repeat}" tabindex="0" fill="{theme.text_on(fill)}">']
    for k in ((2, 1) if b.repeat > 1 else ()):  # a stack of cards behind a repeated block
        off = 2.5 * k
        parts.append(f'<rect x="{_f(b.x + off)}" y="{_f(b.y + off)}" width="{_f(b.w)}" height="{_f(b.h)}" '
                     f'fill="{fill}" stroke="{theme.edge_color}"/>')
    parts.append(f'<rect x="{_f(b.x)}" y="{_f(b.y)}" width="{_f(b.w)}" height="{_f(b.h)}" '
                 f'fill="{fill}" stroke="{theme.edge_color}"/>')
    if b.frozen:  # a band along the left side, clear of the text
        x, y, w, h = frozen_band(b)
        parts.append(f'<rect class="nnviz-frozen" x="{_f(x)}" y="{_f(y)}" width="{_f(w)}" height="{_f(h)}" '
                     f'fill="{theme.frozen_color}"/>')
    for i, (line, y) in enumerate(zip(b.lines, line_centers(b))):
        weight = ' font-weight="bold"' if i == 0 else ""
        parts.append(f'<text x="{_f(b.x + b.w / 2)}" y="{_f(y)}" font-size="{_f(b.font_size)}" '
                     f'text-anchor="middle" dominant-baseline="central"{weight}>{_esc(_plain(line))}</text>')
    if b.repeat > 1:
        parts.append(f'<text x="{_f(b.x + b.w - 3)}" y="{_f(b.y + b.font_size)}" font-size="{_f(b.font_size)}" '
                     f'text-anchor="end" font-weight="bold" class="nnviz-repeat">×{b.repeat}</text>')
    parts.append("</g>")
    return "".join(parts)


def _legend_swatch(x: float, y: float, size: float, family: str, theme: Theme) -> str:
    side = 0.8 * size
    if family.startswith("edge:"):  # a line, dashed as the edges it names
        color, _ = theme.edge_style(family[5:])
        return (f'<path d="M{_f(x - 1.5 * size)} {_f(y)}H{_f(x - 1.4 * size + side * 1.1)}" stroke="{color}" '
                f'stroke-width="1.4" stroke-dasharray="3 2"/>')
    fill = theme.background if family == "frozen" else theme.color(family)
    out = (f'<rect x="{_f(x - 1.4 * size)}" y="{_f(y - side / 2)}" width="{_f(side)}" height="{_f(side)}" '
           f'fill="{fill}" stroke="{theme.edge_color}"/>')
    if family == "frozen":
        out += (f'<rect x="{_f(x - 1.4 * size)}" y="{_f(y - side / 2)}" width="{_f(0.3 * side)}" '
                f'height="{_f(side)}" fill="{theme.frozen_color}"/>')
    return out


def _edges(scene: Scene, theme: Theme) -> Iterable[str]:
    for e in scene.edges:
        pts = " ".join(f"{_f(x)},{_f(y)}" for x, y in e.points)
        color, dashed = theme.edge_style(e.kind)
        style = f'stroke="{color}" stroke-width="1.4" stroke-dasharray="5 3" ' if dashed else \
            f'stroke="{theme.edge_color}" stroke-width="1" '
        kind = f' data-kind="{_esc(e.kind)}"' if dashed else ""
        yield (f'<polyline class="nnviz-edge" data-src="{_esc(e.src)}" data-dst="{_esc(e.dst)}"{kind} '
               f'points="{pts}" fill="none" {style}marker-end="url(#nnviz-arrow)"/>')


def scene_to_svg(scene: Scene, theme: Theme | None = None) -> str:
    """The scene as a standalone ``<svg>`` element (text stays text)."""
    theme = theme or Theme()
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" class="nnviz-svg" viewBox="0 0 {_f(scene.width)} '
           f'{_f(scene.height)}" width="{_f(scene.width)}" height="{_f(scene.height)}" '
           f'font-family="{_esc(theme.font)}, sans-serif" fill="{theme.text_color}">',
           '<defs><marker id="nnviz-arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="6" '
           f'markerHeight="6" orient="auto-start-reverse"><path d="M0,0L10,5L0,10z" fill="{theme.edge_color}"/>'
           "</marker></defs>",
           f'<rect width="100%" height="100%" fill="{theme.background}"/>']
    for c in scene.clusters:  # their titles come as labels
        out.append(f'<rect class="nnviz-cluster" id="nnviz-cluster-{_esc(c.id)}" x="{_f(c.x)}" y="{_f(c.y)}" '
                   f'width="{_f(c.w)}" height="{_f(c.h)}" fill="none" stroke="{theme.edge_color}" '
                   f'stroke-dasharray="{"none" if c.repeat > 1 else "4 2"}"/>')
    out.extend(_edges(scene, theme))
    out.extend(_box(b, theme) for b in scene.boxes)
    for lab in scene.labels:
        anchor = {"left": "start", "right": "end"}.get(lab.ha, "middle")
        if lab.role.startswith("legend:"):
            out.append(_legend_swatch(lab.x, lab.y, lab.size, lab.role.split(":", 1)[1], theme))
        bold = ' font-weight="bold"' if lab.role in ("title", "cluster") else ""
        out.append(f'<text class="nnviz-label" x="{_f(lab.x)}" y="{_f(lab.y)}" font-size="{_f(lab.size)}" '
                   f'text-anchor="{anchor}" dominant-baseline="central"{bold}>{_esc(_plain(lab.text))}</text>')
    out.append("</svg>")
    return "\n".join(out)
