"""The block style's layout: a :class:`~nnviz.view.View` placed on a page as a Scene.

Stages, each a plain function:

1. :func:`candidate_views`: the layer graph as views, from every layer drawn to
   the most folded (repeats in clusters, repeats as blocks, chains folded,
   modules folded); ``collapse="auto"`` takes the first that fits the page.
2. :func:`frame_layout`: each cluster (an opened nested model, one copy of a
   repeat) is laid out on its own with :func:`~nnviz.layout.layered.layered_layout`,
   with a *port* node for every tensor that enters or leaves it, and then placed
   in its parent as one big node: frames never overlap other blocks, and an
   edge into a cluster enters through its frame at the port.
3. :func:`fit_page`: the top level is cut into columns (rows for ``LR``) at cuts
   that few edges cross, as many as make the drawing's aspect nearest the page's,
   and scaled to fit it; an edge that crosses a cut runs round in a lane, or, where more than
   ``MAX_LANES`` edges cross it, becomes an off-column connector: a stub labelled ``▸ target``
   under its source's column and one labelled ``source ▸`` over its target's.
4. :func:`compose`: boxes, edges, cluster frames, title and legend as a Scene.

Sizes are in points at the theme's font size; the Scene is scaled at the end.
"""

from __future__ import annotations

import math
from bisect import bisect_left, bisect_right
from dataclasses import dataclass, field
from typing import Callable, Iterator, Sequence

from ..graph import LayerGraph, format_params, format_shape, sum_params
from ..theme import FAMILIES, Theme
from ..scene import ONE_SIDED_EDGES, Box, Cluster, Edge, Label, Scene
from ..view import (ClusterInfo, Node, View, collapse_repeats, flatten, fold_chains, fold_modules,
                     select_range)
from ..view.labels import cut_name
from .layered import BlockOptions, Placement, dedupe_points, layered_layout
from .metrics import LINE_SPACING, text_size
from .ushape import UPlan, u_layout, u_plan
from ..text import display, printable

__all__ = ["layout_blocks", "block_view", "choose_view", "candidate_views", "block_lines", "line_centers",
           "legend_entries", "title_lines", "frozen_band", "LINE_HEIGHT", "PAD", "LEGEND_SWATCH", "FROZEN_BAND"]

LINE_HEIGHT = 1.25     # ems between lines on a block (DejaVu Sans is 1.16 ems tall)
PAD = 0.5              # ems of padding inside a block
BOLD = 1.08            # bold names are up to 18% wider; text_size already allows 10%
LEGEND_SWATCH = 1.2    # ems: the colour square in front of a legend entry
FROZEN_BAND = 0.3      # ems: the band along a frozen block's left side, inside its padding
MARGIN = 1.5           # ems round the drawing
_MAX_LINE = 40         # characters; longer lines are cut between words (labels.cut_name)
MAX_TITLE = 80         # characters of a title (cut in the middle: a name from the file can be huge)
_MAX_CUT = 1000        # a longer line is cut in its middle first, so cut_name's work stays small
_LINEAR = (None, "linear", "")
_LEVELS = (("cluster", False), ("cluster", True), ("block", True))
MAX_LANES = 4         # a cut crossed by more edges gets off-column connectors ("▸ target", "source ▸")
_BREAK = (math.inf, math.inf)  # in a route: the gap between a connector's two stubs


# -- text on blocks ------------------------------------------------------------------------

def _short(text: str) -> str:
    """A line on a block: control characters from the file escaped, cut between words to ``_MAX_LINE``."""
    return cut_name(display(text, _MAX_CUT), _MAX_LINE)


def _units_word(node: Node) -> str:
    return {"convolution": "filters", "embedding": "dims"}.get(node.family, "units")


def _type_line(node: Node, show: Sequence[str]) -> str | None:
    layer = node.layer
    kind = node.kind
    parts = []
    if kind == "repeat":
        return f"{node.size} layers each" if node.size > 1 else (node.types[0] if node.types else None)
    if kind == "module":
        return f"module of {node.size} layers"
    if kind == "model" and layer is not None and layer.subgraph is not None:
        count = sum(not inner.is_input for inner in layer.subgraph.layers)  # as Sequential counts them
        if "type" in show:
            parts.append(f"{layer.type}, {count} layers")
        if node.calls > 1:  # a shared model is marked as a shared layer is
            parts.append(f"shared, {node.calls} calls")
        return " · ".join(parts) if parts else None
    if "type" in show:
        parts.append(" + ".join(node.types) if kind == "chain" else (node.types[0] if node.types else kind))
    if layer is not None and "units" in show and layer.units is not None:
        parts.append(f"{layer.units} {_units_word(node)}")
    if (layer is not None and "activations" in show and layer.activation not in _LINEAR
            and not (kind == "chain" and layer.activation in node.types)):
        parts.append(str(layer.activation))
    if node.calls > 1:
        parts.append(f"shared, {node.calls} calls")
    return " · ".join(parts) if parts else None


def block_lines(node: Node, options: BlockOptions) -> tuple[str, ...]:
    """The lines of text on a block, first the name (drawn bold).

    >>> from nnviz.graph import Layer
    >>> from nnviz.view import Node
    >>> layer = Layer("fc", "Dense", units=10, activation="relu", output_shapes=((None, 10),), params=110)
    >>> block_lines(Node("fc", "layer", "fc", layer, types=("Dense",), shape=(None, 10), params=110),
    ...             BlockOptions())
    ('fc', 'Dense · relu', '(None, 10)', '110 params')
    """
    show = options.show
    lines: list[str] = []
    if "name" in show or node.kind in ("repeat", "module"):
        lines.append(node.label)
    type_line = _type_line(node, show)
    if type_line:
        lines.append(type_line)
    if node.note:
        lines.append(node.note)
    if "shapes" in show and (node.shape is not None or node.layer is not None):
        lines.append(format_shape(node.shape, partial=node.layer is not None and not node.layer.shape_known))
    frozen = " (frozen)" if node.frozen and options.show_trainable else ""
    if "params" in show and (node.params or frozen or node.params is None):
        lines.append(f"{format_params(node.params)} params{frozen}")
    elif frozen:
        lines.append("frozen")
    return tuple(_short(line) for line in lines) or (_short(node.label),)


def _badge(node: Node) -> str:
    return f"×{node.repeat}" if node.repeat > 1 else ""


