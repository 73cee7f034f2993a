"""SVG files written from the Scene itself, for both styles, without matplotlib.

The matplotlib renderers (:mod:`nnviz.render.block`, :mod:`nnviz.render.node`) draw PNG and PDF;
this writer draws the same scene as SVG, element for element in the same order, with the same
sizes, colours, line widths and text placement, so that both look alike (a test rasterises both
and compares them). It is fast where matplotlib is slow: a 10,000-block drawing has 20,000 texts,
which matplotlib's SVG backend spends most of its time on, and it keeps ``import matplotlib`` off
the SVG path. Text stays text (searchable, selectable). Output is deterministic.

>>> import nnviz
>>> d = nnviz.draw({"input_shape": [4], "layers": [{"type": "Dense", "units": 2}]})
>>> svg = scene_svg(d.scene, d.options.theme, style="block")
>>> svg.startswith("<?xml") and svg.count('class="nnviz-block"')
2
"""

from __future__ import annotations

import html
import re
from typing import TYPE_CHECKING, Any, Iterable

from ..layout.blocktext import LEGEND_SWATCH, frozen_band, line_centers, text_plates
from ..layout.metrics import SAFETY, text_size
from ..scene import arrow_path
from ..text import printable
from ..theme import PATTERN_LINE

if TYPE_CHECKING:  # pragma: no cover
    from ..scene import Box, ColorBar, Label, Scene
    from ..theme import Theme

__all__ = ["scene_svg", "weight_rgba", "LINK_ALPHA", "link_alpha"]

# Where matplotlib puts the baseline of a one-line text, in ems below the anchor, per vertical
# alignment (DejaVu Sans: the "lp" box is 0.760 em above the baseline and 0.240 below).
_ASCENT, _DESCENT = 0.7597656, 0.2402344
_BASELINE = {"top": _ASCENT, "center": (_ASCENT - _DESCENT) / 2, "center_baseline": 0.0,
             "baseline": 0.0, "bottom": -_DESCENT}
_PITCH, _FIRST = 1.20027, 0.8599  # several lines: their pitch, and the first baseline below the top
_ANCHOR = {"left": "start", "center": "middle", "right": "end"}
_MATH = re.compile(r"^\$(?P<base>[^_$]*)(?:_\{(?P<sub>[^}]*)\})?\$$")
_BOLD_WIDTH = 1.1  # DejaVu Sans Bold is about 10% wider than the regular face

LINK_ALPHA = {"link": 0.55, "dropped": 0.8}
NEURON_EDGE = "#333333"


def link_alpha(kind: str, n: int) -> float:
    """Fainter links in bigger bundles, so that where they crowd shows instead of one solid block."""
    return min(LINK_ALPHA[kind], max(0.03, LINK_ALPHA[kind] * (1000 / max(n, 1)) ** 0.5))


def _f(v: float) -> str:
    text = f"{v:.2f}".rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def _esc(text: str) -> str:
    """Markup escaped, control characters from names (not XML) shown as ``\\xNN``."""
    return html.escape(printable(text), quote=True)


def _hex(rgb: Iterable[float]) -> str:
    return "#" + "".join(f"{min(255, max(0, int(round(c * 255)))):02x}" for c in rgb)


def _rgb(color: str) -> tuple[float, float, float]:
    c = color.lstrip("#")
    if len(c) == 3:
        c = "".join(ch * 2 for ch in c)
    return (int(c[0:2], 16) / 255, int(c[2:4], 16) / 255, int(c[4:6], 16) / 255)


def weight_rgba(values: Any, vmax: float, theme: "Theme") -> Any:
    """RGBA rows for weights: the theme's negative colour, near-white at zero, the positive colour.

    The same 256-step table as the matplotlib renderer's colormap, computed with numpy.
    """
    import numpy as np

    stops = np.array([_rgb(theme.negative), _rgb("#f2f2f2"), _rgb(theme.positive)])
    grid = np.linspace(0.0, 1.0, 256)
    lut = np.stack([np.interp(grid, [0.0, 0.5, 1.0], stops[:, k]) for k in range(3)], axis=1)
    t = (np.asarray(values, dtype=float) + vmax) / (2 * vmax)
    index = np.clip((t * 256).astype(int), 0, 255)
    rgba = np.ones((len(index), 4))
    rgba[:, :3] = lut[index]
    return rgba


