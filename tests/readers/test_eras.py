"""Configs of every Keras era: Sequential lists, inbound node formats, nested-model node offsets."""

import json

import nnviz
from nnviz.loading import infer
from nnviz.readers.keras_config import read_model_config


def test_keras1_bare_list_sequential_with_old_names():
    cfg = {"class_name": "Sequential", "config": [
        {"class_name": "Dense", "config": {"name": "dense_1", "output_dim": 10, "input_dim": 13,
                                           "batch_input_shape": [None, 13], "bias": True, "init": "glorot_uniform"}},
        {"class_name": "Dense", "config": {"name": "dense_2", "output_dim": 1, "bias": False}}]}
    g = infer(read_model_config(cfg, keras_version="1.2.2"))
    assert [l.name for l in g.layers] == ["dense_1_input", "dense_1", "dense_2"]
    assert [l.params for l in g.layers] == [0, 140, 10]
    assert g.layer("dense_1").units == 10


def test_keras1_functional_merge_becomes_modern_class():
    cfg = {"class_name": "Model", "keras_version": "1.0.5", "config": {"name": "m", "layers": [
        {"class_name": "InputLayer", "name": "a", "config": {"name": "a", "batch_input_shape": [None, 4]},
         "inbound_nodes": []},
        {"class_name": "Dense", "name": "d1", "config": {"name": "d1", "output_dim": 3}, "inbound_nodes": [[["a", 0, 0]]]},
        {"class_name": "Dense", "name": "d2", "config": {"name": "d2", "output_dim": 3}, "inbound_nodes": [[["a", 0, 0]]]},
        {"class_name": "Merge", "name": "m", "config": {"name": "m", "mode": "concat", "concat_axis": -1},
         "inbound_nodes": [[["d1", 0, 0], ["d2", 0, 0]]]}],
        "input_layers": [["a", 0, 0]], "output_layers": [["m", 0, 0]]}}
    g = nnviz.load(cfg)
    assert g.layer("m").type == "Concatenate"
    assert g.layer("m").output_shape == (None, 6)
    assert g.keras_version == "1.0.5"


def test_keras3_inbound_tensors_and_nested_output_offset():
    # Keras 3 numbers calls from 0 but output_layers points at node 1 of a nested model
    inner = {"class_name": "Functional", "config": {"name": "enc", "layers": [
        {"class_name": "InputLayer", "name": "ei", "config": {"batch_shape": [None, 8], "name": "ei"},
         "inbound_nodes": []},
        {"class_name": "Dense", "name": "ed", "config": {"name": "ed", "units": 2},
         "inbound_nodes": [{"args": [{"class_name": "__keras_tensor__",
                                      "config": {"shape": [None, 8], "keras_history": ["ei", 0, 0]}}],
                            "kwargs": {}}]}],
        "input_layers": ["ei", 0, 0], "output_layers": ["ed", 0, 0]}}
    cfg = {"class_name": "Functional", "config": {"name": "ae", "layers": [
        {"class_name": "InputLayer", "name": "x", "config": {"batch_shape": [None, 8], "name": "x"},
         "inbound_nodes": []},
        {**inner, "name": "enc", "inbound_nodes": [{"args": [{"class_name": "__keras_tensor__",
                                                              "config": {"keras_history": ["x", 0, 0]}}]}]}],
        "input_layers": [["x", 0, 0]], "output_layers": [["enc", 1, 0]]}}
    g = nnviz.load(cfg)
    assert g.output_names == ["enc"]
    assert g.layer("enc").output_shape == (None, 2)
    assert g.layer("enc").params == 18


def test_keras2_shared_nested_model_refs_start_at_node_1():
    seq = {"class_name": "Sequential", "config": {"name": "tower", "layers": [
        {"class_name": "InputLayer", "config": {"batch_input_shape": [None, 5], "name": "ti"}},
        {"class_name": "Dense", "config": {"name": "td", "units": 4}}]}}
    cfg = {"class_name": "Functional", "config": {"name": "siamese", "layers": [
        {"class_name": "InputLayer", "name": "l", "config": {"batch_input_shape": [None, 5], "name": "l"},
         "inbound_nodes": []},
        {"class_name": "InputLayer", "name": "r", "config": {"batch_input_shape": [None, 5], "name": "r"},
         "inbound_nodes": []},
        {**seq, "name": "tower", "inbound_nodes": [[["l", 0, 0, {}]], [["r", 0, 0, {}]]]},
        {"class_name": "Subtract", "name": "diff", "config": {"name": "diff"},
         "inbound_nodes": [[["tower", 1, 0, {}], ["tower", 2, 0, {}]]]}],
        "input_layers": [["l", 0, 0], ["r", 0, 0]], "output_layers": [["diff", 0, 0]]}}
    g = nnviz.load(cfg)
    diff_call = g.calls_of("diff")[0]
    assert [(r.layer, r.call) for r in diff_call.inputs] == [("tower", 0), ("tower", 1)]
    assert g.inbound("tower") == [["l"], ["r"]]
    assert g.total_params == 24
    assert g.layer("diff").output_shape == (None, 4)


def test_frozen_nested_model_counts_as_non_trainable():
    cfg = {"input_shape": [4], "layers": [
        {"type": "Sequential", "name": "base", "trainable": False, "layers": [{"type": "Dense", "units": 3}]},
        {"type": "Dense", "units": 1}]}
    g = nnviz.load(cfg)
    assert g.non_trainable_params == 15
    assert g.trainable_params == 4
    assert g.layer("base").subgraph.layer("dense").trainable is False


