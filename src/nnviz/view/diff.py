"""The view of a model diff: the union of both models, its blocks coloured by status.

B's layers are laid out as usual, with A's removed layers put back as *ghosts* where they were
(wired to the layers they read and fed, through the matching). Every block is coloured by its
status: added, removed, changed or unchanged; a changed block names what changed on its type
line ("units 32 → 48"). Blocks are painted before repeats fold, so only copies of one status
fold together: ResNet50 → ResNet101 shows conv4's ×5 unchanged and ×17 added. Links present in
one model only are marked (``only_a`` / ``only_b``), drawn dashed.

:mod:`nnviz.layout.diff` lays these views out; :mod:`nnviz.modeldiff` runs the stages.
"""

from __future__ import annotations

import re
from dataclasses import replace
from typing import TYPE_CHECKING, Any, Iterable, Mapping, NamedTuple

from ..graph import Call, Layer, LayerGraph, TensorRef
from ..theme import Theme
from .model import ClusterInfo, Coloring

if TYPE_CHECKING:  # pragma: no cover
    from ..modeldiff import ModelDiff
    from .model import View

__all__ = ["union_graph", "side_status", "StatusColoring", "diff_title", "Union", "weight_bin",
           "STATUSES", "WEIGHT_LIMITS", "STATUS_COLORS", "EDGE_COLORS", "WEIGHT_BINS"]

#: a diff's statuses, in legend order
STATUSES = ("added", "removed", "changed", "unchanged")
#: a diff's weight changes (relative, ‖B − A‖ / ‖A‖): upper limits and legend keys, one per colour of
#: the theme's ``weights`` palette
WEIGHT_LIMITS = ((0.001, "weights Δ < 0.1%"), (0.01, "weights Δ < 1%"), (0.1, "weights Δ < 10%"),
                 (float("inf"), "weights Δ ≥ 10%"))


def weight_bin(relative: float) -> str:
    """The legend key of a relative weight change.

    >>> weight_bin(0.0005), weight_bin(0.5)
    ('weights Δ < 0.1%', 'weights Δ ≥ 10%')
    """
    return next(label for limit, label in WEIGHT_LIMITS if relative < limit)


# The default theme's colours of a diff (its "status" and "weights" palettes): statuses, links present
# in one model only (dashed, scene.ONE_SIDED_EDGES), and unchanged layers whose weights moved, by how
# far (relative change ‖B − A‖ / ‖A‖), a discrete colour bar from light to dark purple
_WEIGHTS = Theme().palette("weights")
STATUS_COLORS = {s: Theme().palette("status")[s] for s in STATUSES}
EDGE_COLORS = {k: c for k, c in Theme().palette("status").items() if k.startswith("edge:")}
WEIGHT_BINS = tuple((limit, label, color) for (limit, label), color in zip(WEIGHT_LIMITS, _WEIGHTS.values()))
_LAYER_COUNT = re.compile(r", (\d+) layers,")  # in an opened nested model's frame (view.flatten)
_QUIET_FIELDS = ("params", "non_trainable_params", "output_shape", "inbound", "name")


class Union(NamedTuple):
    """The union of both models as one graph, with what tells its parts apart."""

    graph: LayerGraph
    status: dict[str, str]  # every layer (nested ones by path): added, removed, changed, unchanged...
    links: dict[tuple[str, str], str]  # every connection (u, v), nested ones by path: "a" or "b" (in one
    #                                    model only), "both"
    ghosts: dict[str, str]  # every ghost (A's removed layers, nested ones too): its path in the union -> in A


def union_graph(d: "ModelDiff") -> Union:
    """B with A's removed layers put back as ghosts where they were (inside nested models too: a
    nested model in both is the union of its two versions) and A's links B lacks, the status of
    every layer of the union and the side of every link."""
    status: dict[str, str] = {}
    links: dict[tuple[str, str], str] = {}
    ghosts: dict[str, str] = {}
    level = _union_level(d, d.a, d.b, "", "", set(d.removed), status, links, ghosts)
    for w in d.weights_changed:
        if status.get(w.b) == "unchanged":
            status[w.b] = weight_bin(w.relative)
    b = d.b
    union = LayerGraph(b.name, level.layers, level.calls, b.inputs, b.outputs, class_name="Functional",
                       source=b.source, keras_version=b.keras_version, has_graph=b.has_graph)
    return Union(union, status, links, ghosts)