# -- text ------------------------------------------------------------------------------------

def text_width(text: str, size: float, bold: bool = False) -> float:
    """The advance width of one line, in points (no safety margin)."""
    return text_size(text, size)[0] / SAFETY * (_BOLD_WIDTH if bold else 1.0)


def _text(x: float, y: float, text: str, size: float, ha: str = "center", va: str = "center",
          rotation: float = 0.0, extra: str = "") -> str:
    """Text placed as matplotlib places it (the anchor, alignment and rotation)."""
    if "\n" in text and rotation % 360 == 0:  # several lines: matplotlib's box of n × 1.2 ems
        lines = text.split("\n")
        height = len(lines) * _PITCH
        top = {"top": 0.0, "bottom": -height}.get(va, -height / 2)
        return "".join(_text(x, y + (top + _FIRST + i * _PITCH) * size, line, size, ha, "baseline", 0.0, extra)
                       for i, line in enumerate(lines))
    m = _MATH.match(text)
    if rotation % 360 == 0:
        anchor, dx, dy = _ANCHOR.get(ha, "middle"), 0.0, _BASELINE.get(va, 0.0) * size
        transform = ""
    else:  # a quarter turn: the vertical alignment picks the anchor, the horizontal the baseline
        anchor = {"top": "end", "bottom": "start"}.get(va, "middle")
        cross = {"left": _ASCENT, "right": -_DESCENT}.get(ha, (_ASCENT - _DESCENT) / 2)
        dx, dy = 0.0, cross * size
        transform = f' transform="translate({_f(x)} {_f(y)}) rotate({_f(-rotation)})"'
        x = y = 0.0
    head = (f'<text x="{_f(x + dx)}" y="{_f(y + dy + (-0.0703 * size if m else 0.0))}" '
            f'font-size="{_f(size)}"' + (f' text-anchor="{anchor}"' if anchor != "start" else "") +
            transform + extra + ">")
    if m:
        base = "".join(f'<tspan font-style="oblique">{_esc(c)}</tspan>' if c.isalpha() else _esc(c)
                       for c in m["base"])
        sub = f'<tspan font-size="{_f(0.7 * size)}" dy="{_f(0.15 * size)}">{_esc(m["sub"])}</tspan>' \
            if m["sub"] else ""
        return head + base + sub + "</text>"
    return head + _esc(text) + "</text>"


def _doc(scene: "Scene", theme: "Theme", defs: list[str]) -> list[str]:
    w, h = scene.width, scene.height
    return ['<?xml version="1.0" encoding="utf-8" standalone="no"?>',
            f'<svg xmlns="http://www.w3.org/2000/svg" version="1.1" xml:space="preserve" width="{_f(w)}pt" height="{_f(h)}pt" '
            f'viewBox="0 0 {_f(w)} {_f(h)}" font-family="{_esc(theme.font)}, sans-serif">',
            f"<title>{_esc(scene.title)}</title>" if scene.title else "",
            "<defs>" + "".join(defs) + "</defs>",
            f'<rect width="{_f(w)}" height="{_f(h)}" fill="{theme.background}"/>']


# -- block scenes ------------------------------------------------------------------------------

def _rect(x: float, y: float, w: float, h: float, attrs: str) -> str:
    return f'<rect x="{_f(x)}" y="{_f(y)}" width="{_f(w)}" height="{_f(h)}"{attrs}/>'


