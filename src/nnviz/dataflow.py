"""The data-flow order of a layer graph's calls: the one topological sort that inference, costs,
diffs and training share, and the one test of whether the calls form a chain (a Sequential model, a
node-style drawing, an MLP for the gallery). Below the layer graph (it reads only calls, tensor
references and layer names), so every stage can use it.

>>> from nnviz.graph import Call, Layer, LayerGraph, TensorRef
>>> g = LayerGraph("m", layers=[Layer("x", "InputLayer"), Layer("d", "Dense")],
...                calls=[Call("d", 0, (TensorRef("x"),)), Call("x", 0, ())],
...                inputs=[TensorRef("x")], outputs=[TensorRef("d")])
>>> [c.layer for c in order_calls(g)]
['x', 'd']
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Iterable, Sequence

from .errors import ReadError

if TYPE_CHECKING:  # pragma: no cover
    from .graph import Call, LayerGraph, TensorRef

__all__ = ["order_calls", "stable_order", "follow_chain"]


def order_calls(graph: LayerGraph) -> list[Call]:
    """Calls in data-flow order (a stable topological sort); cycles are errors.

    Kahn's algorithm with a heap keyed by the calls' order in the file, so the order is the file's
    wherever the data flow allows (and networkx, slow to import, stays out of reading a file).
    """
    position = {(c.layer, c.index): i for i, c in enumerate(graph.calls)}
    by_layer: dict[str, list[tuple[str, int]]] | None = None  # an index, built for the first odd reference
    names = {layer.name for layer in graph.layers}
    edges: list[tuple[int, int]] = []
    for i, c in enumerate(graph.calls):
        for ref in c.inputs:
            if ref.layer not in names:
                raise ReadError(f"input {ref.layer!r} is not a layer of the model", layer=c.layer)
            src = (ref.layer, ref.call)
            if src not in position:
                if by_layer is None:  # (no scan of every call per input)
                    by_layer = {}
                    for k in position:
                        by_layer.setdefault(k[0], []).append(k)
                calls = by_layer.get(ref.layer, [])
                if not calls:
                    raise ReadError(f"reads from {ref.layer!r}, which is never called", layer=c.layer)
                src = calls[max(0, min(ref.call, len(calls) - 1))]
            if src[1] == c.index and src[0] == c.layer:
                raise ReadError("the layer reads its own output (a cycle)", layer=c.layer)
            edges.append((position[src], i))
    calls = graph.calls
    order = stable_order(len(calls), edges)
    if len(order) < len(calls):
        done = set(order)
        stuck = [i for i in range(len(calls)) if i not in done]
        raise ReadError("the layers form a cycle through " + ", ".join(repr(calls[i].layer) for i in stuck[:6])
                        + (" ..." if len(stuck) > 6 else ""))
    return [calls[i] for i in order]


def stable_order(count: int, edges: Iterable[tuple[int, int]], *, release_cycles: bool = False) -> list[int]:
    """The nodes ``0 .. count - 1`` in an order that puts every edge's source before its target,
    the lowest number first wherever the edges allow (Kahn's algorithm with a heap): the one
    topological sort of the package.

    Args:
        count: how many nodes.
        edges: ``(source, target)`` pairs; a node's edge to itself is ignored.
        release_cycles: when nothing is ready, take the lowest node still waiting (it is on a
            cycle), so every node is in the order; without it the order stops short, leaving out
            the nodes on or after a cycle.

    >>> stable_order(3, [(2, 0), (1, 2)])
    [1, 2, 0]
    >>> stable_order(3, [(0, 1), (1, 0)]), stable_order(3, [(0, 1), (1, 0)], release_cycles=True)
    ([2], [2, 0, 1])
    """
    edges = edges if isinstance(edges, (list, tuple)) else list(edges)
    if all(u <= v for u, v in edges):  # already in order (a file's calls, a view re-sorted): the heap
        return list(range(count))      # would take every node in turn, lowest first
    import heapq

    succs: list[list[int]] = [[] for _ in range(count)]
    indegree = [0] * count
    for u, v in edges:
        if u != v:
            succs[u].append(v)
            indegree[v] += 1
    ready = [i for i in range(count) if indegree[i] == 0]  # ascending: already a heap
    done = [False] * count
    order: list[int] = []
    while len(order) < count:
        if not ready:
            if not release_cycles:
                break
            ready = [done.index(False)]
        i = heapq.heappop(ready)
        if done[i]:  # released on a cycle earlier, and then its last input came
            continue
        done[i] = True
        order.append(i)
        for j in succs[i]:
            indegree[j] -= 1
            if indegree[j] == 0 and not done[j]:
                heapq.heappush(ready, j)
    return order


def follow_chain(calls: Sequence[Call], inputs: Sequence[TensorRef],
                 outputs: Sequence[TensorRef]) -> tuple[list[str], str | None]:
    """The layers from the input to the output when the calls form a chain, and why they do not.

    A chain: one input and one output; every layer called once and on one tensor, that of the
    layer before it; no layer read by two; every call on the path, which ends at the output.

    Args:
        calls: a graph's calls (in any order); ``inputs`` and ``outputs``: its tensors.

    Returns:
        ``(names, why)``: the layer names along the path from the input, the input first, and
        ``None`` for a chain, else one phrase saying what breaks it (``names`` then stops there).

    >>> from nnviz.graph import Call, TensorRef
    >>> calls = [Call("x", 0, ()), Call("a", 0, (TensorRef("x"),)), Call("b", 0, (TensorRef("x"),))]
    >>> follow_chain(calls[:2], [TensorRef("x")], [TensorRef("a")])
    (['x', 'a'], None)
    >>> follow_chain(calls, [TensorRef("x")], [TensorRef("b")])
    (['x'], "layer 'x' feeds 2 branches")
    """
    if len(inputs) != 1 or len(outputs) != 1:
        return [], f"it has {_count(len(inputs), 'input')} and {_count(len(outputs), 'output')}"
    consumers: dict[str, list[str]] = {}
    seen: set[str] = set()
    for call in calls:
        if call.layer in seen:
            return [], f"layer {call.layer!r} is shared (called more than once)"
        seen.add(call.layer)
        if len(call.inputs) > 1:
            return [], f"layer {call.layer!r} merges {len(call.inputs)} tensors"
        for ref in call.inputs:
            consumers.setdefault(ref.layer, []).append(call.layer)
    name = inputs[0].layer
    names, on_path = [name], {name}
    while consumers.get(name):
        if len(consumers[name]) > 1:
            return names, f"layer {name!r} feeds {len(consumers[name])} branches"
        name = consumers[name][0]
        if name in on_path:  # (inference refuses cycles; a reader may ask before it runs)
            return names, f"the layers form a cycle through {name!r}"
        names.append(name)
        on_path.add(name)
    if name != outputs[0].layer:
        return names, f"the path from the input ends at {name!r}, not at the output"
    off = [call.layer for call in calls if call.layer not in on_path]
    if off:
        return names, f"layer {off[0]!r} is not on the path from the input to the output"
    return names, None


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"