def _union_level(d: "ModelDiff", ga: LayerGraph, gb: LayerGraph, pa: str, pb: str, removed: set[str],
                 status: dict[str, str], links: dict[tuple[str, str], str],
                 ghosts: dict[str, str]) -> LayerGraph:
    """The union of one model's two versions (the top level, or a nested model in both, at paths
    ``pa`` in A and ``pb`` in B); fills ``status``, ``links`` and ``ghosts`` by path."""
    b_of: dict[str, str] = {}  # A's name -> B's, at this level
    for layer in gb.layers:
        pair = d.pairs.get(pb + layer.name)
        if pair is not None and pair[0].startswith(pa) and pair[0][len(pa):] in ga:
            b_of[pair[0][len(pa):]] = layer.name
    ghost = {layer.name: (layer.name if layer.name not in gb else f"{layer.name} (A)")
             for layer in ga.layers if pa + layer.name in removed}

    def in_union(name: str) -> str | None:
        return b_of.get(name, ghost.get(name))

    a_links: dict[tuple[str, str], None] = {}  # A's connections in the union's names, in A's order
    for call in ga.calls:
        v = in_union(call.layer)
        for ref in call.inputs if v is not None else ():
            u = in_union(ref.layer)
            if u is not None:
                a_links.setdefault((u, v), None)
    b_links = {(ref.layer, call.layer) for call in gb.calls for ref in call.inputs}

    calls: list[Call] = []
    after: dict[str | None, list[Layer]] = {}  # ghosts, after the layer of the union A had before them
    previous = None
    for la in ga.layers:
        if la.name in ghost:
            name = ghost[la.name]
            after.setdefault(previous, []).append(la.replace(name=name))
            ghosts[pb + name] = pa + la.name
            _put_status(d, la, pb + name, "removed", status)
            reads = ga.calls_of(la.name)[0].inputs if ga.calls_of(la.name) else ()
            refs = [TensorRef(u, 0, x.tensor) for x in reads if (u := in_union(x.layer)) is not None]
            calls.append(Call(name, 0, tuple(refs)))
        elif la.name in b_of:
            previous = b_of[la.name]
    # the layers of B whose counterpart in A read a layer B's does not (a ghost, or a link B dropped)
    # get an arrow from it
    extra_inputs: dict[str, list[TensorRef]] = {}
    for u, v in a_links:
        if v in gb and (u, v) not in b_links:
            extra_inputs.setdefault(v, []).append(TensorRef(u))
    a_of = {bn: an for an, bn in b_of.items()}
    layers: list[Layer] = list(after.get(None, ()))
    for layer in gb.layers:
        path = pb + layer.name
        la = ga.layer(a_of[layer.name]) if layer.name in a_of else None
        if layer.subgraph is not None and la is not None and la.subgraph is not None:
            status[path] = d.status(path)
            sub = _union_level(d, la.subgraph, layer.subgraph, pa + la.name + "/", path + "/", removed,
                               status, links, ghosts)
            layer = layer.replace(subgraph=sub)
        else:
            _put_status(d, layer, path, d.status(path), status)
        layers.append(_with_change_text(layer, d, path))
        layers.extend(after.get(layer.name, ()))
    for call in gb.calls:
        extra = tuple(extra_inputs.get(call.layer, ())) if call.index == 0 else ()
        calls.append(replace(call, inputs=tuple(call.inputs) + extra))
    links.update({(pb + r.layer, pb + c.layer): "both" if (r.layer, c.layer) in a_links and (r.layer, c.layer) in b_links
                  else "a" if (r.layer, c.layer) in a_links else "b" for c in calls for r in c.inputs})
    return gb.with_layers(_in_order(layers, calls), calls)


def _put_status(d: "ModelDiff", layer: Layer, path: str, st: str, status: dict[str, str],
                side: str = "b") -> None:
    """The status of a layer and of every layer inside it: a nested model added or removed as a
    whole is so with all its layers."""
    status[path] = st
    if layer.subgraph is not None:
        for inner_path, inner in layer.subgraph.walk():
            p = "/".join((path, *inner_path, inner.name))
            status[p] = st if st in ("added", "removed") else d.status(p, side)