def block_size(lines: Sequence[str], badge: str, font_size: float) -> tuple[float, float]:
    """Width and height of a block with these lines (the first bold) and repeat badge."""
    widths = [text_size(line, font_size)[0] * (BOLD if i == 0 else 1.0) for i, line in enumerate(lines)]
    if badge:
        widths[0] += 2 * (text_size(badge, font_size)[0] * BOLD + font_size)
    w = max(widths) + 2 * PAD * font_size
    h = LINE_HEIGHT * font_size * len(lines) + 2 * PAD * font_size
    return (max(w, 6 * font_size), h)


def line_centers(box: Box) -> list[float]:
    """The y centre of each line of text on a block (the renderer draws them there)."""
    lh = LINE_HEIGHT * box.font_size
    top = box.y + (box.h - lh * len(box.lines)) / 2
    return [top + lh * (i + 0.5) for i in range(len(box.lines))]


def text_plates(box: Box) -> list[tuple[float, float, float, float]]:
    """The (x, y, w, h) behind each line of a block's text, filled with the block's colour over a
    fill pattern (a theme's), so that the pattern shows around the text, never through it."""
    lh = LINE_HEIGHT * box.font_size
    pad = 0.25 * box.font_size
    out = []
    for i, (line, y) in enumerate(zip(box.lines, line_centers(box))):
        w = min(text_size(line, box.font_size)[0] * (BOLD if i == 0 else 1.0) + 2 * pad, box.w)
        out.append((box.x + (box.w - w) / 2, y - lh / 2, w, lh))
    return out


def frozen_band(box: Box) -> tuple[float, float, float, float]:
    """The (x, y, w, h) of the band that marks a frozen block: its left side, clear of the text."""
    return (box.x, box.y, FROZEN_BAND * box.font_size, box.h)


# -- views ---------------------------------------------------------------------------------

def _base_view(graph: LayerGraph, options: BlockOptions) -> View:
    view = flatten(graph, (*options.expand, *range_models(graph, options.from_layer, options.to_layer)))
    return select_range(view, options.from_layer, options.to_layer)


def range_models(graph: LayerGraph, *names: str | None) -> list[str]:
    """The nested models to open so that ``--from``/``--to`` layers inside them are blocks.

    >>> from nnviz import load
    >>> g = load({"input_shape": [4], "layers": [{"type": "Sequential", "name": "enc", "layers": [
    ...     {"type": "Dense", "units": 3, "name": "e1"}]}, {"type": "Dense", "units": 1}]})
    >>> range_models(g, "e1", None), range_models(g, "dense", None)
    (['enc'], [])
    """
    wanted = {n.rsplit("/", 1)[-1] for n in names if n} - {layer.name for layer in graph.layers}
    out: list[str] = []
    for path, layer in graph.walk():
        if path and layer.name in wanted:
            out += ["/".join(path[:i]) for i in range(1, len(path) + 1) if "/".join(path[:i]) not in out]
    return out


def candidate_views(graph: LayerGraph, options: BlockOptions,
                    paint: Callable[[View], View] | None = None) -> Iterator[tuple[str, View]]:
    """The views to try, least folded first, each with a name for its level.

    Modules are folded after these, as few as it takes (see :func:`block_view`). ``paint``
    recolours (or annotates) the blocks before anything is folded, so that only blocks of one
    colour fold together (a diff's added copies apart from its unchanged ones).
    """
    view = _base_view(graph, options)
    if paint is not None:
        view = paint(view)
    collapse = options.collapse
    if collapse is False or (collapse == "auto" and len(view.nodes) <= options.collapse_threshold):
        yield "full", view
        return
    folded: dict[str, View] = {}
    for repeats, chains in _LEVELS:
        if repeats not in folded:
            folded[repeats] = collapse_repeats(view, as_block=repeats == "block")
        level = fold_chains(folded[repeats]) if chains else folded[repeats]
        yield f"repeats-{repeats}" + ("+chains" if chains else ""), level


# -- frames: clusters laid out on their own ------------------------------------------------

@dataclass
class _Frame:
    """A laid-out cluster (or the whole drawing, ``cid`` None), in abstract (breadth, depth) units."""

    cid: str | None
    place: Placement
    keys: list[str]
    index: dict[str, int]
    edge_index: dict[tuple, int]
    children: dict[str, "_Frame"]
    size: tuple[float, float] = (0.0, 0.0)
    origin: tuple[float, float] = (0.0, 0.0)  # of the content within the frame
    title_at: tuple[float, float] = (0.0, 0.0)
    entry: dict[str, int] = field(default_factory=dict)  # deep source -> port node
    exit: dict[str, int] = field(default_factory=dict)

    def port_offset(self, port: int) -> float:
        """Breadth of a port from the frame's centre."""
        return self.origin[0] + self.place.x[port] - self.size[0] / 2


class _Ctx:
    """What every level of the frame layout shares: the view, sizes and spacing."""

    def __init__(self, view: View, options: BlockOptions, sizes: dict[str, tuple[float, float]]) -> None:
        self.view = view
        self.options = options
        self.lr = options.direction == "LR"
        self.fs = options.theme.font_size
        self.sizes = sizes  # node id -> (breadth, depth)
        self.paths = {nid: [*reversed(view.cluster_chain(nid)), nid] for nid in view.nodes}
        # per level (cluster id, None for the top): the nodes inside it and the edges touching it,
        # in view order, so that laying out every level costs what its own items cost
        self.members: dict[str | None, list[str]] = {None: list(view.nodes)}
        for nid, path in self.paths.items():
            for cid in path[:-1]:
                self.members.setdefault(cid, []).append(nid)
        self.level_edges: dict[str | None, list[tuple[str, str]]] = {None: list(view.edges)}
        for u, v in view.edges:
            for cid in dict.fromkeys([*self.paths[u][:-1], *self.paths[v][:-1]]):
                self.level_edges.setdefault(cid, []).append((u, v))
        rank_sep = (3.0 if self.lr else 1.75) * self.fs
        self.spacing = dict(node_sep=1.4 * self.fs, dummy_sep=0.8 * self.fs, rank_sep=rank_sep)

    def path(self, nid: str) -> list[str]:
        return self.paths[nid]

    def item_at(self, nid: str, cid: str | None) -> str | None:
        """The item drawn at level ``cid`` that holds ``nid`` (itself, or a child cluster)."""
        path = self.paths[nid]
        if cid is None:
            return path[0]
        try:
            return path[path.index(cid) + 1]
        except ValueError:
            return None


