"""A fitted node-style page written as a Scene: neurons, labels, links, lookup tables, frames, title and legend."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ...graph import Layer, format_params
from ...scene import Box, Cluster, ColorBar, Label, LegendPlace, LinkSet, Neuron, NodeColumn, Scene
from ...text import display
from ..metrics import text_size
from .nodeoptions import NodeOptions
from .columns import MAX_NAME, Column
from .pagefit import (MARGIN, CAPTION_GAP, COLORBAR_W, FRAME_LINE, FRAME_PAD, Page, caption_sizes,
                      lift_centre, column_extents, colorbar_label)

if TYPE_CHECKING:  # pragma: no cover
    import numpy

__all__ = ["emit", "finish", "lookup_grid", "DENSE_LINKS", "LOOKUP_ROWS", "LOOKUP_INDEX"]

DENSE_LINKS = 100_000  # more links between two layers (without weights) are drawn as a density image
_ALIGN = {("LR", "up"): ("right", "center"), ("LR", "down"): ("left", "center"),
          ("TB", "up"): ("center", "bottom"), ("TB", "down"): ("center", "top"),
          ("LR", "lift"): ("left", "bottom"), ("TB", "lift"): ("left", "top")}


class _Emitter:
    """Writes a fitted page into a Scene, in page coordinates (points, y down)."""

    def __init__(self, page: Page, options: NodeOptions) -> None:
        self.page = page
        self.d = options.direction
        self.scene = Scene(page.width, page.height)
        self.centre = page.caption_band + CAPTION_GAP + page.cross_len / 2
        self.tables: dict[int, float] = {}

    def at(self, flow: float, cross: float) -> tuple[float, float]:
        x0, y0 = self.page.origin
        return (x0 + flow, y0 + cross) if self.d == "LR" else (x0 + cross, y0 + flow)

    def label(self, flow: float, cross: float, text: str, side: str, role: str,
              size: float | None = None, rotate: bool = False) -> None:
        x, y = self.at(flow, cross)
        ha, va = _ALIGN[(self.d, side)]
        self.scene.labels.append(Label(x, y, text, size or self.page.sizes.font, ha, va, role,
                                       90.0 if rotate else 0.0))

    def column(self, i: int, col: Column, values: Any) -> list[tuple[float, float]]:
        """Neurons, labels, ellipsis and caption of one column; returns the neuron centres."""
        page, flow = self.page, self.page.flows[i]
        arr = page.arrangements[i]
        r = page.radius * (0.6 if col.passive else 1.0)
        side = "up" if i == 0 else "down"
        sign = -1 if side == "up" else 1
        points = []
        for k, index in enumerate(col.shown):
            cross = self.centre + (col.slot(k) - (col.slots - 1) / 2) * page.pitch
            x, y = self.at(flow, cross)
            points.append((x, y))
            value = None if values is None else float(values[k])
            self.scene.neurons.append(Neuron(f"{col.layer.name}/{index}", x, y, r, col.paint or col.role,
                                             col.layer.name, index, value))
            if arr.keep[k] and col.lift:
                self.label(flow + arr.offset, cross + lift_centre(0, self.d), col.labels[k], "lift", "neuron")
            elif arr.keep[k]:
                self.label(flow + sign * arr.offset, cross, col.labels[k], side, "neuron", rotate=arr.rotate)
        if col.head is not None:
            x, y = self.at(flow, self.centre)
            self.scene.labels.append(Label(x, y, "⋮" if self.d == "LR" else "⋯", page.sizes.ellipsis,
                                           "center", "center", "ellipsis"))
            if col.more:
                self.label(flow + sign * (arr.offset + arr.more_step), self.centre, col.more, side, "more")
        self.caption(flow, col)
        return points

    def lookup(self, i: int, columns: list[Column], src: "numpy.ndarray", dst: "numpy.ndarray") -> list[LinkSet]:
        """An Embedding: each token position goes into a table (one row each), one vector comes out.

        The table sits in the middle of the gap between the columns; its links are not a weighted
        all-to-all bundle, since an Embedding multiplies nothing.
        """
        import numpy as np

        page, prev, col = self.page, columns[i - 1], columns[i]
        lo = page.flows[i - 1] + column_extents(prev, page.arrangements[i - 1], i == 1)[1]
        hi = page.flows[i] - column_extents(col, page.arrangements[i], False)[0]
        f = page.sizes.font
        along = min(max(0.3 * (hi - lo), 1.6 * f), 3.5 * f)
        across = min(max(page.cross_len * 0.45, 3 * f), 9 * f)
        mid = (lo + hi) / 2
        (x0, y0), (x1, y1) = self.at(mid - along / 2, self.centre - across / 2), \
            self.at(mid + along / 2, self.centre + across / 2)
        box = _lookup_box(x0, y0, x1 - x0, y1 - y0, col.layer.name)
        self.tables[i] = mid - along / 2  # where the table starts along the flow (a frame holds it)
        self.scene.boxes.append(box)
        k = len(src)
        rows = (np.arange(k) + 0.5) / max(k, 1) * across - across / 2 + self.centre
        ends_in = np.array([self.at(mid - along / 2, r) for r in rows]).reshape(-1, 2)
        ends_out = np.tile(np.array(self.at(mid + along / 2, self.centre)), (len(dst), 1))
        into = np.stack([src, ends_in], axis=1) if k else np.zeros((0, 2, 2))
        out = np.stack([ends_out, dst], axis=1) if len(dst) else np.zeros((0, 2, 2))
        return [LinkSet(prev.layer.name, col.layer.name, into, "dropped", col.role),
                LinkSet(prev.layer.name, col.layer.name, out, "dropped", col.role)]

    def frames(self, columns: list[Column]) -> None:
        """A labelled frame around the columns of each nested model: its name and parameter total.

        A frame spans its first column's reach to its last one's (and an Embedding's table before
        it), widened for its title where the gaps beside it allow, and encloses the frames inside
        it; across the flow it runs from its title line (one per level of nesting, above the
        captions) to past the neurons.
        """
        levels = max(len(c.frames) for c in columns)
        if not levels:
            return
        page, f = self.page, self.page.sizes.font
        line = FRAME_LINE * f
        end = page.caption_band + CAPTION_GAP + page.cross_len
        spans: dict[int, list[tuple[Layer, int, int, float, float, str]]] = {}
        for level in range(levels - 1, -1, -1):  # the innermost first: an outer frame encloses them
            pad = FRAME_PAD * f * (levels - level)
            spans[level] = []
            for layer, a, b in _runs(columns, level):
                lo = page.flows[a] - max(column_extents(columns[a], page.arrangements[a], a == 0)[0],
                                         self._half_caption(columns[a])) - pad
                hi = page.flows[b] + max(column_extents(columns[b], page.arrangements[b], b == 0)[1],
                                         self._half_caption(columns[b])) + pad
                if a in self.tables:
                    lo = min(lo, self.tables[a] - pad)
                inner = [(x0, x1) for _, a2, b2, x0, x1, _ in spans.get(level + 1, []) if a <= a2 and b2 <= b]
                lo = min([lo] + [x0 - FRAME_PAD * f for x0, _ in inner])
                hi = max([hi] + [x1 + FRAME_PAD * f for _, x1 in inner])
                left = (page.flows[a - 1] + page.flows[a]) / 2 if a else lo
                right = (page.flows[b] + page.flows[b + 1]) / 2 if b + 1 < len(columns) else hi
                left, right = min(left, lo), max(right, hi)
                text = _frame_title(layer, right - left - 0.5 * f, f)
                need = text_size(text, f)[0] * 1.05 + 0.5 * f - (hi - lo)
                if need > 0:  # widen for the title, no further than half-way to the next columns
                    grow_lo = min(lo - left, max(need / 2, need - (right - hi)))
                    lo, hi = lo - grow_lo, min(right, hi + need - grow_lo)
                spans[level].append((layer, a, b, lo, hi, text))
        for level in range(levels):
            pad = FRAME_PAD * f * (levels - level)
            for layer, _, _, lo, hi, text in spans[level]:
                top, bottom = level * line, end + pad
                (x0, y0), (x1, y1) = self.at(lo, top), self.at(hi, bottom)
                self.scene.clusters.append(Cluster(f"frame/{layer.name}", min(x0, x1), min(y0, y1),
                                                   abs(x1 - x0), abs(y1 - y0), text))
                x, y = self.at((lo + hi) / 2, top + line / 2)
                self.scene.labels.append(Label(x, y, text, f, "center", "center", "frame",
                                               90.0 if self.d == "TB" else 0.0))

    def _half_caption(self, col: Column) -> float:
        w, h, _ = caption_sizes(col, self.page.sizes.font)
        return (w if self.d == "LR" else h) / 2

    def caption(self, flow: float, col: Column) -> None:
        f = self.page.sizes.font
        _, h, name_h = caption_sizes(col, f)
        if self.d == "LR":
            (x, y), ha = self.at(flow, self.page.frame_band), "center"
        else:
            (x, y), ha = self.at(flow - h / 2, self.page.caption_band), "right"
        self.scene.labels.append(Label(x, y, col.caption[0], f, ha, "top", "caption-name"))
        if col.caption[1]:
            self.scene.labels.append(Label(x, y + name_h + 2, col.caption[1], f, ha, "top", "caption"))


LOOKUP_ROWS = 5  # the table icon of an Embedding: rows drawn, and a narrow index column on its left
LOOKUP_INDEX = 0.3


def _lookup_box(x: float, y: float, w: float, h: float, layer: str) -> Box:
    return Box(f"lookup/{layer}", x, y, w, h, family="embedding", layer=layer)


def lookup_grid(box: Box) -> list[tuple[tuple[float, float], tuple[float, float]]]:
    """The inner lines of an Embedding's table icon: row rules, and the rule of its index column."""
    rows = [((box.x, box.y + box.h * k / LOOKUP_ROWS), (box.x + box.w, box.y + box.h * k / LOOKUP_ROWS))
            for k in range(1, LOOKUP_ROWS)]
    return rows + [((box.x + box.w * LOOKUP_INDEX, box.y), (box.x + box.w * LOOKUP_INDEX, box.y + box.h))]


