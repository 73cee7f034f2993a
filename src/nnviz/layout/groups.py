"""What a block diagram shows: the layer graph as a *view* of blocks, clusters and edges.

A :class:`View` starts as one block per layer (:func:`flatten`), nested models
closed or opened into clusters, and is then simplified in named steps, each a
plain function ``View -> View``:

* :func:`select_range` keeps the layers between two names (``--from``/``--to``);
* :func:`collapse_repeats` finds repeated structures (the same sequence of layer
  types and configs, names ignored: ResNet's identity blocks, Inception modules,
  DenseNet's conv blocks, NASNet cells, transformer blocks) and draws each run as
  one copy in a cluster marked ``×n``, or as a single block;
* :func:`fold_chains` folds normalisation, activation and dropout layers into the
  block before them (``Conv2D + BN + relu``);
* :func:`fold_modules` folds branching regions between narrow cuts (an Inception
  module, a NASNet cell) into one block each.

Nothing here knows how the view will be drawn.

>>> from nnviz.graph import Call, Layer, LayerGraph, TensorRef
>>> layers = [Layer("x", "InputLayer", output_shapes=((None, 4),))]
>>> layers += [Layer(f"d{i}", "Dense", config={"units": 4}, output_shapes=((None, 4),), params=20)
...            for i in range(3)]
>>> calls = [Call("x", 0, ())] + [Call(f"d{i}", 0, (TensorRef("x" if i == 0 else f"d{i - 1}"),))
...                                for i in range(3)]
>>> g = LayerGraph("chain", layers, calls, [TensorRef("x")], [TensorRef("d2")])
>>> view = collapse_repeats(flatten(g), as_block=True)
>>> [(n.label, n.repeat, n.params) for n in view.nodes.values()]
[('x', 1, 0), ('d0..2', 3, 60)]
"""

from __future__ import annotations

import heapq
import json
from dataclasses import dataclass, field, replace
from typing import Any, Callable, Iterable, Iterator, Sequence

from ..errors import OptionError
from ..graph import Layer, LayerGraph, TensorRef, format_params, sum_params
from ..theme import family_of
from ..text import display
from .labels import copy_label, group_label, is_automatic

__all__ = ["Node", "ClusterInfo", "View", "flatten", "select_range", "collapse_repeats",
           "fold_chains", "fold_modules", "nested_models", "FOLDABLE_FAMILIES"]

# Layers that fold into the block before them at the "chains" level.
FOLDABLE_FAMILIES = ("normalization", "activation", "regularization")
_MAX_PERIOD = 400  # longest repeated unit looked for, in blocks
_SHORT = {"BatchNormalization": "BN", "LayerNormalization": "LN", "Activation": "",
          "Dropout": "Dropout"}


@dataclass(frozen=True)
class Node:
    """One block of a block diagram: a layer, a closed nested model or a group of layers.

    Attributes:
        id: unique id (``outer/inner`` for layers of an opened nested model).
        kind: ``layer``, ``model`` (a closed nested model), ``repeat`` (a run of copies
            drawn as one block), ``chain`` (a layer with its normalisation/activation
            followers) or ``module`` (a branching region).
        label: the name shown first.
        layer: the layer drawn (the head layer of a chain; ``None`` for groups).
        members: ids of every layer the block stands for.
        cluster: id of the cluster the block is drawn in (``None`` at the top).
        params: parameters of all members.
        repeat: how many copies a ``repeat`` block stands for.
        types: the layer types folded into the block, in order.
        shape: the output shape shown.
        family: the colour family.
        frozen: every member is frozen (``trainable`` false, with parameters).
        calls: how many times the layer is called (a shared layer has several).
        is_output: the block produces one of the model's outputs.
        size: number of layers in one copy (for groups).
        note: an extra line of text under the type line (a diff's change), or ``None``.
        paint: a colour key that overrides the family's colour (a diff's status), or ``None``.
    """

    id: str
    kind: str
    label: str
    layer: Layer | None = None
    members: tuple[str, ...] = ()
    cluster: str | None = None
    params: int = 0
    repeat: int = 1
    types: tuple[str, ...] = ()
    shape: Any = None
    family: str = "other"
    frozen: bool = False
    calls: int = 1
    is_output: bool = False
    size: int = 1
    note: str | None = None
    paint: str | None = None


