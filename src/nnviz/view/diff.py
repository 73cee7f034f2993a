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
from ..theme import Theme
from .model import Coloring

if TYPE_CHECKING:  # pragma: no cover
    from ..modeldiff import ModelDiff
    from .model import View

__all__ = ["union_graph", "side_links", "side_status", "StatusColoring", "diff_title", "Union", "weight_bin",
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
            status[w.b] = weight_bin(w.relative)

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


class StatusColoring(Coloring):
    """A diff: each block by its layers' status (a group of mixed statuses is ``changed``), with the
    change noted under its type line, and edges standing only for links of one model marked
    ``only_a`` / ``only_b`` (drawn dashed).

    Args:
        status: every layer of the union (nested ones by path) -> a status or a weight-change key.
        links: every connection ``(u, v)`` -> ``"a"`` or ``"b"`` (in one model only) or ``"both"``.
        theme: the palettes' theme (``None``: the default).
    """

    name = "status"

    def __init__(self, status: Mapping[str, str], links: Mapping[tuple[str, str], str],
                 theme: Theme | None = None) -> None:
        from ..theme import Theme

        theme = theme or Theme()
        statuses, weights = theme.palette("status"), theme.palette("weights")
        super().__init__({**{s: statuses[s] for s in STATUSES},
                          **{label: color for (_, label), color in zip(WEIGHT_LIMITS, weights.values())},
                          **{k: c for k, c in statuses.items() if k.startswith("edge:")}})
        self.status = dict(status)
        self.links = dict(links)
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
            blocks.append(replace(block, paint=st, note=note))  # mixed groups: "changed"
        return view.with_blocks(blocks, view.edges, edge_kinds=self._edge_kinds(view))

    def _edge_kinds(self, view: View) -> dict[tuple[str, str], str]:
        """``only_a`` / ``only_b`` for each edge of the view whose links (between the layers of its
        two blocks, nested ones by their model) are all of one side."""
        by_src: dict[str, list[tuple[str, str]]] = {}
        for (u, v), side in self.links.items():
            by_src.setdefault(u, []).append((v, side))
        if not any(side != "both" for side in self.links.values()):
            return {}
        kinds = {}
        for u, v in view.edges:
            dst = {m.split("/")[0] for m in view.blocks[v].members}
            sides = {side for m in {m.split("/")[0] for m in view.blocks[u].members}
                     for w, side in by_src.get(m, ()) if w in dst}
            if sides == {"a"} or sides == {"b"}:
                kinds[(u, v)] = "only_" + sides.pop()
        return kinds


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
