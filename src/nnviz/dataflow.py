"""The data-flow order of a layer graph's calls: the one topological sort that inference, costs,
diffs and training share. Below the layer graph (it reads only ``graph.calls`` and layer names), so
every stage can use it.

>>> from nnviz.graph import Call, Layer, LayerGraph, TensorRef
>>> g = LayerGraph("m", layers=[Layer("x", "InputLayer"), Layer("d", "Dense")],
...                calls=[Call("d", 0, (TensorRef("x"),)), Call("x", 0, ())],
...                inputs=[TensorRef("x")], outputs=[TensorRef("d")])
>>> [c.layer for c in order_calls(g)]
['x', 'd']
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .errors import ReadError

if TYPE_CHECKING:  # pragma: no cover
    from .graph import Call, LayerGraph

__all__ = ["order_calls"]


def order_calls(graph: LayerGraph) -> list[Call]:
    """Calls in data-flow order (a stable topological sort); cycles are errors.

    Kahn's algorithm with a heap keyed by the calls' order in the file, so the order is the file's
    wherever the data flow allows (and networkx, slow to import, stays out of reading a file).
    """
    import heapq

    key = {(c.layer, c.index): c for c in graph.calls}
    by_layer: dict[str, list[tuple[str, int]]] = {}  # an index: no scan of every call per input
    for k in key:
        by_layer.setdefault(k[0], []).append(k)
    position = {(c.layer, c.index): i for i, c in enumerate(graph.calls)}
    succs: dict[tuple[str, int], list[tuple[str, int]]] = {k: [] for k in key}
    indegree = dict.fromkeys(key, 0)
    for c in graph.calls:
        for ref in c.inputs:
            if ref.layer not in graph:
                raise ReadError(f"input {ref.layer!r} is not a layer of the model", layer=c.layer)
            src = (ref.layer, ref.call)
            if src not in key:
                calls = by_layer.get(ref.layer, [])
                if not calls:
                    raise ReadError(f"reads from {ref.layer!r}, which is never called", layer=c.layer)
                src = calls[max(0, min(ref.call, len(calls) - 1))]
            if src == (c.layer, c.index):
                raise ReadError("the layer reads its own output (a cycle)", layer=c.layer)
            succs[src].append((c.layer, c.index))
            indegree[(c.layer, c.index)] += 1
    ready = [position[k] for k, d in indegree.items() if d == 0]
    heapq.heapify(ready)
    calls = graph.calls
    order: list[Call] = []
    while ready:
        call = calls[heapq.heappop(ready)]
        order.append(call)
        for nxt in succs[(call.layer, call.index)]:
            indegree[nxt] -= 1
            if indegree[nxt] == 0:
                heapq.heappush(ready, position[nxt])
    if len(order) < len(calls):
        stuck = sorted((k for k, d in indegree.items() if d > 0), key=position.__getitem__)
        raise ReadError("the layers form a cycle through " + ", ".join(repr(k[0]) for k in stuck[:6])
                        + (" ..." if len(stuck) > 6 else ""))
    return order
