"""The chain of layers the node style draws: input to output, nested models opened."""

from __future__ import annotations

from ...errors import OptionError
from ...graph import Layer, LayerGraph

__all__ = ["node_chain", "BLOCK_HINT"]

BLOCK_HINT = "draw it with style='block', or nnviz draw --style block"


def _not_a_chain(graph: LayerGraph, why: str) -> OptionError:
    return OptionError(f"the node style draws a chain of layers, and model {graph.name!r} is not one: {why}",
                       hint=BLOCK_HINT)


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"


def node_chain(graph: LayerGraph) -> list[tuple[Layer, LayerGraph]]:
    """The layers from input to output, nested models opened, each with the graph that holds it.

    Args:
        graph: a layer graph.

    Returns:
        ``(layer, owner)`` pairs in data-flow order, the input layer first.

    Raises:
        OptionError: the model branches, merges, shares a layer or has several inputs or outputs
            (the block style draws those).

    >>> from nnviz import load
    >>> [layer.name for layer, _ in node_chain(load({"input_shape": [3], "layers": [
    ...     {"type": "Dense", "units": 2, "name": "a"}, {"type": "Dropout", "rate": 0.1, "name": "d"}]}))]
    ['input', 'a', 'd']
    """
    if len(graph.inputs) != 1 or len(graph.outputs) != 1:
        raise _not_a_chain(graph, f"it has {_count(len(graph.inputs), 'input')} and "
                                  f"{_count(len(graph.outputs), 'output')}")
    consumers: dict[str, list[str]] = {}
    seen: set[str] = set()
    for call in graph.calls:
        if call.layer in seen:
            raise _not_a_chain(graph, f"layer {call.layer!r} is shared (called more than once)")
        seen.add(call.layer)
        if len(call.inputs) > 1:
            raise _not_a_chain(graph, f"layer {call.layer!r} merges {len(call.inputs)} tensors")
        for ref in call.inputs:
            consumers.setdefault(ref.layer, []).append(call.layer)
    name = graph.inputs[0].layer
    chain = [graph.layer(name)]
    while consumers.get(name):
        if len(consumers[name]) > 1:
            raise _not_a_chain(graph, f"layer {name!r} feeds {len(consumers[name])} branches")
        name = consumers[name][0]
        chain.append(graph.layer(name))
    if name != graph.outputs[0].layer:
        raise _not_a_chain(graph, f"the path from the input ends at {name!r}, not at the output")
    return _open_nested(chain, graph)


def _open_nested(chain: list[Layer], graph: LayerGraph) -> list[tuple[Layer, LayerGraph]]:
    out: list[tuple[Layer, LayerGraph]] = []
    for layer in chain:
        if layer.subgraph is None:
            out.append((layer, graph))
            continue
        inner = node_chain(layer.subgraph)
        out.extend(pair for pair in inner if not pair[0].is_input)
    return out
