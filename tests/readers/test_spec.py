"""The nnviz JSON spec: naming, wiring, nesting, sharing, and its errors."""

import json

import pytest

import nnviz
from nnviz.errors import ReadError, ShapeError
from nnviz.loading import infer
from nnviz.readers.spec import read_spec as read_spec_as_stated


def read_spec(spec, **kwargs):
    """The spec reader's graph after the inference stage (as nnviz.load runs them)."""
    return infer(read_spec_as_stated(spec, **kwargs))


def test_the_reader_returns_the_spec_as_stated():
    g = read_spec_as_stated({"input_shape": [13], "layers": [{"type": "Dense", "units": 10}]}, path="net.json")
    assert not g.inferred and g.source == "net.json"
    assert [l.name for l in g.layers] == ["input", "dense"] and g.layer("dense").output_shapes == ()


def test_three_layer_net_first_layer_has_140_params():
    g = read_spec({"input_shape": [13], "layers": [
        {"type": "Dense", "units": 10, "activation": "relu"},
        {"type": "Dense", "units": 10, "activation": "relu"},
        {"type": "Dense", "units": 1}]})
    assert [l.name for l in g.layers] == ["input", "dense", "dense_1", "dense_2"]
    assert g.layer("dense").params == 13 * 10 + 10
    assert g.total_params == 140 + 110 + 11
    assert g.layer("dense").activation == "relu"
    assert g.layer("dense_2").output_shape == (None, 1)
    assert g.class_name == "Sequential"


def test_keras_style_names_per_class():
    g = read_spec({"input_shape": [28, 28, 1], "layers": [
        {"type": "Flatten"},
        {"type": "Dense", "units": 3}, {"type": "Dropout", "rate": 0.1}, {"type": "Dense", "units": 2},
        {"type": "BatchNormalization"}]})
    assert [l.name for l in g.layers][1:] == ["flatten", "dense", "dropout", "dense_1", "batch_normalization"]


def test_branches_and_merge_with_named_inputs():
    g = read_spec({"name": "two", "inputs": {"a": [4], "b": [6]}, "layers": [
        {"type": "Dense", "units": 3, "name": "da", "inputs": ["a"]},
        {"type": "Dense", "units": 3, "name": "db", "inputs": ["b"]},
        {"type": "Add", "inputs": ["da", "db"]},
        {"type": "Dense", "units": 1, "name": "out"}], "outputs": ["out", "da"]})
    assert g.input_names == ["a", "b"]
    assert g.output_names == ["out", "da"]
    assert g.inbound("add") == [["da", "db"]]
    assert g.class_name == "Functional"
    assert g.total_params == (4 * 3 + 3) + (6 * 3 + 3) + 4


def test_shared_layer_is_one_layer_with_two_calls():
    g = read_spec({"inputs": {"left": [8], "right": [8]}, "layers": [
        {"type": "Dense", "units": 4, "name": "shared", "inputs": ["left"]},
        {"reuse": "shared", "inputs": ["right"]},
        {"type": "Subtract", "inputs": ["shared", "shared:1"]}]})
    assert [l.name for l in g.layers].count("shared") == 1
    assert g.inbound("shared") == [["left"], ["right"]]
    assert g.layer("shared").params == 36
    assert g.total_params == 36


def test_nested_model_holds_its_own_graph():
    g = read_spec({"input_shape": [16], "layers": [
        {"type": "Sequential", "name": "encoder", "layers": [
            {"type": "Dense", "units": 8}, {"type": "Dense", "units": 2}]},
        {"type": "Dense", "units": 16, "name": "decoder"}]})
    enc = g.layer("encoder")
    assert enc.subgraph is not None
    assert enc.params == (16 * 8 + 8) + (8 * 2 + 2)
    assert enc.output_shape == (None, 2)
    assert [l["name"] for l in g.to_dict()["layers"][1]["layers"]] == ["encoder_input", "dense", "dense_1"]


def test_to_dict_has_the_documented_keys():
    d = nnviz.load({"input_shape": [3], "layers": [{"type": "Dense", "units": 1, "activation": "sigmoid"}]}).to_dict()
    assert set(d) == {"format_version", "name", "graph", "total_params", "total_params_is_lower_bound",
                      "unknown_params", "trainable_params", "non_trainable_params",
                      "total_macs", "total_flops", "inputs", "outputs", "layers"}
    assert d["format_version"] == 2 and d["graph"] is True
    assert d["total_params_is_lower_bound"] is False and d["unknown_params"] == []
    assert d["layers"][1] == {"name": "dense", "type": "Dense", "output_shape": [None, 1], "params": 4,
                              "trainable_params": 4, "units": 1, "activation": "sigmoid", "inbound": [["input"]],
                              "macs": 3, "flops": 8, "activation_bytes": 4, "weight_bytes": 16}
    json.dumps(d)  # plain data


@pytest.mark.parametrize("spec,message", [
    ({"input_shape": [3], "layers": [{"type": "Dens", "units": 1}]}, "unknown layer type 'Dens'"),
    ({"input_shape": [3], "layers": [{"type": "Dense", "units": 1, "inputs": ["nope"]}]}, "'nope'"),
    ({"input_shape": [3], "layers": [{"type": "Dense", "units": 1, "name": "a", "inputs": ["b"]},
                                     {"type": "Dense", "units": 1, "name": "b", "inputs": ["a"]}]}, "cycle"),
    ({"input_shape": [3], "layers": [{"type": "Dense", "units": 1, "name": "a", "inputs": ["a"]}]}, "cycle"),
    ({"input_shape": [3], "layers": [{"type": "Dense", "units": 1, "name": "a"},
                                     {"type": "Dense", "units": 1, "name": "a"}]}, "two layers are named 'a'"),
    ({"input_shape": [3], "layers": [{"type": "Dense", "units": 10 ** 12}]}, "units must be a positive"),
    ({"input_shape": [3], "layers": [{"type": "Dense", "units": -1}]}, "units must be a positive"),
    ({"input_shape": [-3], "layers": [{"type": "Dense", "units": 1}]}, "invalid size"),
    ({"layers": [{"type": "Dense", "units": 1}]}, "input_shape"),
    ({"input_shape": [3], "layers": []}, "non-empty"),
    ({"input_shape": [3], "layerz": []}, "unknown top-level key"),
])
def test_spec_errors_name_the_problem(spec, message):
    with pytest.raises(ReadError, match=message.replace("(", r"\(")):
        read_spec(spec, path="net.json")


def test_unknown_type_suggests_the_right_one_and_names_file_and_layer():
    with pytest.raises(ReadError) as err:
        read_spec({"input_shape": [3], "layers": [{"type": "Dens", "units": 1, "name": "h1"}]}, path="net.json")
    text = str(err.value)
    assert text.startswith("net.json: layer 'h1': unknown layer type 'Dens'")
    assert "did you mean 'Dense'" in text
    assert "\n" not in text


def test_mismatched_add_is_a_shape_error():
    spec = {"inputs": {"a": [3], "b": [4]}, "layers": [{"type": "Add", "inputs": ["a", "b"]}]}
    with pytest.raises(ShapeError, match="add"):
        read_spec(spec)


def test_dense_on_4d_tensor_is_fine():
    g = read_spec({"input_shape": [5, 6, 7], "layers": [{"type": "Dense", "units": 2}]})
    assert g.layer("dense").output_shape == (None, 5, 6, 2)
    assert g.layer("dense").params == 7 * 2 + 2