def test_tf_op_layer_outer_name_is_used_for_wiring():
    cfg = {"class_name": "Model", "config": {"name": "m", "layers": [
        {"class_name": "InputLayer", "name": "x", "config": {"batch_input_shape": [None, 3], "name": "x"},
         "inbound_nodes": []},
        {"class_name": "TensorFlowOpLayer", "name": "tf_op_layer_transpose_1",
         "config": {"name": "transpose_1", "node_def": {}}, "inbound_nodes": [[["x", 0, 0, {}]]]},
        {"class_name": "Dense", "name": "d", "config": {"name": "d", "units": 2},
         "inbound_nodes": [[["tf_op_layer_transpose_1", 0, 0, {}]]]}],
        "input_layers": [["x", 0, 0]], "output_layers": [["d", 0, 0]]}}
    g = nnviz.load(cfg)
    assert g.inbound("d") == [["tf_op_layer_transpose_1"]]
    assert g.layer("tf_op_layer_transpose_1").shape_known is False
    # Dense after an unknown shape: nnviz says unknown rather than guess
    assert g.layer("d").output_shape is None


def test_to_json_text_roundtrip_from_file(tmp_path):
    cfg = {"class_name": "Sequential", "keras_version": "2.0.9", "config": [
        {"class_name": "Dense", "config": {"name": "dense_1", "units": 3, "batch_input_shape": [None, 2]}}]}
    p = tmp_path / "model.json"
    p.write_text(json.dumps(cfg))
    g = nnviz.load(p)
    assert g.total_params == 9
    assert g.keras_version == "2.0.9"
    assert g.source == str(p)


def _mha_scores_config(keras3: bool) -> dict:
    q = {"class_name": "InputLayer", "name": "q", "config": {"batch_shape": [None, 5, 8], "name": "q"},
         "inbound_nodes": []}
    if keras3:
        tensor = {"class_name": "__keras_tensor__",
                  "config": {"shape": [None, 5, 8], "dtype": "float32", "keras_history": ["q", 0, 0]}}
        node = {"args": [tensor, tensor], "kwargs": {"return_attention_scores": True}}
    else:
        node = [["q", 0, 0, {"value": ["q", 0, 0], "return_attention_scores": True}]]
    mha = {"class_name": "MultiHeadAttention", "name": "mha",
           "config": {"name": "mha", "num_heads": 2, "key_dim": 3}, "inbound_nodes": [node]}
    return {"class_name": "Functional", "config": {"name": "m", "layers": [q, mha],
                                                   "input_layers": [["q", 0, 0]],
                                                   "output_layers": [["mha", 0, 0], ["mha", 0, 1]]}}


def test_plain_call_arguments_are_kept_per_call():
    # return_attention_scores is a call argument (not config) that adds an output:
    # both eras record it in the inbound node, and inference gets it with the config
    for keras3 in (True, False):
        g = read_model_config(_mha_scores_config(keras3))  # as the config states it
        (call,) = g.calls_of("mha")
        assert call.arguments == {"return_attention_scores": True}
        assert [r.layer for r in call.inputs] == ["q", "q"]  # the tensor kwarg is an input, not an argument


def test_keras_zip_reads_stored_weights_only_for_layers_it_cannot_infer():
    from nnviz.readers.keras_zip import _needs_stored

    dense = {"module": "keras.layers", "class_name": "Dense",
             "config": {"name": "d", "units": 2,
                        "kernel_initializer": {"module": "keras.initializers", "class_name": "GlorotUniform",
                                               "config": {"seed": None}},
                        "dtype": {"module": "keras", "class_name": "DTypePolicy",
                                  "config": {"name": "float32"}}}}
    model = {"class_name": "Sequential", "config": {"name": "s", "layers": [dense]}}
    assert _needs_stored(model) is False  # initializers and dtype policies are not layers
    custom = {"class_name": "MyLayer", "module": None, "config": {"name": "c"}}
    wrapped = {"class_name": "TimeDistributed", "config": {"name": "t", "layer": custom}}
    assert _needs_stored({"class_name": "Sequential", "config": {"name": "s", "layers": [dense, wrapped]}})


def test_build_config_beside_the_config_gives_shapes_after_an_unknown_layer():
    # Keras 3 / tf.keras >= 2.13 record the input shape a layer was built on beside its config
    cfg = {"class_name": "Functional", "config": {"name": "m", "layers": [
        {"class_name": "InputLayer", "name": "x", "config": {"batch_shape": [None, 5], "name": "x"},
         "inbound_nodes": []},
        {"class_name": "Mystery", "name": "c", "config": {"name": "c"}, "inbound_nodes": [[["x", 0, 0, {}]]]},
        {"class_name": "Dense", "name": "d", "config": {"name": "d", "units": 2},
         "build_config": {"input_shape": [None, 7]}, "inbound_nodes": [[["c", 0, 0, {}]]]}],
        "input_layers": [["x", 0, 0]], "output_layers": [["d", 0, 0]]}}
    g = nnviz.load(cfg)
    assert g.layer("c").output_shape is None
    assert g.layer("d").params == 7 * 2 + 2
    assert g.layer("d").output_shape == (None, 2)