def _level_edges(ctx: _Ctx, cid: str | None) -> Iterator[tuple[str, str, str, str]]:
    """The edges of level ``cid`` as (from item, to item, deep source, deep target)."""
    for u, v in ctx.level_edges.get(cid, ()):
        a, b = ctx.item_at(u, cid), ctx.item_at(v, cid)
        if a is None and b is None:
            continue
        if a is not None and a == b and a in ctx.view.clusters:
            continue  # inside one child cluster: its own layout draws it
        yield ("in:" + u if a is None else a), ("out:" + u if b is None else b), u, v


def _edge_key(a: str, b: str, u: str, frames: dict[str, _Frame]) -> tuple:
    via = u if (a in frames or b in frames or a.startswith("in:") or b.startswith("out:")) else None
    return (a, b, via)


def frame_layout(ctx: _Ctx, cid: str | None) -> _Frame:
    """Lay out the items of cluster ``cid`` (blocks, child clusters, ports) in layers."""
    view = ctx.view
    items: dict[str, None] = {}  # ordered and unique: dict keys, not a list (50k layers)
    for nid in ctx.members.get(cid, ()):
        item = ctx.item_at(nid, cid)
        if item is not None:
            items.setdefault(item)
    children = {c: frame_layout(ctx, c) for c in items if c in view.clusters}
    level = list(_level_edges(ctx, cid))
    index = {k: i for i, k in enumerate(items)}
    for a, b, _, _ in level:
        for k in (a, b):
            if (k.startswith("in:") or k.startswith("out:")) and k not in index:
                index[k] = len(index)
    keys = list(index)
    sizes = [children[k].size if k in children else ctx.sizes.get(k, (0.0, 0.0)) for k in keys]
    specs: list[tuple] = []
    edge_index: dict[tuple, int] = {}
    for a, b, u, _ in level:
        key = _edge_key(a, b, u, children)
        if key in edge_index:
            continue
        out_off = children[a].port_offset(children[a].exit[u]) if a in children else None
        in_off = children[b].port_offset(children[b].entry[u]) if b in children else None
        edge_index[key] = len(specs)
        specs.append((index[a], index[b], out_off, in_off))
    first = [index[k] for k in keys if k.startswith("in:")]
    last = [index[k] for k in keys if k.startswith("out:")]
    place = layered_layout(sizes, specs, first=first, last=last, **ctx.spacing)
    frame = _Frame(cid, place, keys, index, edge_index, children)
    frame.entry = {k[3:]: index[k] for k in keys if k.startswith("in:")}
    frame.exit = {k[4:]: index[k] for k in keys if k.startswith("out:")}
    if cid is not None:
        _frame_box(ctx, frame, view.clusters[cid])
    return frame


def _title_spot(ports: list[float], width: float, tw: float, gap: float) -> float:
    """Where a cluster's title starts: left, else right, else between or after the edges entering."""
    def free(a: float, b: float) -> bool:
        return all(not a - gap < x < b + gap for x in ports)

    if free(0.0, tw):
        return 0.0
    if tw <= width and free(width - tw, width):
        return width - tw
    for x in sorted(ports):
        if free(x + gap, x + gap + tw):
            return x + gap
    return max(ports) + gap


def _frame_box(ctx: _Ctx, frame: _Frame, info: ClusterInfo) -> None:
    """Padding and a title band (two lines) round a cluster's content; the title avoids entering edges."""
    fs = ctx.fs
    pad = 0.8 * fs
    tw = max(text_size(info.title, fs)[0] * BOLD, text_size(info.detail, fs)[0])
    band = 2 * LINE_HEIGHT * fs + 0.4 * fs
    cb, cd = frame.place.size
    if ctx.lr:  # the title sits above the content, across the breadth
        frame.origin = (pad + band, pad)
        frame.size = (cb + 2 * pad + band, max(cd, tw) + 2 * pad)
        frame.title_at = (pad, pad)  # (breadth start, depth start)
        return
    start = _title_spot([frame.place.x[p] for p in frame.entry.values()], cb, tw, 0.5 * fs)
    cb = max(cb, start + tw)
    frame.origin = (pad, pad + band)
    frame.size = (cb + 2 * pad, cd + 2 * pad + band)
    frame.title_at = (pad + start, pad)


# -- page: columns and scale ---------------------------------------------------------------

@dataclass
class _Columns:
    """The top level cut into columns: where each starts, how it shifts, the lanes between."""

    starts: list[int]
    shift: list[tuple[float, float]]
    lanes: list[dict[int, int]]  # per cut: step source node -> lane number
    lane_gap: float
    ends: list[float]            # depth at which each column ends (shifted)
    rights: list[float]          # breadth of each column's far side (shifted)
    top: float
    size: tuple[float, float]
    stubs: dict[int, tuple[dict[int, int], dict[int, int]]] = field(default_factory=dict)
    # per stubbed cut: edge -> row of its foot label below the column, of its head label above the next
    row: float = 0.0
    stub_at: dict[tuple[int, int], tuple[tuple[float, float], tuple[float, float]]] = field(default_factory=dict)

    def column_of(self, rank: int) -> int:
        return max(bisect_right(self.starts, rank) - 1, 0)  # starts rise strictly from 0


def _rank_extents(place: Placement) -> list[tuple[float, float]]:
    ext = [(float("inf"), float("-inf")) for _ in place.row_top]
    for v, r in enumerate(place.rank):
        w = place.sizes[v][0]
        lo, hi = ext[r]
        ext[r] = (min(lo, place.x[v] - w / 2), max(hi, place.x[v] + w / 2))
    return ext


def _cut_sources(place: Placement) -> list[set[int]]:
    """Per gap between layers r and r+1: the nodes whose edges cross it."""
    cuts: list[set[int]] = [set() for _ in place.row_top]
    for chain in place.chains:
        if chain is None:
            continue
        for a, b in zip(chain, chain[1:]):
            lo, hi = (a, b) if place.rank[a] < place.rank[b] else (b, a)
            for r in range(place.rank[lo], place.rank[hi]):
                cuts[r].add(lo)
    return cuts


