"""The first view of a layer graph: one block per layer, opened nested models as clusters."""

from __future__ import annotations

from dataclasses import fields, replace
from typing import Sequence

from ..errors import OptionError
from ..graph import Layer, LayerGraph, TensorRef, format_params
from ..text import display
from ..theme import family_of
from .model import _MAX_TITLE, ClusterInfo, Block, View

__all__ = ["flatten", "nested_models"]


def nested_models(graph: LayerGraph, prefix: str = "") -> list[str]:
    """Ids of every nested model, at any depth (``outer/inner`` for deeper ones)."""
    out = []
    for layer in graph.layers:
        if layer.subgraph is not None:
            out.append(prefix + layer.name)
            out += nested_models(layer.subgraph, prefix + layer.name + "/")
    return out


def _wants_open(block_id: str, name: str, expand: Sequence[str]) -> bool:
    return "all" in expand or block_id in expand or name in expand


# a block's fields with their defaults: a layer's block is made without the frozen dataclass's
# __init__ (one object.__setattr__ per field, most of flattening 50,000 layers), as Layer.replace does
_BLOCK_DEFAULTS = {f.name: f.default for f in fields(Block)}


def _layer_block(block_id: str, layer: Layer, cluster: str | None, calls: int, family: str) -> Block:
    """The block of one layer (equal to ``Block(...)`` with these fields).

    >>> layer = Layer("d", "Dense", params=3, output_shapes=((None, 2),))
    >>> _layer_block("d", layer, None, 1, "dense") == Block("d", "layer", "d", layer, ("d",), None, 3, 1,
    ...     ("Dense",), (None, 2), "dense", False, 1)
    True
    """
    block = object.__new__(Block)
    block.__dict__.update(_BLOCK_DEFAULTS, id=block_id, kind="model" if layer.subgraph is not None else "layer",
                          label=layer.name, layer=layer, members=(block_id,), cluster=cluster, params=layer.params,
                          types=(layer.type,), shape=layer.output_shape, family=family,
                          frozen=not layer.trainable and (layer.params or 0) > 0, calls=calls)
    return block


class _Flattener:
    """Walks a layer graph and its opened nested models into one list of blocks and edges."""

    def __init__(self, expand: Sequence[str]) -> None:
        self.expand = tuple(expand)
        self.blocks: list[Block] = []
        self.edges: list[tuple[str, str]] = []
        self.clusters: dict[str, ClusterInfo] = {}
        self.opened: dict[str, LayerGraph] = {}
        # edge -> the tensor it carries, or the set of them once it carries two (a set per edge made
        # 50,000 sets for the one edge in a thousand that stands for several calls)
        self.tensors: dict[tuple[str, str], tuple | set] = {}
        self.families: dict[str, str] = {}  # per layer type, not per layer

    def add_graph(self, graph: LayerGraph, prefix: str, cluster: str | None) -> None:
        calls_of: dict[str, int] = {}
        for call in graph.calls:
            calls_of[call.layer] = calls_of.get(call.layer, 0) + 1
        families = self.families
        for layer in graph.layers:
            block_id = prefix + layer.name
            if layer.subgraph is not None and _wants_open(block_id, layer.name, self.expand):
                self.opened[block_id] = layer.subgraph
                self.clusters[block_id] = ClusterInfo(block_id, display(layer.name, _MAX_TITLE), cluster, "model", 1,
                                                     layer.params,
                                                     _model_detail(layer), (block_id,))
                self.add_graph(layer.subgraph, block_id + "/", block_id)
            else:
                family = families.get(layer.type)
                if family is None:
                    family = families[layer.type] = family_of(layer.type)
                self.blocks.append(_layer_block(block_id, layer, cluster, calls_of.get(layer.name, 0), family))
        opened, tensors, edges = self.opened, self.tensors, self.edges
        for k, call in enumerate(graph.calls):
            target = prefix + call.layer
            for port, ref in enumerate(call.inputs):
                source = prefix + ref.layer
                edge = (self.source(prefix, ref) if source in opened else source,
                        self.target(target, port) if target in opened else target)
                edges.append(edge)
                tensor = (prefix, ref.layer, ref.call, ref.tensor, k)
                seen = tensors.get(edge)
                if seen is None:
                    tensors[edge] = tensor
                elif isinstance(seen, set):
                    seen.add(tensor)
                elif seen != tensor:
                    tensors[edge] = {seen, tensor}

    def source(self, prefix: str, ref: TensorRef) -> str:
        """The block that produces tensor ``ref`` (inside an opened model: its output layer)."""
        block_id = prefix + ref.layer
        sub = self.opened.get(block_id)
        if sub is None or not sub.outputs:
            return block_id
        inner = sub.outputs[min(ref.tensor, len(sub.outputs) - 1)]
        return self.source(block_id + "/", inner)

    def target(self, block_id: str, port: int) -> str:
        """The block that reads input ``port`` of ``block_id`` (inside an opened model: its input)."""
        sub = self.opened.get(block_id)
        if sub is None:
            return block_id
        if sub.inputs:
            return self.target(block_id + "/" + sub.inputs[min(port, len(sub.inputs) - 1)].layer, 0)
        return self.target(block_id + "/" + sub.layers[0].name, 0)


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
    blocks = []
    for block in flat.blocks:
        if block.id in outputs:
            block = replace(block, is_output=True, family="output")
        elif block.layer is not None and block.layer.is_input:
            block = replace(block, family="input")
        blocks.append(block)
    base = View(graph.name, {}, [], flat.clusters, graph.total_params, graph.trainable_params)
    base.calls_on_edge = {e: len(t) for e, t in flat.tensors.items() if isinstance(t, set)}
    return base.with_blocks(blocks, flat.edges)
