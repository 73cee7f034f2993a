"""Frames: each cluster of a block view (an opened nested model, one copy of a repeat) laid out
on its own in layers, then placed in its parent as one big node with a port per tensor that
enters or leaves it. Lengths are in abstract (breadth, depth) units; :func:`xy` turns them into
(x, y) for the direction.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterator

from ..view import ClusterInfo, View
from .layered import BlockOptions, Placement, layered_layout
from .metrics import text_size
from .blocktext import LINE_HEIGHT, BOLD

__all__ = ["Frame", "FrameContext", "frame_layout", "edge_key", "xy", "box_xy"]


@dataclass
class Frame:
    """A laid-out cluster (or the whole drawing, ``cid`` None), in abstract (breadth, depth) units."""

    cid: str | None
    place: Placement
    keys: list[str]
    index: dict[str, int]
    edge_index: dict[tuple, int]
    children: dict[str, "Frame"]
    size: tuple[float, float] = (0.0, 0.0)
    origin: tuple[float, float] = (0.0, 0.0)  # of the content within the frame
    title_at: tuple[float, float] = (0.0, 0.0)
    entry: dict[str, int] = field(default_factory=dict)  # deep source -> port node
    exit: dict[str, int] = field(default_factory=dict)
    detail: tuple[str, ...] = ()  # the caption's lines under the title (the cluster's detail, wrapped)

    def port_offset(self, port: int) -> float:
        """Breadth, from the frame's centre, where the edge of a port crosses the frame."""
        return self.origin[0] + self.place.x[port] - self.size[0] / 2


class FrameContext:
    """What every level of the frame layout shares: the view, sizes and spacing."""

    def __init__(self, view: View, options: BlockOptions, sizes: dict[str, tuple[float, float]]) -> None:
        self.view = view
        self.options = options
        self.lr = options.direction == "LR"
        self.fs = options.theme.font_size
        self.sizes = sizes  # node id -> (breadth, depth)
        self.paths = {nid: [*reversed(view.cluster_chain(nid)), nid] for nid in view.blocks}
        # per level (cluster id, None for the top): the nodes inside it and the edges touching it,
        # in view order, so that laying out every level costs what its own items cost
        self.members: dict[str | None, list[str]] = {None: list(view.blocks)}
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


def _level_edges(ctx: FrameContext, cid: str | None) -> Iterator[tuple[str, str, str, str]]:
    """The edges of level ``cid`` as (from item, to item, deep source, deep target)."""
    for u, v in ctx.level_edges.get(cid, ()):
        a, b = ctx.item_at(u, cid), ctx.item_at(v, cid)
        if a is None and b is None:
            continue
        if a is not None and a == b and a in ctx.view.clusters:
            continue  # inside one child cluster: its own layout draws it
        yield ("in:" + u if a is None else a), ("out:" + u if b is None else b), u, v


def edge_key(a: str, b: str, u: str, frames: dict[str, Frame]) -> tuple:
    via = u if (a in frames or b in frames or a.startswith("in:") or b.startswith("out:")) else None
    return (a, b, via)


def frame_layout(ctx: FrameContext, cid: str | None) -> Frame:
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
        key = edge_key(a, b, u, children)
        if key in edge_index:
            continue
        out_off = children[a].port_offset(children[a].exit[u]) if a in children else None
        in_off = children[b].port_offset(children[b].entry[u]) if b in children else None
        edge_index[key] = len(specs)
        specs.append((index[a], index[b], out_off, in_off))
    first = [index[k] for k in keys if k.startswith("in:")]
    last = [index[k] for k in keys if k.startswith("out:")]
    place = layered_layout(sizes, specs, first=first, last=last, **ctx.spacing)
    frame = Frame(cid, place, keys, index, edge_index, children)
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