def _choose_starts(place: Placement, k: int, cuts: list[set[int]]) -> list[int]:
    """First layer of each of ``k`` columns: balanced depth, cut only between blocks.

    A cut that the edges of one block cross lies between blocks (the block may fork);
    one inside a residual or Inception block is crossed by edges of two or more. The
    narrow cut nearest the balanced place is taken, however far (columns of unequal length rather than a block cut
    in two), and no more columns once none is left; only in a graph without such
    cuts along its length (NASNet's two-input cells), the cut that fewest edges cross.
    """
    ranks = len(place.row_top)
    ends = [place.row_top[r] + place.row_size[r] for r in range(ranks)]
    total = ends[-1]
    rising = all(a <= b for a, b in zip(ends, ends[1:]))
    narrow = [r for r in range(ranks - 1) if len(cuts[r]) <= 1]  # cuts between blocks
    narrow_ends = [ends[r] for r in narrow]
    marks = [0.0, *narrow_ends, total]
    if max(b - a for a, b in zip(marks, marks[1:])) > total / 2:
        narrow, narrow_ends = [], []  # no blocks to speak of (NASNet's cells take two inputs)
    starts = [0]
    for j in range(1, k):
        target = total * j / k
        window = total / k * 0.3
        best = None
        if narrow:  # the cut between blocks nearest the balanced place, however far
            first = bisect_left(narrow, starts[-1])
            if first == len(narrow):
                break  # every cut left runs through a block: fewer columns
            at = bisect_left(narrow_ends, target, first) if rising else first
            near = [q for q in (at - 1, at) if first <= q < len(narrow)] if rising else range(first, len(narrow))
            q = min(near, key=lambda q: (abs(narrow_ends[q] - target), q))
            best = (0.0, narrow[q] + 1)
        lo, hi = starts[-1], ranks - 1
        if rising:  # only the layers ending within the window can win: find them by bisection
            slack = 1e-9 * (abs(target) + window + 1.0)  # the exact test below decides
            lo = max(lo, bisect_left(ends, target - window - slack, lo, hi))
            hi = min(hi, bisect_right(ends, target + window + slack, lo, hi))
        for r in range(lo, hi) if best is None else ():
            if abs(ends[r] - target) > window:
                continue
            cost = len(cuts[r]) * window * 0.25 + abs(ends[r] - target)
            if best is None or cost < best[0]:
                best = (cost, r + 1)
        if best is None:
            r = min(range(starts[-1], ranks - 1), key=lambda q: abs(ends[q] - target), default=None)
            if r is None:
                break
            best = (0, r + 1)
        if best[1] > starts[-1]:
            starts.append(best[1])
    return starts


def _cut_edges(place: Placement) -> list[list[tuple[int, int, int]]]:
    """Per gap between layers r and r+1: (edge, its node at r, its node at r+1) for each edge crossing it."""
    out: list[list[tuple[int, int, int]]] = [[] for _ in place.row_top]
    for e, chain in enumerate(place.chains):
        if chain is None:
            continue
        for a, b in zip(chain, chain[1:]):
            lo, hi = (a, b) if place.rank[a] < place.rank[b] else (b, a)
            if place.rank[hi] == place.rank[lo] + 1:
                out[place.rank[lo]].append((e, lo, hi))
    return out


@dataclass(frozen=True)
class _Stubs:
    """What off-column connectors need: the edges crossing each cut and each edge's label widths."""

    crossing: list[list[tuple[int, int, int]]]
    widths: Callable[[int], tuple[float, float]]  # edge -> widths of its foot and head labels
    row: float


def _columns(place: Placement, k: int, cuts: list[set[int]], ext: list[tuple[float, float]],
             gutter: float, lane_gap: float, stubs: _Stubs | None = None) -> _Columns:
    starts = _choose_starts(place, k, cuts) if k > 1 else [0]
    bounds = starts[1:] + [len(place.row_top)]
    stubbed: dict[int, tuple[dict[int, int], dict[int, int]]] = {}
    if stubs is not None:
        for j, b in enumerate(bounds[:-1]):
            cross = stubs.crossing[b - 1]
            if len(cross) > MAX_LANES:  # rows chosen so that no stub runs through another's label
                foot = sorted(cross, key=lambda t: (-place.x[t[1]], t[0]))
                head = sorted(cross, key=lambda t: (place.x[t[2]], t[0]))
                stubbed[j] = ({t[0]: i for i, t in enumerate(foot)}, {t[0]: i for i, t in enumerate(head)})
    lanes = [{} if j in stubbed else {v: i for i, v in enumerate(sorted(cuts[b - 1], key=lambda v: place.x[v]))}
             for j, b in enumerate(bounds[:-1])]
    most = max((len(lane) for lane in lanes), default=0)
    top = (most + 1) * lane_gap if len(starts) > 1 else 0.0
    row = stubs.row if stubs is not None else 0.0
    if stubbed:
        top = max(top, max(len(h) + 1 for _, h in stubbed.values()) * row)
    spans = [(min(ext[r][0] for r in range(s, e)), max(ext[r][1] for r in range(s, e)))
             for s, e in zip(starts, bounds)]
    shift, ends, rights = [], [], []
    b = 0.0
    for j, (s, e) in enumerate(zip(starts, bounds)):
        lo, hi = spans[j]
        shift.append((b - lo, top - place.row_top[s]))
        ends.append(top + place.row_top[e - 1] + place.row_size[e - 1] - place.row_top[s])
        rights.append(b + hi - lo)
        extra = len(lanes[j]) * lane_gap if j < len(lanes) else 0.0
        if j in stubbed and stubs is not None:  # labels reaching past the column's side into the gutter
            cross = stubs.crossing[bounds[j] - 1]
            nxt = spans[j + 1][0]
            out_right = max(place.x[lo_] + 0.5 * row + stubs.widths(ed)[0] - hi for ed, lo_, _ in cross)
            out_left = max(stubs.widths(ed)[1] + 0.5 * row - (place.x[hi_] - nxt) for ed, _, hi_ in cross)
            extra = max(0.0, out_right) + max(0.0, out_left)
        b += hi - lo + gutter + extra
    depth = max(ends) + (top if len(starts) > 1 else 0.0)
    for j, (foot, _) in stubbed.items():
        depth = max(depth, ends[j] + (len(foot) + 1) * row)
    return _Columns(starts, shift, lanes, lane_gap, ends, rights, top, (rights[-1], depth), stubbed, row)