def _block_clusters(scene: "Scene", theme: "Theme", s: float) -> Iterable[str]:
    for c in scene.clusters:
        repeat = c.repeat > 1
        face = theme.color("group") if repeat else theme.background
        if repeat:
            for k in (2, 1):
                off = 3.0 * k * s
                yield _rect(c.x + off, c.y + off, c.w, c.h,
                            f' fill="{face}" stroke="{theme.edge_color}" stroke-width="{_f(0.6 * s)}"')
        lw = 0.8 * s
        dash = "" if repeat else f' stroke-dasharray="{_f(4 * lw)} {_f(2 * lw)}"'
        yield _rect(c.x, c.y, c.w, c.h, f' class="nnviz-cluster" fill="{face}" '
                    f'stroke="{theme.edge_color}" stroke-width="{_f(lw)}"{dash}')


def _polygons(scene: "Scene", theme: "Theme", patterns: "_Patterns") -> Iterable[str]:
    """The faces of volumes and kernel pyramids, in the scene's order (as matplotlib's collection),
    a volume's face with its family's pattern over it where the theme has one."""
    for p in scene.polygons:
        fill = "none" if p.family is None else theme.shaded(p.family, p.shade)
        opacity = f' fill-opacity="{_f(p.alpha)}"' if p.family is not None and p.alpha < 1 else ""
        stroke = (f' stroke="{theme.edge_color}" stroke-width="{_f(p.line_width)}" stroke-linejoin="round"'
                  if p.line_width > 0 else "")
        points = " ".join(f"{_f(x)},{_f(y)}" for x, y in p.points)
        yield f'<polygon class="nnviz-{_esc(p.role)}" points="{points}" fill="{fill}"{opacity}{stroke}/>'
        url = patterns.fill(p.family) if p.role == "face" and p.family is not None else None
        if url is not None:
            yield f'<polygon points="{points}" fill="{url}"/>'


def _block_edges(scene: "Scene", theme: "Theme", s: float) -> Iterable[str]:
    head = 5.0 * s
    styles: dict[tuple[str, bool], tuple[list[str], list[str]]] = {}  # solid first, then a diff's dashed
    for e in scene.edges:
        arrow = arrow_path(e.points, head)
        if arrow is None:
            continue
        pts, tri = arrow
        lines, heads = styles.setdefault(theme.edge_style(e.kind), ([], []))
        lines.append("M" + "L".join(f"{_f(x)} {_f(y)}" for x, y in pts))
        heads.append("M" + "L".join(f"{_f(x)} {_f(y)}" for x, y in tri) + "Z")
    for (color, dashed), (lines, heads) in sorted(styles.items(), key=lambda item: item[0][1]):
        if dashed:
            lw = 1.1 * s
            yield (f'<path class="nnviz-edges nnviz-one-sided" d="{"".join(lines)}" fill="none" stroke="{color}" '
                   f'stroke-width="{_f(lw)}" stroke-linejoin="round" stroke-dasharray="{_f(4 * lw)} {_f(2.5 * lw)}"/>')
        else:
            yield (f'<path class="nnviz-edges" d="{"".join(lines)}" fill="none" stroke="{color}" '
                   f'stroke-width="{_f(0.8 * s)}" stroke-linejoin="round"/>')
        yield f'<path class="nnviz-arrowheads" d="{"".join(heads)}" fill="{color}"/>'


def _block_box(b: "Box", theme: "Theme", s: float) -> str:
    lw = (1.4 if b.family == "output" else 0.8) * s
    return _rect(b.x, b.y, b.w, b.h, f' fill="{theme.color(b.family)}" stroke="{theme.edge_color}" '
                 f'stroke-width="{_f(lw)}"')


def _block_text(b: "Box", theme: "Theme") -> str:
    ys = line_centers(b)
    cx = b.x + b.w / 2
    ink = theme.text_on(theme.color(b.family))  # the theme's text colour unless it reads poorly on this fill
    ink = f' fill="{ink}"' if ink != theme.text_color else ""
    parts = [f'<g class="nnviz-block" id="block-{_esc(b.id)}"{ink}>']
    for i, (line, y) in enumerate(zip(b.lines, ys)):
        parts.append(_text(cx, y, line, b.font_size, extra=' font-weight="bold"' if i == 0 else ""))
    if b.repeat > 1:
        badge = f"×{b.repeat}"
        fs = b.font_size
        right = b.x + b.w - 0.5 * fs
        pad = 0.15 * fs
        tw = text_width(badge, fs, bold=True)
        parts.append(f'<rect x="{_f(right - tw - pad)}" y="{_f(ys[0] - 0.5 * fs - pad)}" width="{_f(tw + 2 * pad)}" '
                     f'height="{_f(fs + 2 * pad)}" rx="{_f(pad)}" fill="#444444"/>')
        parts.append(_text(right, ys[0], badge, fs, ha="right", extra=' font-weight="bold" fill="#ffffff"'))
    parts.append("</g>")
    return "".join(parts)


