"""The title, subtitle and legend above a block diagram: their text and where they go."""

from __future__ import annotations

import weakref
from dataclasses import dataclass

from ..graph import LayerGraph, format_params, sum_params
from ..theme import FAMILIES, Theme
from ..scene import ONE_SIDED_EDGES, Label
from ..view import View
from .layered import BlockOptions
from .metrics import LINE_SPACING, text_size
from ..text import display, printable
from .blocktext import BOLD, LEGEND_SWATCH, MAX_TITLE

__all__ = ["legend_entries", "title_lines", "Header", "place_header"]


def legend_entries(view: View, options: BlockOptions) -> list[tuple[str, str]]:
    """The legend: (text, family) for each colour in use, then frozen and repeated groups."""
    present = {n.paint or n.family for n in view.blocks.values()}
    if view.clusters and any(c.kind == "repeat" for c in view.clusters.values()):
        present.add("group")
    entries = [(f, f) for f in FAMILIES if f in present]
    entries += [(k, k) for k in options.theme.extra_colors if k in present]  # a colouring's keys
    if options.show_trainable and any(n.frozen for n in view.blocks.values()):
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
    count, params_text, trainable = _totals(graph)
    sub = f"{params_text} ({trainable:,} trainable) · {count} layers"
    members = sum(len(n.members) for n in view.blocks.values())
    if options.from_layer is not None or options.to_layer is not None:
        # a range: its own totals first, then the whole model's
        part = sum_params(n.params for n in view.blocks.values())
        return [title, f"{format_params(part)} params in the {members} layers drawn · "
                       f"whole model: {params_text}, {count} layers"]
    if len(view.blocks) < members or len(view.blocks) < len(graph.layers):
        sub += f" · {len(view.blocks)} blocks shown"
    return [title, sub]


# a graph's totals, summed once per graph rather than once per view tried (a walk of 50,000 layers
# each); graphs are immutable
_TOTALS: "weakref.WeakKeyDictionary[LayerGraph, tuple[int, str, int]]" = weakref.WeakKeyDictionary()


def _totals(graph: LayerGraph) -> tuple[int, str, int]:
    """The graph's layer count (nested ones included), parameter text and trainable parameters."""
    totals = _TOTALS.get(graph)
    if totals is None:
        count = sum(1 for _, layer in graph.walk() if layer.subgraph is None)
        totals = _TOTALS[graph] = (count, graph.params_text(), graph.trainable_params)
    return totals


@dataclass
class Header:
    """Title, subtitle and legend above the drawing, in points (x, y)."""

    labels: list[Label]
    height: float
    width: float


def place_header(lines: list[str], legend: list[tuple[str, str]], width: float, fs: float,
            title_size: float) -> Header:
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
    return Header(labels, y + (0.8 * fs if labels else 0.0), widest)
