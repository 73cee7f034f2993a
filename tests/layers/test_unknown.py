"""What nnviz cannot know stays unknown, and what it can know is recovered (issue 16, items 2 and 3).

The model is the classic behavioural-cloning net: a Lambda normalisation (whose shape nnviz
cannot know: it never runs the function), Cropping2D, five convolutions, Flatten, four Dense.
"""

from __future__ import annotations

import pytest

import nnviz
from h5files import write_h5_model
from nnviz.graph import format_shape


def _conv(name: str, filters: int, k: int, s: int) -> dict:
    return {"class_name": "Conv2D", "config": {"name": name, "filters": filters, "kernel_size": [k, k],
                                               "strides": [s, s], "padding": "valid", "activation": "relu"}}


def _dense(name: str, units: int) -> dict:
    return {"class_name": "Dense", "config": {"name": name, "units": units}}


# a Keras 2 to_json() of the net, written by hand (the Lambda's marshalled code is a dummy string)
BC = {"class_name": "Sequential", "keras_version": "2.0.8", "backend": "tensorflow", "config": [
    {"class_name": "Lambda", "config": {"name": "lambda_1", "batch_input_shape": [None, 160, 320, 3],
                                        "function": ["4wEAAAAAAAAAAQAAAAIAAABDAAAAcwwAAAB8AGQB", None, None],
                                        "function_type": "lambda", "output_shape": None, "arguments": {}}},
    {"class_name": "Cropping2D", "config": {"name": "cropping2d_1", "cropping": [[70, 25], [0, 0]]}},
    _conv("conv2d_1", 24, 5, 2), _conv("conv2d_2", 36, 5, 2), _conv("conv2d_3", 48, 5, 2),
    _conv("conv2d_4", 64, 3, 1), _conv("conv2d_5", 64, 3, 1),
    {"class_name": "Flatten", "config": {"name": "flatten_1"}},
    _dense("dense_1", 100), _dense("dense_2", 50), _dense("dense_3", 10), _dense("dense_4", 1)]}

# what Keras stores for the net: kernels (and biases) of the convolutions and Dense layers
KERNELS = {"conv2d_1": (5, 5, 3, 24), "conv2d_2": (5, 5, 24, 36), "conv2d_3": (5, 5, 36, 48),
           "conv2d_4": (3, 3, 48, 64), "conv2d_5": (3, 3, 64, 64), "dense_1": (2112, 100),
           "dense_2": (100, 50), "dense_3": (50, 10), "dense_4": (10, 1)}


def _shapes(graph) -> dict[str, str]:
    return {l.name: format_shape(l.output_shape, partial=not l.shape_known) for l in graph.layers}


# -- item 2: unknown parameters are unknown, and the total says it is a lower bound ----------------

def test_json_only_model_reports_unknown_params_as_none():
    g = nnviz.load(BC)
    params = {l.name: l.params for l in g.layers}
    assert params["conv2d_1"] is None and params["dense_1"] is None  # their inputs' sizes are unknown
    assert params["conv2d_2"] == 5 * 5 * 24 * 36 + 36 and params["lambda_1"] == 0 and params["flatten_1"] == 0
    assert g.total_params == sum(p for p in params.values() if p is not None) == 135_095
    assert g.unknown_params == ["conv2d_1", "dense_1"] and g.total_params_is_lower_bound
    d = g.to_dict()
    assert d["total_params"] == 135_095 and d["total_params_is_lower_bound"] is True
    assert d["unknown_params"] == ["conv2d_1", "dense_1"]
    row = next(r for r in d["layers"] if r["name"] == "conv2d_1")
    assert row["params"] is None and row["trainable_params"] is None


