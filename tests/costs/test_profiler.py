"""nnviz's counts against TensorFlow's profiler on Keras's own graphs, per op type.

``tf.compat.v1.profiler`` with ``float_operation()`` counts each node of a frozen concrete
function: 2 FLOPs per multiply-accumulate for Conv2D, DepthwiseConv2dNative and MatMul, one
per element for BiasAdd. Its answers, per layer and op type, are recorded once for every
keras.applications model (``tools/record_profiler_truth.py``, ``tests/data/truth/tfprof/``),
so the comparison runs without TensorFlow; the ``oracle`` cases ``test_application[<model>-tfprof]``
of ``tests/test_exactness.py`` profile again, on the model built there for its other checks.

Per op type nnviz must be within 1 % of the profiler: convolutions (every convolution
layer's 2 x MACs), matrix products (Dense, EinsumDense, attention: 2 x MACs) and bias
additions (``Cost.bias_flops``); on all 15 families the totals are in fact equal. Other ops are
counted by conventions that differ on purpose (see ``nnviz.costs.rules``) and are not
compared. Grouped convolutions, which Keras's TensorFlow backend runs as an XLA-compiled
call the profiler does not look into, are traced inline for the profile (see
``truth.compute_tfprof``).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from keras_zoo import APPLICATIONS
from truth import all_records, app_json, tfprof_truth

import nnviz
from nnviz.costs import layer_costs

KINDS = {
    "convolutions": {"Conv1D", "Conv2D", "Conv3D", "DepthwiseConv2dNative", "Conv2DBackpropInput",
                     "Conv3DBackpropInputV2"},
    "matmuls": {"MatMul", "BatchMatMul", "BatchMatMulV2", "BatchMatMulV3", "Einsum"},
    "bias adds": {"BiasAdd"},
}
_MATMUL_LAYERS = ("Dense", "EinsumDense", "MultiHeadAttention", "GroupedQueryAttention", "Attention", "Dot")


def _profiler(truth: dict) -> tuple[dict[str, int], dict[str, dict[str, int]]]:
    """The profiler's FLOPs per kind, and per layer per kind."""
    total = dict.fromkeys(KINDS, 0)
    per_layer: dict[str, dict[str, int]] = {}
    for layer, ops in truth["layers"].items():
        for op, flops in ops.items():
            for kind, types in KINDS.items():
                if op in types:
                    total[kind] += flops
                    per_layer.setdefault(layer, dict.fromkeys(KINDS, 0))[kind] += flops
    return total, per_layer


def _rows(graph, table) -> dict[str, dict[str, int]]:
    """nnviz's FLOPs per kind for each layer (a nested model: its layers summed)."""
    rows = {}
    for layer in graph.layers:
        c = table[layer.name]
        assert c.macs is not None, f"{layer.name}: nnviz cannot count it"
        row = dict.fromkeys(KINDS, 0)
        if layer.subgraph is not None:
            for inner in _rows(layer.subgraph, table.nested[layer.name]).values():
                for k in KINDS:
                    row[k] += inner[k]
        else:
            kind = "convolutions" if "Conv" in layer.type else "matmuls" if layer.type in _MATMUL_LAYERS else None
            if kind is not None:
                row[kind] = 2 * c.macs
            else:
                assert c.macs == 0, f"{layer.name} ({layer.type}): MACs outside convolutions and products"
            row["bias adds"] = c.bias_flops or 0
        rows[layer.name] = row
    return rows


def _nnviz(graph) -> tuple[dict[str, int], dict[str, dict[str, int]]]:
    """nnviz's FLOPs per kind (2 per MAC of a convolution or a product; its bias FLOPs), and per layer."""
    per_layer = {name: row for name, row in _rows(graph, layer_costs(graph)).items() if any(row.values())}
    return {k: sum(row[k] for row in per_layer.values()) for k in KINDS}, per_layer


@pytest.mark.parametrize("name", sorted(APPLICATIONS))
def test_counts_match_tensorflows_profiler_per_op_type(name: str, tmp_path: Path) -> None:
    path = tmp_path / f"{name}.json"
    path.write_text(app_json(name))
    truth = tfprof_truth(name)
    graph = nnviz.load(path, input_shape=tuple(truth["input_shape"]))  # what the profiler ran
    want, want_layers = _profiler(truth)
    got, got_layers = _nnviz(graph)
    assert want["convolutions"] + want["matmuls"] > 0
    # which layers differ, to say why when a kind is off (a hint only: the profile names layers by
    # TensorFlow's uniquified scopes, so layers "conv" and "conv_1" can swap their counts)
    diff = [f"{layer}: nnviz {got_layers.get(layer)} != profiler {want_layers.get(layer)}"
            for layer in sorted(set(want_layers) | set(got_layers))
            if got_layers.get(layer) != want_layers.get(layer)]
    for kind in KINDS:
        if want[kind] == 0:
            assert got[kind] == 0, f"{kind}: nnviz {got[kind]:,}, the profiler counts none\n" + "\n".join(diff[:10])
            continue
        err = abs(got[kind] - want[kind]) / want[kind]
        assert err < 0.01, (f"{name} {kind}: nnviz {got[kind]:,} vs profiler {want[kind]:,} ({100 * err:.2f} %)\n"
                            + "\n".join(diff[:10]))


RECORDS = all_records("tfprof")


def test_every_application_has_recorded_profiler_truth():
    assert {r["key"]["model"] for _, r in RECORDS} == set(APPLICATIONS)

