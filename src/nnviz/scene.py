"""The Scene: what a layout produces and a renderer draws. Positioned, library-free.

Coordinates are in points (1/72 inch), origin at the top left, y growing
downwards, so that sizes on the page (and font sizes) are what the scene says.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, NamedTuple

__all__ = ["Box", "Neuron", "Edge", "LinkSet", "Label", "Cluster", "Polygon", "Scene", "NodeColumn", "LegendPlace",
           "ColorBar", "arrow_path", "shade_rgb", "ONE_SIDED_EDGES"]

#: kinds of block edges drawn dashed, in a colour of their own (``Theme.extra_colors["edge:" + kind]``):
#: a diff's connections present in only one of the two models, with their legend text
ONE_SIDED_EDGES = {"only_a": "link only in A", "only_b": "link only in B"}


@dataclass(frozen=True)
class Box:
    """A block: one layer (or a group of layers) as a rectangle with lines of text."""

    id: str
    x: float
    y: float
    w: float
    h: float
    lines: tuple[str, ...] = ()
    family: str = "other"
    layer: str | None = None
    frozen: bool = False
    repeat: int = 1
    font_size: float = 8.0


@dataclass(frozen=True)
class Neuron:
    """One neuron (a circle) of a node-and-link diagram."""

    id: str
    x: float
    y: float
    r: float
    role: str  # input, hidden, output, passive (a layer without neurons)
    layer: str
    index: int
    value: float | None = None  # the bias, when weights are drawn


@dataclass(frozen=True)
class Edge:
    """A connection: a polyline from one item to another."""

    points: tuple[tuple[float, float], ...]
    src: str
    dst: str
    kind: str = "data"  # data (block arrow), link (neuron to neuron), dropped (one-to-one), or ONE_SIDED_EDGES
    weight: float | None = None


@dataclass(frozen=True, eq=False)
class LinkSet:
    """The links between two columns of neurons, as arrays rather than one :class:`Edge` per link.

    A 784-512 pair of layers has 401,408 links; arrays keep that cheap to build and to draw.

    Attributes:
        src, dst: the layers the links leave and enter.
        segments: an ``(n, 2, 2)`` array of start and end points, in points.
        kind: ``link`` (all to all) or ``dropped`` (one to one, into a layer without neurons).
        role: the role of the neurons the links enter (their colour).
        weights: an ``(n,)`` array of the weights the links carry, or ``None``.
        dense: too many links to draw one by one: renderers draw their density as one image
            (:mod:`nnviz.render.density`), and the scene's caption says so.
    """

    src: str
    dst: str
    segments: Any
    kind: str = "link"
    role: str = "hidden"
    weights: Any = None
    dense: bool = False

    def __len__(self) -> int:
        return len(self.segments)


@dataclass(frozen=True)
class Label:
    """A piece of text at a position."""

    x: float
    y: float
    text: str
    size: float = 8.0
    ha: str = "center"
    va: str = "center"
    role: str = "label"
    rotation: float = 0.0


@dataclass(frozen=True)
class Cluster:
    """A labelled frame around the blocks of a nested model or a repeated group."""

    id: str
    x: float
    y: float
    w: float
    h: float
    title: str = ""
    repeat: int = 1  # a repeated group drawn once: how many copies it stands for


@dataclass(frozen=True)
class Polygon:
    """A filled polygon: a face of a 3-D volume (the volume style) or of a kernel's pyramid.

    Renderers draw a scene's polygons in list order (later ones on top), after its clusters and
    before its edges, boxes and labels.

    Attributes:
        points: the corners in order; the outline closes back to the first.
        family: the layer family whose theme colour fills it (``Theme.color``); ``None`` for no fill.
        shade: the fill mixed with white (``shade > 0``) or black (``shade < 0``) by that fraction,
            so that the faces of a box read as lit from one side (TikZ: ``family!70`` is shade 0.3,
            ``family!70!black`` shade -0.3); see :func:`shade_rgb`.
        alpha: the opacity of the fill (the outline stays opaque).
        line_width: the outline's width in points, in the theme's edge colour; 0 for none.
        id: what it belongs to (the block id of a volume), for writers that name elements.
        role: ``face`` (a side of a volume) or ``kernel`` (a kernel's window and pyramid).
    """

    points: tuple[tuple[float, float], ...]
    family: str | None = "other"
    shade: float = 0.0
    alpha: float = 1.0
    line_width: float = 0.6
    id: str = ""
    role: str = "face"


class NodeColumn(NamedTuple):
    """A column of a node-style scene: the layer it draws, its role and how many neurons it shows."""

    layer: str
    role: str     # input, hidden, output or passive
    n: int        # the layer's true width
    shown: int    # neurons drawn (the rest collapsed behind an ellipsis)


@dataclass(frozen=True)
class LegendPlace:
    """Where a node-style legend goes: rows of entries centred on ``x``, the first row's top at ``y``.

    Attributes:
        rows: per row, the indices of its entries in :attr:`Scene.legend`.
        font: the text size of the entries, in points (rows are ``1.6 * font`` apart).
    """

    x: float
    y: float
    rows: tuple[tuple[int, ...], ...]
    font: float


@dataclass(frozen=True)
class ColorBar:
    """The colour bar of a node-style drawing with weights: its rectangle, in points, and its scale.

    Attributes:
        vmax: the |weight| at either end (the bar runs from ``-vmax`` to ``vmax``).
        font: the text size of its ticks.
    """

    x: float
    y: float
    w: float
    h: float
    vmax: float
    font: float


@dataclass
class Scene:
    """Everything a renderer needs, in points.

    Besides what is drawn, a scene says how it was laid out (plain values that renderers and tests
    read). The block and volume styles set:

    Attributes:
        scale: the factor every length and font size was multiplied by to fit the page (renderers
            scale line widths with it); 1 for a scene drawn at its natural size, and for the node style.
        font_size: the text size of the blocks (block style) or of the labels (node style) after
            fitting, in points; ``None`` where nothing was fitted (a layer tree, the graphviz layout).
        level: how folded the drawn view is: ``full``, ``repeats-cluster``, ``repeats-cluster+chains``,
            ``repeats-block+chains``, any of those with ``+modules``, or ``tree`` (a layer tree).
        has_graph: ``False`` for a file that stores no graph, drawn as the tree of its layers.
        page_columns: how many columns (rows for ``LR``) the top level was cut into to fit the page.
        column_of: each block's id -> the page column it stands in (a U: 0 encoder, 1 decoder).
        u_pairs: a U-shaped scene's (encoder block, decoder block) pairs joined by a skip.
        volumes: the volume style: each block's id -> the (x0, y0, x1, y1) of its volume's drawing.

    The node style sets:

    Attributes:
        node_columns: one :class:`NodeColumn` per drawn layer, in order.
        rows: how many rows (``LR``; columns for ``TB``) a page too large was wrapped into;
            ``None`` when it was not wrapped.
        fits: whether the text fits the requested page at no less than the smallest font.
        font_scale: the fitted font size over the theme's.
        legend_place: where the legend's rows go (``None``: the block style places its legend as labels).
        colorbar: the weights' colour bar, when links are coloured by weight.
    """

    width: float
    height: float
    title: str = ""
    boxes: list[Box] = field(default_factory=list)
    neurons: list[Neuron] = field(default_factory=list)
    edges: list[Edge] = field(default_factory=list)
    labels: list[Label] = field(default_factory=list)
    clusters: list[Cluster] = field(default_factory=list)
    legend: list[tuple[str, str]] = field(default_factory=list)  # (text, family or role)
    links: list[LinkSet] = field(default_factory=list)  # node style: links as arrays
    polygons: list[Polygon] = field(default_factory=list)  # volume style: faces, drawn in order
    scale: float = 1.0
    font_size: float | None = None
    level: str = ""
    has_graph: bool = True
    page_columns: int = 1
    column_of: dict[str, int] = field(default_factory=dict)
    u_pairs: tuple[tuple[str, str], ...] = ()
    volumes: dict[str, tuple[float, float, float, float]] = field(default_factory=dict)
    node_columns: tuple[NodeColumn, ...] = ()
    rows: int | None = None
    fits: bool = True
    font_scale: float = 1.0
    legend_place: LegendPlace | None = None
    colorbar: ColorBar | None = None


def arrow_path(points: Any, head: float) -> tuple[list[tuple[float, float]], list[tuple[float, float]]] | None:
    """An edge drawn with an arrowhead of length ``head``: its line (ending at the head's base, so
    the line does not poke through the tip) and the head's triangle; ``None`` for fewer than 2 points.

    >>> arrow_path([(0, 0), (0, 10)], 5.0)
    ([(0, 0), (0.0, 5.0)], [(0, 10), (-2.25, 5.0), (2.25, 5.0)])
    """
    pts = list(points)
    if len(pts) < 2:
        return None
    (x0, y0), (x1, y1) = pts[-2], pts[-1]
    length = ((x1 - x0) ** 2 + (y1 - y0) ** 2) ** 0.5 or 1.0
    ux, uy = (x1 - x0) / length, (y1 - y0) / length
    base = (x1 - ux * head, y1 - uy * head)
    if length > head:
        pts[-1] = base
    half = head * 0.45
    return pts, [(x1, y1), (base[0] - uy * half, base[1] + ux * half), (base[0] + uy * half, base[1] - ux * half)]


def shade_rgb(rgb: tuple[float, float, float], shade: float) -> tuple[float, float, float]:
    """A colour (components 0-1) mixed with white (``shade > 0``) or black (``shade < 0``).

    >>> shade_rgb((1.0, 0.5, 0.0), 0.5), shade_rgb((1.0, 0.5, 0.0), -0.5)
    ((1.0, 0.75, 0.5), (0.5, 0.25, 0.0))
    """
    if shade >= 0:
        return tuple(c + (1.0 - c) * shade for c in rgb)  # type: ignore[return-value]
    return tuple(c * (1.0 + shade) for c in rgb)  # type: ignore[return-value]