_MAX_TITLE = 80  # characters of a frame's title (a name from the file, control characters escaped)


@dataclass(frozen=True)
class ClusterInfo:
    """A labelled frame: an opened nested model or one drawn copy of a repeated group."""

    id: str
    title: str
    parent: str | None = None
    kind: str = "model"  # model | repeat
    repeat: int = 1
    params: int = 0
    detail: str = ""  # a second line: what the cluster holds
    members: tuple[str, ...] = ()  # every layer it stands for (a repeat: all copies'; a model: itself)

    @property
    def caption(self) -> str:
        """Title and detail on one line."""
        return f"{self.title} ({self.detail})" if self.detail else self.title


@dataclass
class View:
    """Blocks in topological order, the edges between them, and the clusters they sit in."""

    name: str
    nodes: dict[str, Node]
    edges: list[tuple[str, str]]
    clusters: dict[str, ClusterInfo] = field(default_factory=dict)
    total_params: int = 0
    trainable_params: int = 0
    last_copy: dict[str, str] = field(default_factory=dict)  # a repeat's drawn block -> its last copy's
    # edges that stand for several tensors: a merge reading two calls of a shared layer or model
    calls_on_edge: dict[tuple[str, str], int] = field(default_factory=dict)
    # edges of another kind than "data" (scene.ONE_SIDED_EDGES: a diff's links in one model only)
    edge_kinds: dict[tuple[str, str], str] = field(default_factory=dict)

    def with_nodes(self, nodes: Iterable[Node], edges: Iterable[tuple[str, str]],
                   clusters: dict[str, ClusterInfo] | None = None,
                   edge_kinds: dict[tuple[str, str], str] | None = None) -> "View":
        """A copy with other nodes and edges, re-sorted topologically and de-duplicated."""
        node_map = {n.id: n for n in nodes}
        kept = _dedupe((u, v) for u, v in edges if u in node_map and v in node_map)
        order = topological_order(list(node_map), kept)
        kinds = self.edge_kinds if edge_kinds is None else edge_kinds
        return View(self.name, {i: node_map[i] for i in order}, kept,
                    self.clusters if clusters is None else clusters, self.total_params,
                    self.trainable_params, self.last_copy, self.calls_on_edge,
                    {e: kinds[e] for e in kept if e in kinds} if kinds else {})

    def source_name(self, node_id: str) -> str:
        """The layer whose output leaves block ``node_id``: the last of a chain or a group,
        in the last copy of a repeat drawn once (``conv2_block3_out``, not ``conv2_block1_add``).

        A label at the far end of an edge names this layer, not the block's sample.
        """
        node = self.nodes[node_id]
        real = node.members[-1] if node.members and node.kind != "model" else node_id
        real = self.last_copy.get(real, real)
        return real.rsplit("/", 1)[-1]

    def target_name(self, node_id: str) -> str:
        """The layer an edge into block ``node_id`` enters (the first of a group)."""
        node = self.nodes[node_id]
        real = node.members[0] if node.members and node.kind in ("repeat", "module") else node_id
        return real.rsplit("/", 1)[-1]

    def scope(self, cluster: str | None) -> list[str]:
        """Ids of the blocks drawn directly in ``cluster``, in order."""
        return [i for i, n in self.nodes.items() if n.cluster == cluster]

    def level(self, cluster: str | None, keep: Callable[[str], bool] | None = None
              ) -> Iterator[tuple[str, str]]:
        """What is drawn directly inside ``cluster`` (``None``: the page), in the view's order.

        Yields ``("block", node id)`` and, once each, ``("cluster", child cluster id)``;
        ``keep(node id)`` limits it to some blocks (and the clusters they are in).
        """
        done: set[str] = set()
        for nid in self.nodes:
            if keep is not None and not keep(nid):
                continue
            chain = list(reversed(self.cluster_chain(nid)))
            if cluster is not None:
                if cluster not in chain:
                    continue
                chain = chain[chain.index(cluster) + 1:]
            if not chain:
                yield "block", nid
            elif chain[0] not in done:
                done.add(chain[0])
                yield "cluster", chain[0]

    def cluster_chain(self, node_id: str) -> list[str]:
        """The clusters around a block, innermost first."""
        out = []
        cid = self.nodes[node_id].cluster
        while cid is not None:
            out.append(cid)
            cid = self.clusters[cid].parent
        return out


