"""The block style drawn with matplotlib: boxes with lines of text, arrows, clusters, a legend.

:func:`render_scene` draws a block Scene; :class:`BlockDiagram` is the diagram that draws its
Scene on first use. :func:`nnviz.api.draw_blocks` (what ``nnviz.draw(..., style="block")``
calls) reads the options, lays the graph out (:mod:`nnviz.layout.blocks`) and makes it; this
module lays nothing out. The graphviz engine is in :mod:`nnviz.render.dot`. matplotlib is
imported only inside functions, so ``import nnviz`` stays light.

PNG and PDF come from matplotlib (PDFs embed TrueType: text stays selectable); SVG
files are written from the same Scene by :mod:`nnviz.render.svgfile`, which draws it
alike without matplotlib, text as text, byte-for-byte deterministic.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..layout.metrics import register_font
from ..layout.blocktext import LEGEND_SWATCH, LINE_HEIGHT, frozen_band, line_centers, text_plates
from ..scene import arrow_path
from ..text import printable
from .diagram import Diagram
from ..theme import PATTERN_LINE

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from ..graph import LayerGraph
    from ..view import View
    from ..scene import Scene
    from ..theme import Theme

__all__ = ["render_scene", "png_with_pil_text", "BlockDiagram", "RC", "PIL_TEXT_FROM"]

# Text stays text in SVG, PDFs embed TrueType (selectable), and SVG ids do not change between runs.
RC = {"svg.fonttype": "none", "svg.hashsalt": "nnviz", "pdf.fonttype": 42, "path.simplify": False,
      "hatch.linewidth": PATTERN_LINE}


class BlockDiagram(Diagram):
    """A block diagram; ``view`` is what was drawn (blocks, groups, clusters) for other writers."""

    def __init__(self, graph: "LayerGraph", *, view: "View", **kwargs: Any) -> None:
        super().__init__(graph, style="block", **kwargs)
        self.view = view

    def draw_into(self, ax: "Axes") -> "Figure":
        """Draw the scene into ``ax`` now; ``figure`` is then the Axes' figure (and SVG is its SVG,
        as for the node style drawn into an Axes)."""
        self._figure = render_scene(self.scene, self.options.theme, ax=ax)
        self._render = None
        return self._figure

    def to_bytes(self, fmt: str, *, dpi: float | None = None) -> bytes:
        if fmt == "svg":  # the scene's own writer: no matplotlib
            return super().to_bytes(fmt, dpi=dpi)
        if (fmt == "png" and self._figure is None and self.scene is not None
                and len(self.scene.boxes) >= PIL_TEXT_FROM):
            return png_with_pil_text(self.scene, self.options.theme, dpi or self.png_dpi())
        import matplotlib

        with matplotlib.rc_context(RC):
            return super().to_bytes(fmt, dpi=dpi)


# -- drawing the scene ---------------------------------------------------------------------

def render_scene(scene: "Scene", theme: "Theme", ax: "Axes | None" = None, *, box_text: bool = True) -> "Figure":
    """Draw a block Scene on a new matplotlib Figure of the scene's size (1 unit = 1 point).

    ``box_text=False`` leaves out the blocks' lines of text (:func:`png_with_pil_text` draws them).
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    register_font(theme.font)
    if ax is None:  # no pyplot: no GUI, no global state, faster
        fig = Figure(figsize=(scene.width / 72.0, scene.height / 72.0), facecolor=theme.background)
        FigureCanvasAgg(fig)
        ax = fig.add_axes((0, 0, 1, 1))
    else:  # someone's Axes: points stay square, so text stays inside its blocks
        ax.set_aspect("equal", adjustable="box")
    fig = ax.figure
    ax.set_xlim(0, scene.width)
    ax.set_ylim(scene.height, 0)
    ax.set_axis_off()
    _draw_clusters(ax, scene, theme)
    _draw_polygons(ax, scene, theme)
    _draw_edges(ax, scene, theme)
    _draw_boxes(ax, scene, theme, text=box_text)
    _draw_labels(ax, scene, theme)
    return fig


# From this many blocks a PNG's block text is drawn by Pillow onto matplotlib's picture of the rest:
# each matplotlib Text costs milliseconds to draw (37 s of text for 2,000 blocks, 66 s at 10,000).
PIL_TEXT_FROM = 300


