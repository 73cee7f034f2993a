"""The first view of a layer graph: one block per layer, opened nested models as clusters."""

from __future__ import annotations

from dataclasses import replace
from typing import Sequence

from ..errors import OptionError
from ..graph import Layer, LayerGraph, TensorRef, format_params
from ..text import display
from ..theme import family_of
from .model import _MAX_TITLE, ClusterInfo, Node, View

__all__ = ["flatten", "nested_models"]


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