def _dedupe(edges: Iterable[tuple[str, str]]) -> list[tuple[str, str]]:
    return list(dict.fromkeys(edges))


def topological_order(ids: Sequence[str], edges: Sequence[tuple[str, str]]) -> list[str]:
    """Kahn's order, preferring the given order; nodes on cycles follow in the given order.

    >>> topological_order(["c", "a", "b"], [("a", "c"), ("b", "a")])
    ['b', 'a', 'c']
    """
    index = {n: i for i, n in enumerate(ids)}
    succ: dict[str, list[str]] = {n: [] for n in ids}
    indeg = dict.fromkeys(ids, 0)
    for u, v in edges:
        if u != v:
            succ[u].append(v)
            indeg[v] += 1
    heap = [index[n] for n in ids if indeg[n] == 0]
    heapq.heapify(heap)
    out: list[str] = []
    seen: set[str] = set()
    while len(out) < len(ids):
        if not heap:  # a cycle: release the earliest node still waiting
            heap = [min(index[n] for n in ids if n not in seen)]
        n = ids[heapq.heappop(heap)]
        if n in seen:
            continue
        seen.add(n)
        out.append(n)
        for v in succ[n]:
            indeg[v] -= 1
            if indeg[v] == 0 and v not in seen:
                heapq.heappush(heap, index[v])
    return out


# -- flatten ------------------------------------------------------------------------------

def nested_models(graph: LayerGraph, prefix: str = "") -> list[str]:
    """Ids of every nested model, at any depth (``outer/inner`` for deeper ones)."""
    out = []
    for layer in graph.layers:
        if layer.subgraph is not None:
            out.append(prefix + layer.name)
            out += nested_models(layer.subgraph, prefix + layer.name + "/")
    return out


def _wants_open(node_id: str, name: str, expand: Sequence[str]) -> bool:
    return "all" in expand or node_id in expand or name in expand


def _layer_node(node_id: str, layer: Layer, cluster: str | None, calls: int) -> Node:
    frozen = not layer.trainable and (layer.params or 0) > 0
    kind = "model" if layer.subgraph is not None else "layer"
    return Node(node_id, kind, layer.name, layer, (node_id,), cluster, layer.params, 1, (layer.type,),
                layer.output_shape, family_of(layer.type), frozen, calls)


class _Flattener:
    """Walks a layer graph and its opened nested models into one list of blocks and edges."""

    def __init__(self, expand: Sequence[str]) -> None:
        self.expand = tuple(expand)
        self.nodes: list[Node] = []
        self.edges: list[tuple[str, str]] = []
        self.clusters: dict[str, ClusterInfo] = {}
        self.opened: dict[str, LayerGraph] = {}
        self.tensors: dict[tuple[str, str], set] = {}  # edge -> the distinct tensors it carries

    def add_graph(self, graph: LayerGraph, prefix: str, cluster: str | None) -> None:
        for layer in graph.layers:
            node_id = prefix + layer.name
            if layer.subgraph is not None and _wants_open(node_id, layer.name, self.expand):
                self.opened[node_id] = layer.subgraph
                self.clusters[node_id] = ClusterInfo(node_id, display(layer.name, _MAX_TITLE), cluster, "model", 1,
                                                     layer.params,
                                                     _model_detail(layer), (node_id,))
                self.add_graph(layer.subgraph, node_id + "/", node_id)
            else:
                self.nodes.append(_layer_node(node_id, layer, cluster, len(graph.calls_of(layer.name))))
        for k, call in enumerate(graph.calls):
            for port, ref in enumerate(call.inputs):
                edge = (self.source(prefix, ref), self.target(prefix + call.layer, port))
                self.edges.append(edge)
                self.tensors.setdefault(edge, set()).add((prefix, ref.layer, ref.call, ref.tensor, k))

    def source(self, prefix: str, ref: TensorRef) -> str:
        """The block that produces tensor ``ref`` (inside an opened model: its output layer)."""
        node_id = prefix + ref.layer
        sub = self.opened.get(node_id)
        if sub is None or not sub.outputs:
            return node_id
        inner = sub.outputs[min(ref.tensor, len(sub.outputs) - 1)]
        return self.source(node_id + "/", inner)

    def target(self, node_id: str, port: int) -> str:
        """The block that reads input ``port`` of ``node_id`` (inside an opened model: its input)."""
        sub = self.opened.get(node_id)
        if sub is None:
            return node_id
        if sub.inputs:
            return self.target(node_id + "/" + sub.inputs[min(port, len(sub.inputs) - 1)].layer, 0)
        return self.target(node_id + "/" + sub.layers[0].name, 0)