def _route_top(place: Placement, e: int, cols: _Columns) -> list[tuple[float, float]]:
    """An edge of the top level, shifted with its columns, running round between columns."""
    chain = place.chains[e]
    if chain is None or len(cols.starts) == 1:
        v = place.loops[e] if chain is None else chain[0]
        sb, sd = cols.shift[cols.column_of(place.rank[v])]
        return [(b + sb, d + sd) for b, d in place.route(e)]
    flipped = place.flipped[e]
    pts = place.route(e)
    nodes = chain
    if flipped:  # walk downwards, as the layers go
        pts, nodes = pts[::-1], chain[::-1]
    bands = _bands(place, pts, [place.rank[v] for v in nodes])
    out: list[tuple[float, float]] = []
    prev = 0
    for (b, d), r in zip(pts, bands):
        col = cols.column_of(r)
        sb, sd = cols.shift[col]
        if out and col != prev and prev in cols.stubs:  # off-column connector: two stubs and two labels
            foot, head = cols.stubs[prev]
            a = (out[-1][0], cols.ends[prev] + (foot[e] + 1) * cols.row)
            z = (b + sb, cols.top - (head[e] + 1) * cols.row)
            cols.stub_at[(e, prev)] = (a, z)
            out += [a, _BREAK, z]
        elif out and col != prev:
            out += _connector(cols, prev, out[-1], b + sb, _node_at(place, nodes, r - 1))
        out.append((b + sb, d + sd))
        prev = col
    return out[::-1] if flipped else out


def _bands(place: Placement, pts: list[tuple[float, float]], ranks: list[int]) -> list[int]:
    lo, hi = min(ranks), max(ranks)
    out = []
    for _, d in pts:
        r = lo
        while r < hi and d > place.row_top[r] + place.row_size[r] + 1e-6:
            r += 1
        out.append(r)
    return out


def _node_at(place: Placement, nodes: list[int], r: int) -> int:
    for v in nodes:
        if place.rank[v] == r:
            return v
    return nodes[0]


def _connector(cols: _Columns, col: int, start: tuple[float, float], to_b: float,
               src: int) -> list[tuple[float, float]]:
    """The lane from the foot of column ``col`` round to the head of the next one."""
    lane = cols.lanes[col].get(src, 0) + 1
    gap = cols.lane_gap
    below = cols.ends[col] + lane * gap
    side = cols.rights[col] + lane * gap
    above = cols.top - lane * gap
    return [(start[0], below), (side, below), (side, above), (to_b, above)]


# -- composing the scene -------------------------------------------------------------------

@dataclass
class _Out:
    """The scene being composed, in abstract units."""

    boxes: list[tuple[Node, float, float, float, float]] = field(default_factory=list)
    clusters: list[tuple[str, float, float, float, float, tuple[float, float]]] = field(default_factory=list)
    edges: list[tuple[str, str, list[tuple[float, float]]]] = field(default_factory=list)
    labels: list[tuple[float, float, str, str]] = field(default_factory=list)  # (b, d, text, ha): connectors


def _place_frame(ctx: _Ctx, frame: _Frame, origin: tuple[float, float], out: _Out,
                 offsets: dict[str | None, tuple[float, float]], cols: _Columns | None) -> None:
    """Boxes and cluster frames of one level, at absolute positions; recurses into clusters."""
    place = frame.place
    offsets[frame.cid] = origin
    for i, key in enumerate(frame.keys):
        if key.startswith("in:") or key.startswith("out:"):
            continue
        w, h = place.sizes[i]
        b0, d0 = place.x[i] - w / 2, place.top(i)
        if cols is not None:
            sb, sd = cols.shift[cols.column_of(place.rank[i])]
            b0, d0 = b0 + sb, d0 + sd
        b0, d0 = b0 + origin[0], d0 + origin[1]
        if key in frame.children:
            child = frame.children[key]
            out.clusters.append((key, b0, d0, w, h, (b0 + child.title_at[0], d0 + child.title_at[1])))
            _place_frame(ctx, child, (b0 + child.origin[0], d0 + child.origin[1]), out, offsets, None)
        else:
            out.boxes.append((ctx.view.nodes[key], b0, d0, w, h))


def _parallel(u: str, v: str, route: list[tuple[float, float]], count: int,
              gap: float) -> list[tuple[str, str, list[tuple[float, float]]]]:
    """``count`` copies of an edge side by side, ``gap`` apart across the flow: one per call
    of a shared layer or model that the target reads."""
    if count <= 1:
        return [(u, v, route)]
    return [(u, v, [(b + (k - (count - 1) / 2) * gap, d) for b, d in route]) for k in range(count)]


def _frames_by_id(frame: _Frame) -> dict[str | None, _Frame]:
    out = {frame.cid: frame}
    for child in frame.children.values():
        out.update(_frames_by_id(child))
    return out


def _piece(frame: _Frame, key: tuple, origin: tuple[float, float],
           cols: _Columns | None) -> list[tuple[float, float]]:
    e = frame.edge_index[key]
    pts = _route_top(frame.place, e, cols) if cols is not None else frame.place.route(e)
    return [(b + origin[0], d + origin[1]) for b, d in pts]


def _deep_route(ctx: _Ctx, frames: dict[str | None, _Frame], offsets: dict, u: str, v: str,
                cols: _Columns) -> list[tuple[float, float]]:
    """The whole polyline of a view edge: out of u's clusters, across, into v's."""
    pu, pv = ctx.path(u)[:-1], ctx.path(v)[:-1]
    common = 0
    while common < min(len(pu), len(pv)) and pu[common] == pv[common]:
        common += 1
    lca = pu[common - 1] if common else None
    pts: list[tuple[float, float]] = []
    for cid in reversed(pu[common:]):  # up and out of u's clusters
        frame = frames[cid]
        a = ctx.item_at(u, cid)
        pts += _piece(frame, (a, "out:" + u, u), offsets[cid], None)
        pts.append((pts[-1][0], offsets[cid][1] - frame.origin[1] + frame.size[1]))  # the frame's far side
    frame = frames[lca]
    a, b = ctx.item_at(u, lca), ctx.item_at(v, lca)
    key = _edge_key(a, b, u, frame.children)
    pts += _piece(frame, key, offsets[lca], cols if lca is None else None)
    for cid in pv[common:]:  # down into v's clusters
        pts += _piece(frames[cid], ("in:" + u, ctx.item_at(v, cid), u), offsets[cid], None)
    return dedupe_points(pts)


def legend_entries(view: View, options: BlockOptions) -> list[tuple[str, str]]:
    """The legend: (text, family) for each colour in use, then frozen and repeated groups."""
    present = {n.paint or n.family for n in view.nodes.values()}
    if view.clusters and any(c.kind == "repeat" for c in view.clusters.values()):
        present.add("group")
    entries = [(f, f) for f in FAMILIES if f in present]
    entries += [(k, k) for k in options.theme.extra_colors if k in present]  # a colouring's keys
    if options.show_trainable and any(n.frozen for n in view.nodes.values()):
        entries.append(("frozen", "frozen"))
    entries = [("repeated group" if f == "group" else text, f) for text, f in entries]
    kinds = set(view.edge_kinds.values())  # a dashed line each, after the colours
    return _merge_shared(entries, options.theme) + [(text, "edge:" + k) for k, text in ONE_SIDED_EDGES.items()
                                                      if k in kinds]


