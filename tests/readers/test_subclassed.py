"""Subclassed models and custom layers traced from their call (issue 12 items 2 and 3)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import nnviz
from nnviz.errors import OptionError, ReadError
from nnviz.readers.trace import parse_input_shape

pytestmark = pytest.mark.needs_tf

ROOT = Path(__file__).resolve().parents[2]


def _models():
    import hub_zoo

    return hub_zoo.subclassed_models()


def _data(name, shape, batch=2):
    return np.ones((batch, *shape), "int32" if name == "attention" else "float32")


@pytest.mark.parametrize("name", ["residual_mlp", "vae", "attention"])
def test_unbuilt_model_traced_as_a_copy(name):
    cls, shape = _models()[name]
    model = cls(name=name)
    graph = nnviz.load(model, input_shape=shape)
    assert not model.built and not model.weights  # the user's object stays unbuilt
    twin = cls(name=name)
    twin(_data(name, shape))
    assert graph.total_params == twin.count_params()
    listed = {row["name"] for row in graph.to_dict()["layers"]}
    assert {layer.name for layer in twin.layers} <= listed
    assert graph.layer("input").output_shape == (None, *shape)


@pytest.mark.parametrize("name", ["residual_mlp", "vae", "attention"])
def test_called_model_traced_and_left_unchanged(name):
    import hub_zoo

    cls, shape = _models()[name]
    model = cls(name=name)
    x = _data(name, shape)
    y0 = np.asarray(model(x, training=False))
    y0 = None if name == "vae" else y0  # the VAE samples: its outputs differ call to call
    before = hub_zoo.node_counts(model)
    graph = nnviz.load(model)
    nnviz.draw(model)
    assert hub_zoo.node_counts(model) == before
    assert graph.total_params == model.count_params()
    if y0 is not None:
        np.testing.assert_array_equal(np.asarray(model(x, training=False)), y0)


def test_residual_mlp_data_flow_and_unused_layer():
    cls, shape = _models()["residual_mlp"]
    graph = nnviz.load(cls(name="r"), input_shape=shape)
    adds = [layer for layer in graph.layers if layer.type == "ops.add"]
    assert len(adds) == 3
    assert graph.inbound(adds[0].name) == [["inp", "block_0"]]  # x + block(x)
    assert graph.output_names == ["head"]
    unused = graph.layer("unused")
    assert "not called" in unused.notes and graph.calls_of("unused") == []
    assert any("not called" in w for w in graph.warnings)


def test_vae_nests_its_sequentials():
    cls, shape = _models()["vae"]
    graph = nnviz.load(cls(name="v"), input_shape=shape)
    assert graph.layer("encoder").subgraph is not None
    assert graph.inbound("sampling") == [["z_mean", "z_log_var"]]
    assert graph.layer("decoder").output_shape == (None, 20)


def test_free_axes_reported_as_none():
    cls, _ = _models()["attention"]
    graph = nnviz.load(cls(name="a"), input_shape=(None,))
    assert graph.layer("embed").output_shape == (None, None, 16)
    assert graph.layer("out").output_shape == (None, 3)


def test_unbuilt_model_without_input_shape_says_what_to_give():
    cls, _ = _models()["residual_mlp"]
    with pytest.raises(ReadError, match="never been built") as err:
        nnviz.load(cls(name="r"))
    assert "input_shape" in err.value.hint


def test_input_shape_forms():
    assert parse_input_shape("128,64") == (128, 64)
    assert parse_input_shape(["tokens=128", "mask=128"]) == {"tokens": (128,), "mask": (128,)}
    assert parse_input_shape({"a": [None, 3]}) == {"a": (None, 3)}
    with pytest.raises(OptionError):
        parse_input_shape("12,x")
    # a file or spec: its free axes fixed and its shapes inferred again (tests/costs)
    g = nnviz.load({"input_shape": [None], "layers": [{"type": "Dense", "units": 1}]}, input_shape=(3,))
    assert g.layers[-1].params == 4


def test_a_call_that_cannot_be_traced_names_the_problem():
    import keras

    class Branchy(keras.Model):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.d = keras.layers.Dense(2)

        def call(self, x):
            if float(keras.ops.sum(x)) > 0:  # Python control flow on values
                return self.d(x)
            return x

    with pytest.raises(ReadError, match="cannot be traced on symbolic tensors"):
        nnviz.load(Branchy(name="b"), input_shape=(3,))


# -- custom layers opened up -------------------------------------------------------------------------

def test_gemma_decoder_block_expands_into_its_calls():
    import hub_zoo

    model = hub_zoo.gemma()
    graph = nnviz.load(model)
    block = graph.layer("decoder_block_0")
    sub = block.subgraph
    assert sub is not None and sub.total_params == block.params == model.get_layer("decoder_block_0").count_params()
    names = {layer.name for layer in sub.layers}
    assert {"pre_attention_norm", "attention", "pre_ffw_norm", "ffw_gating", "ffw_gating_2", "ffw_linear"} <= names
    assert {layer.type for layer in sub.layers} >= {"ops.add", "ops.gelu", "ops.multiply"}
    attention = sub.layer("attention")
    assert attention.subgraph is not None and {"query", "key", "value", "attention_output"} <= {
        layer.name for layer in attention.subgraph.layers}
    # the residual: the second add reads the first
    add_1 = next(layer for layer in sub.layers if layer.type == "ops.add" and "ffw_linear" in sub.inbound(
        layer.name)[0])
    assert any(sub.layer(n).type == "ops.add" for n in sub.inbound(add_1.name)[0])
    # summary lists the block closed, as Keras does
    assert "ffw_gating" not in graph.summary(width=200)
    scene = nnviz.draw(model, expand=("decoder_block_0",)).scene
    assert any("decoder_block_0" in label.text for label in scene.labels)
    assert {b.layer for b in scene.boxes} >= {"ffw_gating", "attention", "decoder_block_1"}


def test_jax_backend_in_a_subprocess():
    pytest.importorskip("jax")
    code = """
