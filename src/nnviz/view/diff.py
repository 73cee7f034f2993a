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

from dataclasses import replace
from typing import TYPE_CHECKING, Any, NamedTuple

from ..graph import Call, Layer, LayerGraph, TensorRef

if TYPE_CHECKING:  # pragma: no cover
    from ..modeldiff import ModelDiff
    from ..theme import Theme
    from .model import View

__all__ = ["union_graph", "side_links", "side_status", "recolor", "diff_theme", "diff_title", "Union",
           "STATUS_COLORS", "EDGE_COLORS", "WEIGHT_BINS"]

STATUS_COLORS = {"added": "#7fc97f", "removed": "#f4a6a6", "changed": "#fdb863", "unchanged": "#e8e8e8"}
# links present in one model only are dashed (scene.ONE_SIDED_EDGES), darker than the blocks' colours
EDGE_COLORS = {"edge:only_a": "#c0392b", "edge:only_b": "#238b45"}
# with weights compared, unchanged layers whose weights moved are coloured by how far (relative
# change ‖B − A‖ / ‖A‖), a discrete colour bar from light to dark purple
# (light enough that the blocks' dark text stays legible on the darkest)
WEIGHT_BINS = ((0.001, "weights Δ < 0.1%", "#f2f0f7"), (0.01, "weights Δ < 1%", "#dadaeb"),
               (0.1, "weights Δ < 10%", "#bcbddc"), (float("inf"), "weights Δ ≥ 10%", "#9e9ac8"))
_QUIET_FIELDS = ("params", "non_trainable_params", "output_shape", "inbound", "name")


class Union(NamedTuple):
    """The union of both models as one graph, with what tells its parts apart."""

    graph: LayerGraph
    status: dict[str, str]  # every layer (nested ones by path): added, removed, changed, unchanged...
    links: dict[tuple[str, str], str]  # every connection (u, v): "a" or "b" (in one model only), "both"


def _ghost_names(d: "ModelDiff") -> dict[str, str]:
    """The union's names of A's removed top-level layers (one removed inside a nested model shows
    on the model's block)."""
    return {n: (n if n not in d.b else f"{n} (A)") for n in d.removed if n in d.a}


def side_links(d: "ModelDiff") -> tuple[dict[tuple[str, str], None], set[tuple[str, str]]]:
    """The connections of A in the union's names (B's names, ghosts for removed layers), in A's
    order, and those of B: a connection in one of them only is drawn dashed."""
    b_of = {an: bn for bn, (an, _) in d.pairs.items()}
    ghosts = _ghost_names(d)

    def in_union(name: str) -> str | None:
        return b_of.get(name, ghosts.get(name))

    a_links: dict[tuple[str, str], None] = {}
    for call in d.a.calls:
        v = in_union(call.layer)
        for ref in call.inputs if v is not None else ():
            u = in_union(ref.layer)
            if u is not None:
                a_links.setdefault((u, v), None)
    b_links = {(ref.layer, call.layer) for call in d.b.calls for ref in call.inputs}
    return a_links, b_links


def union_graph(d: "ModelDiff") -> Union:
    """B with A's removed layers put back (and A's links B lacks), the status of every layer of
    the union and the side of every link."""
    a, b = d.a, d.b
    b_of = {an: bn for bn, (an, _) in d.pairs.items()}
    ghost_name = _ghost_names(d)
    status = {"/".join((*path, layer.name)): d.status("/".join((*path, layer.name))) for path, layer in b.walk()}
    for w in d.weights_changed:
        if status.get(w.b) == "unchanged":
            status[w.b] = next(label for limit, label, _ in WEIGHT_BINS if w.relative < limit)

    def ref_in_union(ref: TensorRef) -> TensorRef | None:
        if ref.layer in b_of:
            return TensorRef(b_of[ref.layer], 0, ref.tensor)
        if ref.layer in ghost_name:
            return TensorRef(ghost_name[ref.layer], 0, ref.tensor)
        return None

    a_links, b_links = side_links(d)
    layers: list[Layer] = []
    calls: list[Call] = []
    for an in ghost_name:
        la = a.layer(an)
        name = ghost_name[an]
        layers.append(la.replace(name=name))
        status[name] = "removed"
        refs = []
        for call in a.calls_of(an)[:1]:
            refs = [r for r in (ref_in_union(x) for x in call.inputs) if r is not None]
        calls.append(Call(name, 0, tuple(refs)))
    # the layers of B whose counterpart in A read a layer B's does not (a ghost, or a link B dropped)
    # get an arrow from it
    extra_inputs: dict[str, list[TensorRef]] = {}
    for u, v in a_links:
        if v in b and (u, v) not in b_links:
            extra_inputs.setdefault(v, []).append(TensorRef(u))
    for layer in b.layers:
        layers.append(_with_change_text(layer, d))
    for call in b.calls:
        extra = tuple(extra_inputs.get(call.layer, ())) if call.index == 0 else ()
        calls.append(replace(call, inputs=tuple(call.inputs) + extra))
    union = LayerGraph(b.name, _in_order(layers, calls), calls, b.inputs, b.outputs,
                       class_name="Functional", source=b.source, keras_version=b.keras_version)
    links = {(r.layer, c.layer): "both" if (r.layer, c.layer) in a_links and (r.layer, c.layer) in b_links
             else "a" if (r.layer, c.layer) in a_links else "b" for c in calls for r in c.inputs}
    return Union(union, status, links)


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