def _block_labels(scene: "Scene", theme: "Theme", s: float, patterns: "_Patterns") -> Iterable[str]:
    for lb in scene.labels:
        bold = ' font-weight="bold"' if lb.role in ("title", "cluster") else ""
        yield _text(lb.x, lb.y, lb.text, lb.size, lb.ha, lb.va, lb.rotation, bold)
        if lb.role.startswith("legend:edge:"):  # a line, dashed as the edges it names
            color, _ = theme.edge_style(lb.role.split(":", 2)[2])
            side = LEGEND_SWATCH * lb.size * 0.8
            x = lb.x - (LEGEND_SWATCH + 0.4) * lb.size
            lw = 1.1 * s
            yield (f'<path d="M{_f(x - 0.15 * side)} {_f(lb.y)}H{_f(x + 1.15 * side)}" stroke="{color}" '
                   f'stroke-width="{_f(lw)}" stroke-dasharray="{_f(2.5 * lw)} {_f(1.5 * lw)}"/>')
        elif lb.role.startswith("legend:"):
            family = lb.role.split(":", 1)[1]
            side = LEGEND_SWATCH * lb.size * 0.8
            x = lb.x - (LEGEND_SWATCH + 0.4) * lb.size
            fill = theme.background if family == "frozen" else theme.color(family)
            yield _rect(x, lb.y - side / 2, side, side, f' fill="{fill}" stroke="{theme.edge_color}" '
                        f'stroke-width="{_f(0.6 * s)}"')
            url = None if family == "frozen" else patterns.fill(family)
            if url is not None:
                yield _rect(x, lb.y - side / 2, side, side, f' fill="{url}"')
            if family == "frozen":  # the band, as on a frozen block
                yield _rect(x, lb.y - side / 2, side * 0.3, side, f' fill="{theme.frozen_color}"')


# Fill patterns (theme.PATTERNS) as SVG tiles of PATTERN_SPACING points, drawn as matplotlib's hatches are
_TILES = {
    "hatch": '<path d="M-1 1L1 -1M0 6L6 0M5 7L7 5"/>', "backhatch": '<path d="M-1 5L1 7M0 0L6 6M5 -1L7 1"/>',
    "crosshatch": '<path d="M-1 1L1 -1M0 6L6 0M5 7L7 5M-1 5L1 7M0 0L6 6M5 -1L7 1"/>',
    "horizontal": '<path d="M0 3H6"/>', "vertical": '<path d="M3 0V6"/>', "grid": '<path d="M0 3H6M3 0V6"/>',
    "dots": None,
}


class _Patterns:
    """The pattern tiles a drawing uses, one per pattern and colour, named in <defs>."""

    def __init__(self, theme: "Theme") -> None:
        self.theme = theme
        self.defs: dict[tuple[str, str], str] = {}

    def fill(self, family: str) -> str | None:
        """``url(#...)`` of the family's pattern, or ``None``."""
        pattern = self.theme.pattern(family)
        if pattern is None:
            return None
        color = self.theme.pattern_color(family)
        key = (pattern, color)
        if key not in self.defs:
            pid = f"nnviz-{pattern}-{color.lstrip('#')}"
            if _TILES[pattern] is None:  # dots: staggered rows, as matplotlib's
                body, size = (f'<g fill="{color}"><circle cx="3" cy="3" r="0.6"/><circle cx="0" cy="9" r="0.6"/>'
                              f'<circle cx="6" cy="9" r="0.6"/></g>'), (6, 12)
            else:
                body, size = (f'<g fill="none" stroke="{color}" stroke-width="{_f(PATTERN_LINE)}">'
                              f'{_TILES[pattern]}</g>'), (6, 6)
            self.defs[key] = (f'<pattern id="{pid}" patternUnits="userSpaceOnUse" width="{size[0]}" '
                              f'height="{size[1]}">{body}</pattern>')
        return f"url(#nnviz-{pattern}-{color.lstrip('#')})"


