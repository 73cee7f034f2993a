"""Modern Keras models (issue 12): KerasHub backbones walked from their live graph."""

from __future__ import annotations

import numpy as np
import pytest

import nnviz

pytestmark = pytest.mark.needs_tf

ARCHS = ["gemma", "bert", "gpt2", "llama", "mistral", "vit", "resnet", "bart", "t5", "whisper"]

_BUILT: dict[str, object] = {}


def hub_model(name: str):
    """One tiny KerasHub backbone per architecture, built once per session."""
    import hub_zoo

    if name not in _BUILT:
        _BUILT[name] = hub_zoo.HUB[name]()
    return _BUILT[name]


@pytest.mark.parametrize("arch", ARCHS)
def test_hub_backbone_counts_and_layers(arch):
    model = hub_model(arch)
    graph = nnviz.load(model)
    assert graph.total_params == model.count_params()
    assert graph.trainable_params == sum(int(np.prod(v.shape)) for v in model.trainable_weights)
    listed = {row["name"] for row in graph.to_dict()["layers"]}
    assert [layer.name for layer in model.layers if layer.name not in listed] == []
    # shapes are Keras's own: every layer's first output
    for layer in model.layers:
        if layer._inbound_nodes and not isinstance(layer.output, (list, tuple, dict)):
            assert graph.layer(layer.name).output_shape == tuple(layer.output.shape), layer.name
    assert graph.input_names == [t._keras_history[0].name for t in model.inputs]


@pytest.mark.parametrize("arch", ["gemma", "bart", "resnet"])
def test_reading_leaves_the_model_unchanged(arch):
    import hub_zoo

    model = hub_model(arch)
    x = hub_zoo.sample_inputs(model)
    before = hub_zoo.node_counts(model)
    y0 = model(x)
    before_after_call = hub_zoo.node_counts(model)
    nnviz.load(model)
    nnviz.draw(model)
    assert hub_zoo.node_counts(model) == before_after_call
    y1 = model(x)
    import keras

    for a, b in zip(keras.tree.flatten(y0), keras.tree.flatten(y1)):
        np.testing.assert_array_equal(np.asarray(a), np.asarray(b))
    assert set(before) == set(before_after_call)


def test_gemma_calls_follow_the_data():
    graph = nnviz.load(hub_model("gemma"))
    assert graph.inbound("decoder_block_1") == [["decoder_block_0", "padding_mask"]]
    assert graph.layer("decoder_block_0").type == "GemmaDecoderBlock"
    ops = [layer for layer in graph.layers if layer.type.startswith("ops.")]
    assert [op.type for op in ops] == ["ops.multiply"]  # the embedding's scaling, a keras.ops call
    assert graph.output_names == ["final_normalization"]


def test_task_model_nests_its_backbone():
    import keras_hub

    backbone = hub_model("bert")
    task = keras_hub.models.BertTextClassifier(backbone=backbone, num_classes=3, preprocessor=None)
    graph = nnviz.load(task)
    assert graph.total_params == task.count_params()
    inner = graph.layer(backbone.name)
    assert inner.subgraph is not None and inner.params == backbone.count_params()
    assert {layer.name for layer in backbone.layers} <= {layer.name for layer in inner.subgraph.layers}


def test_visualize_nn_of_a_hub_backbone_points_to_the_block_style():
    from nnviz.errors import OptionError

    model = hub_model("gemma")
    before = __import__("hub_zoo").node_counts(model)
    with pytest.raises(OptionError, match=r"not one: it has 2 inputs .*style='block'") as info:
        nnviz.visualize_nn(model)
    assert "GemmaBackbone" in str(info.value.path)
    assert __import__("hub_zoo").node_counts(model) == before
    assert nnviz.draw(model, style="block").scene.boxes  # where it points, the backbone draws