def png_with_pil_text(scene: "Scene", theme: "Theme", dpi: float) -> bytes:
    """A PNG of a block Scene: matplotlib draws all but the blocks' text, Pillow the text.

    The text is placed as the SVG writer places it (each line at :func:`line_centers`, centred),
    in the font file matplotlib would use, at the same size in pixels.
    """
    import io

    import matplotlib
    from matplotlib.font_manager import FontProperties, findfont
    from PIL import Image, ImageColor, ImageDraw, ImageFont

    with matplotlib.rc_context(RC):
        fig = render_scene(scene, theme, box_text=False)
        fig.set_dpi(dpi)
        fig.canvas.draw()
        width, height = fig.canvas.get_width_height()
        image = Image.frombuffer("RGBA", (width, height), fig.canvas.buffer_rgba(), "raw", "RGBA", 0, 1).copy()
    k = dpi / 72.0
    fonts: dict[tuple[float, bool], Any] = {}

    def font(size: float, bold: bool) -> Any:
        if (size, bold) not in fonts:
            path = findfont(FontProperties(family=theme.font, weight="bold" if bold else "normal"))
            fonts[(size, bold)] = ImageFont.truetype(path, size * k)
        return fonts[(size, bold)]

    stamps: dict[tuple[str, float, bool], tuple[Any, int, int]] = {}

    def stamp(text: str, size: float, bold: bool) -> tuple[Any, int, int]:
        """The text's coverage as a mask, rendered once per text ("(None, 16)" recurs thousands of times)."""
        if (text, size, bold) not in stamps:
            f = font(size, bold)
            left, top, right, bottom = f.getbbox(text, anchor="mm")
            mask = Image.new("L", (max(1, right - left), max(1, bottom - top)), 0)
            ImageDraw.Draw(mask).text((-left, -top), text, font=f, fill=255, anchor="mm")
            stamps[(text, size, bold)] = (mask, left, top)
        return stamps[(text, size, bold)]

    for b in scene.boxes:
        color = ImageColor.getrgb(theme.text_on(theme.color(b.family)))
        cx = (b.x + b.w / 2) * k
        for i, (line, y) in enumerate(zip(b.lines, line_centers(b))):
            mask, left, top = stamp(line, b.font_size, i == 0)
            image.paste(color, (round(cx) + left, round(y * k) + top), mask)
    buf = io.BytesIO()
    image.save(buf, format="png", dpi=(dpi, dpi))
    return buf.getvalue()


def _unit(scene: "Scene") -> float:
    """Line widths and corner radii follow the scale the scene was fitted at."""
    return float(scene.scale)


def _draw_clusters(ax: "Axes", scene: "Scene", theme: "Theme") -> None:
    from matplotlib.patches import Rectangle

    s = _unit(scene)
    for c in scene.clusters:
        repeat = c.repeat > 1
        face = theme.color("group") if repeat else theme.background
        if repeat:  # a stack of cards: the copies behind the one drawn
            for k in (2, 1):
                off = 3.0 * k * s
                ax.add_patch(Rectangle((c.x + off, c.y + off), c.w, c.h, fc=face, ec=theme.edge_color,
                                       lw=0.6 * s, zorder=0.5))
        ax.add_patch(Rectangle((c.x, c.y), c.w, c.h, fc=face, ec=theme.edge_color, lw=0.8 * s,
                               ls="-" if repeat else (0, (4, 2)), zorder=0.6))


def _draw_polygons(ax: "Axes", scene: "Scene", theme: "Theme") -> None:
    """The faces of volumes and kernel pyramids, in the scene's order (one collection: painter's order kept)."""
    if not scene.polygons:
        return
    from matplotlib.collections import PolyCollection
    from matplotlib.colors import to_rgba

    faces = [(0.0, 0.0, 0.0, 0.0) if p.family is None else to_rgba(theme.shaded(p.family, p.shade), p.alpha)
             for p in scene.polygons]
    edges = [theme.edge_color if p.line_width > 0 else "none" for p in scene.polygons]
    if not any(_patterned(p, theme) for p in scene.polygons):
        ax.add_collection(PolyCollection([p.points for p in scene.polygons], facecolors=faces, edgecolors=edges,
                                         linewidths=[p.line_width for p in scene.polygons], zorder=0.8,
                                         joinstyle="round", closed=True))
        return
    from matplotlib.patches import Polygon as Patch

    for p, face, edge in zip(scene.polygons, faces, edges):  # a pattern over each face, in painter's order
        ax.add_patch(Patch(p.points, closed=True, fc=face, ec=edge, lw=p.line_width, joinstyle="round", zorder=0.8))
        if _patterned(p, theme):
            patch = Patch(p.points, closed=True, fc="none", ec=theme.pattern_color(p.family), lw=0,
                          hatch=HATCHES[theme.pattern(p.family)], zorder=0.8)
            _hatch_width(patch)
            ax.add_patch(patch)


