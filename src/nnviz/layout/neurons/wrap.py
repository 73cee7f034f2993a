"""A node-style drawing larger than the page wrapped into rows (``LR``; side by side for ``TB``)."""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import Any

from ...options import PAGES
from ...scene import LinkSet, Scene
from ..metrics import text_size
from .nodeoptions import NodeOptions
from .columns import Column
from .pagefit import (MARGIN, COLORBAR_W, ROW_GAP, MIN_FONT, SCALES, Sizes, Page, place_legend_rows,
                      legend_entry_width, colorbar_label, bottom_height, fit_columns)
from .emitter import emit, finish

__all__ = ["wrap_rows", "on_page"]


def on_page(width: float, height: float, options: NodeOptions) -> bool:
    """Whether a drawing of this size fits the options' page, upright or turned (landscape)."""
    pw, ph = PAGES[options.page]
    return (width <= pw + 0.01 and height <= ph + 0.01) or (width <= ph + 0.01 and height <= pw + 0.01)


def _overflow(width: float, height: float, options: NodeOptions) -> float:
    """How many times too big for the page the drawing is, in its better orientation (<= 1: fits)."""
    pw, ph = PAGES[options.page]
    return min(max(width / pw, height / ph), max(width / ph, height / pw))


def _ghost(col: Column) -> Column:
    """The previous row's last column, repeated at the start of a row so that its links can be drawn."""
    return replace(col, labels=[""] * len(col.labels), caption=(f"↪ {col.caption[0]}", "(continued)"),
                   more="", lift=False, lookup=False, ghost=True)


def _rows(columns: list[Column], n_rows: int) -> list[tuple[list[Column], list[int]]]:
    """Split the chain into ``n_rows`` rows of about equal length; each row after the first starts
    with a ghost of the column before it. Returns (columns, their index in the chain) per row."""
    per = math.ceil(len(columns) / n_rows)
    rows = []
    for start in range(0, len(columns), per):
        idx = list(range(start, min(start + per, len(columns))))
        if start:
            rows.append(([_ghost(columns[start - 1])] + [columns[i] for i in idx], [start - 1] + idx))
        else:
            rows.append(([columns[i] for i in idx], idx))
    return rows


@dataclass
class _Wrapped:
    """A page of several rows (``LR``; side by side for ``TB``), each fitted on its own."""

    options: NodeOptions
    columns: list[Column]
    title: str
    legend: list[tuple[str, str]]
    rows: list[tuple[list[Column], list[int]]]
    pages: list[Page]
    page: Page  # the whole page: its size, fonts, legend rows and foot

    def draw(self, weights: dict[int, tuple[Any, Any]]) -> Scene:
        scene = Scene(self.page.width, self.page.height)
        d, f = self.options.direction, self.page.sizes.font
        cursor = MARGIN + _top_height(self.title, self.page.sizes)
        if d == "TB":
            cursor = MARGIN
        for (cols, index), page in zip(self.rows, self.pages):
            part = emit(page, self.options, cols, index, weights)
            core_w, core_h = _core_size(page)
            if d == "LR":
                _shift_into(scene, part, 0.0, cursor - MARGIN)
                cursor += core_h + ROW_GAP * f
            else:
                _shift_into(scene, part, cursor - MARGIN, _top_height(self.title, self.page.sizes))
                cursor += core_w + ROW_GAP * f
        scene.rows = len(self.rows)
        return finish(scene, self.page, self.columns, self.title, self.legend, weights, self.options)


def _top_height(title: str, sizes: Sizes) -> float:
    return (sizes.title + 10) if title else 0.0


def _core_size(page: Page) -> tuple[float, float]:
    """The size of a row page without its margins and foot (it has no title)."""
    return page.width - 2 * MARGIN, page.height - 2 * MARGIN - page.bottom_h


def _shift_into(scene: Scene, part: Scene, dx: float, dy: float) -> None:
    """Move everything of ``part`` by (dx, dy) into ``scene``."""
    scene.neurons.extend(replace(n, x=n.x + dx, y=n.y + dy) for n in part.neurons)
    scene.labels.extend(replace(lb, x=lb.x + dx, y=lb.y + dy) for lb in part.labels)
    scene.boxes.extend(replace(b, x=b.x + dx, y=b.y + dy) for b in part.boxes)
    scene.clusters.extend(replace(c, x=c.x + dx, y=c.y + dy) for c in part.clusters)
    for ls in part.links:
        scene.links.append(LinkSet(ls.src, ls.dst, ls.segments + (dx, dy), ls.kind, ls.role, ls.weights, ls.dense))


def wrap_rows(columns: list[Column], options: NodeOptions, title: str, legend: list[tuple[str, str]],
          has_colorbar: bool) -> _Wrapped | None:
    """The first wrapping that fits the page: the largest text (not under 6 pt), then the roomiest
    pitch, then the fewest rows; else the one that comes closest. ``None`` for a single column."""
    if len(columns) < 2:
        return None
    best: tuple[float, _Wrapped] | None = None
    base = options.theme.font_size
    scales = [s for s in SCALES if base * s >= MIN_FONT - 1e-9] or [SCALES[0]]
    for scale in scales:
        f = base * scale
        for cap in (None, 2.2 * f, 1.8 * f):
            for n_rows in range(1, len(columns) // 2 + 1):
                wrapped = _wrapped(columns, options, title, legend, has_colorbar, scale, cap, n_rows)
                over = _overflow(wrapped.page.width, wrapped.page.height, options)
                if over <= 1.0:
                    return wrapped
                if best is None or over < best[0] - 1e-9:
                    best = (over, wrapped)
    return None if best is None else best[1]


def _wrapped(columns: list[Column], options: NodeOptions, title: str, legend: list[tuple[str, str]],
             has_colorbar: bool, scale: float, cap: float | None, n_rows: int) -> _Wrapped:
    rows = _rows(columns, n_rows)
    pages = [fit_columns(cols, options, "", [], False, scale, pitch_cap=cap) for cols, _ in rows]
    sizes = pages[0].sizes
    f = sizes.font
    gap = ROW_GAP * f * (len(rows) - 1)
    cores = [_core_size(p) for p in pages]
    top_h = _top_height(title, sizes)
    others_w = max([text_size(title, sizes.title)[0] * 1.05 if title else 0.0,
                    colorbar_label(f)[1] + 8 + COLORBAR_W + 15 if has_colorbar else 0.0]
                   + [legend_entry_width(t, f) for t, _ in legend])
    if options.direction == "LR":
        inner_w, inner_h = max(w for w, _ in cores), sum(h for _, h in cores) + gap
    else:
        inner_w, inner_h = sum(w for w, _ in cores) + gap, max(h for _, h in cores)
    width = 2 * MARGIN + max(inner_w, others_w)
    legend_rows = place_legend_rows(legend, f, width - 2 * MARGIN)
    bottom_h = bottom_height(len(legend_rows), f, has_colorbar)
    height = 2 * MARGIN + top_h + inner_h + bottom_h
    page = replace(pages[0], width=width, height=height, bottom_h=bottom_h, legend_rows=legend_rows)
    return _Wrapped(options, columns, title, legend, rows, pages, page)