def wrap_detail(detail: str, limit: float, fs: float) -> tuple[str, ...]:
    """A frame's detail line cut into lines no wider than ``limit`` where it can be: between its
    parts (``111,360 params · 113 M MACs (80 %)``, ``Sequential, 2 layers, 18,816 params``), the dot
    dropped and the comma kept at a break; a part is never cut.

    >>> wrap_detail("111,360 params · 113 M MACs (80 %)", 80.0, 8.0)
    ('111,360 params', '113 M MACs (80 %)')
    >>> wrap_detail("Sequential, 2 layers, 18,816 params", 100.0, 8.0)
    ('Sequential, 2 layers,', '18,816 params')
    """
    tokens: list[tuple[str, str]] = []  # (text, separator before it)
    for i, chunk in enumerate(detail.split(" · ")):
        for j, text in enumerate(chunk.split(", ")):
            tokens.append((text, "" if i == j == 0 else (", " if j else " · ")))
    lines: list[str] = []
    line = tokens[0][0]
    for text, sep in tokens[1:]:
        joined = line + sep + text
        if text_size(joined, fs)[0] <= limit:
            line = joined
        else:
            lines.append(line + sep.strip(" ·"))
            line = text
    return (*lines, line)


def _caption(ports: list[float], width: float, title_w: float, detail: str, fs: float,
             gap: float) -> tuple[float, tuple[str, ...]]:
    """Where the caption starts and its detail lines. It sits left or right of the edges entering
    the frame, never across one; where beside them it would make the frame wider than both its
    content and its caption, its detail wraps onto more lines when that keeps the frame narrower."""
    lines = (detail,) if detail else ()

    def tw(lines: tuple[str, ...]) -> float:
        return max([title_w, *(text_size(t, fs)[0] for t in lines)])

    start = _title_spot(ports, width, tw(lines), gap)
    if not detail or start + tw(lines) <= max(width, tw(lines)):
        return start, lines
    best = (max(width, start + tw(lines)), 1, start, lines)
    limits = {text_size(t, fs)[0] for t in wrap_detail(detail, 0.0, fs)}
    for limit in sorted(limits):
        wrapped = wrap_detail(detail, limit, fs)
        at = _title_spot(ports, width, tw(wrapped), gap)
        best = min(best, (max(width, at + tw(wrapped)), len(wrapped), at, wrapped))
    return best[2], best[3]


def _frame_box(ctx: FrameContext, frame: Frame, info: ClusterInfo) -> None:
    """Padding and a caption band (a bold title over its detail lines) round a cluster's content;
    in a top-to-bottom drawing the caption sits beside the edges entering, which run straight down."""
    fs = ctx.fs
    pad = 0.8 * fs
    title_w = text_size(info.title, fs)[0] * BOLD
    cb, cd = frame.place.size
    if ctx.lr:  # the title sits above the content, across the breadth
        tw = max(title_w, text_size(info.detail, fs)[0])
        band = 2 * LINE_HEIGHT * fs + 0.4 * fs
        frame.detail = (info.detail,) if info.detail else ()
        frame.origin = (pad + band, pad)
        frame.size = (cb + 2 * pad + band, max(cd, tw) + 2 * pad)
        frame.title_at = (pad, pad)  # (breadth start, depth start)
        return
    start, frame.detail = _caption([frame.place.x[p] for p in frame.entry.values()], cb, title_w, info.detail,
                                   fs, 0.5 * fs)
    tw = max([title_w, *(text_size(t, fs)[0] for t in frame.detail)])
    band = (1 + max(1, len(frame.detail))) * LINE_HEIGHT * fs + 0.4 * fs
    cb = max(cb, start + tw)
    frame.origin = (pad, pad + band)
    frame.size = (cb + 2 * pad, cd + 2 * pad + band)
    frame.title_at = (pad + start, pad)


def xy(lr: bool, b: float, d: float) -> tuple[float, float]:
    return (d, b) if lr else (b, d)


def box_xy(lr: bool, b: float, d: float, wb: float, wd: float) -> tuple[float, float, float, float]:
    return (d, b, wd, wb) if lr else (b, d, wb, wd)