def _links(prev: Column, col: Column, src: "numpy.ndarray", dst: "numpy.ndarray",
           weights: Any) -> LinkSet:
    """All-to-all links into a layer with neurons; one-to-one (unit j from unit j mod n) into one without."""
    import numpy as np

    if col.passive:
        where = {index: k for k, index in enumerate(prev.shown)}
        source = [(j // col.stride) % prev.n for j in col.shown]
        pairs = [(where[i], k) for k, i in enumerate(source) if i in where]
        a, b = (np.array(v, dtype=int) for v in zip(*pairs)) if pairs else (np.zeros(0, int),) * 2
        segments = np.stack([src[a], dst[b]], axis=1) if pairs else np.zeros((0, 2, 2))
        return LinkSet(prev.layer.name, col.layer.name, segments, "dropped", col.role)
    segments = np.stack([np.repeat(src, len(dst), axis=0), np.tile(dst, (len(src), 1))], axis=1)
    w = None if weights is None else np.asarray(weights, dtype=float).ravel()
    dense = w is None and len(segments) > DENSE_LINKS
    return LinkSet(prev.layer.name, col.layer.name, segments, "link", col.role, w, dense)


def _runs(columns: list[Column], level: int) -> list[tuple[Layer, int, int]]:
    """The nested models at one level of nesting, each with the first and last column it holds."""
    runs: list[tuple[Layer, int, int]] = []
    for i, col in enumerate(columns):
        if len(col.frames) <= level:
            continue
        layer = col.frames[level]
        if runs and runs[-1][0] is layer and runs[-1][2] == i - 1:
            runs[-1] = (layer, runs[-1][1], i)
        else:
            runs.append((layer, i, i))
    return runs


def _frame_title(layer: Layer, room: float, f: float) -> str:
    """``name · N params``; where that is longer than the frame, the name alone, cut to fit if it must."""
    name = display(layer.name, MAX_NAME)
    full = f"{name} · {format_params(layer.params)} params"
    if text_size(full, f)[0] * 1.05 <= room:
        return full
    while len(name) > 4 and text_size(name, f)[0] * 1.05 > room:
        name = display(layer.name, len(name) - 2)
    return name


def _weight_scale(weights: dict[int, tuple[Any, Any]]) -> float:
    """The largest |weight| or |bias| shown: the ends of the colour bar."""
    import numpy as np

    peaks = [float(np.abs(a).max()) for pair in weights.values() for a in pair if a is not None and a.size]
    return max(peaks + [0.0]) or 1.0


def emit(page: Page, options: NodeOptions, columns: list[Column], index: list[int],
          weights: dict[int, tuple[Any, Any]]) -> Scene:
    """The columns of one page (or row) as a Scene: neurons, labels, links, tables and frames.

    ``index`` maps each column to its place in the whole chain (the key of ``weights``).
    """
    import numpy as np

    out = _Emitter(page, options)
    points = [np.array(out.column(i, c, weights.get(index[i], (None, None))[1]), dtype=float).reshape(-1, 2)
              for i, c in enumerate(columns)]
    for i in range(1, len(columns)):
        if columns[i].lookup:
            out.scene.links.extend(out.lookup(i, columns, points[i - 1], points[i]))
            continue
        out.scene.links.append(_links(columns[i - 1], columns[i], points[i - 1], points[i],
                                      weights.get(index[i], (None, None))[0]))
    out.frames(columns)
    return out.scene


def finish(scene: Scene, page: Page, columns: list[Column], title: str, legend: list[tuple[str, str]],
            weights: dict[int, tuple[Any, Any]], options: NodeOptions) -> Scene:
    """Title, legend and colour bar, and how the page was fitted (the scene's node-style fields)."""
    f = page.sizes.font
    scene.title = title
    if title:
        scene.labels.append(Label(page.width / 2, MARGIN, title, page.sizes.title, "center", "top", "title"))
    scene.legend = legend
    top = page.height - MARGIN - page.bottom_h + 10
    scene.font_size, scene.font_scale, scene.fits = f, page.sizes.font / options.theme.font_size, page.fits
    scene.legend_place = LegendPlace(page.width / 2, top, tuple(tuple(row) for row in page.legend_rows), f)
    scene.colorbar = None
    scene.node_columns = tuple(NodeColumn(c.layer.name, c.role, c.n, len(c.shown)) for c in columns)
    dense = [s for s in scene.links if s.dense]
    if dense:  # say what the density images stand for, on a line of its own at the foot
        n = sum(len(s) for s in dense)
        bundles = "one bundle" if len(dense) == 1 else f"{len(dense)} bundles"
        scene.labels.append(Label(page.width / 2, page.height - MARGIN / 2, f"{n:,} links ({bundles} of more than "
                                  f"{DENSE_LINKS:,}) drawn as density: the darker, the more links", f,
                                  "center", "top", "note"))
        scene.height = page.height + 1.2 * f
    if weights:
        text, text_w = colorbar_label(f)
        y = top + len(page.legend_rows) * 1.6 * f + 12
        x = (page.width - (text_w + 8 + COLORBAR_W)) / 2 + text_w + 8
        scene.labels.append(Label(x - 8, y + 4, text, f, "right", "center", "colorbar"))
        scene.colorbar = ColorBar(x, y, COLORBAR_W, 8.0, options.weight_scale or _weight_scale(weights), 0.9 * f)
    return scene
