"""The layer tree of a file that stores no graph, as nested boxes without arrows.

A layer with sublayers is a frame holding them; a layer without is a block; copies of a
sibling (``decoder_block_0`` … ``decoder_block_17``) are drawn once, marked "×18", with
their parameter total. Siblings flow left to right and wrap into rows, so a wide layer does
not make a strip. A note under the title says the file stores no graph.

>>> from nnviz.graph import Layer, LayerGraph
>>> inner = LayerGraph("b", [Layer("dense", "Dense", params=6)], [], [], [])
>>> g = LayerGraph("m", [Layer(f"block_{i}", "Block", params=6, subgraph=inner) for i in range(3)], [], [], [],
...                has_graph=False)
>>> s = tree_scene(g, BlockOptions())
>>> [c.title for c in s.clusters], [b.lines[0] for b in s.boxes], s.edges
(['block_0 … block_2 ×3 · Block · 18 params'], ['dense'], [])
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Mapping

from ..graph import Layer, LayerGraph
from ..theme import family_of
from ..scene import Box, Cluster, Label, Scene
from .blocktext import MARGIN, block_size
from .layered import BlockOptions
from .metrics import text_size

__all__ = ["tree_scene", "MAX_ROW"]

MAX_ROW = 620.0      # points: a row of siblings wraps past this width
GAP = 10.0           # points between siblings
FRAME_PAD = 8.0      # points inside a frame
MAX_DEPTH = 6        # frames deeper than this are drawn as blocks


@dataclass(frozen=True)
class _Paint:
    """What a colouring says of the tree's layers, by path (``block/dense``): a colour key (drawn
    as ``Box.family``) and a line of note; siblings fold only when all their layers agree."""

    key: Mapping[str, str]
    note: Mapping[str, str]

    def signature(self, layer: Layer, path: str) -> tuple:
        own = (self.key.get(path), self.note.get(path))
        if layer.subgraph is None:
            return own
        return own, tuple(self.signature(x, f"{path}/{x.name}") for x in layer.subgraph.layers)


@dataclass
class _Item:
    w: float
    h: float
    boxes: list = field(default_factory=list)      # (Box, dx, dy) relative to the item
    clusters: list = field(default_factory=list)   # (Cluster, dx, dy)
    labels: list = field(default_factory=list)     # (Label, dx, dy)


def _params(n: int) -> str:
    return f"{n:,} params"


def _name(first: Layer, count: int, last: Layer) -> str:
    return first.name if count == 1 else f"{first.name} … {last.name}"


def _block(first: Layer, count: int, last: Layer, fs: float, path: str = "", paint: _Paint | None = None) -> _Item:
    lines = (_name(first, count, last), first.type,
             _params(first.params) if count == 1 or not first.params else f"{count} × {first.params:,} params")
    family = family_of(first.type)
    if paint is not None:
        family = paint.key.get(path, family)
        if path in paint.note:
            lines = (*lines[:2], paint.note[path], *lines[2:])
    badge = f"×{count}" if count > 1 else ""
    w, h = block_size(lines, badge, fs)
    box = Box(id=first.name, x=0, y=0, w=w, h=h, lines=lines, family=family, layer=first.name,
              repeat=count, font_size=fs)
    return _Item(w, h, boxes=[(box, 0.0, 0.0)])


def _flow(items: list[_Item], max_row: float) -> _Item:
    """Items left to right, wrapping into rows no wider than ``max_row``."""
    out = _Item(0.0, 0.0)
    x = y = row_h = 0.0
    for it in items:
        if x > 0 and x + it.w > max_row:
            x, y, row_h = 0.0, y + row_h + GAP, 0.0
        for kind in ("boxes", "clusters", "labels"):
            getattr(out, kind).extend((obj, dx + x, dy + y) for obj, dx, dy in getattr(it, kind))
        out.w = max(out.w, x + it.w)
        row_h = max(row_h, it.h)
        x += it.w + GAP
    out.h = y + row_h
    return out


def _frame(first: Layer, count: int, last: Layer, fs: float, depth: int, path: str = "",
           paint: _Paint | None = None) -> _Item:
    assert first.subgraph is not None
    inner = _level(first.subgraph, fs, depth + 1, path + "/", paint)
    title = f"{_name(first, count, last)}{f' ×{count}' if count > 1 else ''} · {first.type} · " \
            f"{_params(first.params * count)}"
    if paint is not None and path in paint.note:
        title += f" · {paint.note[path]}"
    tw, th = text_size(title, fs)
    top = th + FRAME_PAD * 1.2
    w = max(inner.w, tw * 1.1) + 2 * FRAME_PAD
    h = inner.h + top + FRAME_PAD
    out = _Item(w, h)
    out.clusters.append((Cluster(id=f"frame-{first.name}-{depth}", x=0, y=0, w=w, h=h, title=title,
                                 repeat=count), 0.0, 0.0))
    out.labels.append((Label(FRAME_PAD, FRAME_PAD * 0.6 + th / 2, title, size=fs, ha="left", role="cluster"),
                       0.0, 0.0))
    for kind in ("boxes", "clusters", "labels"):
        getattr(out, kind).extend((obj, dx + FRAME_PAD, dy + top) for obj, dx, dy in getattr(inner, kind))
    return out


def _runs(layers: tuple[Layer, ...], prefix: str, paint: _Paint | None) -> list[tuple[Layer, int, Layer]]:
    """Siblings folded as copies (``layertree.fold_siblings``), split where the colouring tells them apart."""
    from ..layertree import fold_siblings

    runs = fold_siblings(layers)
    if paint is None:
        return runs
    out: list[tuple[Layer, int, Layer]] = []
    i = 0
    for _, count, _ in runs:
        start, previous = len(out), None  # a run of copies may split, never join another
        for layer in layers[i:i + count]:
            sig = paint.signature(layer, prefix + layer.name)
            if len(out) > start and sig == previous:
                first, n, _ = out[-1]
                out[-1] = (first, n + 1, layer)
            else:
                out.append((layer, 1, layer))
            previous = sig
        i += count
    return out


def _level(graph: LayerGraph, fs: float, depth: int, prefix: str = "", paint: _Paint | None = None) -> _Item:
    items = []
    for first, count, last in _runs(graph.layers, prefix, paint):
        if first.subgraph is not None and depth < MAX_DEPTH:
            items.append(_frame(first, count, last, fs, depth, prefix + first.name, paint))
        else:
            items.append(_block(first, count, last, fs, prefix + first.name, paint))
    return _flow(items, MAX_ROW * (0.85 ** depth))


def tree_scene(graph: LayerGraph, options: BlockOptions, *, key: Mapping[str, str] | None = None,
               note: Mapping[str, str] | None = None) -> Scene:
    """The Scene of a layer tree: frames and blocks, no edges, a note that there is no graph.

    ``key`` and ``note`` (layer paths, ``block/dense``, to a colour key and a line of text) are a
    colouring's: blocks are drawn in their key's colour (``options.theme``), with a legend of the
    keys of ``theme.extra_colors`` in use; copies fold only when all their layers agree.
    """
    from ..readers.tree import NO_GRAPH_NOTE
    from .blockheader import place_header

    paint = None if key is None and note is None else _Paint(key or {}, note or {})
    fs = max(8.0, options.min_font_size)
    body = _level(graph, fs, 0, "", paint)
    margin = MARGIN * fs
    title = options.title or graph.name
    sub = f"{graph.total_params:,} params" + (f" · {graph.model_class}" if graph.model_class else "")
    sub = sub if options.subtitle is None else options.subtitle
    no_graph = NO_GRAPH_NOTE
    title_h = fs * 2.0 + 2 * fs * 1.4
    present = {box.family for box, _, _ in body.boxes}
    legend = [(k, k) for k in options.theme.extra_colors if k in present] if paint is not None else []
    header = place_header([], legend, body.w, fs, fs) if legend else None
    if header is not None:
        title_h += header.height
    width = max(body.w, text_size(no_graph, fs)[0] * 1.05, text_size(title, fs * 1.6)[0],
                text_size(sub, fs)[0] * 1.05 if options.subtitle is not None else 0.0,
                header.width if header else 0.0) + 2 * margin
    height = body.h + title_h + 2 * margin + 6.0  # the cards behind a repeat stick out below
    scene = Scene(width=width, height=height, title=title)
    scene.labels.append(Label(margin, margin + fs * 0.8, title, size=fs * 1.6, ha="left", role="title"))
    scene.labels.append(Label(margin, margin + fs * 2.4, sub, size=fs, ha="left", role="subtitle"))
    scene.labels.append(Label(margin, margin + fs * 3.8, no_graph, size=fs, ha="left", role="note"))
    for lb in header.labels if header is not None else ():
        scene.labels.append(Label(margin + lb.x, margin + fs * 4.6 + lb.y, lb.text, size=lb.size, ha=lb.ha,
                                  va=lb.va, role=lb.role))
    top = margin + title_h
    for box, dx, dy in body.boxes:
        scene.boxes.append(Box(id=f"{box.id}-{len(scene.boxes)}", x=dx + margin, y=dy + top, w=box.w, h=box.h,
                               lines=box.lines, family=box.family, layer=box.layer, repeat=box.repeat,
                               font_size=box.font_size))
    for c, dx, dy in body.clusters:
        scene.clusters.append(Cluster(id=c.id, x=dx + margin, y=dy + top, w=c.w, h=c.h, title=c.title,
                                      repeat=c.repeat))
    for lb, dx, dy in body.labels:
        scene.labels.append(Label(lb.x + dx + margin, lb.y + dy + top, lb.text, size=lb.size, ha=lb.ha,
                                  va=lb.va, role=lb.role))
    scene.has_graph = False
    scene.level = "tree"
    return scene