def _model_detail(layer: Layer) -> str:
    sub = layer.subgraph
    count = sum(not inner.is_input for inner in sub.layers) if sub is not None else 0
    return f"{layer.type}, {count} layers, {format_params(layer.params)} params"


def flatten(graph: LayerGraph, expand: Sequence[str] = ()) -> View:
    """One block per layer; nested models named in ``expand`` (or ``"all"``) opened into clusters.

    Raises:
        OptionError: ``expand`` names a model the graph does not nest.
    """
    known = nested_models(graph)
    names = {k.rsplit("/", 1)[-1] for k in known}
    unknown = [e for e in expand if e != "all" and e not in known and e not in names]
    if unknown:
        raise OptionError(f"cannot expand {unknown[0]!r}: no nested model of that name "
                          f"(must be one of {sorted(known) + ['all']})")
    flat = _Flattener(expand)
    flat.add_graph(graph, "", None)
    outputs = {flat.source("", ref) for ref in graph.outputs}
    nodes = []
    for node in flat.nodes:
        if node.id in outputs:
            node = replace(node, is_output=True, family="output")
        elif node.layer is not None and node.layer.is_input:
            node = replace(node, family="input")
        nodes.append(node)
    base = View(graph.name, {}, [], flat.clusters, graph.total_params, graph.trainable_params)
    base.calls_on_edge = {e: len(t) for e, t in flat.tensors.items() if len(t) > 1}
    return base.with_nodes(nodes, flat.edges)


# -- range -------------------------------------------------------------------------------

def _find(view: View, name: str, what: str) -> int:
    ids = list(view.nodes)
    if name in view.nodes:
        return ids.index(name)
    hits = [i for i, n in enumerate(ids) if n.rsplit("/", 1)[-1] == name]
    if len(hits) == 1:
        return hits[0]
    import difflib

    close = difflib.get_close_matches(name, [n.rsplit("/", 1)[-1] for n in ids], n=3)
    hint = f"did you mean {', '.join(map(repr, close))}?" if close else "nnviz summary lists the names"
    raise OptionError(f"unknown {what} layer {name!r}", hint=hint)


def select_range(view: View, from_layer: str | None, to_layer: str | None) -> View:
    """Keep the blocks from ``from_layer`` to ``to_layer`` (inclusive, in topological order).

    Raises:
        OptionError: a name is unknown, or ``to_layer`` comes before ``from_layer``.
    """
    if from_layer is None and to_layer is None:
        return view
    ids = list(view.nodes)
    lo = 0 if from_layer is None else _find(view, from_layer, "--from")
    hi = len(ids) - 1 if to_layer is None else _find(view, to_layer, "--to")
    if hi < lo:
        raise OptionError(f"--to layer {to_layer!r} comes before --from layer {from_layer!r}")
    keep = set(ids[lo:hi + 1])
    return view.with_nodes([view.nodes[i] for i in ids[lo:hi + 1]],
                           [(u, v) for u, v in view.edges if u in keep and v in keep])


# -- repeated structures ------------------------------------------------------------------

_DROP_KEYS = ("name",)
# Regularisation settings that change from copy to copy (EfficientNet's growing drop rates)
# do not change what the block looks like.
_DROP_REGULARIZATION = ("rate", "seed", "noise_shape", "stddev")


def _canonical(config: Any, family: str) -> str:
    if not isinstance(config, dict):
        return json.dumps(config, sort_keys=True, default=str)
    drop = _DROP_KEYS + (_DROP_REGULARIZATION if family == "regularization" else ())
    clean = {k: v for k, v in config.items() if k not in drop}
    return json.dumps(clean, sort_keys=True, default=str)