def test_summary_and_every_title_say_the_total_is_a_lower_bound():
    g = nnviz.load(BC)
    honest = "≥ 135,095 params; 2 layers unknown: conv2d_1, dense_1"
    text = g.summary(width=200)
    assert f"Total params: {honest}" in text
    assert any(line.startswith("| conv2d_1 (Conv2D)") and line.split("|")[3].strip() == "?"
               for line in text.splitlines())
    block = nnviz.draw(g, style="block", collapse=False)
    heads = [lb.text for lb in block.scene.labels if lb.role in ("title", "subtitle")]
    assert any(honest in t for t in heads), heads
    boxes = {b.id: b.lines for b in block.scene.boxes}
    assert boxes["conv2d_1"] == ("conv2d_1", "Conv2D · relu", "(None, ?, ?, 24)", "? params")
    assert honest in block.to_html()


def test_node_title_says_the_total_is_a_lower_bound():
    # a node drawing needs every width: a layer whose count alone is unknown
    g = nnviz.load({"name": "mlp", "input_shape": [4], "layers": [
        {"type": "Dense", "units": 3, "name": "h"}, {"type": "Dense", "units": 1, "name": "y"}]})
    g = g.with_layers([l.replace(params=None, trainable_params=None, non_trainable_params=None)
                       if l.name == "h" else l for l in g.layers])
    node = nnviz.draw(g, style="node")
    titles = [lb.text for lb in node.scene.labels if lb.role == "title"]
    assert titles == ["mlp · ≥ 4 parameters; 1 layer unknown: h"]
    captions = [lb.text for lb in node.scene.labels if "params" in lb.text]
    assert any("? params" in c for c in captions), captions


def test_a_nested_model_with_an_unknown_layer_is_a_lower_bound_too():
    inner = {"class_name": "Sequential", "config": {"name": "inner", "layers": [
        {"class_name": "InputLayer", "config": {"name": "x", "batch_input_shape": [None, 4]}},
        {"class_name": "Lambda", "config": {"name": "lam", "function": "code"}},
        {"class_name": "Flatten", "config": {"name": "f"}},
        {"class_name": "Dense", "config": {"name": "d", "units": 2}}]}}
    outer = {"class_name": "Functional", "config": {"name": "outer", "layers": [
        {"class_name": "InputLayer", "name": "in", "config": {"name": "in", "batch_input_shape": [None, 4]},
         "inbound_nodes": []},
        {**inner, "name": "inner", "inbound_nodes": [[["in", 0, 0, {}]]]},
        {"class_name": "Dense", "name": "out", "config": {"name": "out", "units": 1},
         "inbound_nodes": [[["inner", 1, 0, {}]]]}],
        "input_layers": [["in", 0, 0]], "output_layers": [["out", 0, 0]]}, "keras_version": "2.4.0"}
    g = nnviz.load(outer)
    assert g.unknown_params == ["inner/d"]
    assert g.layer("inner").params is None and g.total_params == 3  # out: 2 * 1 + 1
    assert "≥ 3 params; 1 layer unknown: inner/d" in g.summary(width=200)


# -- item 3: what can be known after a Lambda is recovered ----------------------------------------

def test_json_only_net_shows_partial_shapes_after_the_lambda():
    shapes = _shapes(nnviz.load(BC))
    assert shapes["lambda_1"] == "?"
    assert shapes["cropping2d_1"] == "(None, ?, ?, ?)"
    assert shapes["conv2d_1"] == "(None, ?, ?, 24)" and shapes["conv2d_5"] == "(None, ?, ?, 64)"
    assert shapes["flatten_1"] == "(None, ?)"
    assert [shapes[f"dense_{i}"] for i in range(1, 5)] == ["(None, 100)", "(None, 50)", "(None, 10)", "(None, 1)"]
    known = [s for s in shapes.values() if s != "?"]
    assert len(known) == 12  # of 13: all but the Lambda


