"""The volume style's layout: feature maps as 3-D boxes, the classic convolutional-network figure.

Every block is drawn as the volume of its output: height and width (the slanted side) show its
spatial size, depth along the flow its channels, on compressed scales so that 224 and 7, or 3 and
2048 channels, stay visible together. A layer without a spatial output is a flat column (a
``Dense`` layer's units) or a slab (a sequence: ``Conv1D``, recurrent and attention layers).
Its name is written above and its size (``112×112×64``) below.

Stages, each a plain function:

1. :func:`volume_of`: a block's volume from its output shape;
2. :func:`measure`: each block's extent (volume and text), handed to the block style's layout
   (:func:`nnviz.layout.blocks.block_view`), which folds repeats, chains and modules until the
   page fits, frames nested models and wraps long chains into rows, exactly as for blocks;
3. :func:`dress`: each placed block becomes the faces of its volume (:class:`~nnviz.scene.Polygon`)
   and its labels, arrows end on the faces, and with ``kernels=True`` a kernel's window on a volume
   is joined by a pyramid to the volume it makes.

The result is a plain Scene of polygons, arrows and labels, which every renderer draws.

>>> import nnviz
>>> g = nnviz.load({"input_shape": [32, 32, 3], "layers": [{"type": "Conv2D", "filters": 8, "kernel_size": 3}]})
>>> scene = layout_volumes(g)
>>> sorted({p.id for p in scene.polygons}), [lb.text for lb in scene.labels if lb.role == "volume-size"]
(['conv2d', 'input'], ['32×32×3', '30×30×8'])
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import Any, Sequence

from ..errors import OptionError
from ..graph import LayerGraph, format_params
from ..options import check_choice, strict_options
from ..scene import Edge, Label, Polygon, Scene
from .blocks import block_view
from .blocktext import BOLD, LINE_HEIGHT, short_line
from ..view import Block, View
from .layered import BlockOptions
from .metrics import text_size

__all__ = ["VolumeOptions", "Volume", "volume_of", "spatial_extent", "channel_extent", "measure", "dress",
           "volume_view", "layout_volumes"]

# The compressed scales, in ems of the theme's font size.
SPATIAL = 0.42     # ems per log2(1 + n) ** 1.5 of a spatial size (224 -> 9.2 ems, 7 -> 2.2 ems)
CHANNELS = 0.12    # ems per log2(1 + c) ** 1.5 of a channel count (3 -> 0.34, 2048 -> 4.4 ems)
MIN_SPATIAL = 0.6  # ems: the smallest height (a size of 1)
MIN_DEPTH = 0.3    # ems: the thinnest volume (one channel, a Dense column)
SLANT = 0.5        # the slanted side, a cabinet projection at 45 degrees: this share of its size
CARD = 0.3         # ems between the copies of a stack (a repeat, or the frames of a 5-D output)
GAP = 0.3          # ems between a volume and its text
UNKNOWN = 16       # the size drawn for a size nnviz does not know (written "?")
SHADES = {"front": 0.0, "top": 0.35, "side": -0.18}  # faces lit from the top left


@strict_options
@dataclass(frozen=True, kw_only=True)
class VolumeOptions(BlockOptions):
    """How a volume figure is laid out and drawn: :class:`~nnviz.layout.layered.BlockOptions`, and

    Args:
        kernels: draw each convolution's or pooling's window on the volume it reads, joined by a
            pyramid to the volume it makes.

    The data flows left to right (``direction="LR"``, the only one), and the text shows the name
    and the size by default (``show=("name", "shapes")``; ``type`` and ``params`` can be added).

    >>> VolumeOptions(kernels=True).direction
    'LR'
    >>> VolumeOptions(direction="TB")
    Traceback (most recent call last):
    ...
    nnviz.errors.OptionError: unknown direction: 'TB' (must be one of ['LR'])
    """

    direction: str = "LR"
    show: tuple[str, ...] = ("name", "shapes")
    kernels: bool = False

    def __post_init__(self) -> None:
        super().__post_init__()
        check_choice("direction", self.direction, ("LR",))
        if self.engine == "graphviz":
            raise OptionError("the volume style is laid out by nnviz, not graphviz "
                              "(engine must be 'matplotlib' or 'auto')")
        if not isinstance(self.kernels, bool):
            raise OptionError(f"kernels must be True or False, got {self.kernels!r}")


# -- a block's volume ------------------------------------------------------------------------

@dataclass(frozen=True)
class Volume:
    """A block's volume, in points at the theme's font size.

    Attributes:
        depth: along the flow (the channels).
        height: the front face's height (the rows, a sequence's length, a layer's units).
        slant: the slanted side's horizontal (and vertical) run (the columns).
        cards: copies drawn behind (a repeated block, or a 5-D output's frames).
        text: the size written below it (``112×112×64``).
        rows, cols: the spatial sizes drawn (for a kernel's window), ``None`` for a column.
    """

    depth: float
    height: float
    slant: float
    cards: int = 0
    text: str = ""
    rows: int | None = None
    cols: int | None = None

    def extent(self, fs: float) -> tuple[float, float]:
        """Width and height of the drawing, copies included."""
        stack = self.cards * CARD * fs
        return (self.depth + self.slant + stack, self.height + self.slant + stack)


def spatial_extent(n: int | None, fs: float) -> float:
    """A spatial size (rows, columns, a sequence's length, units) on the compressed scale, in points.

    >>> [round(spatial_extent(n, 8.0), 1) for n in (1, 7, 56, 224, 4096)]
    [4.8, 17.5, 47.3, 73.4, 139.7]
    """
    n = UNKNOWN if n is None else max(int(n), 1)
    return fs * max(MIN_SPATIAL, SPATIAL * math.log2(1 + n) ** 1.5)


def channel_extent(c: int | None, fs: float) -> float:
    """A channel count on the compressed scale, in points: the depth of a volume.

    >>> [round(channel_extent(c, 8.0), 1) for c in (1, 3, 64, 512, 2048)]
    [2.4, 2.7, 14.2, 25.9, 35.0]
    """
    c = UNKNOWN if c is None else max(int(c), 1)
    return fs * max(MIN_DEPTH, CHANNELS * math.log2(1 + c) ** 1.5)


def _dim(d: Any) -> str:
    return "?" if d is None else str(d)


def _first_shape(shape: Any) -> tuple | None:
    """The shape drawn: a block with several outputs is drawn by its first."""
    while shape and isinstance(shape, (tuple, list)) and isinstance(shape[0], (tuple, list)):
        shape = shape[0]
    return tuple(shape) if shape is not None else None


def volume_of(shape: Any, fs: float, *, channels_first: bool = False, repeat: int = 1) -> Volume:
    """The volume that draws an output of this shape (with its batch size first).

    Images ``(H, W, C)`` are boxes; a sequence ``(L, C)`` is a slab as tall as its length; a vector
    ``(units,)`` a thin column; a 5-D output (``Conv3D``, a ``TimeDistributed`` convolution) a box
    with copies behind for its frames; an unknown shape a column written ``?``.

    >>> v = volume_of((None, 112, 112, 64), 8.0)
    >>> v.text, v.height > v.depth > 0, (v.rows, v.cols)
    ('112×112×64', True, (112, 112))
    >>> volume_of((None, 10), 8.0).text, volume_of((None, 100, 64), 8.0).text
    ('10', '100×64')
    >>> volume_of((None, 8, 32, 32, 16), 8.0).cards, volume_of(None, 8.0).text
    (2, '?')
    """
    cards = 2 if repeat > 1 else 0
    dims = _first_shape(shape)
    if dims is None or len(dims) < 2:
        return Volume(channel_extent(1, fs), spatial_extent(None, fs), SLANT * spatial_extent(1, fs), cards, "?")
    dims = dims[1:]
    text = "×".join(_dim(d) for d in dims)
    if len(dims) == 1:  # units: a column
        return Volume(channel_extent(1, fs), spatial_extent(dims[0], fs), SLANT * spatial_extent(1, fs), cards, text)
    if len(dims) == 2:  # a sequence: length x channels
        return Volume(channel_extent(dims[1], fs), spatial_extent(dims[0], fs), SLANT * spatial_extent(1, fs),
                      cards, text, rows=dims[0], cols=1)
    if channels_first:
        dims = (*dims[1:], dims[0])
        text = "×".join(_dim(d) for d in dims)
    if len(dims) > 3:  # frames (Conv3D's depth, TimeDistributed's time): copies behind
        cards = 2
    rows, cols, chans = dims[-3], dims[-2], dims[-1]
    return Volume(channel_extent(chans, fs), spatial_extent(rows, fs), SLANT * spatial_extent(cols, fs), cards,
                  text, rows=rows, cols=cols)


def _channels_first(graph: LayerGraph) -> bool:
    """A model built channels-first draws every 4-D and 5-D output that way (its layers agree)."""
    return any(layer.config.get("data_format") == "channels_first" for _, layer in graph.walk()
               if isinstance(layer.config, dict))


# -- text beside a volume --------------------------------------------------------------------

def _texts(node: Block, vol: Volume, options: VolumeOptions, frozen: bool) -> tuple[list[str], list[str]]:
    """The lines above a volume (its name, first and bold; its type) and below (its size, params)."""
    show = options.show
    above, below = [], []
    badge = f" ×{node.repeat}" if node.repeat > 1 else ""
    if "name" in show or badge or node.kind in ("repeat", "module"):
        above.append(short_line(node.label) + badge)
    if "type" in show and node.types:
        kind = {"repeat": f"{node.size} layers each", "module": f"module of {node.size} layers"}.get(node.kind)
        above.append(short_line(kind or " + ".join(node.types)))
    if "shapes" in show:
        below.append(short_line(vol.text))
    if "params" in show and node.params:
        below.append(f"{format_params(node.params)} params")
    if frozen and node.frozen:
        below.append("frozen")
    if node.note and node.kind in ("repeat", "model", "module"):  # a group's sum (color_by), as blocks write it
        below.append(short_line(node.note))
    return above, below


def _text_width(lines: Sequence[str], fs: float, bold_first: bool) -> float:
    return max((text_size(t, fs)[0] * (BOLD if bold_first and i == 0 else 1.0) for i, t in enumerate(lines)),
               default=0.0)


def measure(view: View, options: VolumeOptions, *, channels_first: bool = False,
            frozen: bool = True) -> tuple[dict[str, tuple[str, ...]], dict[str, tuple[float, float]]]:
    """Each block's lines (above, then below) and its extent: the volume with text bands above and
    below it of equal height, so that the volume sits at the block's centre, where arrows meet it."""
    fs = options.theme.font_size
    lines: dict[str, tuple[str, ...]] = {}
    sizes: dict[str, tuple[float, float]] = {}
    for nid, node in view.blocks.items():
        vol = volume_of(node.shape, fs, channels_first=channels_first, repeat=node.repeat)
        above, below = _texts(node, vol, options, frozen)
        w, h = vol.extent(fs)
        band = LINE_HEIGHT * fs * max(len(above), len(below)) + GAP * fs
        width = max(w, _text_width(above, fs, True), _text_width(below, fs, False)) + 0.4 * fs
        lines[nid] = (*above, *below)
        sizes[nid] = (width, h + 2 * band)
    return lines, sizes


# -- the scene ---------------------------------------------------------------------------------

def _box_faces(x: float, y: float, vol: Volume, s: float, fs: float, family: str,
               nid: str) -> list[Polygon]:
    """The three visible faces of one box whose front face's top left corner is (x, y), scaled by s."""
    d, h, k = vol.depth * s, vol.height * s, vol.slant * s
    lw = 0.6 * s
    front = ((x, y), (x + d, y), (x + d, y + h), (x, y + h))
    top = ((x, y), (x + k, y - k), (x + d + k, y - k), (x + d, y))
    side = ((x + d, y), (x + d + k, y - k), (x + d + k, y + h - k), (x + d, y + h))
    return [Polygon(front, family, SHADES["front"], 1.0, lw, nid), Polygon(top, family, SHADES["top"], 1.0, lw, nid),
            Polygon(side, family, SHADES["side"], 1.0, lw, nid)]


@dataclass(frozen=True)
class _Placed:
    """A volume on the page: its front face's top left corner (front copy) and its scale."""

    x: float
    y: float
    vol: Volume
    s: float
    fs: float

    @property
    def outline(self) -> list[tuple[float, float]]:
        """The silhouette of the front copy (a hexagon), clockwise from the front's top left."""
        d, h, k = self.vol.depth * self.s, self.vol.height * self.s, self.vol.slant * self.s
        x, y = self.x, self.y
        return [(x, y), (x + k, y - k), (x + d + k, y - k), (x + d + k, y + h - k), (x + d, y + h), (x, y + h)]

    def side_x(self, y: float, right: bool) -> float:
        """Where a horizontal line at ``y`` meets the silhouette: its left or right side."""
        pts = self.outline
        xs = []
        for (x0, y0), (x1, y1) in zip(pts, pts[1:] + pts[:1]):
            if min(y0, y1) - 1e-9 <= y <= max(y0, y1) + 1e-9:
                xs += [x0, x1] if abs(y1 - y0) < 1e-9 else [x0 + (x1 - x0) * (y - y0) / (y1 - y0)]
        if not xs:  # above or below it: the nearest corner's side
            xs = [p[0] for p in pts]
        return max(xs) if right else min(xs)


def _place(box: Any, vol: Volume, s: float, fs: float) -> _Placed:
    """The volume centred in its block (the text bands above and below are of equal height)."""
    w, h = vol.extent(fs)
    x0 = box.x + (box.w - w * s) / 2
    y0 = box.y + (box.h - h * s) / 2
    return _Placed(x0, y0 + vol.slant * s, vol, s, fs)


def _volume_polygons(p: _Placed, family: str, nid: str) -> list[Polygon]:
    """The copies behind (down and to the right, as the block style's cards), then the box."""
    out: list[Polygon] = []
    step = CARD * p.fs * p.s
    for k in range(p.vol.cards, 0, -1):
        out += _box_faces(p.x + k * step, p.y + k * step, p.vol, p.s, p.fs, family, nid)
    return out + _box_faces(p.x, p.y, p.vol, p.s, p.fs, family, nid)


def _labels(box: Any, p: _Placed, above: int, lines: tuple[str, ...]) -> list[Label]:
    """The text above the volume (name bold) and below it (size), centred on the block."""
    fs = box.font_size
    lh = LINE_HEIGHT * fs
    cx = box.x + box.w / 2
    top = min(y for _, y in p.outline)
    bottom = max(y for _, y in p.outline) + p.vol.cards * CARD * p.fs * p.s
    out = []
    for i, text in enumerate(lines[:above]):
        y = top - GAP * p.fs * p.s - (above - i - 0.5) * lh
        out.append(Label(cx, y, text, fs, role="volume-name" if i == 0 else "volume-type"))
    for i, text in enumerate(lines[above:]):
        y = bottom + GAP * p.fs * p.s + (i + 0.5) * lh
        out.append(Label(cx, y, text, fs, role="volume-size" if i == 0 else "volume-note"))
    return out


def _kernel(layer: Any) -> tuple[int, int] | None:
    """A convolution's or pooling's window (rows, columns), from its config."""
    if layer is None or not isinstance(layer.config, dict):
        return None
    size = layer.config.get("kernel_size") or layer.config.get("pool_size")
    if size is None:
        return None
    size = list(size) if isinstance(size, (list, tuple)) else [size]
    try:
        size = [int(v) for v in size]
    except (TypeError, ValueError):
        return None
    if len(size) == 1:
        return (size[0], 1)
    return (size[-2], size[-1])


def _pyramid(src: _Placed, dst: _Placed, window: tuple[int, int], family: str, s: float) -> list[Polygon]:
    """A kernel's window on the slanted (rows × columns) face of ``src``, and the pyramid that joins it
    to a point on the front of ``dst``; both in the upper half, clear of the arrow through the middle."""
    v = src.vol
    d, h, k = v.depth * s, v.height * s, v.slant * s
    rows = v.rows if v.rows is not None else 1
    cols = v.cols if v.cols is not None else 1
    wh = h * min(0.4, spatial_extent(min(window[0], rows), 1.0) / spatial_extent(rows, 1.0))
    wk = k * min(0.6, spatial_extent(min(window[1], cols), 1.0) / spatial_extent(cols, 1.0))
    fx, fy = src.x + d, src.y  # the side face's front top corner
    ox = (k - wk) / 2  # half-way across the slant
    top = fy + 0.25 * h - wh / 2
    a = (fx + ox, top - ox)
    b = (a[0] + wk, a[1] - wk)
    c = (b[0], b[1] + wh)
    e = (a[0], a[1] + wh)
    dh = dst.vol.height * s
    apex = (dst.x + 0.35 * dst.vol.depth * s, dst.y + 0.25 * dh)
    lw = 0.4 * s
    sides = [Polygon((p, q, apex), family, 0.3, 0.25, lw, role="kernel") for p, q in ((a, b), (b, c), (c, e), (e, a))]
    return [Polygon((a, b, c, e), family, -0.25, 1.0, lw, role="kernel"), *sides]


def dress(scene: Scene, view: View, options: VolumeOptions, *, channels_first: bool = False) -> Scene:
    """The block scene (one box per block, at the size :func:`measure` gave) as volumes and text."""
    s = scene.scale
    fs = options.theme.font_size
    placed: dict[str, _Placed] = {}
    polygons: list[Polygon] = []
    labels: list[Label] = []
    for box in scene.boxes:
        node = view.blocks[box.id]
        vol = volume_of(node.shape, fs, channels_first=channels_first, repeat=node.repeat)
        above, _ = _texts(node, vol, options, options.show_trainable)
        p = _place(box, vol, s, fs)
        placed[box.id] = p
        polygons += _volume_polygons(p, box.family, box.id)
        labels += _labels(box, p, len(above), box.lines)
    edges = [Edge(tuple(_onto_faces(list(e.points), placed.get(e.src), placed.get(e.dst))), e.src, e.dst, e.kind,
                  e.weight) for e in scene.edges]
    if options.kernels:  # on straight arrows only: from one volume to the next in its row
        for e in edges:
            node = view.blocks.get(e.dst)
            window = _kernel(node.layer) if node is not None and node.kind in ("layer", "chain") else None
            if (window and len(e.points) == 2 and e.src in placed and e.dst in placed
                    and placed[e.src].vol.rows is not None):
                polygons += _pyramid(placed[e.src], placed[e.dst], window, node.paint or node.family, s)
    return replace(scene, boxes=[], edges=edges, labels=[*scene.labels, *labels], polygons=polygons,
                   volumes={nid: _bounds(p) for nid, p in placed.items()})


def _onto_faces(pts: list[tuple[float, float]], src: _Placed | None,
                dst: _Placed | None) -> list[tuple[float, float]]:
    """An arrow's ends carried on, level, from its block's sides to its volumes' faces (see :func:`_attach`)."""
    if len(pts) < 2:
        return pts
    if src is not None:
        pts = _attach(pts[::-1], src, right=True)[::-1]
    if dst is not None:
        pts = _attach(pts, dst, right=False)
    return [p for i, p in enumerate(pts) if i == 0 or p != pts[i - 1]]


def _attach(pts: list[tuple[float, float]], vol: _Placed, right: bool) -> list[tuple[float, float]]:
    """The polyline ending on the left (or right) of a volume: its last point, on the block's side,
    is brought level with the volume (ports of many edges spread wider than a small volume, across
    the text above and below it), then a level stub runs on to the face."""
    h, k = vol.vol.height * vol.s, vol.vol.slant * vol.s
    lo, hi = (vol.y - k, vol.y + h - k) if right else (vol.y, vol.y + h)
    inset = min(0.15 * (hi - lo), 2.0 * vol.s)
    x, y = pts[-1]
    level = min(max(y, lo + inset), hi - inset)
    face = (vol.side_x(level, right=right), level)
    if level == y and abs(pts[-2][1] - y) < 1e-6:
        return [*pts[:-1], face]  # already level: only moved on
    return [*pts[:-1], (x, level), face]


def _bounds(p: _Placed) -> tuple[float, float, float, float]:
    """(x0, y0, x1, y1) of a volume's drawing, copies included."""
    pts = p.outline
    stack = p.vol.cards * CARD * p.fs * p.s
    return (min(x for x, _ in pts), min(y for _, y in pts), max(x for x, _ in pts) + stack,
            max(y for _, y in pts) + stack)


def _wrapped_families(view: View) -> View:
    """A ``TimeDistributed`` or ``Bidirectional`` layer coloured by the layer it wraps (a
    ``TimeDistributed(Conv2D)`` is a convolution over frames)."""
    from ..theme import family_of

    nodes = {}
    for nid, node in view.blocks.items():
        layer = node.layer
        inner = layer.config.get("layer") if layer is not None and isinstance(layer.config, dict) else None
        if node.kind == "layer" and isinstance(inner, dict) and isinstance(inner.get("class_name"), str):
            node = replace(node, family=family_of(inner["class_name"]))
        nodes[nid] = node
    changed = any(nodes[nid] is not node for nid, node in view.blocks.items())
    return replace(view, blocks=nodes) if changed else view


def volume_view(graph: LayerGraph, options: VolumeOptions, paint: Any = None,
                annotate: Any = None) -> tuple[View, Scene]:
    """The view drawn and its volume scene: folded as the block style folds, until the page fits.

    ``paint`` and ``annotate`` are :func:`~nnviz.layout.blocks.block_view`'s: ``paint`` recolours
    the blocks before they fold (only blocks of one colour fold together), ``annotate`` each
    folded view (``color_by``: a group coloured and captioned by its layers' sum, the badges on
    the heaviest blocks drawn).

    Raises:
        OptionError: the model is stored without its graph (a layer tree has no data flow to draw).
    """
    graph.require_graph("the volume style")  # a layer tree has no data flow to draw as volumes
    channels_first = _channels_first(graph)
    # frozen layers are written "frozen" under their size, not marked by a band: no band in the legend
    layout_options = replace(options, show_trainable=False)

    def sized(view: View, opts: BlockOptions) -> tuple[dict, dict]:
        return measure(view, options, channels_first=channels_first, frozen=options.show_trainable)

    def painted(view: View) -> View:
        view = _wrapped_families(view)
        return view if paint is None else paint(view)

    def annotated(view: View) -> View:
        return annotate(painted(view))

    view, scene = block_view(graph, layout_options, paint=painted, measure=sized,
                             annotate=None if annotate is None else annotated)
    return view, dress(scene, view, options, channels_first=channels_first)


def layout_volumes(graph: LayerGraph, options: VolumeOptions | None = None) -> Scene:
    """Lay out a volume figure of ``graph`` as a Scene in points (see the module's doctest)."""
    return volume_view(graph, options or VolumeOptions())[1]