def _block_patterns(scene: "Scene", theme: "Theme", patterns: _Patterns) -> Iterable[str]:
    """Each patterned block's pattern, then plates of its colour behind its text (as matplotlib)."""
    patterned = [(b, patterns.fill(b.family)) for b in scene.boxes]
    patterned = [(b, url) for b, url in patterned if url is not None]
    for b, url in patterned:
        yield _rect(b.x, b.y, b.w, b.h, f' fill="{url}"')
    for b, _ in patterned:
        for x, y, w, h in text_plates(b):
            yield _rect(x, y, w, h, f' fill="{theme.color(b.family)}"')


def _block_scene(scene: "Scene", theme: "Theme") -> list[str]:
    s = float(scene.scale)
    patterns = _Patterns(theme)
    out = _doc(scene, theme, [])
    out.extend(_block_clusters(scene, theme, s))
    out.extend(_polygons(scene, theme, patterns))
    out.extend(_block_edges(scene, theme, s))
    for b in scene.boxes:  # the cards behind repeated blocks, below every block (as matplotlib's zorder)
        if b.repeat > 1:
            for k in (2, 1):
                off = 2.5 * k * s
                out.append(_rect(b.x + off, b.y + off, b.w, b.h, f' fill="{theme.color(b.family)}" '
                                 f'stroke="{theme.edge_color}" stroke-width="{_f(0.6 * s)}"'))
    out.extend(_block_box(b, theme, s) for b in scene.boxes)
    out.extend(_block_patterns(scene, theme, patterns))
    for b in scene.boxes:  # a frozen block: a band along its left side, clear of the text
        if b.frozen:
            out.append(_rect(*frozen_band(b), f' class="nnviz-frozen" fill="{theme.frozen_color}"'))
    out.append(f'<g fill="{theme.text_color}">')
    out.extend(_block_text(b, theme) for b in scene.boxes)
    out.extend(_block_labels(scene, theme, s, patterns))
    out.append("</g>")
    if patterns.defs:
        out[3] = "<defs>" + "".join(patterns.defs.values()) + "</defs>"
    return out


# -- node scenes -------------------------------------------------------------------------------

_NODE_TEXT = {"title": ' font-weight="bold"', "caption-name": ' font-weight="bold"', "frame": ' font-weight="bold"',
              "more": ' font-style="italic" fill="#666666"', "ellipsis": ' fill="#666666"',
              "note": ' font-style="italic" fill="#666666"'}
_ON_LINKS = ("neuron", "more")


def _node_links(scene: "Scene", theme: "Theme", vmax: float | None) -> Iterable[str]:
    import numpy as np

    for ls in scene.links:
        if ls.dense and len(ls):  # a million links: one image of their density
            import base64

            from .density import density_image, density_png

            image, (x0, x1, y0, y1) = density_image(ls, theme.role_color(ls.role))
            data = base64.b64encode(density_png(image)).decode("ascii")
            yield (f'<image class="nnviz-density" x="{_f(x0)}" y="{_f(y0)}" width="{_f(x1 - x0)}" '
                   f'height="{_f(y1 - y0)}" preserveAspectRatio="none" href="data:image/png;base64,{data}"/>')
    for kind in ("link", "dropped"):
        sets = [s for s in scene.links if s.kind == kind and len(s) and not s.dense]
        for ls in sets:
            seg = np.round(np.asarray(ls.segments, dtype=float), 2)
            d = [f"M{_f(a)} {_f(b)}L{_f(c)} {_f(e)}" for (a, b), (c, e) in seg]
            if ls.weights is not None and vmax is not None:
                strength = np.clip(np.abs(ls.weights) / vmax, 0, 1)
                rgba = weight_rgba(ls.weights, vmax, theme)
                yield f'<g class="nnviz-{kind}s" fill="none" stroke-linecap="round">'
                for path, rgb, st in zip(d, rgba, strength):
                    yield (f'<path d="{path}" stroke="{_hex(rgb[:3])}" stroke-opacity="{_f(0.15 + 0.85 * st)}" '
                           f'stroke-width="{_f(0.3 + 2.2 * st)}"/>')
                yield "</g>"
            else:  # one element per link, so that crowded links add up as matplotlib's do
                yield (f'<g class="nnviz-{kind}s" fill="none" stroke="{theme.role_color(ls.role)}" '
                       f'stroke-opacity="{_f(link_alpha(kind, len(ls)))}" stroke-width="0.8" '
                       f'stroke-linecap="round">')
                yield "".join(f'<path d="{path}"/>' for path in d)
                yield "</g>"