def _in_order(layers: list[Layer], calls: list[Call]) -> list[Layer]:
    """Layers in an order where every layer comes after what it reads (ghosts among B's layers)."""
    by_name = {layer.name: layer for layer in layers}
    deps = {layer.name: [] for layer in layers}
    for call in calls:
        deps.setdefault(call.layer, []).extend(r.layer for r in call.inputs if r.layer in by_name)
    out: list[Layer] = []
    seen: set[str] = set()
    for layer in layers:
        stack = [(layer.name, False)]
        while stack:
            n, ready = stack.pop()
            if ready:
                if n not in seen:
                    seen.add(n)
                    out.append(by_name[n])
                continue
            if n in seen:
                continue
            stack.append((n, True))
            stack.extend((p, False) for p in reversed(deps.get(n, [])) if p not in seen)
    return out


def _change_text(fields: dict[str, tuple[Any, Any]]) -> str:
    from ..formatting import short_value as _short

    shown = [k for k in fields if k not in _QUIET_FIELDS] or [k for k in fields if k != "inbound"] or list(fields)
    k = shown[0]
    old, new = fields[k]
    text = f"{k} {_short(old)} → {_short(new)}"
    if len(shown) > 1:
        text += f", +{len(shown) - 1} more"
    if "name" in fields:
        text = f"was {fields['name'][0]} · " + text
    return text


def _with_change_text(layer: Layer, d: "ModelDiff", path: str) -> Layer:
    """The layer (at ``path``) with what changed as a note; a nested model's says how many of its
    layers changed (its own layers have their notes from their own level of the union)."""
    change = d.change_of(path)
    note = None if change is None else _change_text(dict(change.fields))
    if layer.subgraph is not None:
        counts = [f"{n} {what}" for n, what in zip(d.inside(path), ("added", "removed", "changed")) if n]
        if counts:
            note = ("inside: " + ", ".join(counts)) if note is None else f"{note} · inside: {', '.join(counts)}"
    if note is None:
        return layer
    return layer.replace(notes=layer.notes + ("diff: " + note,))


