"""The chain of layers the node style draws: input to output, nested models opened."""

from __future__ import annotations

from ...dataflow import follow_chain
from ...errors import OptionError
from ...graph import Layer, LayerGraph

__all__ = ["node_chain", "BLOCK_HINT"]

BLOCK_HINT = "draw it with style='block', or nnviz draw --style block"


def _not_a_chain(graph: LayerGraph, why: str) -> OptionError:
    return OptionError(f"the node style draws a chain of layers, and model {graph.name!r} is not one: {why}",
                       hint=BLOCK_HINT)


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
    names, broken = follow_chain(graph.calls, graph.inputs, graph.outputs)
    if broken is not None:
        raise _not_a_chain(graph, broken)
    chain = [graph.layer(name) for name in names]
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