import sys, numpy as np
sys.path.insert(0, "tests")
import keras, nnviz, hub_zoo
assert keras.backend.backend() == "jax"
cls, shape = hub_zoo.subclassed_models()["residual_mlp"]
m = cls(name="r"); g = nnviz.load(m, input_shape=shape)
twin = cls(name="t"); twin(np.ones((2, 20), "float32"))
print(g.total_params == twin.count_params(), m.built)
b = hub_zoo.gemma(); g = nnviz.load(b)
print(g.total_params == b.count_params(), g.layer("decoder_block_0").subgraph is not None)
"""
    env = dict(os.environ, KERAS_BACKEND="jax", PYTHONPATH=str(ROOT / "src"))
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, env=env,
                         timeout=600)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.split() == ["True", "False", "True", "True"]


def _chain_mlp():
    import keras
    from keras import layers

    class ChainMLP(keras.Model):  # a subclassed model whose call is a chain of Dense-like layers
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.hidden = [layers.Dense(8, activation="relu", name=f"hidden_{i}") for i in range(2)]
            self.drop = layers.Dropout(0.1, name="drop")
            self.out = layers.Dense(3, activation="softmax", name="species")

        def call(self, x):
            for layer in self.hidden:
                x = layer(x)
            return self.out(self.drop(x))

    return ChainMLP(name="chain_mlp")


def test_visualize_nn_of_a_subclassed_chain_built_or_not():
    from matplotlib.figure import Figure

    model = _chain_mlp()
    figure = nnviz.visualize_nn(model, input_shape=(4,))
    assert isinstance(figure, Figure) and not model.built  # traced as a copy
    model(np.ones((1, 4), "float32"))
    before = __import__("hub_zoo").node_counts(model)
    diagram = nnviz.draw(model, style="node")
    assert [layer.name for layer in diagram.graph.layers] == ["input", "hidden_0", "hidden_1", "drop", "species"]
    assert len(diagram.scene.neurons) == 4 + 8 + 8 + 8 + 3
    assert isinstance(nnviz.visualize_nn(model), Figure)
    assert __import__("hub_zoo").node_counts(model) == before


def test_visualize_nn_of_a_subclassed_model_that_is_no_chain_points_to_the_block_style():
    cls, shape = _models()["residual_mlp"]
    with pytest.raises(OptionError, match=r"merges 2 tensors .*style='block'"):
        nnviz.visualize_nn(cls(name="residual_mlp"), input_shape=shape)