def _patterned(p: Any, theme: "Theme") -> bool:
    """Whether a polygon is a volume's face whose family the theme fills with a pattern."""
    return p.role == "face" and p.family is not None and theme.pattern(p.family) is not None


def _draw_edges(ax: "Axes", scene: "Scene", theme: "Theme") -> None:
    from matplotlib.collections import LineCollection, PolyCollection

    s = _unit(scene)
    head = 5.0 * s
    styles: dict[tuple[str, bool], tuple[list, list]] = {}  # solid edges first, then a diff's dashed ones
    for e in scene.edges:
        arrow = arrow_path(e.points, head)
        if arrow is None:
            continue
        lines, heads = styles.setdefault(theme.edge_style(e.kind), ([], []))
        lines.append(arrow[0])
        heads.append(arrow[1])
    for (color, dashed), (lines, heads) in sorted(styles.items(), key=lambda item: item[0][1]):
        ax.add_collection(LineCollection(lines, colors=color, linewidths=(1.1 if dashed else 0.8) * s, zorder=1,
                                         capstyle="butt", joinstyle="round",
                                         **({"linestyles": [(0, (4, 2.5))]} if dashed else {})))
        ax.add_collection(PolyCollection(heads, facecolors=color, edgecolors="none", zorder=1.1))
    if not styles:  # the collections an empty scene always had
        ax.add_collection(LineCollection([], colors=theme.edge_color, linewidths=0.8 * s, zorder=1,
                                         capstyle="butt", joinstyle="round"))
        ax.add_collection(PolyCollection([], facecolors=theme.edge_color, edgecolors="none", zorder=1.1))


def _draw_boxes(ax: "Axes", scene: "Scene", theme: "Theme", *, text: bool = True) -> None:
    """All blocks as three collections: the cards behind repeats, the blocks, the bands of frozen ones.

    Boxes are square, as the graphviz engine draws them. A frozen block is marked by a
    band along its left side, inside its padding: never across its text, and no fill
    pattern, which stays free for themes.
    """
    from matplotlib.collections import PatchCollection
    from matplotlib.patches import Rectangle

    s = _unit(scene)
    cards: tuple[list, list, list] = ([], [], [])
    plain: tuple[list, list, list] = ([], [], [])
    bands = []
    for b in scene.boxes:
        color = theme.color(b.family)
        if b.repeat > 1:  # a stack of cards: the copies behind the one drawn
            for k in (2, 1):
                off = 2.5 * k * s
                _add(cards, Rectangle((b.x + off, b.y + off), b.w, b.h), color, 0.6 * s)
        _add(plain, Rectangle((b.x, b.y), b.w, b.h), color, (1.4 if b.family == "output" else 0.8) * s)
        if b.frozen:
            x, y, w, h = frozen_band(b)
            bands.append(Rectangle((x, y), w, h))
    for z, (patches, faces, widths) in enumerate((cards, plain)):
        if patches:
            ax.add_collection(PatchCollection(patches, facecolors=faces, edgecolors=theme.edge_color,
                                              linewidths=widths, zorder=1.5 + 0.1 * z, match_original=False))
    patterned = [b for b in scene.boxes if theme.pattern(b.family) is not None]
    _draw_patterns(ax, [((b.x, b.y, b.w, b.h), b.family) for b in patterned], theme, 1.65)
    plates = [(Rectangle(xy[:2], *xy[2:]), theme.color(b.family)) for b in patterned for xy in text_plates(b)]
    if plates:  # the pattern shows around the text, not through it
        ax.add_collection(PatchCollection([p for p, _ in plates], facecolors=[c for _, c in plates],
                                          edgecolors="none", zorder=1.66, match_original=False))
    if bands:
        ax.add_collection(PatchCollection(bands, facecolors=theme.frozen_color, edgecolors="none", zorder=1.7,
                                          match_original=False))
    for b in scene.boxes:
        if text:
            _box_text(ax, b, theme)
        if b.repeat > 1:
            _badge(ax, b, theme)


# matplotlib's hatches repeat every inch: these densities draw theme.PATTERN_SPACING (6 pt) apart
HATCHES = {"hatch": "////", "backhatch": "\\\\\\\\", "crosshatch": "xxxx", "horizontal": "--", "vertical": "||",
           "grid": "++", "dots": ".."}


