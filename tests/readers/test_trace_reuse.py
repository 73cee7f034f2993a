"""Identical sibling layers share one trace (readers/trace.py): the graph is the same as when each
is traced, names from Keras's counters, sublayer names, variables and weights included."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

pytestmark = pytest.mark.needs_tf


def _dump(g):
    """Everything a graph holds that could differ between siblings, nested graphs and loaded weights too."""
    out = {"name": g.name, "class_name": g.class_name, "warnings": g.warnings, "inputs": g.inputs,
           "outputs": g.outputs, "calls": [(c, c.arguments) for c in g.calls], "layers": []}
    for layer in g.layers:
        row = {f.name: getattr(layer, f.name) for f in dataclasses.fields(layer) if f.name != "subgraph"}
        row["config"] = repr(layer.config)
        if layer.subgraph is not None:
            row["subgraph"] = _dump(layer.subgraph)
        if g.weights_loader is not None and layer.weights:
            row["loaded"] = [(n, np.asarray(a).shape, float(np.abs(np.asarray(a)).sum()))
                             for n, a in g.weights_loader(layer.name)]
        out["layers"].append(row)
    return out


def _read(build, monkeypatch, *, reuse):
    """``build()``'s graph read afresh (Keras's name counters reset), and how many traces it took."""
    import keras

    import nnviz.readers.trace as trace
    from nnviz.readers.live import read_live

    keras.backend.clear_session()
    keras.utils.set_random_seed(0)
    model = build()
    traces = []
    with monkeypatch.context() as m:
        original = trace._trace_twice
        m.setattr(trace, "_trace_twice", lambda *a, **k: traces.append(a[3]) or original(*a, **k))
        if not reuse:  # every layer traced, as before identical siblings shared a trace
            m.setattr(trace, "_sibling_key", lambda op, node: None)
        graph = read_live(model)
    return _dump(graph), traces


def _residual_blocks(sizes=(16, 16, 16)):
    """A Functional model of custom blocks whose sublayers Keras names itself (dense_3 ... in the
    second block), with a MultiHeadAttention (traced inside) and ops between them."""
    import keras
    from keras import layers, ops

    class Block(layers.Layer):
        def __init__(self, units, **kwargs):
            super().__init__(**kwargs)
            self.units = units
            self.expand = layers.Dense(units * 2, activation="relu")
            self.norm = layers.LayerNormalization()
            self.attn = layers.MultiHeadAttention(num_heads=2, key_dim=4)
            self.back = layers.Dense(units)

        def call(self, x):
            h = self.norm(self.expand(x))
            h = h + self.attn(h, h)
            return ops.add(x, self.back(h)) if self.units == x.shape[-1] else self.back(h)

        def get_config(self):
            return {**super().get_config(), "units": self.units}

    class Blocks(keras.Model):  # a Functional subclass, as KerasHub backbones are (its blocks are traced)
        def __init__(self, sizes, **kwargs):
            x = inputs = keras.Input((5, 16))
            for units in sizes:
                x = Block(units)(x)
            super().__init__(inputs, x, **kwargs)

    return Blocks(sizes, name="blocks")


def test_identical_custom_blocks_share_one_trace_and_give_the_same_graph(monkeypatch):
    pytest.importorskip("keras")
    shared, traces = _read(_residual_blocks, monkeypatch, reuse=True)
    each, all_traces = _read(_residual_blocks, monkeypatch, reuse=False)
    assert shared == each
    # 3 blocks: each traced (with its attention inside, twice) before; now the first only
    assert len(all_traces) == 3 * 3 and len(traces) == 3
    names = [[row["name"] for row in layer["subgraph"]["layers"]] for layer in shared["layers"][1:]]
    assert names[0] != names[1] and "dense_2" in names[1]  # the second block's own sublayer names


def test_blocks_of_another_size_are_traced_for_themselves(monkeypatch):
    def build():
        return _residual_blocks((16, 16, 8, 8))

    shared, traces = _read(build, monkeypatch, reuse=True)
    each, all_traces = _read(build, monkeypatch, reuse=False)
    # 16 -> 16 twice (one trace), 16 -> 8 and 8 -> 8 (inputs of other sizes): three traces of 3
    assert shared == each and (len(traces), len(all_traces)) == (3 * 3, 4 * 3)


@pytest.mark.parametrize("arch", ["gemma", "llama", "mistral", "t5"])
def test_kerashub_backbones_give_the_same_graph_with_shared_traces(arch, monkeypatch):
    pytest.importorskip("keras_hub")
    import hub_zoo

    shared, traces = _read(hub_zoo.HUB[arch], monkeypatch, reuse=True)
    each, all_traces = _read(hub_zoo.HUB[arch], monkeypatch, reuse=False)
    assert shared == each and len(traces) <= len(all_traces)
    if arch == "gemma":  # three decoder blocks, each with its attention traced inside
        assert (len(traces), len(all_traces)) == (3, 9)