def _merge_shared(entries: list[tuple[str, str]], theme: "Theme") -> list[tuple[str, str]]:
    """One legend entry per fill (colour and pattern): families that share both (a theme with few
    colour classes and no pattern to tell them apart) are named together, ``dense / embedding``."""
    merged: dict[object, tuple[list[str], str]] = {}
    out: list[tuple[list[str], str]] = []
    for text, f in entries:
        key = "frozen" if f == "frozen" else (theme.color(f), theme.pattern(f))
        if key in merged:
            merged[key][0].append(text)
        else:
            merged[key] = ([text], f)
            out.append(merged[key])
    return [(" / ".join(texts), f) for texts, f in out]


def title_lines(graph: LayerGraph, view: View, options: BlockOptions) -> list[str]:
    """The title (the model's name unless given) and a line of totals; none for ``title=""``."""
    if options.title == "":
        return []
    title = display(options.title or graph.name, MAX_TITLE)  # a 300,000-character name is a title too
    if options.subtitle is not None:
        return [title, printable(options.subtitle)]
    count = sum(1 for _, layer in graph.walk() if layer.subgraph is None)
    sub = f"{graph.params_text()} ({graph.trainable_params:,} trainable) · {count} layers"
    members = sum(len(n.members) for n in view.nodes.values())
    if options.from_layer is not None or options.to_layer is not None:
        # a range: its own totals first, then the whole model's
        part = sum_params(n.params for n in view.nodes.values())
        return [title, f"{format_params(part)} params in the {members} layers drawn · "
                       f"whole model: {graph.params_text()}, {count} layers"]
    if len(view.nodes) < members or len(view.nodes) < len(graph.layers):
        sub += f" · {len(view.nodes)} blocks shown"
    return [title, sub]


@dataclass
class _Header:
    """Title, subtitle and legend above the drawing, in points (x, y)."""

    labels: list[Label]
    height: float
    width: float


def _header(lines: list[str], legend: list[tuple[str, str]], width: float, fs: float,
            title_size: float) -> _Header:
    labels: list[Label] = []
    y = 0.0
    widest = 0.0
    for i, line in enumerate(lines):
        size = title_size if i == 0 else fs
        h = LINE_SPACING * size
        labels.append(Label(0.0, y + h / 2, line, size, ha="left", role="title" if i == 0 else "subtitle"))
        widest = max(widest, text_size(line, size)[0] * (BOLD if i == 0 else 1.0))
        y += h
    if legend:
        y += 0.4 * fs
        x, row_h = 0.0, LINE_SPACING * fs * 1.2
        avail = max(width, widest, 300.0)
        for text, family in legend:
            w = LEGEND_SWATCH * fs + 0.4 * fs + text_size(text, fs)[0] + 1.2 * fs
            if x > 0 and x + w > avail:
                x, y = 0.0, y + row_h
            labels.append(Label(x + (LEGEND_SWATCH + 0.4) * fs, y + row_h / 2, text, fs, ha="left",
                                role=f"legend:{family}"))
            x += w
            widest = max(widest, x)
        y += row_h
    return _Header(labels, y + (0.8 * fs if labels else 0.0), widest)


def _xy(lr: bool, b: float, d: float) -> tuple[float, float]:
    return (d, b) if lr else (b, d)


def _box_xy(lr: bool, b: float, d: float, wb: float, wd: float) -> tuple[float, float, float, float]:
    return (d, b, wd, wb) if lr else (b, d, wb, wd)


@dataclass
class Composed:
    """A view laid out: the scene at natural size and whether it fits the page."""

    scene: Scene
    scale: float
    fits: bool
    level: str
    view: View


def fit_page(ctx: _Ctx, top: _Frame, header_for, options: BlockOptions) -> tuple[_Columns, float, _Header]:
    """Choose the columns and the scale: the largest text that fits the page, fewer columns on a tie."""
    place = top.place
    fs = ctx.fs
    cuts = _cut_sources(place)
    ext = _rank_extents(place)
    gutter, lane_gap = 2.0 * fs, 1.0 * fs  # parallel lanes at least the text size apart
    target = options.target
    margin = MARGIN * fs
    ranks = len(place.row_top)
    texts = _stub_texts(ctx, top)
    stubs = None if ctx.lr else _Stubs(_cut_edges(place), lambda e: tuple(text_size(t, fs)[0] for t in texts(e)),
                                       LINE_HEIGHT * fs)
    best = None
    for k in range(1, min(ranks, 16) + 1 if target else 2):
        cols = _columns(place, k, cuts, ext, gutter, lane_gap, stubs)
        bw, bh = _xy(ctx.lr, *cols.size)
        header = header_for(bw)
        w = max(bw, header.width) + 2 * margin
        h = bh + header.height + 2 * margin
        if target is None:
            scale = 1.0
        elif options.figsize is not None or options.width is not None:  # no turning the page
            scale = min(1.0, target[0] / w, target[1] / h)
        else:
            tw, th = target
            scale = min(1.0, max(min(tw / w, th / h), min(th / w, tw / h)))
        if best is None or scale > best[1] * 1.01:
            best = (cols, scale, header)
        if target is not None and len(cols.starts) < k:
            break
    assert best is not None
    return best


def _stub_texts(ctx: _Ctx, top: _Frame) -> Callable[[int], tuple[str, str]]:
    """The labels of a top-level edge's connector: ``▸ target`` at its foot, ``source ▸`` at its head
    (the graphviz engine's wording)."""
    keys = {e: key for key, e in top.edge_index.items()}
    view = ctx.view

    def texts(e: int) -> tuple[str, str]:
        a, b, via = keys[e]
        src = view.source_name(via if via is not None else a) if (via or a) in view.nodes else a
        dst = view.target_name(b) if b in view.nodes else view.clusters[b].title if b in view.clusters else b
        return ("▸ " + display(dst, _MAX_LINE), display(src, _MAX_LINE) + " ▸")
    return texts


def _split(route: list[tuple[float, float]]) -> list[list[tuple[float, float]]]:
    """A route cut at its connectors' breaks: the stubs on either side of each gutter."""
    pieces: list[list[tuple[float, float]]] = [[]]
    for p in route:
        if p == _BREAK:
            pieces.append([])
        else:
            pieces[-1].append(p)
    return pieces


