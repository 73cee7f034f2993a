"""One meaning of "a chain of layers" (dataflow.follow_chain): the spec reader's Sequential, the training
backend's Sequential build, the node style and the gallery's MLPs agree on every model."""

from __future__ import annotations

import pytest

import nnviz
from nnviz.dataflow import follow_chain
from nnviz.errors import OptionError, ReadError
from nnviz.gallery import suits_node
from nnviz.layout.neurons.chain import node_chain
from nnviz.training.build import _is_chain

D = {"type": "Dense", "units": 2}
CASES = {
    "chain": ({"input_shape": [3], "layers": [{**D, "name": "a"}, {"type": "Dropout", "rate": 0.1}, D]}, None),
    # Keras's Sequential ends at its last layer: a spec whose output is an earlier layer is not one
    "output before the end": ({"input_shape": [3], "layers": [{**D, "name": "a"}, {**D, "name": "b"}],
                               "outputs": ["a"]}, "the path from the input ends at 'b', not at the output"),
    "merge": ({"input_shape": [3], "layers": [{**D, "name": "a"}, {**D, "name": "b", "inputs": ["input"]},
                                              {"type": "Add", "inputs": ["a", "b"], "name": "sum"}]},
              "layer 'sum' merges 2 tensors"),
    "shared layer": ({"input_shape": [2], "layers": [{**D, "name": "a"}, {"reuse": "a"}]},
                     "layer 'a' is shared (called more than once)"),
    "two outputs": ({"input_shape": [3], "layers": [{**D, "name": "a"}, {**D, "name": "b", "inputs": ["input"]}],
                     "outputs": ["a", "b"]}, "it has 1 input and 2 outputs"),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_every_stage_agrees_on_what_a_chain_is(case):
    spec, why = CASES[case]
    graph = nnviz.load(spec)
    assert follow_chain(graph.calls, graph.inputs, graph.outputs)[1] == why
    chain = why is None
    assert (graph.class_name == "Sequential") == chain
    assert _is_chain(graph) == chain
    assert suits_node(graph) == chain  # Dense and Dropout only: an MLP exactly when a chain
    if chain:
        assert [layer.name for layer, _ in node_chain(graph)] == [layer.name for layer in graph.layers]
    else:
        with pytest.raises(OptionError, match=why.replace("(", r"\(").replace(")", r"\)")):
            node_chain(graph)


def test_layers_off_the_path_or_in_a_cycle_are_no_chain_and_the_walk_ends():
    from nnviz.graph import Call, TensorRef

    x, a, b = TensorRef("x"), TensorRef("a"), TensorRef("b")
    # a and b read each other: never reached from the input (a spec may name later layers as inputs,
    # and the reader asks before inference refuses the cycle)
    calls = [Call("x", 0, ()), Call("c", 0, (x,)), Call("a", 0, (b,)), Call("b", 0, (a,))]
    assert follow_chain(calls, [x], [TensorRef("c")]) == (["x", "c"], "layer 'a' is not on the path from the "
                                                                      "input to the output")
    # an input that reads a layer reading it: the walk stops instead of going round
    assert follow_chain([Call("x", 0, (b,)), Call("b", 0, (x,))], [x], [b]) == (
        ["x", "b"], "the layers form a cycle through 'x'")
    spec = {"input_shape": [2], "layers": [{**D, "name": "a", "inputs": ["b"]}, {**D, "name": "b", "inputs": ["a"]}]}
    with pytest.raises(ReadError, match="cycle"):
        nnviz.load(spec)


def test_the_one_topological_sort_keeps_every_edge_and_otherwise_the_given_order():
    import random

    from nnviz.dataflow import stable_order
    from nnviz.view import topological_order

    rng = random.Random(0)
    for _ in range(300):
        n = rng.randint(1, 15)
        dag = [(u, v) for u, v in ((rng.randrange(n), rng.randrange(n)) for _ in range(2 * n)) if u < v]
        order = stable_order(n, dag)
        place = {node: i for i, node in enumerate(order)}
        assert sorted(order) == list(range(n)) and all(place[u] < place[v] for u, v in dag)
        # no edges: the given order
        assert stable_order(n, []) == list(range(n))
        # a cycle: every node still comes once with release_cycles, none of the cycle's without
        cyclic = dag + [(n - 1, 0)] if n > 1 else dag
        released = stable_order(n, cyclic, release_cycles=True)
        assert sorted(released) == list(range(n))
        ids = [f"b{i}" for i in range(n)]
        assert topological_order(ids, [(ids[u], ids[v]) for u, v in cyclic]) == [ids[i] for i in released]
    assert stable_order(2, [(0, 1), (1, 0)]) == []