def _draw_patterns(ax: "Axes", rects: list[tuple[tuple[float, float, float, float], str]], theme: "Theme",
                   zorder: float) -> None:
    """Each family's fill pattern (a theme's, e.g. ``paper``) over its rectangles: one collection per
    pattern and colour, its hatch in the family's pattern colour."""
    from matplotlib.collections import PatchCollection
    from matplotlib.patches import Rectangle

    groups: dict[tuple[str, str], list] = {}
    for (x, y, w, h), family in rects:
        pattern = theme.pattern(family)
        if pattern is not None:
            groups.setdefault((pattern, theme.pattern_color(family)), []).append(Rectangle((x, y), w, h))
    for (pattern, color), patches in sorted(groups.items()):
        coll = PatchCollection(patches, facecolors="none", edgecolors=color, linewidths=0, hatch=HATCHES[pattern],
                               zorder=zorder, match_original=False)
        _hatch_width(coll)
        ax.add_collection(coll)


def _hatch_width(artist: Any) -> None:
    """Thin pattern lines: per artist where matplotlib has it (3.10), else RC's ``hatch.linewidth``."""
    if hasattr(artist, "set_hatch_linewidth"):
        artist.set_hatch_linewidth(PATTERN_LINE)


def _add(layer: tuple[list, list, list], patch: Any, face: str, width: float) -> None:
    layer[0].append(patch)
    layer[1].append(face)
    layer[2].append(width)


def _box_text(ax: "Axes", b: Any, theme: "Theme") -> None:
    """The name in bold, then the other lines as one text (fewer artists: faster to draw)."""
    cx = b.x + b.w / 2
    ys = line_centers(b)
    common = dict(fontsize=b.font_size, ha="center", va="center", family=theme.font,
                  color=theme.text_on(theme.color(b.family)),
                  zorder=3, parse_math=False)  # a "$" in a name is a "$", not mathtext
    ax.text(cx, ys[0], b.lines[0], fontweight="bold", gid=f"block-{printable(b.id)}", **common)
    if len(b.lines) > 1:
        ax.text(cx, sum(ys[1:]) / len(ys[1:]), "\n".join(b.lines[1:]), linespacing=LINE_HEIGHT, **common)


def _badge(ax: "Axes", b: Any, theme: "Theme") -> None:
    """The ``×n`` of a block that stands for ``n`` copies."""
    ax.text(b.x + b.w - 0.5 * b.font_size, line_centers(b)[0], f"×{b.repeat}", fontsize=b.font_size, ha="right",
            va="center", family=theme.font, fontweight="bold", color="#ffffff", zorder=3.5,
            bbox=dict(boxstyle="round,pad=0.15", fc="#444444", ec="none"))


def _draw_labels(ax: "Axes", scene: "Scene", theme: "Theme") -> None:
    from matplotlib.patches import Rectangle

    for lb in scene.labels:
        weight = "bold" if lb.role in ("title", "cluster") else "normal"
        ax.text(lb.x, lb.y, lb.text, fontsize=lb.size, ha=lb.ha, va=lb.va, family=theme.font,
                fontweight=weight, color=theme.text_color, zorder=4, rotation=lb.rotation, parse_math=False)
        if lb.role.startswith("legend:edge:"):  # a line, dashed as the edges it names
            color, _ = theme.edge_style(lb.role.split(":", 2)[2])
            side = LEGEND_SWATCH * lb.size * 0.8
            x = lb.x - (LEGEND_SWATCH + 0.4) * lb.size
            ax.plot([x - 0.15 * side, x + 1.15 * side], [lb.y, lb.y], color=color, lw=1.1 * _unit(scene),
                    ls=(0, (2.5, 1.5)), zorder=4, solid_capstyle="butt", dash_capstyle="butt")
        elif lb.role.startswith("legend:"):
            family = lb.role.split(":", 1)[1]
            side = LEGEND_SWATCH * lb.size * 0.8
            x = lb.x - (LEGEND_SWATCH + 0.4) * lb.size
            frozen = family == "frozen"
            ax.add_patch(Rectangle((x, lb.y - side / 2), side, side, zorder=4,
                                   fc=theme.background if frozen else theme.color(family),
                                   ec=theme.edge_color, lw=0.6 * _unit(scene)))
            if not frozen:
                _draw_patterns(ax, [((x, lb.y - side / 2, side, side), family)], theme, 4.05)
            if frozen:  # the band, as on a frozen block
                ax.add_patch(Rectangle((x, lb.y - side / 2), side * 0.3, side, zorder=4.1,
                                       fc=theme.frozen_color, ec="none"))
