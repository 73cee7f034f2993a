"""nnviz.to_keras: real Keras models from specs and configs, with nnviz's parameter counts."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import nnviz
from nnviz.errors import NnvizError

pytestmark = pytest.mark.needs_tf

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
BIG = 10_000_000  # parameters; building these takes seconds


def _examples():
    for path in sorted(EXAMPLES.glob("*.json")):
        graph = nnviz.load(path)
        marks = [pytest.mark.slow] if graph.total_params > BIG else []
        yield pytest.param(path, id=path.stem, marks=marks)


def _built_in_only(graph):
    import keras

    return all(layer.subgraph is not None or (layer.type != "Lambda" and hasattr(keras.layers, layer.type))
               for _, layer in graph.walk())


def _rows(graph):
    """Per layer (by name): type, output shapes, parameters, and the layers each call reads."""
    return {layer.name: (layer.type, layer.output_shapes, layer.params, graph.inbound(layer.name))
            for layer in graph.layers}


@pytest.mark.parametrize("path", _examples())
def test_every_example_builds_with_nnvizs_parameter_count(path):
    graph = nnviz.load(path)
    if not _built_in_only(graph):  # a Lambda or custom class: refused in one clear error, never run
        with pytest.raises(NnvizError, match="Lambda|not a built-in Keras layer"):
            nnviz.to_keras(graph)
        return
    model = nnviz.to_keras(graph)
    assert model.count_params() == graph.total_params
    assert _rows(nnviz.load(model)) == _rows(graph)  # same layers, shapes and wiring


def test_a_chain_becomes_sequential_and_a_graph_functional():
    chain = nnviz.to_keras(EXAMPLES / "deepnn.json")
    assert type(chain).__name__ == "Sequential"
    assert [layer.name for layer in chain.layers] == ["h1", "drop1", "h2", "drop2", "output"]
    graph = nnviz.to_keras(EXAMPLES / "residual_block.json")
    assert type(graph).__name__ == "Functional"


NESTED_SHARED = {
    "name": "siamese", "inputs": {"left": [8], "right": [8]},
    "layers": [
        {"type": "Sequential", "name": "tower", "inputs": ["left"],
         "layers": [{"type": "Dense", "units": 6, "activation": "relu"}, {"type": "Dense", "units": 4}]},
        {"reuse": "tower", "inputs": ["right"]},
        {"type": "Dense", "name": "head", "units": 3, "inputs": ["tower"]},
        {"reuse": "head", "inputs": ["tower:1"]},
        {"type": "Subtract", "name": "diff", "inputs": ["head", "head:1"]},
        {"type": "Dense", "name": "same", "units": 1, "activation": "sigmoid"},
    ],
}


def test_nested_models_and_shared_layers_are_built_once_and_called_twice():
    graph = nnviz.load(NESTED_SHARED)
    model = nnviz.to_keras(graph)
    assert model.count_params() == graph.total_params == (8 * 6 + 6) + (6 * 4 + 4) + (4 * 3 + 3) + 4
    tower = model.get_layer("tower")
    assert type(tower).__name__ == "Sequential" and len(tower._inbound_nodes) == 2
    assert len(model.get_layer("head")._inbound_nodes) == 2


def test_keras_configs_of_other_eras_build(real_models):
    for name in ("k1_simple_lstm_th_keras_1_model.h5", "k2_fer2013_mini_XCEPTION.102-0.66.hdf5",
                 "k2_imdb_conv_lstm_model.json", "k3_churn_legacy.h5", "k3_nanotag_ae_nested.keras",
                 "tfk2_mnist_gan_generator.keras"):
        graph = nnviz.load(real_models / name)
        assert nnviz.to_keras(graph).count_params() == graph.total_params, name


def test_a_lambda_layer_is_refused_with_a_clear_error(real_models):
    with pytest.raises(NnvizError, match=r"layer '.+': a Lambda layer holds Python code.*never runs code"):
        nnviz.to_keras(real_models / "tfk2_deepfm.h5")


def test_a_custom_layer_is_refused_with_a_clear_error(real_models):
    with pytest.raises(NnvizError, match=r"'L1Distance' is not a built-in Keras layer"):
        nnviz.to_keras(real_models / "k3_speaker_siamese.keras")


def test_custom_and_lambda_layers_in_a_config_are_refused():
    config = {"class_name": "Sequential", "config": {"name": "s", "layers": [
        {"class_name": "InputLayer", "config": {"batch_shape": [None, 3], "name": "x"}},
        {"class_name": "MyScale", "config": {"name": "scale"}}]}}
    with pytest.raises(NnvizError, match="'MyScale' is not a built-in Keras layer") as err:
        nnviz.to_keras(config)
    assert err.value.layer == "scale"
    lam = json.loads(json.dumps(config).replace('"MyScale"', '"Lambda"'))
    with pytest.raises(NnvizError, match="Lambda"):
        nnviz.to_keras(lam)


def test_keys_keras_no_longer_takes_are_dropped():
    spec = {"input_shape": [3], "layers": [{"type": "Dense", "units": 2, "input_dim": 3,
                                             "batch_input_shape": [None, 3]}]}
    assert nnviz.to_keras(spec).count_params() == 8