def signature(node: Node) -> str:
    """What two blocks must share to count as copies: kind, types, config, paint and note (not names,
    not shapes).

    DenseNet's conv blocks grow the channel count from copy to copy, so shapes may differ.
    """
    layer = node.layer
    config = _canonical(layer.config, family_of(layer.type)) if layer is not None else ""
    sub = layer.subgraph if layer is not None else None
    inner = (len(sub.layers), sub.total_params) if sub is not None else None
    return json.dumps([node.kind, node.types, config, node.frozen, node.cluster, inner, node.size, node.paint,
                       node.note], default=str)


@dataclass(frozen=True)
class Run:
    """Copies ``copies`` of a unit of ``period`` blocks starting at ``start`` of a scope's order."""

    start: int
    period: int
    copies: int

    @property
    def end(self) -> int:
        return self.start + self.period * self.copies


class _Scope:
    """One cluster's blocks in order, with the lookups repeat detection needs."""

    def __init__(self, view: View, ids: list[str]) -> None:
        self.view = view
        self.ids = ids
        self.pos = {n: i for i, n in enumerate(ids)}
        self.preds: dict[str, list[str]] = {n: [] for n in ids}
        self.succs: dict[str, list[str]] = {n: [] for n in ids}
        for u, v in view.edges:
            if v in self.preds:
                self.preds[v].append(u)
            if u in self.succs:
                self.succs[u].append(v)
        sigs: dict[str, int] = {}
        self.tokens = [sigs.setdefault(signature(view.nodes[n]), len(sigs)) for n in ids]

    def same_wiring(self, a: int, b: int, period: int) -> bool:
        """Whether copy ``[b, b+period)`` is wired like ``[a, a+period)`` (names ignored) and reads it.

        Copies must follow one another (the second reads the first): parallel branches
        that happen to look alike are not a repeated structure.
        """
        linked = False
        for k in range(period):
            pa, pb = self.preds[self.ids[a + k]], self.preds[self.ids[b + k]]
            if len(pa) != len(pb):
                return False
            for ua, ub in zip(pa, pb):
                ia, ib = self.pos.get(ua, -1), self.pos.get(ub, -1)
                inside_a = a <= ia < a + period
                inside_b = b <= ib < b + period
                if inside_a != inside_b or (inside_a and ib - b != ia - a):
                    return False
                linked = linked or a <= ib < b
        return linked

    def coherence(self, run: Run) -> int:
        """How many blocks of the first copy carry the copy's name: alignments that cut
        between name groups (``conv2_block1_out`` opening ``conv2_block2``) score lower."""
        nodes = [self.view.nodes[n] for n in self.ids[run.start:run.start + run.period]]
        label = _copy_label(nodes)
        return sum(n.label.startswith(label) for n in nodes)

    def crossings(self, run: Run) -> int:
        """Distinct blocks read across the run's two ends: fewer means a cleaner cut."""
        lo, hi = run.start, run.end
        into = {u for n in self.ids[lo:lo + run.period] for u in self.preds[n]
                if not lo <= self.pos.get(u, -1) < hi}
        out = {n for n in self.ids[hi - run.period:hi] for v in self.succs[n]
               if not lo <= self.pos.get(v, -1) < hi}
        return len(into) + len(out)


