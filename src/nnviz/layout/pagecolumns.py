"""The top level of a block drawing cut into columns (rows for ``LR``) and scaled to the page.

Cuts are chosen where few edges cross, as many columns as make the drawing's aspect nearest
the page's; an edge that crosses a cut runs round in a lane, or, where more than ``MAX_LANES``
cross it, becomes an off-column connector (``▸ target`` under its source's column,
``source ▸`` over its target's).
"""

from __future__ import annotations

import math
from bisect import bisect_left, bisect_right
from dataclasses import dataclass, field
from typing import Callable

from .layered import BlockOptions, Placement
from .metrics import text_size
from ..text import display
from .blocktext import LINE_HEIGHT, MARGIN, MAX_LINE
from .blockheader import Header
from .frames import Frame, FrameContext, xy

__all__ = ["Columns", "fit_page", "route_top", "stub_texts", "split_at_breaks", "MAX_LANES"]

MAX_LANES = 4         # a cut crossed by more edges gets off-column connectors ("▸ target", "source ▸")
_BREAK = (math.inf, math.inf)  # in a route: the gap between a connector's two stubs


@dataclass
class Columns:
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
             gutter: float, lane_gap: float, stubs: _Stubs | None = None) -> Columns:
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
    return Columns(starts, shift, lanes, lane_gap, ends, rights, top, (rights[-1], depth), stubbed, row)


def route_top(place: Placement, e: int, cols: Columns) -> list[tuple[float, float]]:
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


def _connector(cols: Columns, col: int, start: tuple[float, float], to_b: float,
               src: int) -> list[tuple[float, float]]:
    """The lane from the foot of column ``col`` round to the head of the next one."""
    lane = cols.lanes[col].get(src, 0) + 1
    gap = cols.lane_gap
    below = cols.ends[col] + lane * gap
    side = cols.rights[col] + lane * gap
    above = cols.top - lane * gap
    return [(start[0], below), (side, below), (side, above), (to_b, above)]


def fit_page(ctx: FrameContext, top: Frame, header_for, options: BlockOptions) -> tuple[Columns, float, Header]:
    """Choose the columns and the scale: the largest text that fits the page, fewer columns on a tie."""
    place = top.place
    fs = ctx.fs
    cuts = _cut_sources(place)
    ext = _rank_extents(place)
    gutter, lane_gap = 2.0 * fs, 1.0 * fs  # parallel lanes at least the text size apart
    target = options.target
    margin = MARGIN * fs
    ranks = len(place.row_top)
    texts = stub_texts(ctx, top)
    stubs = None if ctx.lr else _Stubs(_cut_edges(place), lambda e: tuple(text_size(t, fs)[0] for t in texts(e)),
                                       LINE_HEIGHT * fs)
    best = None
    for k in range(1, min(ranks, 16) + 1 if target else 2):
        cols = _columns(place, k, cuts, ext, gutter, lane_gap, stubs)
        bw, bh = xy(ctx.lr, *cols.size)
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


def stub_texts(ctx: FrameContext, top: Frame) -> Callable[[int], tuple[str, str]]:
    """The labels of a top-level edge's connector: ``▸ target`` at its foot, ``source ▸`` at its head
    (the graphviz engine's wording)."""
    keys = {e: key for key, e in top.edge_index.items()}
    view = ctx.view

    def texts(e: int) -> tuple[str, str]:
        a, b, via = keys[e]
        src = view.source_name(via if via is not None else a) if (via or a) in view.blocks else a
        dst = view.target_name(b) if b in view.blocks else view.clusters[b].title if b in view.clusters else b
        return ("▸ " + display(dst, MAX_LINE), display(src, MAX_LINE) + " ▸")
    return texts


def split_at_breaks(route: list[tuple[float, float]]) -> list[list[tuple[float, float]]]:
    """A route cut at its connectors' breaks: the stubs on either side of each gutter."""
    pieces: list[list[tuple[float, float]]] = [[]]
    for p in route:
        if p == _BREAK:
            pieces.append([])
        else:
            pieces[-1].append(p)
    return pieces