class StatusColoring(Coloring):
    """A diff: each block by its layers' status (a group of mixed statuses is ``changed``), with the
    change noted under its type line, and edges standing only for links of one model marked
    ``only_a`` / ``only_b`` (drawn dashed).

    Args:
        status: every layer of the union (nested ones by path) -> a status or a weight-change key.
        links: every connection ``(u, v)`` -> ``"a"`` or ``"b"`` (in one model only) or ``"both"``.
        theme: the palettes' theme (``None``: the default).
        ghosts: the layers of the union that are A's removed ones put back (an opened nested
            model's frame counts its own layers and these apart: ``3 layers + 1 removed``).
    """

    name = "status"

    def __init__(self, status: Mapping[str, str], links: Mapping[tuple[str, str], str],
                 theme: Theme | None = None, ghosts: Iterable[str] = ()) -> None:
        from ..theme import Theme

        theme = theme or Theme()
        statuses, weights = theme.palette("status"), theme.palette("weights")
        super().__init__({**{s: statuses[s] for s in STATUSES},
                          **{label: color for (_, label), color in zip(WEIGHT_LIMITS, weights.values())},
                          **{k: c for k, c in statuses.items() if k.startswith("edge:")}})
        self.status = dict(status)
        self.links = dict(links)
        self.ghosts = frozenset(ghosts)
        self.before_folding = self.after_folding = self.paint

    def paint(self, view: View) -> View:
        """The view's blocks painted by status and its one-sided edges marked."""
        status = self.status
        blocks = []
        for block in view.blocks.values():
            members = [status.get(m, status.get(m.split("/")[0], "unchanged")) for m in block.members] or ["unchanged"]
            st = members[0] if len(set(members)) == 1 else "changed"
            note = None
            if block.kind in ("layer", "chain", "model") and block.layer is not None:
                note = next((n[6:] for n in block.layer.notes if n.startswith("diff: ")), None)
            layer = self._own_layers(block.id, block.layer) if block.kind == "model" else block.layer
            blocks.append(replace(block, paint=st, note=note, layer=layer))  # mixed groups: "changed"
        return view.with_blocks(blocks, view.edges, clusters=self._frames(view), edge_kinds=self._edge_kinds(view))

    def tree_keys(self, graph: LayerGraph) -> dict[str, str]:
        """Each layer's colour key by path, for a layer tree (a file without a graph has no View
        to paint: :func:`nnviz.layout.tree.tree_scene` draws it)."""
        return {p: self.status.get(p, "unchanged") for p in ("/".join((*path, x.name)) for path, x in graph.walk())}

    def _own_layers(self, path: str, layer: Layer | None) -> Layer | None:
        """A closed nested model of the union as B has it (its block counts B's layers; the
        ghosts inside are in its note), or ``layer`` itself."""
        sub = None if layer is None else layer.subgraph
        if sub is None or not self.ghosts:
            return layer
        kept = [x for x in sub.layers if f"{path}/{x.name}" not in self.ghosts]
        if len(kept) == len(sub.layers):
            return layer
        names = {x.name for x in kept}
        return layer.replace(subgraph=sub.with_layers(kept, [c for c in sub.calls if c.layer in names]))

    def _frames(self, view: View) -> dict[str, ClusterInfo]:
        """The view's clusters, an opened nested model's saying how many of its layers are ghosts."""
        inside: dict[str, int] = {}
        for path in self.ghosts:
            outer = self._lineage(path)[1:2]
            if outer and outer[0] not in self.ghosts:
                inside[outer[0]] = inside.get(outer[0], 0) + 1
        clusters = dict(view.clusters)
        for cid, info in view.clusters.items():
            n = inside.get(cid)
            m = _LAYER_COUNT.search(info.detail) if n and info.kind == "model" else None
            if m:  # the model's own layers, then its ghosts (once: painting again finds no count to fix)
                detail = f"{info.detail[:m.start()]}, {int(m.group(1)) - n} layers + {n} removed,{info.detail[m.end():]}"
                clusters[cid] = replace(info, detail=detail)
        return clusters

    def _edge_kinds(self, view: View) -> dict[tuple[str, str], str]:
        """``only_a`` / ``only_b`` for each edge of the view whose links are all of one side: the
        links between the layers of its two blocks or the nested models that hold them (an edge
        into an opened nested model stands for the link into the model)."""
        by_src: dict[str, list[tuple[str, str]]] = {}
        for (u, v), side in self.links.items():
            by_src.setdefault(u, []).append((v, side))
        if not any(side != "both" for side in self.links.values()):
            return {}
        kinds = {}
        for u, v in view.edges:
            dst = {x for m in view.blocks[v].members for x in self._lineage(m)}
            sides = {side for m in view.blocks[u].members for x in self._lineage(m)
                     for w, side in by_src.get(x, ()) if w in dst}
            if sides == {"a"} or sides == {"b"}:
                kinds[(u, v)] = "only_" + sides.pop()
        return kinds

    def _lineage(self, path: str) -> list[str]:
        """The layer at ``path`` and the nested models above it (``enc/d``: ``enc/d``, ``enc``)."""
        out = [path]
        i = path.rfind("/")
        while i > 0:
            if path[:i] in self.status:  # a name of an old file may hold "/" itself
                out.append(path[:i])
            i = path.rfind("/", 0, i)
        if len(out) == 1 and "/" in path:  # a status given for top-level names only
            out.append(path.split("/")[0])
        return out


def diff_title(d: "ModelDiff") -> tuple[str, str]:
    """The diff's title and subtitle: A → B, B's parameters and the counts of changes."""
    delta = d.params_delta
    total = d.b.total_params
    sub = (f"B: {'?' if total is None else f'{total:,}'} params ({'?' if delta is None else f'{delta:+,}'}) · "
           f"{len(d.added)} added · {len(d.removed)} removed · {len(d.changed)} changed · "
           f"{d.unchanged} unchanged")
    return f"{d.a.name} → {d.b.name}", sub


def side_status(d: "ModelDiff") -> tuple[tuple[dict[str, str], dict[tuple[str, str], str]],
                                         tuple[dict[str, str], dict[tuple[str, str], str]]]:
    """Each model's own status per layer and side per link (nested ones by path; dashed where the
    other model lacks the link), for drawing A and B apart: ``((status_a, links_a), (status_b, links_b))``."""
    status_a: dict[str, str] = {}
    for layer in d.a.layers:
        _put_status(d, layer, layer.name, d.status(layer.name, "a"), status_a, "a")
    union = union_graph(d)
    a_name = {**{bn: an for bn, (an, _) in d.pairs.items()}, **union.ghosts}
    links_a = {(a_name[u], a_name[v]): "a" if side == "a" else "both" for (u, v), side in union.links.items()
               if side != "b" and u in a_name and v in a_name}
    links_b = {uv: side for uv, side in union.links.items() if side != "a"}
    return (status_a, links_a), (union.status, links_b)
