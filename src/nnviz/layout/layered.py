"""Layered (Sugiyama-style) layout of a directed graph, and the block style's options.

The classic four stages, each a small function, all near-linear in the size of
the graph (nodes plus the dummy nodes that long edges pass through):

1. **cycles**: edges that close a cycle (a shared layer calling itself) are reversed;
2. **layering**: longest path from the sources, sources then pulled down next to
   their first consumer (an extra input joins where it is used);
3. **ordering**: nodes ordered in each layer by a depth-first walk, then a few
   barycenter sweeps down and up, keeping the order with the fewest crossings;
4. **coordinates**: Brandes and Köpf's method: each node is aligned with a
   median neighbour (long edges' inner segments first, so skip connections run
   straight in lanes beside the blocks; where an edge has a port off a node's
   centre, a frame's entry, the port lines up, not the centres, so the edge runs
   straight), aligned blocks are compacted, and four
   such layouts are balanced; an isotonic regression (pool adjacent violators)
   then guarantees the gaps between neighbours.

Coordinates are abstract: *breadth* runs across layers (x for top-to-bottom
drawings), *depth* along them (y). Nothing here imports a drawing library.

>>> p = layered_layout([(40, 20), (40, 20), (40, 20)], [(0, 1, None, None), (1, 2, None, None),
...                                                     (0, 2, None, None)])
>>> p.rank[:3], len(p.route(2))  # the skip edge 0 -> 2 runs through a dummy beside node 1
([0, 1, 2], 4)
>>> dummy = p.chains[2][1]
>>> abs(p.x[dummy] - p.x[1]) >= 20  # clear of node 1's box
True
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Sequence

from ..errors import OptionError
from ..options import PAGES, check_choice, check_figure, parse_width, strict_options
from ..theme import Theme

__all__ = ["BlockOptions", "Placement", "layered_layout", "SHOW_FIELDS", "ENGINES", "PAGES"]

ENGINES = ("matplotlib", "graphviz", "auto")
SHOW_FIELDS = ("name", "type", "shapes", "params", "activations", "units")


def _as_tuple(value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        return tuple(v.strip() for v in value.split(",") if v.strip())
    return tuple(value)


@strict_options
@dataclass(frozen=True, kw_only=True)
class BlockOptions:
    """How a block diagram is laid out and drawn.

    Args:
        engine: ``matplotlib`` (needs no system program), ``graphviz`` (the ``dot``
            program) or ``auto`` (graphviz when ``dot`` is on PATH).
        direction: data flows top to bottom (``TB``) or left to right (``LR``).
        show: the fields written on blocks, from ``name``, ``type``, ``shapes``,
            ``params``, ``activations``, ``units`` (a comma-separated string works too).
        expand: nested models drawn open, by name, or ``("all",)``.
        collapse: fold repeated structures: ``"auto"`` (above ``collapse_threshold``
            blocks, as much as it takes to fit the page), ``True`` or ``False``.
        collapse_threshold: blocks above which ``collapse="auto"`` folds.
        from_layer, to_layer: draw only the layers between these two (inclusive).
        show_trainable: mark frozen layers.
        page: ``a4``, ``letter`` or ``None``: the page the drawing must fit (either
            orientation), with text no smaller than ``min_font_size``; long chains wrap
            into columns to keep the page's aspect ratio.
        figsize: the figure size in inches (overrides ``width`` and ``page``).
        width: the figure's exact width (overrides ``page``, whose height it keeps as the height to fit):
            a length, ``"3.25in"``, ``"8.5cm"``, ``"252pt"``, a number of inches, or a named width,
            ``ieee-column``, ``ieee-page``, ``acm-column``, ``acm-page``, ``a4-text``... (see
            ``nnviz.options.WIDTHS``). Text stays at least ``min_font_size``: more is folded or
            wrapped into columns to make it so.
        dpi: resolution of PNG output; ``None`` chooses it from the figure's size, so that the PNG
            is at least 1,200 pixels wide (150 dpi at least).
        theme: colours and fonts: a ``Theme`` or a name, ``default``, ``paper``, ``colorblind`` or ``dark``.
        title: the title; ``None`` for the model's name and parameter count, ``""`` for none.
        subtitle: the line under the title; ``None`` for the parameter and layer counts.
        min_font_size: the smallest text size, in points, allowed when fitting the page.
        font: an installed font family (``"DejaVu Serif"``, any of ``fc-list : family``) for every text,
            its widths measured from the font file; ``None`` for the theme's font.
        color_by: colour blocks by a cost instead of the layer family: ``"params"``, ``"macs"``,
            ``"flops"``, ``"memory"``, a ``.json`` file of ``{layer name: number}`` (``nnviz profile``'s
            times) or such a dict; the legend shows the scale, the heaviest blocks their share.

    >>> BlockOptions(direction="LR", show="name,params").show
    ('name', 'params')
    >>> BlockOptions(direction="XY")
    Traceback (most recent call last):
    ...
    nnviz.errors.OptionError: unknown direction: 'XY' (must be one of ['LR', 'TB'])
    >>> BlockOptions(shape="round")
    Traceback (most recent call last):
    ...
    nnviz.errors.OptionError: unknown option 'shape' (must be one of ['engine', 'direction', ...
    """

    engine: str = "matplotlib"
    direction: str = "TB"
    show: tuple[str, ...] = ("name", "type", "shapes", "params", "activations")
    expand: tuple[str, ...] = ()
    collapse: str | bool = "auto"
    collapse_threshold: int = 60
    from_layer: str | None = None
    to_layer: str | None = None
    show_trainable: bool = True
    page: str | None = "a4"
    figsize: tuple[float, float] | None = None
    width: str | float | None = None
    dpi: float | None = None
    theme: Theme | str = field(default_factory=Theme)
    title: str | None = None
    subtitle: str | None = None
    min_font_size: float = 6.0
    color_by: Any = None
    font: str | None = None

    def __post_init__(self) -> None:
        set_ = object.__setattr__
        from ..view.paint import check_color_by

        check_color_by(self.color_by)
        check_choice("engine", self.engine, ENGINES)
        set_(self, "show", _as_tuple(self.show))
        for name in self.show:
            check_choice("field to show", name, SHOW_FIELDS)
        set_(self, "expand", _as_tuple(self.expand))
        if self.collapse not in ("auto", True, False) or isinstance(self.collapse, int) and \
                not isinstance(self.collapse, bool):
            raise OptionError(f"unknown collapse: {self.collapse!r} (must be one of ['auto', True, False])")
        if not isinstance(self.collapse_threshold, int) or self.collapse_threshold < 1:
            raise OptionError(f"collapse_threshold must be a positive integer, got {self.collapse_threshold!r}")
        check_figure(self)  # direction, page, figsize, width, dpi, theme and font: the node style's rules
        if self.min_font_size <= 0:
            raise OptionError(f"min_font_size must be positive, got {self.min_font_size!r}")

    @property
    def target(self) -> tuple[float, float] | None:
        """The (width, height) in points the drawing must fit, portrait, or ``None``."""
        if self.figsize is not None:
            return (self.figsize[0] * 72.0, self.figsize[1] * 72.0)
        if self.width is not None:  # that wide, and no taller than the page if possible
            return (parse_width(self.width), PAGES[self.page][1] if self.page else float("inf"))
        return PAGES.get(self.page) if self.page else None

    @property
    def fixed_width(self) -> float | None:
        """The exact width in points the figure is drawn at (``width``, unless ``figsize`` is given)."""
        return parse_width(self.width) if self.figsize is None else None


# -- the layered layout -------------------------------------------------------------------

EdgeSpec = tuple  # (source, target, exit offset or None, entry offset or None)


@dataclass
class Placement:
    """Where a layered layout put everything, in abstract (breadth, depth) coordinates.

    Attributes:
        rank: the layer of each node (real nodes first, then dummies).
        x: the breadth centre of each node.
        row_top, row_size: the depth at which each layer starts, and its extent.
        chains: per input edge, the nodes it passes through (``None`` for a self-loop).
        flipped: per input edge, whether it was reversed to break a cycle.
        size: the (breadth, depth) extent of the real nodes.
    """

    n: int
    sizes: list[tuple[float, float]]
    rank: list[int]
    x: list[float]
    row_top: list[float]
    row_size: list[float]
    chains: list[list[int] | None]
    flipped: list[bool]
    out_off: list[float]
    in_off: list[float]
    size: tuple[float, float] = (0.0, 0.0)
    loops: dict[int, int] = field(default_factory=dict)  # self-loop edge -> its node

    def top(self, v: int) -> float:
        """The depth of a node's near edge (boxes sit centred in their layer)."""
        r = self.rank[v]
        return self.row_top[r] + (self.row_size[r] - self.sizes[v][1]) / 2

    def bottom(self, v: int) -> float:
        return self.top(v) + self.sizes[v][1]

    def route(self, e: int) -> list[tuple[float, float]]:
        """The polyline of input edge ``e``, from its source's far edge to its target's near edge."""
        chain = self.chains[e]
        if chain is None:
            return self._loop(e)
        out_off, in_off = self.out_off[e], self.in_off[e]
        if self.flipped[e]:  # drawn downwards, then turned round
            chain = chain[::-1]
            out_off, in_off = in_off, out_off
        u, v = chain[0], chain[-1]
        xu, xv = self.x[u] + out_off, self.x[v] + in_off
        pts = [(xu, self.bottom(u)), (xu, self._row_end(u))]
        for d in chain[1:-1]:
            r = self.rank[d]
            pts += [(self.x[d], self.row_top[r]), (self.x[d], self.row_top[r] + self.row_size[r])]
        pts += [(xv, self.row_top[self.rank[v]]), (xv, self.top(v))]
        if self.flipped[e]:
            pts = pts[::-1]
        return dedupe_points(pts)

    def _row_end(self, v: int) -> float:
        r = self.rank[v]
        return self.row_top[r] + self.row_size[r]

    def _loop(self, e: int) -> list[tuple[float, float]]:
        v = self.loops[e]
        w, h = self.sizes[v]
        right = self.x[v] + w / 2
        top = self.top(v)
        return [(right, top + h * 0.7), (right + 8, top + h * 0.7), (right + 8, top + h * 0.3),
                (right, top + h * 0.3)]


def dedupe_points(pts: list[tuple[float, float]]) -> list[tuple[float, float]]:
    """A polyline without repeated points."""
    out = [pts[0]]
    for p in pts[1:]:
        if abs(p[0] - out[-1][0]) > 1e-6 or abs(p[1] - out[-1][1]) > 1e-6:
            out.append(p)
    return out


class _Graph:
    """Adjacency of the layered graph (real and dummy nodes) built from the input edges."""

    def __init__(self, n: int, edges: Sequence[EdgeSpec], first: set[int], last: set[int]) -> None:
        self.n = n
        self.edges = edges
        self.first, self.last = first, last
        self.flipped = [False] * len(edges)
        self.loops: dict[int, int] = {}
        self.dag: list[tuple[int, int, int]] = []  # (u, v, edge index) after breaking cycles
        self._break_cycles()

    def _break_cycles(self) -> None:
        succ: list[list[tuple[int, int]]] = [[] for _ in range(self.n)]
        for e, (u, v, *_rest) in enumerate(self.edges):
            if u == v:
                self.loops[e] = u
            else:
                succ[u].append((v, e))
        state = [0] * self.n  # 0 new, 1 on the stack, 2 done
        for root in range(self.n):
            if state[root]:
                continue
            stack = [(root, iter(succ[root]))]
            state[root] = 1
            while stack:
                node, it = stack[-1]
                for v, e in it:
                    if state[v] == 1:
                        self.flipped[e] = True
                    elif state[v] == 0:
                        state[v] = 1
                        stack.append((v, iter(succ[v])))
                        break
                else:
                    state[node] = 2
                    stack.pop()
        for e, (u, v, *_rest) in enumerate(self.edges):
            if e in self.loops:
                continue
            self.dag.append((v, u, e) if self.flipped[e] else (u, v, e))

    def ranks(self) -> list[int]:
        """Longest-path layering; sources sit just above their first consumer."""
        preds: list[list[int]] = [[] for _ in range(self.n)]
        succs: list[list[int]] = [[] for _ in range(self.n)]
        for u, v, _ in self.dag:
            preds[v].append(u)
            succs[u].append(v)
        order = _topo(self.n, succs, preds)
        base = 1 if self.first else 0
        rank = [0] * self.n
        for v in order:
            if v in self.first:
                rank[v] = 0
            else:
                rank[v] = max([base, *(rank[u] + 1 for u in preds[v])])
        for v in reversed(order):  # pull sources down next to their consumers
            if not preds[v] and succs[v] and v not in self.first:
                rank[v] = max(base, min(rank[w] for w in succs[v]) - 1)
        if self.last:
            bottom = max((rank[v] for v in range(self.n) if v not in self.last), default=-1) + 1
            for v in self.last:
                rank[v] = max(bottom, rank[v])
        return rank


def _topo(n: int, succs: list[list[int]], preds: list[list[int]]) -> list[int]:
    indeg = [len(p) for p in preds]
    ready = [v for v in range(n) if indeg[v] == 0]
    ready.reverse()
    out = []
    while ready:
        v = ready.pop()
        out.append(v)
        for w in reversed(succs[v]):
            indeg[w] -= 1
            if indeg[w] == 0:
                ready.append(w)
    return out


class _Layers:
    """The layers of the proper graph (long edges split by dummies) and their order."""

    def __init__(self, graph: _Graph, rank: list[int]) -> None:
        self.rank = list(rank)
        self.chains: list[list[int] | None] = [None] * len(graph.edges)
        self.preds: list[list[int]] = [[] for _ in range(graph.n)]
        self.succs: list[list[int]] = [[] for _ in range(graph.n)]
        for u, v, e in graph.dag:
            chain = [u]
            for r in range(self.rank[u] + 1, self.rank[v]):
                chain.append(self._new(r))
            chain.append(v)
            for a, b in zip(chain, chain[1:]):
                self.succs[a].append(b)
                self.preds[b].append(a)
            self.chains[e] = chain[::-1] if graph.flipped[e] else chain
        self.n = len(self.rank)
        depth = max(self.rank, default=-1) + 1
        self.layers: list[list[int]] = [[] for _ in range(depth)]
        for v in self._dfs_order(graph.n):
            self.layers[self.rank[v]].append(v)

    def _new(self, r: int) -> int:
        self.rank.append(r)
        self.preds.append([])
        self.succs.append([])
        return len(self.rank) - 1

    def _dfs_order(self, n_real: int) -> list[int]:
        seen = [False] * len(self.rank)
        out = []
        roots = sorted(range(len(self.rank)), key=lambda v: (self.rank[v], v))
        for root in roots:
            if seen[root]:
                continue
            stack = [root]
            while stack:
                v = stack.pop()
                if seen[v]:
                    continue
                seen[v] = True
                out.append(v)
                stack.extend(w for w in reversed(self.succs[v]) if not seen[w])
        return out

    def crossings(self) -> int:
        pos = self.positions()
        total = 0
        for layer in self.layers[:-1]:
            pairs = sorted((pos[u], pos[w]) for u in layer for w in self.succs[u])
            total += _inversions([b for _, b in pairs])
        return total

    def positions(self) -> list[int]:
        pos = [0] * self.n
        for layer in self.layers:
            for i, v in enumerate(layer):
                pos[v] = i
        return pos

    def sweep(self, down: bool) -> None:
        pos = self.positions()
        rng = range(1, len(self.layers)) if down else range(len(self.layers) - 2, -1, -1)
        for r in rng:
            layer = self.layers[r]
            nbrs = self.preds if down else self.succs

            def key(v: int) -> tuple[float, int]:
                ns = nbrs[v]
                return (sum(pos[w] for w in ns) / len(ns) if ns else pos[v], pos[v])

            layer.sort(key=key)
            for i, v in enumerate(layer):
                pos[v] = i

    def minimize_crossings(self, sweeps: int) -> None:
        best = [list(layer) for layer in self.layers]
        best_c = self.crossings()
        for _ in range(sweeps):
            if best_c == 0:
                break
            self.sweep(down=True)
            self.sweep(down=False)
            c = self.crossings()
            if c < best_c:
                best, best_c = [list(layer) for layer in self.layers], c
        self.layers = best


def _inversions(seq: list[int]) -> int:
    """Pairs out of order in ``seq`` (a Fenwick tree: O(n log n))."""
    if len(seq) < 2:
        return 0
    size = max(seq) + 1
    tree = [0] * (size + 1)
    inv = 0
    for i, v in enumerate(seq):
        j, c = v + 1, 0
        while j > 0:
            c += tree[j]
            j -= j & -j
        inv += i - c
        j = v + 1
        while j <= size:
            tree[j] += 1
            j += j & -j
    return inv


def _isotonic(target: list[float], weight: list[float], gap: list[float]) -> list[float]:
    """Positions nearest ``target`` (weighted least squares) with ``x[i+1] - x[i] >= gap[i]``.

    >>> _isotonic([0, 0, 0], [1, 1, 1], [10, 10])
    [-10.0, 0.0, 10.0]
    """
    offset = [0.0]
    for g in gap:
        offset.append(offset[-1] + g)
    blocks: list[list[float]] = []  # [weight, weighted sum, count]
    for t, w, c in zip(target, weight, offset):
        blocks.append([w, w * (t - c), 1])
        while len(blocks) > 1 and blocks[-2][1] / blocks[-2][0] >= blocks[-1][1] / blocks[-1][0]:
            w2, s2, n2 = blocks.pop()
            blocks[-1][0] += w2
            blocks[-1][1] += s2
            blocks[-1][2] += n2
    out = []
    for w, s, n in blocks:
        out += [s / w] * int(n)
    return [y + c for y, c in zip(out, offset)]


class _Coordinates:
    """Breadth positions by Brandes and Köpf: align each node with a median neighbour, compact.

    Four passes (aligning upwards or downwards, compacting leftwards or rightwards),
    combined by taking the mean of the two middle positions of each node. Chains run
    straight, long edges keep straight lanes beside the blocks they pass, and nothing
    drifts: aligned blocks move as one. All linear in the size of the layered graph.
    """

    def __init__(self, layers: _Layers, sizes: list[tuple[float, float]], n_real: int,
                 node_sep: float, dummy_sep: float,
                 ports: dict[tuple[int, int], tuple[float, float]] | None = None) -> None:
        self.layers = layers
        # segment (upper, lower) -> where it leaves the upper node and enters the lower one, from their
        # centres: a node aligned with a neighbour through a port lines the port up, not the centres
        self.ports = ports or {}
        self.width = [sizes[v][0] if v < n_real else 0.0 for v in range(layers.n)]
        self.real = [v < n_real for v in range(layers.n)]
        self.node_sep, self.dummy_sep = node_sep, dummy_sep

    def sep(self, a: int, b: int) -> float:
        gap = self.node_sep if self.real[a] and self.real[b] else self.dummy_sep
        return (self.width[a] + self.width[b]) / 2 + gap

    def run(self) -> list[float]:
        runs = []
        for down in (True, False):
            for left in (True, False):
                runs.append(self._one(down, left))
        widths = [max(x) - min(x) if x else 0.0 for x in runs]
        best = runs[widths.index(min(widths))]
        lo, hi = min(best, default=0.0), max(best, default=0.0)
        for k, x in enumerate(runs):  # align left runs by their left side, right runs by their right
            shift = lo - min(x, default=0.0) if k % 2 == 0 else hi - max(x, default=0.0)
            runs[k] = [v + shift for v in x]
        out = []
        for v in range(self.layers.n):
            a, b, c, d = sorted(r[v] for r in runs)
            out.append((b + c) / 2)
        return self._separate(out)

    def _separate(self, x: list[float]) -> list[float]:
        """The nearest positions that keep every pair of neighbours apart (a safety net)."""
        for layer in self.layers.layers:
            gaps = [self.sep(a, b) for a, b in zip(layer, layer[1:])]
            for v, xv in zip(layer, _isotonic([x[v] for v in layer], [1.0] * len(layer), gaps)):
                x[v] = xv
        return x

    def _one(self, down: bool, left: bool) -> list[float]:
        lay = self.layers
        layers = lay.layers if down else lay.layers[::-1]
        if not left:
            layers = [layer[::-1] for layer in layers]
        upper = lay.preds if down else lay.succs
        pos = [0] * lay.n
        for layer in layers:
            for i, v in enumerate(layer):
                pos[v] = i
        conflicts = self._conflicts(layers, upper, pos)
        root, align, rel = self._align(layers, upper, pos, conflicts, down, 1.0 if left else -1.0)
        x = self._compact(layers, pos, root, align, rel)
        return x if left else [-v for v in x]

    def _conflicts(self, layers: list[list[int]], upper: list[list[int]], pos: list[int]) -> set:
        """Segments that cross an inner segment (between two dummies): they give way."""
        marked = set()
        for i in range(1, len(layers) - 1):
            above, below = layers[i], layers[i + 1]
            k0, scan = 0, 0
            for l1, v in enumerate(below):
                inner = next((u for u in upper[v] if not self.real[u] and not self.real[v]), None)
                if l1 == len(below) - 1 or inner is not None:
                    k1 = pos[inner] if inner is not None else len(above) - 1
                    while scan <= l1:
                        w = below[scan]
                        for u in upper[w]:
                            if (pos[u] < k0 or pos[u] > k1) and (self.real[u] or self.real[w]):
                                marked.add((u, w))
                        scan += 1
                    k0 = k1
        return marked

    def _align(self, layers: list[list[int]], upper: list[list[int]], pos: list[int], conflicts: set,
               down: bool, sign: float) -> tuple[list[int], list[int], list[float]]:
        """Each node aligned with a median upper neighbour; ``rel`` is a node's breadth from its
        block's root (not 0 where the two meet at a port off a node's centre)."""
        n = self.layers.n
        root, align = list(range(n)), list(range(n))
        rel = [0.0] * n
        ports = self.ports
        for layer in layers[1:]:
            r = -1
            for v in layer:
                ups = sorted(upper[v], key=lambda u: pos[u])
                if not ups:
                    continue
                d = len(ups)
                for m in sorted({(d - 1) // 2, d // 2}):
                    if align[v] != v:
                        break
                    u = ups[m]
                    if (u, v) not in conflicts and r < pos[u]:
                        align[u] = v
                        root[v] = root[u]
                        align[v] = root[v]
                        r = pos[u]
                        if ports:
                            at_u, at_v = ports.get((u, v), (0.0, 0.0)) if down else \
                                ports.get((v, u), (0.0, 0.0))[::-1]
                            rel[v] = rel[u] + sign * (at_u - at_v)
        return root, align, rel

    def _compact(self, layers: list[list[int]], pos: list[int], root: list[int],
                 align: list[int], rel: list[float]) -> list[float]:
        n = self.layers.n
        layer_of = {}
        for layer in layers:
            for v in layer:
                layer_of[v] = layer
        sink = list(range(n))
        shift = [float("inf")] * n
        x: list[float | None] = [None] * n

        def place(v: int) -> None:
            x[v] = 0.0
            w = v
            while True:
                if pos[w] > 0:
                    p = layer_of[w][pos[w] - 1]
                    u = root[p]
                    if x[u] is None:
                        place(u)
                    if sink[v] == v:
                        sink[v] = sink[u]
                    if sink[v] != sink[u]:
                        shift[sink[u]] = min(shift[sink[u]], x[v] + rel[w] - x[u] - rel[p] - self.sep(p, w))
                    else:
                        x[v] = max(x[v], x[u] + rel[p] - rel[w] + self.sep(p, w))
                w = align[w]
                if w == v:
                    break

        import sys

        limit = sys.getrecursionlimit()
        sys.setrecursionlimit(max(limit, 4 * n + 1000))
        try:
            for layer in layers:
                for v in layer:
                    if root[v] == v and x[v] is None:
                        place(v)
        finally:
            sys.setrecursionlimit(limit)
        out = []
        for v in range(n):
            xv = x[root[v]] or 0.0
            s = shift[sink[root[v]]]
            out.append(xv + rel[v] + (s if s < float("inf") else 0.0))
        return out


def _port_segments(layers: _Layers, graph: _Graph,
                   edges: Sequence[EdgeSpec]) -> dict[tuple[int, int], tuple[float, float]]:
    """The segments (upper, lower) at the ends of edges given an exit or entry offset, with where
    they leave the upper node and enter the lower one (breadth from the node's centre)."""
    out: dict[tuple[int, int], tuple[float, float]] = {}
    for e, spec in enumerate(edges):
        chain = layers.chains[e]
        if chain is None or not (spec[2] or spec[3]):
            continue
        leave, enter = spec[2] or 0.0, spec[3] or 0.0
        if graph.flipped[e]:  # the layers hold it downwards: from its target to its source
            chain, leave, enter = chain[::-1], enter, leave
        first, last = (chain[0], chain[1]), (chain[-2], chain[-1])
        if first == last:
            out.setdefault(first, (leave, enter))
        else:
            out.setdefault(first, (leave, 0.0))
            out.setdefault(last, (0.0, enter))
    return out


def _spread_entries(place: Placement, edges: Sequence[EdgeSpec]) -> None:
    """Edges entering one box side by side, ordered by where they come from, not at one point."""
    incoming: dict[int, list[tuple[float, int]]] = {}
    for e, spec in enumerate(edges):
        chain = place.chains[e]
        if chain is None or spec[3] is not None or place.flipped[e]:
            continue
        incoming.setdefault(chain[-1], []).append((place.x[chain[-2]], e))
    for v, ins in incoming.items():
        ins.sort()
        k = len(ins)
        span = min(place.sizes[v][0] * 0.6, 10.0 * (k - 1))
        for i, (_, e) in enumerate(ins):
            place.in_off[e] = -span / 2 + (span * i / (k - 1) if k > 1 else span / 2)


def layered_layout(sizes: Sequence[tuple[float, float]], edges: Sequence[EdgeSpec], *,
                   first: Sequence[int] = (), last: Sequence[int] = (), node_sep: float = 14.0,
                   dummy_sep: float = 6.0, rank_sep: float = 18.0, sweeps: int = 4) -> Placement:
    """Lay out nodes of the given (breadth, depth) sizes in layers.

    Args:
        sizes: per node, its extent across layers (breadth) and along them (depth).
        edges: ``(source, target, exit offset, entry offset)``; an offset is the breadth
            distance from the node's centre where the edge leaves or enters (``None``:
            leave from the centre, enter spread out).
        first, last: nodes forced into the first or last layer (ports of a cluster).
        node_sep: the gap between neighbouring nodes of a layer.
        dummy_sep: the gap beside an edge passing through a layer.
        rank_sep: the gap between layers.
        sweeps: barycenter sweeps (down and up) when ordering.

    Returns:
        The :class:`Placement`.
    """
    n = len(sizes)
    graph = _Graph(n, edges, set(first), set(last))
    layers = _Layers(graph, graph.ranks())
    layers.minimize_crossings(sweeps)
    x = _Coordinates(layers, list(sizes), n, node_sep, dummy_sep, _port_segments(layers, graph, edges)).run()
    row_size = [0.0] * len(layers.layers)
    for v in range(n):
        r = layers.rank[v]
        row_size[r] = max(row_size[r], sizes[v][1])
    row_top, depth = [], 0.0
    for s in row_size:
        row_top.append(depth)
        depth += s + rank_sep
    all_sizes = list(sizes) + [(0.0, 0.0)] * (layers.n - n)
    left = min((x[v] - all_sizes[v][0] / 2 for v in range(layers.n)), default=0.0)
    x = [xv - left for xv in x]
    right = max((x[v] + all_sizes[v][0] / 2 for v in range(layers.n)), default=0.0)
    place = Placement(n, all_sizes, layers.rank, x, row_top, row_size, layers.chains, graph.flipped,
                      [spec[2] or 0.0 for spec in edges], [spec[3] or 0.0 for spec in edges],
                      (right, max(depth - rank_sep, 0.0)))
    place.loops = graph.loops
    _spread_entries(place, edges)
    return place