def _with_change_text(layer: Layer, d: "ModelDiff", prefix: str = "") -> Layer:
    """The layer with what changed as a note; a nested model's layers too (shown when it is drawn open)."""
    name = prefix + layer.name
    change = d.change_of(name)
    note = None if change is None else _change_text(dict(change.fields))
    if layer.subgraph is not None:
        sub = layer.subgraph
        layer = layer.replace(subgraph=sub.with_layers([_with_change_text(x, d, name + "/") for x in sub.layers]))
        counts = [f"{n} {what}" for n, what in zip(d.inside(name), ("added", "removed", "changed")) if n]
        if counts:
            note = ("inside: " + ", ".join(counts)) if note is None else f"{note} · inside: {', '.join(counts)}"
    if note is None:
        return layer
    return layer.replace(notes=layer.notes + ("diff: " + note,))


def recolor(view: "View", status: dict[str, str], links: dict[tuple[str, str], str] | None = None) -> "View":
    """The view's blocks painted by status (a group of mixed statuses is "changed"), and its edges
    standing only for links of one side marked ``only_a`` / ``only_b`` (drawn dashed)."""
    nodes = []
    for node in view.blocks.values():
        members = [status.get(m, status.get(m.split("/")[0], "unchanged")) for m in node.members] or ["unchanged"]
        kinds = set(members)
        st = members[0] if len(kinds) == 1 else "changed"
        note = None
        if node.kind in ("layer", "chain", "model") and node.layer is not None:
            note = next((n[6:] for n in node.layer.notes if n.startswith("diff: ")), None)
        nodes.append(replace(node, paint=st, note=note))  # mixed groups: "changed"
    return view.with_blocks(nodes, view.edges, edge_kinds=_edge_kinds(view, links or {}))


def _edge_kinds(view: "View", links: dict[tuple[str, str], str]) -> dict[tuple[str, str], str]:
    """``only_a`` / ``only_b`` for each edge of the view whose links (between the layers of its two
    blocks, nested ones by their model) are all of one side."""
    by_src: dict[str, list[tuple[str, str]]] = {}
    for (u, v), side in links.items():
        by_src.setdefault(u, []).append((v, side))
    if not any(side != "both" for side in links.values()):
        return {}
    kinds = {}
    for u, v in view.edges:
        dst = {m.split("/")[0] for m in view.blocks[v].members}
        sides = {side for m in {m.split("/")[0] for m in view.blocks[u].members}
                 for w, side in by_src.get(m, ()) if w in dst}
        if sides == {"a"} or sides == {"b"}:
            kinds[(u, v)] = "only_" + sides.pop()
    return kinds


def diff_theme(base: "Theme") -> "Theme":
    """``base`` with the colours of the statuses, the weight bins and the one-sided links."""
    bins = {label: color for _, label, color in WEIGHT_BINS}
    return replace(base, extra_colors={**STATUS_COLORS, **bins, **EDGE_COLORS, **base.extra_colors})


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
    """Each model's own status per layer and side per link (dashed where the other model lacks the
    link), for drawing A and B apart: ``((status_a, links_a), (status_b, links_b))``."""
    status_a = {layer.name: d.status(layer.name, "a") for layer in d.a.layers}
    union = union_graph(d)
    status_b = {layer.name: union.status[layer.name] for layer in d.b.layers}
    a_of = {bn: an for bn, (an, _) in d.pairs.items()}
    a_name = {**a_of, **{g: n for n, g in _ghost_names(d).items()}}
    links_a = {(a_name[u], a_name[v]): "a" if side == "a" else "both" for (u, v), side in union.links.items()
               if side != "b" and u in a_name and v in a_name}
    links_b = {uv: side for uv, side in union.links.items() if side != "a"}
    return (status_a, links_a), (status_b, links_b)