Measure = Callable[[View, BlockOptions], "tuple[dict[str, tuple[str, ...]], dict[str, tuple[float, float]]]"]


def compose(graph: LayerGraph, view: View, level: str, options: BlockOptions,
            measure: Measure | None = None) -> Composed:
    """Lay out one view and build its scene (scaled to the page).

    ``measure`` gives each block's lines and (width, height) in another style's way (the volume
    style: a 3-D volume with its text beside it); the default is a block's text in a box.
    """
    theme = options.theme
    fs = theme.font_size
    lr = options.direction == "LR"
    if measure is not None:
        lines, extents = measure(view, options)
    else:
        lines = {nid: block_lines(n, options) for nid, n in view.nodes.items()}
        extents = {nid: block_size(lines[nid], _badge(n), fs) for nid, n in view.nodes.items()}
    sizes = {nid: (h, w) if lr else (w, h) for nid, (w, h) in extents.items()}
    legend = legend_entries(view, options)
    title = title_lines(graph, view, options)

    def header_for(width: float) -> _Header:
        return _header(title, legend, width, fs, theme.title_size)

    plan = None if lr else u_plan(view)
    if plan is not None:  # an encoder-decoder with nested skips: drawn as a U
        return _compose_u(graph, view, level, options, plan, sizes, lines, legend, header_for)
    ctx = _Ctx(view, options, sizes)
    top = frame_layout(ctx, None)
    cols, scale, header = fit_page(ctx, top, header_for, options)
    out = _Out()
    offsets: dict[str | None, tuple[float, float]] = {}
    _place_frame(ctx, top, (0.0, 0.0), out, offsets, cols)
    frames = _frames_by_id(top)
    for u, v in view.edges:
        route = _deep_route(ctx, frames, offsets, u, v, cols)
        for piece in _split(route):
            out.edges += _parallel(u, v, piece, view.calls_on_edge.get((u, v), 1), fs)
    texts = _stub_texts(ctx, top)
    for (e, _), (a, z) in sorted(cols.stub_at.items()):
        foot, head = texts(e)
        out.labels += [(a[0] + 0.3 * fs, a[1], foot, "left"), (z[0] - 0.3 * fs, z[1], head, "right")]
    scene = _scene(graph, view, options, out, header, cols, lines, legend)
    scene.meta["column"] = {nid: cols.column_of(top.place.rank[top.index[ctx.item_at(nid, None)]])
                            for nid in view.nodes}
    fits = scale * fs >= options.min_font_size - 1e-9
    final = _final_scale(options, scale, scene)
    return Composed(_scaled(scene, final, options), final, fits, level, view)


def _final_scale(options: BlockOptions, scale: float, scene: Scene) -> float:
    """The scale a composed scene is drawn at: the page's, but text no smaller than ``min_font_size``;
    a figsize's as it is; a width's exactly (taller than the page rather than smaller text)."""
    if options.figsize is not None:
        return scale
    if options.width is not None:
        return min(1.0, options.target[0] / scene.width)
    return max(scale, options.min_font_size / options.theme.font_size)


def _page_scale(options: BlockOptions, w: float, h: float) -> float:
    """The scale at which a drawing of ``w`` by ``h`` points fits the page (either way round)."""
    target = options.target
    if target is None:
        return 1.0
    if options.figsize is not None or options.width is not None:
        return min(1.0, target[0] / w, target[1] / h)
    tw, th = target
    return min(1.0, max(min(tw / w, th / h), min(th / w, tw / h)))


def _compose_u(graph: LayerGraph, view: View, level: str, options: BlockOptions, plan: UPlan,
               sizes: dict[str, tuple[float, float]], lines: dict[str, tuple[str, ...]],
               legend: list[tuple[str, str]], header_for) -> Composed:
    """A U-Net's scene: encoder down the left, decoder up the right, skips straight across."""
    fs = options.theme.font_size
    place, edges, size = u_layout(plan, sizes, gap=5.0 * fs, rank_sep=1.25 * fs)
    out = _Out()
    for nid, (x, y) in place.items():
        out.boxes.append((view.nodes[nid], x, y, *sizes[nid]))
    for u, v, pts in edges:
        out.edges += _parallel(u, v, pts, view.calls_on_edge.get((u, v), 1), fs)
    header = header_for(size[0])
    cols = _Columns([0, len(plan.left)], [], [], 0.0, [], [], 0.0, size)
    scene = _scene(graph, view, options, out, header, cols, lines, legend)
    right = set(plan.right)
    scene.meta["column"] = {nid: int(nid in right) for nid in view.nodes}
    scene.meta["u"] = [list(pair) for pair in plan.pairs]
    margin = MARGIN * fs
    scale = _page_scale(options, max(size[0], header.width) + 2 * margin, size[1] + header.height + 2 * margin)
    fits = scale * fs >= options.min_font_size - 1e-9
    final = _final_scale(options, scale, scene)
    return Composed(_scaled(scene, final, options), final, fits, level, view)


def _scene(graph: LayerGraph, view: View, options: BlockOptions, out: _Out, header: _Header, cols: _Columns,
           lines: dict[str, tuple[str, ...]], legend: list[tuple[str, str]]) -> Scene:
    lr = options.direction == "LR"
    fs = options.theme.font_size
    margin = MARGIN * fs
    bw, bh = _xy(lr, *cols.size)
    ox, oy = margin, margin + header.height
    boxes = []
    for node, b, d, wb, wd in out.boxes:
        x, y, w, h = _box_xy(lr, b, d, wb, wd)
        layer = node.layer.name if node.layer is not None and node.kind in ("layer", "model", "chain") else None
        boxes.append(Box(node.id, x + ox, y + oy, w, h, lines[node.id], node.paint or node.family, layer, node.frozen,
                         node.repeat, fs))
    clusters = []
    labels = [Label(lb.x + margin, lb.y + margin, lb.text, lb.size, lb.ha, lb.va, lb.role) for lb in header.labels]
    for cid, b, d, wb, wd, (tb, td) in out.clusters:
        x, y, w, h = _box_xy(lr, b, d, wb, wd)
        info = view.clusters[cid]
        clusters.append(Cluster(cid, x + ox, y + oy, w, h, info.caption, info.repeat))
        tx, ty = _xy(lr, tb, td)
        lh = LINE_HEIGHT * fs
        labels.append(Label(tx + ox, ty + oy + lh / 2, info.title, fs, ha="left", role="cluster"))
        if info.detail:
            labels.append(Label(tx + ox, ty + oy + 1.5 * lh, info.detail, fs, ha="left", role="cluster-detail"))
    edges = [Edge(tuple((x + ox, y + oy) for x, y in (_xy(lr, b, d) for b, d in pts)), u, v,
                  view.edge_kinds.get((u, v), "data")) for u, v, pts in out.edges]
    for b, d, text, ha in out.labels:
        x, y = _xy(lr, b, d)
        labels.append(Label(x + ox, y + oy, text, fs, ha=ha, role="connector"))
    width = max(bw, header.width) + 2 * margin
    height = bh + header.height + 2 * margin
    title = header.labels[0].text if header.labels and header.labels[0].role == "title" else ""
    meta = {"columns": len(cols.starts), "blocks": len(view.nodes)}
    return Scene(width, height, title, boxes, [], edges, labels, clusters, legend, meta)