def test_stored_weights_fix_the_flatten_size_and_every_count(tmp_path):
    weights = {"lambda_1": {}, "cropping2d_1": {}, "flatten_1": {}}
    for name, k in KERNELS.items():
        weights[name] = {f"{name}/kernel:0": k, f"{name}/bias:0": (k[-1],)}
    write_h5_model(tmp_path / "bc.h5", BC, weights, keras_version="2.0.8")
    g = nnviz.load(tmp_path / "bc.h5")
    assert not g.unknown_params and g.total_params == 348_219  # the published count of this net
    shapes = _shapes(g)
    assert shapes["flatten_1"] == "(None, 2112)"  # from dense_1's stored kernel (2112, 100)
    assert shapes["cropping2d_1"] == "(None, ?, ?, 3)"  # from conv2d_1's stored kernel
    assert g.layer("conv2d_1").params == 5 * 5 * 3 * 24 + 24


def test_stored_kernel_that_does_not_fit_is_not_used(tmp_path):
    # a kernel whose size disagrees with the config's (units 100, kernel for 7 units) fixes nothing
    weights = {"lambda_1": {}, "cropping2d_1": {}, "flatten_1": {}}
    for name, k in KERNELS.items():
        weights[name] = {f"{name}/kernel:0": k, f"{name}/bias:0": (k[-1],)}
    weights["dense_1"] = {"dense_1/kernel:0": (2112, 7), "dense_1/bias:0": (7,)}
    write_h5_model(tmp_path / "bad.h5", BC, weights, keras_version="2.0.8")
    g = nnviz.load(tmp_path / "bad.h5")
    assert _shapes(g)["flatten_1"] == "(None, ?)"
    assert g.layer("dense_1").params == 2112 * 7 + 7  # the file's own count, as before


def test_recurrent_output_follows_from_units_after_a_lambda():
    cfg = {"class_name": "Sequential", "keras_version": "2.4.0", "config": {"name": "s", "layers": [
        {"class_name": "InputLayer", "config": {"name": "x", "batch_input_shape": [None, 20, 8]}},
        {"class_name": "Lambda", "config": {"name": "lam", "function": "code"}},
        {"class_name": "LSTM", "config": {"name": "lstm", "units": 16, "return_sequences": True}},
        {"class_name": "GRU", "config": {"name": "gru", "units": 8, "reset_after": True}},
        {"class_name": "Dropout", "config": {"name": "drop", "rate": 0.5}}]}}
    g = nnviz.load(cfg)
    shapes = _shapes(g)
    assert shapes["lstm"] == "(None, ?, 16)" and shapes["gru"] == "(None, 8)" and shapes["drop"] == "(None, 8)"
    assert g.layer("lstm").params is None and g.layer("gru").params == 3 * 8 * (16 + 8 + 2)
    assert g.layer("lam").params == 0 and g.layer("drop").params == 0


@pytest.mark.needs_tf
def test_recovered_numbers_are_keras_numbers(tmp_path):
    import keras

    layers = [keras.Input((160, 320, 3)), keras.layers.Lambda(lambda x: x / 127.5 - 1.0, name="lambda_1"),
              keras.layers.Cropping2D(((70, 25), (0, 0)), name="cropping2d_1")]
    for i, (f, k, s) in enumerate([(24, 5, 2), (36, 5, 2), (48, 5, 2), (64, 3, 1), (64, 3, 1)], 1):
        layers.append(keras.layers.Conv2D(f, k, strides=s, activation="relu", name=f"conv2d_{i}"))
    layers.append(keras.layers.Flatten(name="flatten_1"))
    layers += [keras.layers.Dense(u, name=f"dense_{i}") for i, u in enumerate([100, 50, 10, 1], 1)]
    model = keras.Sequential(layers, name="bc")
    model.save(tmp_path / "bc.h5")
    g = nnviz.load(tmp_path / "bc.h5")
    assert g.total_params == model.count_params() and not g.unknown_params
    for layer in model.layers:
        mine = g.layer(layer.name)
        assert mine.params == layer.count_params(), layer.name
        if mine.output_shape is not None:  # every size nnviz states is Keras's
            truth = tuple(layer.output.shape)
            assert len(mine.output_shape) == len(truth)
            assert all(a is None or a == b for a, b in zip(mine.output_shape, truth)), (layer.name, truth)
