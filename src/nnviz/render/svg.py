"""A Scene as SVG text, with ids and data attributes for the interactive HTML view.

Matplotlib draws the scene for files; this small writer draws the same scene
for the browser, where every block must be an element that script can find.
Output is deterministic (sorted, fixed number formatting).
"""

from __future__ import annotations

import html
from typing import Iterable

from ..scene import Box, Scene
from .theme import Theme

__all__ = ["scene_to_svg"]


def _f(v: float) -> str:
    return f"{v:.1f}".rstrip("0").rstrip(".")


def _esc(text: str) -> str:
    return html.escape(text, quote=True)


def _plain(text: str) -> str:
    """Mathtext such as ``$X_{1}$`` as plain text for the browser."""
    return text.replace("$", "").replace("_{", "").replace("{", "").replace("}", "").replace("\\", "")


def _box(b: Box, theme: Theme) -> str:
    fill = theme.color(b.family)
    dash = ' stroke-dasharray="4 2"' if b.frozen else ""
    parts = [f'<g class="nnviz-block" id="{_esc(b.id)}" data-layer="{_esc(b.layer or b.id)}" '
             f'data-family="{_esc(b.family)}" data-repeat="{b.repeat}" tabindex="0">',
             f'<rect x="{_f(b.x)}" y="{_f(b.y)}" width="{_f(b.w)}" height="{_f(b.h)}" rx="3" '
             f'fill="{fill}" stroke="#444"{dash}/>']
    n = max(len(b.lines), 1)
    line_h = b.h / (n + 0.5)
    for i, line in enumerate(b.lines):
        y = b.y + line_h * (i + 0.75) + b.font_size * 0.35
        weight = ' font-weight="bold"' if i == 0 else ""
        parts.append(f'<text x="{_f(b.x + b.w / 2)}" y="{_f(y)}" font-size="{_f(b.font_size)}" '
                     f'text-anchor="middle"{weight}>{_esc(_plain(line))}</text>')
    parts.append("</g>")
    return "".join(parts)


def _edges(scene: Scene, theme: Theme) -> Iterable[str]:
    for e in scene.edges:
        pts = " ".join(f"{_f(x)},{_f(y)}" for x, y in e.points)
        yield (f'<polyline class="nnviz-edge" data-src="{_esc(e.src)}" data-dst="{_esc(e.dst)}" '
               f'points="{pts}" fill="none" stroke="{theme.edge_color}" stroke-width="1" '
               f'marker-end="url(#nnviz-arrow)"/>')


def scene_to_svg(scene: Scene, theme: Theme | None = None) -> str:
    """The scene as a standalone ``<svg>`` element (text stays text)."""
    theme = theme or Theme()
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" class="nnviz-svg" viewBox="0 0 {_f(scene.width)} '
           f'{_f(scene.height)}" width="{_f(scene.width)}" height="{_f(scene.height)}" '
           f'font-family="{_esc(theme.font)}, sans-serif">',
           '<defs><marker id="nnviz-arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="6" '
           f'markerHeight="6" orient="auto-start-reverse"><path d="M0,0L10,5L0,10z" fill="{theme.edge_color}"/>'
           "</marker></defs>",
           f'<rect width="100%" height="100%" fill="{theme.background}"/>']
    for c in scene.clusters:
        out.append(f'<g class="nnviz-cluster" id="{_esc(c.id)}"><rect x="{_f(c.x)}" y="{_f(c.y)}" '
                   f'width="{_f(c.w)}" height="{_f(c.h)}" rx="6" fill="none" stroke="#888" '
                   f'stroke-dasharray="6 3"/><text x="{_f(c.x + 6)}" y="{_f(c.y + 12)}" font-size="9" '
                   f'font-style="italic">{_esc(c.title)}</text></g>')
    out.extend(_edges(scene, theme))
    out.extend(_box(b, theme) for b in scene.boxes)
    for lab in scene.labels:
        anchor = {"left": "start", "right": "end"}.get(lab.ha, "middle")
        out.append(f'<text class="nnviz-label" x="{_f(lab.x)}" y="{_f(lab.y)}" font-size="{_f(lab.size)}" '
                   f'text-anchor="{anchor}">{_esc(_plain(lab.text))}</text>')
    out.append("</svg>")
    return "\n".join(out)