def _node_tables(scene: "Scene", theme: "Theme") -> Iterable[str]:
    """An Embedding's table, as the matplotlib renderer draws it: a box, its rows ruled."""
    from ..layout.neurons.emitter import lookup_grid

    for b in scene.boxes:
        yield _rect(b.x, b.y, b.w, b.h, f' class="nnviz-lookup" fill="{theme.color(b.family)}" '
                    f'stroke="{NEURON_EDGE}" stroke-width="0.8"')
        rules = "".join(f"M{_f(x0)} {_f(y0)}L{_f(x1)} {_f(y1)}" for (x0, y0), (x1, y1) in lookup_grid(b))
        yield f'<path d="{rules}" stroke="{NEURON_EDGE}" stroke-width="0.5"/>'


def _node_neurons(scene: "Scene", theme: "Theme", vmax: float | None) -> Iterable[str]:
    biases = [n.value for n in scene.neurons if n.value is not None]
    colors = iter(weight_rgba(biases, vmax, theme)) if vmax is not None and biases else iter(())
    yield '<g class="nnviz-neurons">'
    for n in scene.neurons:
        role = theme.role_color(n.role)
        if vmax is not None and n.value is not None:
            face, edge, width = _hex(next(colors)[:3]), role, 1.8
        else:
            face, edge, width = role, NEURON_EDGE, 0.8
        yield (f'<circle cx="{_f(n.x)}" cy="{_f(n.y)}" r="{_f(n.r)}" fill="{face}" stroke="{edge}" '
               f'stroke-width="{_f(width)}"/>')
    yield "</g>"


def backing_box(lb: "Label") -> tuple[float, float, float, float]:
    """``(x, y, width, height)`` of the faint box matplotlib puts behind labels among links (``bbox`` pad 0.05)."""
    w = text_width(lb.text.replace("$", "").replace("_{", "").replace("}", ""), lb.size)
    h = lb.size
    if lb.rotation % 360:
        w, h = h, w
    pad = 0.05 * lb.size
    x0 = {"left": lb.x, "right": lb.x - w}.get(lb.ha, lb.x - w / 2)
    y0 = {"top": lb.y, "bottom": lb.y - h}.get(lb.va, lb.y - h / 2)
    return x0 - pad, y0 - pad, w + 2 * pad, h + 2 * pad


def _backing(lb: "Label", theme: "Theme") -> str:
    """The backing box as an SVG rectangle."""
    x, y, w, h = backing_box(lb)
    return (f'<rect x="{_f(x)}" y="{_f(y)}" width="{_f(w)}" height="{_f(h)}" '
            f'fill="{theme.background}" fill-opacity="0.7"/>')


def _node_labels(scene: "Scene", theme: "Theme") -> Iterable[str]:
    yield f'<g class="nnviz-labels" fill="{theme.text_color}">'
    for lb in scene.labels:
        if lb.role in _ON_LINKS:
            yield _backing(lb, theme)
        yield _text(lb.x, lb.y, lb.text, lb.size, lb.ha, lb.va, lb.rotation, _NODE_TEXT.get(lb.role, ""))
    yield "</g>"