def _scaled(scene: Scene, s: float, options: BlockOptions) -> Scene:
    """The scene with every length and font size multiplied by ``s`` (and centred in a figsize or width)."""
    dx = dy = 0.0
    width, height = scene.width * s, scene.height * s
    if options.figsize is not None:
        fw, fh = options.figsize[0] * 72.0, options.figsize[1] * 72.0
        dx, dy = max(0.0, (fw - width) / 2), max(0.0, (fh - height) / 2)
        width, height = fw, fh
    elif options.fixed_width is not None:  # exactly that wide: a narrower drawing is centred
        dx, width = max(0.0, (options.fixed_width - width) / 2), options.fixed_width

    def p(x: float, y: float) -> tuple[float, float]:
        return (x * s + dx, y * s + dy)

    boxes = [Box(b.id, *p(b.x, b.y), b.w * s, b.h * s, b.lines, b.family, b.layer, b.frozen, b.repeat,
                 b.font_size * s) for b in scene.boxes]
    clusters = [Cluster(c.id, *p(c.x, c.y), c.w * s, c.h * s, c.title, c.repeat) for c in scene.clusters]
    labels = [Label(*p(lb.x, lb.y), lb.text, lb.size * s, lb.ha, lb.va, lb.role, lb.rotation)
              for lb in scene.labels]
    edges = [Edge(tuple(p(x, y) for x, y in e.points), e.src, e.dst, e.kind, e.weight) for e in scene.edges]
    meta = dict(scene.meta, scale=s, font_size=options.theme.font_size * s)
    return Scene(width, height, scene.title, boxes, [], edges, labels, clusters, scene.legend, meta)


def to_width(scene: Scene, options: BlockOptions) -> Scene:
    """A scene laid out without regard to ``options.width`` (a layer tree's) drawn exactly that wide:
    shrunk to it when wider, centred in it when narrower."""
    width = options.fixed_width
    if width is None:
        return scene
    return _scaled(scene, min(1.0, width / scene.width), options)


def block_view(graph: LayerGraph, options: BlockOptions,
               paint: Callable[[View], View] | None = None, measure: Measure | None = None,
               annotate: Callable[[View], View] | None = None) -> tuple[View, Scene]:
    """The view drawn and its scene: the least folded view whose text fits the page.

    When folding repeats and chains is not enough, branching modules are folded,
    the biggest first, as few as it takes (a binary search over how many). ``paint``
    recolours every view tried (see :func:`candidate_views`), folded blocks included;
    ``measure`` sizes the blocks (see :func:`compose`). ``annotate`` (instead of ``paint``
    after folding) marks each folded view, once its groups are known: colours and captions
    by the sums of the layers a block or frame stands for.
    A fixed ``width`` that no folding fits top to bottom with text of ``min_font_size`` (a module
    whose branches side by side are too wide for it) is drawn left to right, wrapped into rows,
    when that fits; else that wide all the same, its text smaller.
    """
    view, scene = _block_view(graph, options, paint, measure, annotate)
    small = _smallest_text(scene)
    if options.fixed_width is None or options.direction == "LR" or small >= options.min_font_size - 1e-9:
        return view, scene
    from dataclasses import replace

    turned = _block_view(graph, replace(options, direction="LR"), paint, measure, annotate)
    return turned if _smallest_text(turned[1]) > small else (view, scene)


def _smallest_text(scene: Scene) -> float:
    return min([b.font_size for b in scene.boxes] + [lb.size for lb in scene.labels], default=float("inf"))


def _block_view(graph: LayerGraph, options: BlockOptions, paint: Callable[[View], View] | None,
                measure: Measure | None, annotate: Callable[[View], View] | None = None) -> tuple[View, Scene]:
    painted = annotate or paint or (lambda v: v)
    last = None
    for level, view in candidate_views(graph, options, paint=paint):
        last = compose(graph, painted(view), level, options, measure)
        if last.fits or options.target is None:
            return _done(last)
    assert last is not None
    if last.level == "full":
        return _done(last)
    base = last.view
    total = sum(1 for _ in _module_count(base))
    if not total:
        return _done(last)

    def attempt(k: int) -> Composed:
        return compose(graph, painted(fold_modules(base, k)), f"{last.level}+modules", options, measure)

    best = attempt(total)
    if not best.fits:
        return _done(best)
    lo, hi = 1, total  # the fewest folded modules that fit lies in [lo, hi]
    while lo < hi:
        mid = (lo + hi) // 2
        trial = attempt(mid)
        if trial.fits:
            best, hi = trial, mid
        else:
            lo = mid + 1
    return _done(best)


def choose_view(graph: LayerGraph, options: BlockOptions) -> View:
    """The view to draw; laid out (to see what fits the page) only when there is a choice."""
    views = candidate_views(graph, options)
    level, view = next(views)
    if level == "full":
        return view
    return block_view(graph, options)[0]


def _module_count(view: View) -> Iterator[list[str]]:
    from ..view import find_modules

    for cid in [None, *view.clusters]:
        yield from find_modules(view, cid)


def _done(composed: Composed) -> tuple[View, Scene]:
    composed.scene.meta["level"] = composed.level
    return composed.view, composed.scene


def layout_blocks(graph: LayerGraph, options: BlockOptions | None = None) -> Scene:
    """Lay out a block diagram of ``graph`` as a Scene in points.

    >>> import nnviz
    >>> g = nnviz.load({"name": "mlp", "input_shape": [4], "layers": [{"type": "Dense", "units": 3}]})
    >>> scene = layout_blocks(g)
    >>> [b.lines[0] for b in scene.boxes], len(scene.edges)
    (['input', 'dense'], 1)
    """
    return block_view(graph, options or BlockOptions())[1]
