"""Costs: hand and NumPy counts of small layers, totals, memory; the papers' MACs (on Keras's graphs as recorded)."""

from __future__ import annotations

import itertools
import json

import numpy as np
import pytest

import nnviz
from nnviz.costs import humanize, layer_costs, training_memory
from nnviz.costs.engine import compute_dtype, weight_itemsize
from nnviz.errors import OptionError
from truth import app_json


def _one(shape, layer, **spec):
    g = nnviz.load({"input_shape": shape, "layers": [{"name": "x", **layer}], **spec})
    return g, layer_costs(g)["x"]


def _conv_macs_numpy(h, w, cin, kh, kw, cout, stride, dilation, groups):
    """Count the multiplications of a direct (valid) convolution by walking it with NumPy."""
    x = np.ones((h, w, cin))
    kernel = np.ones((kh, kw, cin // groups, cout))
    eff_h, eff_w = (kh - 1) * dilation + 1, (kw - 1) * dilation + 1
    muls = 0
    for i, j in itertools.product(range(0, h - eff_h + 1, stride), range(0, w - eff_w + 1, stride)):
        window = x[i:i + eff_h:dilation, j:j + eff_w:dilation, :]
        for g in range(groups):
            part = window[..., g * (cin // groups):(g + 1) * (cin // groups)]
            k = kernel[..., g * (cout // groups):(g + 1) * (cout // groups)]
            muls += np.count_nonzero(part[..., None] * k)  # one product per (window element, filter)
    return muls


@pytest.mark.parametrize("stride,dilation,groups", [(1, 1, 1), (2, 1, 1), (1, 2, 1), (1, 1, 2), (2, 1, 4)])
def test_conv2d_macs_match_a_numpy_walk(stride, dilation, groups):
    layer = {"type": "Conv2D", "filters": 8, "kernel_size": 3, "strides": stride, "dilation_rate": dilation,
             "groups": groups, "activation": "relu"}
    g, c = _one([11, 9, 4], layer)
    assert c.macs == _conv_macs_numpy(11, 9, 4, 3, 3, 8, stride, dilation, groups)
    out = int(np.prod(g.layer("x").output_shape[1:]))
    assert c.flops == 2 * c.macs + out + out  # bias and relu, one each per output element
    assert c.activation_bytes == out * 4
    assert c.weight_bytes == g.layer("x").params * 4


@pytest.mark.parametrize("layer,shape,macs", [
    ({"type": "Dense", "units": 10}, [13], 130),
    ({"type": "Dense", "units": 10}, [5, 13], 5 * 130),                        # per position
    ({"type": "Conv1D", "filters": 4, "kernel_size": 3}, [10, 2], 8 * 4 * 3 * 2),
    ({"type": "Conv3D", "filters": 2, "kernel_size": 2}, [3, 3, 3, 1], 8 * 2 * 8),
    ({"type": "DepthwiseConv2D", "kernel_size": 3, "depth_multiplier": 2}, [5, 5, 3], 9 * 6 * 9),
    ({"type": "SeparableConv2D", "filters": 4, "kernel_size": 3}, [5, 5, 3], 9 * 3 * 9 + 9 * 3 * 4),
    ({"type": "Conv2DTranspose", "filters": 4, "kernel_size": 3, "strides": 2}, [4, 4, 2], 16 * 2 * 9 * 4),
    ({"type": "SimpleRNN", "units": 4}, [7, 3], 7 * 4 * (3 + 4)),
    ({"type": "GRU", "units": 4}, [7, 3], 7 * 3 * 4 * (3 + 4)),
    ({"type": "LSTM", "units": 4}, [7, 3], 7 * 4 * 4 * (3 + 4)),
    ({"type": "Bidirectional", "layer": {"class_name": "LSTM", "config": {"units": 4}}}, [7, 3],
     2 * 7 * 4 * 4 * (3 + 4)),
    ({"type": "TimeDistributed", "layer": {"class_name": "Dense", "config": {"units": 5}}}, [6, 3], 6 * 15),
    ({"type": "EinsumDense", "equation": "abc,cde->abde", "output_shape": [None, 2, 5]}, [6, 3],
     6 * 3 * 2 * 5),
    ({"type": "Embedding", "input_dim": 100, "output_dim": 8}, [12], 0),
    ({"type": "MaxPooling2D", "pool_size": 2}, [4, 4, 3], 0),
    ({"type": "BatchNormalization"}, [4, 4, 3], 0),
])
def test_macs_counted_by_hand(layer, shape, macs):
    _, c = _one(shape, layer)
    assert c.macs == macs


def test_flops_convention_beyond_macs():
    assert _one([4, 4, 3], {"type": "MaxPooling2D", "pool_size": 2})[1].flops == 2 * 2 * 3 * 4
    assert _one([4, 4, 3], {"type": "GlobalAveragePooling2D"})[1].flops == 48
    assert _one([4, 4, 3], {"type": "BatchNormalization"})[1].flops == 2 * 48
    assert _one([6, 8], {"type": "LayerNormalization"})[1].flops == 7 * 48
    assert _one([10], {"type": "Dense", "units": 5, "activation": "softmax", "use_bias": False})[1].flops \
        == 2 * 50 + 3 * 5
    assert _one([10], {"type": "Activation", "activation": "linear"})[1].flops == 0


def test_attention_counts_projections_scores_and_values():
    spec = {"inputs": {"q": [6, 16], "v": [9, 12]},
            "layers": [{"type": "MultiHeadAttention", "name": "mha", "num_heads": 2, "key_dim": 4,
                        "inputs": ["q", "v"]}]}
    c = layer_costs(nnviz.load(spec))["mha"]
    h, kd, tq, tv = 2, 4, 6, 9
    expected = tq * 16 * h * kd + tv * 12 * h * kd + tv * 12 * h * kd + h * tq * tv * kd * 2 + tq * h * kd * 16
    assert c.macs == expected


def test_merges_nested_models_and_unknown_sizes():
    spec = {"inputs": {"a": [5], "b": [5]},
            "layers": [{"type": "Add", "name": "add", "inputs": ["a", "b"]},
                       {"type": "Average", "name": "avg", "inputs": ["a", "b", "add"]}]}
    t = layer_costs(nnviz.load(spec))
    assert (t["add"].flops, t["avg"].flops) == (5, 15)
    # a None sequence length: "?" for the layer, left out of the totals and named
    g = nnviz.load({"input_shape": [None, 3], "layers": [{"type": "LSTM", "units": 2, "name": "r"},
                                                           {"type": "Dense", "units": 4, "name": "d"}]})
    t = layer_costs(g)
    assert t["r"].macs is None and t["r"].flops is None and t["d"].macs == 8
    assert t.unknown == ["r"] and t.total_macs == 8


def test_batch_size_scales_totals_not_weights():
    g = nnviz.load({"input_shape": [13], "layers": [{"type": "Dense", "units": 10}]})
    one, many = layer_costs(g), layer_costs(g, batch_size=32)
    assert many.total_macs == 32 * one.total_macs and many.total_flops == 32 * one.total_flops
    assert many.weight_bytes == one.weight_bytes
    assert many.peak_activation_bytes == 32 * one.peak_activation_bytes
    with pytest.raises(OptionError, match="batch_size"):
        layer_costs(g, batch_size=0)


def test_peak_activation_frees_what_nobody_reads_any_more():
    # x(40 B) -> a(400) -> b(40) -> c(4): at most a's input and output live together
    g = nnviz.load({"input_shape": [10], "layers": [{"type": "Dense", "units": 100}, {"type": "Dense", "units": 10},
                                                     {"type": "Dense", "units": 1}]})
    t = layer_costs(g)
    assert t.peak_activation_bytes == 40 + 400  # x and a together, then a and b
    assert t.total_activation_bytes == 4 * (10 + 100 + 10 + 1)


def test_training_memory_formula():
    g = nnviz.load({"input_shape": [13], "layers": [{"type": "Dense", "units": 10}]})
    t = layer_costs(g, batch_size=8)
    m = training_memory(t)
    assert m == {"weights": 560, "gradients": 560, "optimizer": 1120, "activations": 8 * 4 * 23,
                 "total": 560 * 4 + 8 * 4 * 23}


def test_dtypes_mixed_and_quantized():
    assert compute_dtype("mixed_float16") == "float16"
    g, c = _one([13], {"type": "Dense", "units": 10, "dtype": "mixed_float16"})
    assert c.activation_bytes == 20 and c.weight_bytes == 560   # float16 outputs, float32 variables
    assert weight_itemsize({"class_name": "QuantizedDTypePolicy", "config": {"name": "int8_from_float32"}},
                           "dense/kernel") == 1
    assert weight_itemsize("int4_from_float32", "kernel") == 0.5
    assert weight_itemsize("float8_from_float32", "kernel") == 4


def test_humanize():
    assert [humanize(v) for v in (4_090_000_000, 1234, 999, None)] == ["4.09 G", "1.23 k", "999", "?"]


# -- against the papers and Keras's own graphs --------------------------------------------------

PAPERS = [("MobileNetV2", 300e6), ("MobileNet", 569e6), ("EfficientNetB0", 390e6)]


def _application(name):
    """Keras's own graph of a keras.applications model (weights=None): its to_json() as recorded in
    tests/data/truth/app (the oracle tests of tests/test_exactness.py rebuild it and compare)."""
    return nnviz.load(json.loads(app_json(name)))


@pytest.mark.parametrize("name,paper", PAPERS)
def test_macs_match_the_papers(name, paper):
    t = layer_costs(_application(name))
    assert abs(t.total_macs - paper) / paper < 0.02
    assert not t.unknown


def test_nasnet_mobile_macs_match_the_paper():
    t = layer_costs(_application("NASNetMobile"))
    assert abs(t.total_macs - 564e6) / 564e6 < 0.02


def test_summary_and_json_carry_the_costs():
    g = nnviz.load({"name": "n", "input_shape": [10], "layers": [
        {"type": "Dense", "units": 6, "name": "h"},
        {"type": "Sequential", "name": "sub", "layers": [{"type": "Dense", "units": 3, "name": "inner"}]}]})
    text = g.summary(width=200)
    assert text.splitlines()[2].split("|")[4:6] == [" MACs ", " FLOPs "]
    assert "Total MACs: 78, FLOPs: 165 (one sample)" in text
    d = g.to_dict()
    assert (d["total_macs"], d["total_flops"]) == (78, 126 + 39)
    sub = d["layers"][2]
    assert (sub["macs"], sub["weight_bytes"]) == (18, 4 * 21)
    assert sub["layers"][1]["macs"] == 18 and d["layers"][1]["flops"] == 2 * 60 + 6
    assert "FLOPs" in g._repr_html_()


# -- colour by a cost -------------------------------------------------------------------------

def _mlp():
    return nnviz.load({"name": "mlp", "input_shape": [8], "layers": [
        {"type": "Dense", "units": 256, "name": "big"}, {"type": "Dropout", "rate": 0.1, "name": "drop"},
        {"type": "Dense", "units": 4, "name": "small"}]})


def test_color_by_paints_blocks_with_a_scale_and_badges():
    from nnviz.api import draw_blocks

    d = draw_blocks(_mlp(), color_by="macs")
    boxes = {b.id: b for b in d.scene.boxes}
    theme = d.options.theme
    # big: 2,048 MACs, small: 1,024, the dropout 0: different colours from one scale, zero grey
    assert boxes["big"].family != boxes["small"].family
    assert boxes["drop"].family == "0 MACs"
    assert theme.extra_colors[boxes["big"].family] == "#fc6c4e"   # the darkest colour: the heaviest
    # the legend is the scale: one entry per bin in use, in order
    assert [text for text, _ in d.scene.legend] == ["0 MACs", "1.02 k–1.19 k MACs", "1.88 k–2.05 k MACs"]
    assert "67 % MACs" in boxes["big"].lines and "33 % MACs" in boxes["small"].lines  # the share badges


def test_color_by_takes_a_dict_or_a_json_file_and_refuses_bad_values(tmp_path):
    from nnviz.api import draw_blocks

    times = tmp_path / "times.json"
    times.write_text('{"device": "cpu", "layers": {"big": 0.002, "small": 0.00001}}')
    d = draw_blocks(_mlp(), color_by=str(times))
    fam = {b.id: b.family for b in d.scene.boxes}
    assert fam["big"] != fam["small"] and fam["drop"] == "? times"
    with pytest.raises(OptionError, match="unknown color_by"):
        draw_blocks(_mlp(), color_by="speed")
    with pytest.raises(OptionError, match="'big' must be a number"):
        draw_blocks(_mlp(), color_by={"big": "fast"})
    with pytest.raises(OptionError, match="cannot go with color_by"):
        nnviz.draw(_mlp(), style="node", weights=True, color_by="macs")
    (tmp_path / "bad.json").write_text("[1, 2")
    with pytest.raises(nnviz.ReadError, match="not JSON"):
        draw_blocks(_mlp(), color_by=str(tmp_path / "bad.json"))


def test_cli_color_by(tmp_path):
    from click.testing import CliRunner

    from nnviz.cli import cli

    out = tmp_path / "m.svg"
    r = CliRunner().invoke(cli, ["draw", "examples/deepnn.json", "--color-by", "flops", "-o", str(out)])
    assert r.exit_code == 0, r.output
    assert "FLOPs" in out.read_text()
    r = CliRunner().invoke(cli, ["draw", "examples/deepnn.json", "--color-by", "nope"])
    assert r.exit_code == 2 and "unknown --color-by" in r.output


def test_input_shape_fixes_free_axes_of_a_spec_so_costs_are_known():
    spec = {"input_shape": [None, 3], "layers": [{"type": "LSTM", "units": 2, "name": "r"}]}
    assert layer_costs(nnviz.load(spec))["r"].macs is None
    g = nnviz.load(spec, input_shape=(128, 3))
    assert g.layer("input").output_shape == (None, 128, 3)
    assert layer_costs(g)["r"].macs == 128 * 4 * 2 * (3 + 2)
    two = {"inputs": {"a": [None, 4], "b": [5]}, "layers": [
        {"type": "GlobalAveragePooling1D", "name": "p", "inputs": ["a"]},
        {"type": "Concatenate", "name": "c", "inputs": ["p", "b"]}]}
    g = nnviz.load(two, input_shape={"a": [7, 4]})
    assert layer_costs(g)["p"].flops == 28
    with pytest.raises(OptionError, match="2 inputs"):
        nnviz.load(two, input_shape=[7, 4])
    with pytest.raises(OptionError, match="has 1 axes"):
        nnviz.load(spec, input_shape=[128])
    with pytest.raises(OptionError, match="not inputs of the model"):
        nnviz.load(two, input_shape={"zz": [1]})


def test_cli_summary_input_shape(tmp_path):
    import json as json_

    from click.testing import CliRunner

    from nnviz.cli import cli

    spec = tmp_path / "rnn.json"
    spec.write_text(json_.dumps({"input_shape": [None, 3], "layers": [{"type": "LSTM", "units": 2, "name": "r"}]}))
    r = CliRunner().invoke(cli, ["summary", str(spec), "--json", "--input-shape", "128,3"])
    assert r.exit_code == 0, r.output
    assert json_.loads(r.output)["layers"][1]["macs"] == 128 * 4 * 2 * 5
    r = CliRunner().invoke(cli, ["summary", str(spec), "--input-shape", "input=16,3"])
    assert r.exit_code == 0 and "Total MACs: 640," in r.output
    r = CliRunner().invoke(cli, ["summary", str(spec), "--input-shape", "16"])
    assert r.exit_code == 2 and "has 1 axes" in r.output


# -- recurrent layers built from cells, convolutional LSTMs ------------------------------------

def _rnn_cost(shape, layer):
    return layer_costs(nnviz.load({"input_shape": shape, "layers": [{"name": "x", **layer}]}))["x"]


def _cell(cls, units, **cfg):
    return {"class_name": cls, "config": {"units": units, **cfg}}


@pytest.mark.parametrize("cls,cell", [("LSTM", "LSTMCell"), ("GRU", "GRUCell"), ("SimpleRNN", "SimpleRNNCell")])
def test_an_rnn_around_a_cell_costs_what_the_fused_layer_costs(cls, cell):
    fused = _rnn_cost([7, 3], {"type": cls, "units": 5})
    wrapped = _rnn_cost([7, 3], {"type": "RNN", "cell": _cell(cell, 5)})
    assert fused.macs is not None and (wrapped.macs, wrapped.flops, wrapped.bias_flops) == \
        (fused.macs, fused.flops, fused.bias_flops)


def test_stacked_cells_feed_each_other():
    stacked = _rnn_cost([7, 3], {"type": "RNN", "cell": {"class_name": "StackedRNNCells", "config": {
        "cells": [_cell("LSTMCell", 4), _cell("GRUCell", 6)]}}})
    first = _rnn_cost([7, 3], {"type": "LSTM", "units": 4})
    second = _rnn_cost([7, 4], {"type": "GRU", "units": 6})   # the second cell reads the first's 4 units
    assert stacked.macs == first.macs + second.macs and stacked.flops == first.flops + second.flops


def test_conv_lstm_with_one_pixel_is_an_lstm_and_grows_with_kernel_and_positions():
    lstm = _rnn_cost([5, 3], {"type": "LSTM", "units": 4})
    pixel = _rnn_cost([5, 1, 1, 3], {"type": "ConvLSTM2D", "filters": 4, "kernel_size": 1})
    assert (pixel.macs, pixel.flops, pixel.bias_flops) == (lstm.macs, lstm.flops, lstm.bias_flops)
    image = _rnn_cost([5, 6, 6, 3], {"type": "ConvLSTM2D", "filters": 4, "kernel_size": 3, "padding": "same",
                                     "return_sequences": True})
    assert image.macs == 36 * 9 * lstm.macs            # every output position, every kernel tap
    line = _rnn_cost([5, 10, 3], {"type": "ConvLSTM1D", "filters": 4, "kernel_size": 3})  # valid: 8 positions
    assert line.macs == 8 * 3 * lstm.macs


def test_training_memory_in_the_summary_and_the_cli():
    from click.testing import CliRunner

    from nnviz.cli import cli

    g = nnviz.load("examples/mnist_mlp.json")
    t = layer_costs(g, batch_size=32)
    adam, sgd = training_memory(t), training_memory(t, optimizer="SGD")
    assert adam["optimizer"] == 2 * adam["gradients"] == 2 * t.trainable_weight_bytes and sgd["optimizer"] == 0
    assert adam["activations"] == 32 * layer_costs(g).total_activation_bytes
    text = g.summary(width=200, batch_size=32, training=True)
    assert "Total MACs: 17.1 M, FLOPs: 34.3 M (a batch of 32)" in text
    from nnviz.summary import format_bytes
    assert f"Training memory (a batch of 32, adam): weights {format_bytes(adam['weights'])}" in text
    assert text.rstrip().endswith(f"= {format_bytes(adam['total'])}")
    r = CliRunner().invoke(cli, ["summary", "examples/mnist_mlp.json", "--batch-size", "32", "--training",
                                 "--optimizer", "sgd"])
    assert r.exit_code == 0 and f"optimizer {format_bytes(0)} +" in r.output
    r = CliRunner().invoke(cli, ["summary", "examples/mnist_mlp.json", "--training", "--optimizer", "magic"])
    assert r.exit_code == 2 and "unknown optimizer: 'magic'" in r.output


_TRAINING_LINE = (r"Training memory \(a batch of (?P<batch>[\d,]+), (?P<opt>\w+)\): weights (?P<weights>.+?) \+ gradients "
                  r"(?P<gradients>.+?) \+ optimizer (?P<optimizer>.+?) \+ activations (?P<activations>.+?) = (?P<total>.+)")


@pytest.mark.parametrize("optimizer, slots", [("adam", 2), ("sgd", 0), ("rmsprop", 1)])
def test_training_memory_in_the_json_equals_the_text(tmp_path, optimizer, slots):
    """`summary --json --training` holds the figures the text prints (and the formula's parts)."""
    import json
    import re

    from click.testing import CliRunner

    from nnviz.cli import cli
    from nnviz.summary import format_bytes

    spec = tmp_path / "bn.json"  # BatchNormalization's moving statistics do not train: gradients < weights
    spec.write_text(json.dumps({"name": "bn", "input_shape": [12, 12, 3], "layers": [
        {"type": "Conv2D", "filters": 8, "kernel_size": 3, "name": "c"},
        {"type": "BatchNormalization", "name": "bn"}, {"type": "Flatten"}, {"type": "Dense", "units": 5}]}))
    args = ["summary", str(spec), "--batch-size", "32", "--training", "--optimizer", optimizer]
    text = CliRunner().invoke(cli, args).output
    d = json.loads(CliRunner().invoke(cli, [*args, "--json"]).output)
    m = d["training_memory"]
    shown = re.search(_TRAINING_LINE, text).groupdict()
    assert (shown["batch"], shown["opt"]) == ("32", optimizer) == (str(m["batch_size"]), m["optimizer"])
    for key in ("weights", "gradients", "activations", "total"):
        assert shown[key] == format_bytes(m[key]), key
    assert shown["optimizer"] == format_bytes(m["optimizer_bytes"])
    # the parts, from the JSON's own counts
    assert m["weights"] == 4 * d["total_params"] and m["gradients"] == 4 * d["trainable_params"] < m["weights"]
    assert m["optimizer_slots"] == slots and m["optimizer_bytes"] == slots * m["gradients"]
    assert m["activations"] == 32 * sum(r["activation_bytes"] for r in d["layers"])
    assert m["total"] == m["weights"] + m["gradients"] + m["optimizer_bytes"] + m["activations"]
    assert m["known_layers_only"] is False
    # per-sample figures stay per sample; without --training there is no such field
    plain = json.loads(CliRunner().invoke(cli, ["summary", str(spec), "--json"]).output)
    assert "training_memory" not in plain and plain["total_macs"] == d["total_macs"]


def test_training_memory_of_a_layer_tree_is_null_in_the_json():
    import json

    from click.testing import CliRunner

    from nnviz.cli import cli

    r = CliRunner().invoke(cli, ["summary", "examples/keras/subclassed_mlp.keras", "--json", "--training"])
    assert r.exit_code == 0, r.output
    assert json.loads(r.output)["training_memory"] is None
    r = CliRunner().invoke(cli, ["summary", "examples/mnist_mlp.json", "--json", "--training", "--optimizer", "magic"])
    assert r.exit_code == 2 and "unknown optimizer: 'magic'" in r.output