def _node_legend(scene: "Scene", theme: "Theme") -> Iterable[str]:
    """One centred row of entries per legend row: a marker, then the text (as matplotlib's Legend)."""
    place = scene.legend_place
    if not scene.legend or not place:
        return
    f = place.font
    rings = scene.colorbar is not None
    yield f'<g class="nnviz-legend" fill="{theme.text_color}">'
    for row, indices in enumerate(place.rows):
        entries = [scene.legend[i] for i in indices]
        widths = [1.0 * f + 0.5 * f + text_width(text, f) for text, _ in entries]
        total = sum(widths) + 1.5 * f * (len(entries) - 1)
        x = place.x - total / 2
        y = place.y + row * 1.6 * f + 0.55 * f  # the row's centre below its top
        for (text, role), w in zip(entries, widths):
            color = theme.role_color(role)
            face, edge, lw = ("#ffffff", color, 1.8) if rings else (color, NEURON_EDGE, 0.8)
            yield (f'<circle cx="{_f(x + 0.5 * f)}" cy="{_f(y)}" r="{_f(f / 2)}" fill="{face}" stroke="{edge}" '
                   f'stroke-width="{_f(lw)}"/>')
            yield _text(x + 1.5 * f, y, text, f, ha="left")
            x += w + 1.5 * f
    yield "</g>"


def _node_colorbar(bar: "ColorBar", theme: "Theme") -> Iterable[str]:
    x, y, w, h, vmax, f = bar.x, bar.y, bar.w, bar.h, bar.vmax, bar.font
    yield ('<linearGradient id="nnviz-weights" x1="0" x2="1" y1="0" y2="0">'
           f'<stop offset="0" stop-color="{theme.negative}"/><stop offset="0.5" stop-color="#f2f2f2"/>'
           f'<stop offset="1" stop-color="{theme.positive}"/></linearGradient>')
    yield (f'<rect class="nnviz-colorbar" x="{_f(x)}" y="{_f(y)}" width="{_f(w)}" height="{_f(h)}" '
           'fill="url(#nnviz-weights)" stroke="#000000" stroke-width="0.5"/>')
    ticks = ((x, f"{-vmax:.2g}"), (x + w / 2, "0"), (x + w, f"{vmax:.2g}"))
    yield "".join(f'<path d="M{_f(t)} {_f(y + h)}L{_f(t)} {_f(y + h + 2)}" stroke="#000000" stroke-width="0.8"/>'
                  for t, _ in ticks)
    yield f'<g fill="{theme.text_color}">'
    yield "".join(_text(t, y + h + 2 + 1.5, text, f, va="top") for t, text in ticks)
    yield "</g>"


def _node_scene(scene: "Scene", theme: "Theme") -> list[str]:
    bar = scene.colorbar
    vmax = bar.vmax if bar else None
    out = _doc(scene, theme, [])
    out.extend(_rect(c.x, c.y, c.w, c.h, f' class="nnviz-frame" fill="none" stroke="{theme.edge_color}" '
                     'stroke-width="0.8" stroke-dasharray="3.2 1.6"') for c in scene.clusters)
    out.extend(_node_links(scene, theme, vmax))
    out.extend(_node_tables(scene, theme))
    out.extend(_node_neurons(scene, theme, vmax))
    out.extend(_node_labels(scene, theme))
    out.extend(_node_legend(scene, theme))
    if bar:
        parts = list(_node_colorbar(bar, theme))
        out[3] = out[3].replace("</defs>", parts[0] + "</defs>")
        out.extend(parts[1:])
    return out


def scene_svg(scene: "Scene", theme: "Theme", *, style: str) -> str:
    """The scene as an SVG document, drawn as the matplotlib renderer of ``style`` draws it.

    Args:
        scene: a block or node scene.
        theme: its colours and font.
        style: ``block``, ``volume`` (a block scene with polygons) or ``node``.

    Returns:
        The SVG text (1 unit = 1 point; the document's size in points).
    """
    out = _node_scene(scene, theme) if style == "node" else _block_scene(scene, theme)
    out.append("</svg>\n")
    return "\n".join(part for part in out if part)