def _candidates(tokens: Sequence[int]) -> list[tuple[int, int, int]]:
    """Periodic stretches of the token sequence: (covered length, period, start), best first."""
    import numpy as np

    tok = np.asarray(tokens, dtype=np.int64)
    n = len(tok)
    found = []
    for period in range(1, min(n // 2, _MAX_PERIOD) + 1):
        eq = np.concatenate(([False], tok[:-period] == tok[period:], [False]))
        edges = np.flatnonzero(np.diff(eq.astype(np.int8)))
        for a, b in zip(edges[::2], edges[1::2]):
            length = int(b - a) + period
            if length >= 2 * period:
                found.append((length, period, int(a)))
    found.sort(key=lambda c: (-c[0], c[1], c[2]))
    return found


def _best_run(scope: _Scope, length: int, period: int, start: int) -> Run | None:
    """The alignment of a periodic stretch with the most valid copies and the cleanest cut."""
    best: tuple | None = None
    for shift in range(min(period, length - 2 * period + 1)):
        s = start + shift
        copies = 1
        while s + (copies + 1) * period <= start + length and scope.same_wiring(
                s + (copies - 1) * period, s + copies * period, period):
            copies += 1
        if copies < 2 or copies * period < 3:
            continue
        run = Run(s, period, copies)
        light = scope.view.nodes[scope.ids[s]].family in FOLDABLE_FAMILIES  # a copy opening with a BN
        key = (-copies, scope.crossings(run), -scope.coherence(run), light, shift)
        if best is None or key < best[0]:
            best = (key, run)
    return None if best is None else best[1]


def find_repeats(view: View, cluster: str | None) -> list[Run]:
    """Non-overlapping runs of repeated units among the blocks drawn in ``cluster``."""
    scope = _Scope(view, view.scope(cluster))
    used = [False] * len(scope.ids)
    runs: list[Run] = []
    for length, period, start in _candidates(scope.tokens):
        if any(used[start:start + length]):
            # a run that overlaps an accepted one may still fit beside it: trim it
            free = [i for i in range(start, start + length) if not used[i]]
            if len(free) < 2 * period:
                continue
            start, length = _longest_free(used, start, length)
            if length < 2 * period:
                continue
        run = _best_run(scope, length, period, start)
        if run is None:
            continue
        runs.append(run)
        for i in range(run.start, run.end):
            used[i] = True
    runs.sort(key=lambda r: r.start)
    return [_as_ids(scope, r) for r in runs]  # type: ignore[misc]


def _longest_free(used: list[bool], start: int, length: int) -> tuple[int, int]:
    best = (start, 0)
    i = start
    while i < start + length:
        if used[i]:
            i += 1
            continue
        j = i
        while j < start + length and not used[j]:
            j += 1
        if j - i > best[1]:
            best = (i, j - i)
        i = j
    return best


@dataclass(frozen=True)
class _IdRun:
    copies: tuple[tuple[str, ...], ...]


def _as_ids(scope: _Scope, run: Run) -> _IdRun:
    return _IdRun(tuple(tuple(scope.ids[run.start + c * run.period:run.start + (c + 1) * run.period])
                        for c in range(run.copies)))


def _copy_label(nodes: Sequence[Node]) -> str:
    """A name for one copy of a group of blocks (see :func:`~nnviz.layout.labels.copy_label`);
    the first block's own name, else the last one's, when the names share nothing."""
    label = copy_label([i for n in nodes for i in n.members], [t for n in nodes for t in n.types])
    if label:
        return label
    first = nodes[0]
    if first.family not in FOLDABLE_FAMILIES and not is_automatic(first.id, first.types):
        return first.label
    return nodes[-1].label


def _group_types(nodes: Sequence[Node]) -> list[str]:
    return [n.layer.type if n.kind == "layer" and n.layer is not None else t for n in nodes for t in n.types[:1]]


def _remap_edges(edges: Iterable[tuple[str, str]], mapping: dict[str, str]) -> list[tuple[str, str]]:
    out = []
    for u, v in edges:
        mu, mv = mapping.get(u, u), mapping.get(v, v)
        if mu != mv and mu is not None and mv is not None:
            out.append((mu, mv))
    return out


def _all_frozen(nodes: Sequence[Node]) -> bool:
    """A group is frozen when some member is and every member with weights is (a ReLU has none)."""
    return any(n.frozen for n in nodes) and all(n.frozen or n.params == 0 for n in nodes)


def _group_params(view: View, ids: Iterable[str]) -> int | None:
    return sum_params(view.nodes[i].params for i in ids)


def collapse_repeats(view: View, *, as_block: bool = False) -> View:
    """Draw each run of repeated units once.

    Args:
        view: the view to simplify.
        as_block: fold each run into one block (``×n``); otherwise keep the first copy's
            blocks inside a cluster titled ``×n``.
    """
    scopes = [None, *view.clusters]
    runs = [run for cid in scopes for run in find_repeats(view, cid)]
    if not runs:
        return view
    nodes = dict(view.nodes)
    clusters = dict(view.clusters)
    mapping: dict[str, str] = {}
    last_copy = dict(view.last_copy)
    for run in runs:
        first, last = run.copies[0], run.copies[-1]
        members = [i for copy in run.copies for i in copy]
        label = group_label([[m for i in copy for m in view.nodes[i].members] for copy in run.copies],
                            _group_types([view.nodes[i] for i in first]))
        params = _group_params(view, members)
        scope = view.nodes[first[0]].cluster
        if as_block:
            gid = "repeat:" + first[0]
            tail = view.nodes[last[-1]]
            nodes[gid] = Node(gid, "repeat", label, None, tuple(members), scope, params, len(run.copies),
                              tuple(t for i in first for t in view.nodes[i].types), tail.shape, "group",
                              _all_frozen([view.nodes[i] for i in members]), 1, tail.is_output, len(first))
            for i in members:
                mapping[i] = gid
                del nodes[i]
            continue
        cid = "cluster:" + first[0]
        clusters[cid] = ClusterInfo(cid, f"{display(label, _MAX_TITLE)}  ×{len(run.copies)}", scope, "repeat",
                                    len(run.copies), params, f"{format_params(params)} params",
                                    tuple(m for i in members for m in view.nodes[i].members))
        for i in first:
            nodes[i] = replace(nodes[i], cluster=cid)
        for copy in run.copies[1:]:
            for k, i in enumerate(copy):
                mapping[i] = first[k]
                del nodes[i]
        last_copy.update(zip(first, last))
    edges = _remap_edges(view.edges, mapping)
    if not as_block:
        # copies read each other in a chain; drawn once, that is a loop back into the copy
        group_of = {i: run.copies[0][0] for run in runs for copy in run.copies for i in copy}
        pos = {n: i for i, n in enumerate(view.nodes)}
        edges = [(u, v) for u, v in edges
                 if not (group_of.get(u) is not None and group_of.get(u) == group_of.get(v)
                         and pos[u] >= pos[v])]
    out = view.with_nodes(nodes.values(), edges, clusters)
    out.last_copy = last_copy
    return out


# -- chains ------------------------------------------------------------------------------

def _foldable(node: Node) -> bool:
    return node.kind == "layer" and node.family in FOLDABLE_FAMILIES and node.calls == 1


def _short_type(node: Node) -> str:
    layer = node.layer
    if layer is not None and layer.type == "Activation" and layer.activation:
        return layer.activation
    return _SHORT.get(node.types[0], node.types[0]) if node.types else node.kind


def fold_chains(view: View) -> View:
    """Fold each normalisation/activation/dropout layer into the block it follows.

    Only where the block before feeds nothing else and the layer reads nothing else,
    so no edge is lost: ``conv -> bn -> relu`` becomes one ``Conv2D + BN + relu`` block.
    """
    preds: dict[str, list[str]] = {n: [] for n in view.nodes}
    succs: dict[str, list[str]] = {n: [] for n in view.nodes}
    for u, v in view.edges:
        preds[v].append(u)
        succs[u].append(v)
    head_of: dict[str, str] = {}
    folded: dict[str, list[str]] = {}
    for nid, node in view.nodes.items():
        ps = preds[nid]
        if (_foldable(node) and len(ps) == 1 and len(succs[ps[0]]) == 1
                and view.nodes[ps[0]].cluster == node.cluster
                and view.nodes[ps[0]].kind in ("layer", "chain")
                and view.nodes[ps[0]].family != "input"):
            head = head_of.get(ps[0], ps[0])
            head_of[nid] = head
            folded.setdefault(head, []).append(nid)
    if not folded:
        return view
    nodes = []
    for nid, node in view.nodes.items():
        if nid in head_of:
            continue
        if nid in folded:
            node = _chain_node(view, node, [view.nodes[t] for t in folded[nid]])
        nodes.append(node)
    return view.with_nodes(nodes, _remap_edges(view.edges, head_of))


def _chain_node(view: View, head: Node, tail: list[Node]) -> Node:
    parts = [head.types[0] if head.kind == "layer" else "+".join(head.types)] + [_short_type(t) for t in tail]
    last = tail[-1]
    family = "output" if last.is_output else head.family
    return replace(head, kind="chain", members=head.members + tuple(m for t in tail for m in t.members),
                   params=sum_params([head.params, *(t.params for t in tail)]), types=tuple(p for p in parts if p),
                   shape=last.shape, family=family, is_output=last.is_output or head.is_output,
                   frozen=head.frozen and all(t.frozen or t.params == 0 for t in tail),
                   size=head.size + len(tail))


# -- modules -----------------------------------------------------------------------------

def _live_counts(ids: list[str], view: View) -> list[int]:
    """For each cut after position i: how many distinct blocks before it are read after it."""
    pos = {n: i for i, n in enumerate(ids)}
    last_use = {}
    for u, v in view.edges:
        if u in pos and v in pos and pos[v] > pos[u]:
            last_use[u] = max(last_use.get(u, -1), pos[v])
    ends = [0] * (len(ids) + 1)
    starts = [0] * (len(ids) + 1)
    for u, end in last_use.items():
        starts[pos[u]] += 1
        ends[end] += 1
    out, live = [], 0
    for i in range(len(ids)):
        live += starts[i] - ends[i]
        out.append(live)
    return out


def _pieces(ids: list[str], view: View, width: int) -> list[list[str]]:
    """Split a scope's order at every cut no more than ``width`` tensors wide."""
    live = _live_counts(ids, view)
    pieces, cur = [], []
    for i, nid in enumerate(ids):
        cur.append(nid)
        if live[i] <= width:
            pieces.append(cur)
            cur = []
    if cur:
        pieces.append(cur)
    return pieces


def _merge_at_joins(pieces: list[list[str]], view: View, min_size: int) -> list[list[str]]:
    """Join consecutive pieces until one ends at a join (a concat, an add) with enough blocks.

    Cells that take two inputs (NASNet) are cut by narrow cuts inside them too; a cell
    ends where its branches join.
    """
    preds: dict[str, int] = {}
    for _, v in view.edges:
        preds[v] = preds.get(v, 0) + 1
    out, cur = [], []
    for piece in pieces:
        cur += piece
        if preds.get(cur[-1], 0) > 1 and len(cur) >= min_size:
            out.append(cur)
            cur = []
    if cur:
        out.append(cur)
    return out


def find_modules(view: View, cid: str | None = None, *, min_size: int = 4,
                 max_size: int = 40) -> list[list[str]]:
    """Branching regions between narrow cuts among the blocks of ``cid``: Inception modules, cells.

    Cuts one tensor wide come first; a region bigger than ``max_size`` is cut again
    at two, three, four tensors (its pieces joined up to the next join).
    """
    def split(ids: list[str], width: int) -> list[list[str]]:
        pieces = _pieces(ids, view, width)
        if width > 1:
            pieces = _merge_at_joins(pieces, view, min_size)
        out = []
        for piece in pieces:
            if len(piece) > max_size and width < 4:
                out += split(piece, width + 1)
            elif len(piece) >= min_size and _is_branching(piece, view):
                out.append(piece)
        return out

    ids = view.scope(cid)
    return split(ids, 1) if ids else []


def _is_branching(piece: list[str], view: View) -> bool:
    """Whether the blocks are more than a simple chain: a join inside (a block reading two
    tensors, one maybe from before the piece, as a squeeze-excite multiply does) or a fork."""
    inside = set(piece)
    preds: dict[str, set[str]] = {n: set() for n in piece}
    outs = dict.fromkeys(piece, 0)
    for u, v in view.edges:
        if v in inside:
            preds[v].add(u)
            if u in inside:
                outs[u] += 1
    return any(len(p) > 1 for p in preds.values()) or any(c > 1 for c in outs.values())


def fold_modules(view: View, limit: int | None = None) -> View:
    """Fold branching regions (see :func:`find_modules`) into one ``module`` block each.

    Args:
        view: the view to simplify.
        limit: fold only this many, the biggest first (``None``: all).
    """
    found = [m for cid in [None, *view.clusters] for m in find_modules(view, cid)]
    found.sort(key=lambda m: -len(m))
    if limit is not None:
        found = found[:limit]
    if not found:
        return view
    nodes: list[Node] = []
    mapping: dict[str, str] = {}
    for piece in found:
        node = _module_node([view.nodes[i] for i in piece])
        nodes.append(node)
        mapping.update(dict.fromkeys(piece, node.id))
    kept = [n for n in view.nodes.values() if n.id not in mapping]
    return view.with_nodes(kept + nodes, _remap_edges(view.edges, mapping))


def _module_node(members: list[Node]) -> Node:
    last = members[-1]
    label = group_label([[x for m in members for x in m.members]], _group_types(members))
    layers = sum(m.size * m.repeat for m in members)
    types = tuple(dict.fromkeys(t for m in members for t in m.types))
    return Node("module:" + members[0].id, "module", label, None, tuple(x for m in members for x in m.members),
                last.cluster, sum_params(m.params for m in members), 1, types, last.shape, "group",
                _all_frozen(members), 1, any(m.is_output for m in members), layers)
