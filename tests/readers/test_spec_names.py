"""Typos in hand-written specs: argument and activation names are checked against Keras's (issue 16.5).

The tables are generated from Keras once (tools/keras_tables.py) and committed as
src/nnviz/layers/keras_names.json; reading a spec needs no TensorFlow.
"""

from __future__ import annotations

import inspect
import json
import subprocess
import sys

import pytest
from click.testing import CliRunner

import nnviz
from nnviz.cli import cli
from nnviz.errors import ReadError
from nnviz.readers.spec import keras_names


def _spec(**layer) -> dict:
    return {"name": "typo", "input_shape": [8, 8, 1], "layers": [layer]}


@pytest.mark.parametrize("layer, message", [
    ({"type": "Dense", "units": 3, "activation": "rleu"}, "unknown activation 'rleu' (did you mean 'relu'?)"),
    ({"type": "Conv2D", "filters": 3, "kernal_size": 3}, "Conv2D has no argument 'kernal_size' (did you mean 'kernel_size'?)"),
    ({"type": "Dense", "unit": 10}, "Dense has no argument 'unit' (did you mean 'units'?)"),
    ({"type": "LSTM", "units": 4, "recurrent_activation": "sigmod"}, "unknown activation 'sigmod' (did you mean 'sigmoid'?)"),
    ({"type": "Activation", "activation": "sofmax"}, "unknown activation 'sofmax' (did you mean 'softmax'?)"),
])
def test_typos_are_errors_with_the_closest_name(layer, message):
    with pytest.raises(ReadError) as info:
        nnviz.load(_spec(**layer))
    assert message in str(info.value)


def test_cli_names_the_file_and_exits_2(tmp_path):
    path = tmp_path / "net.json"
    path.write_text(json.dumps(_spec(type="Dense", units=3, activation="rleu", name="h")))
    result = CliRunner().invoke(cli, ["summary", str(path)])
    assert result.exit_code == 2
    assert result.output.strip() == (f"nnviz: error: {path}: layer 'h': unknown activation 'rleu' "
                                     "(did you mean 'relu'?)")


def test_right_names_pass():
    g = nnviz.load({"input_shape": [28, 28, 1], "layers": [
        {"type": "Conv2D", "filters": 4, "kernel_size": 3, "strides": 1, "padding": "same", "activation": "relu",
         "use_bias": True, "kernel_initializer": "he_normal", "name": "c"},
        {"type": "MaxPooling2D", "pool_size": 2},
        {"type": "Flatten"},
        {"type": "Dropout", "rate": 0.5, "seed": 1},
        {"type": "Dense", "units": 10, "activation": "softmax", "trainable": False}]})
    assert g.layer("c").params == 40


def test_files_written_by_keras_are_not_checked():
    # Keras 1 configs carry era-specific keys (init, W_regularizer) and are read as they are
    cfg = {"class_name": "Sequential", "keras_version": "1.2.2", "config": [
        {"class_name": "Dense", "config": {"name": "d", "output_dim": 3, "input_dim": 4, "init": "glorot_uniform",
                                           "W_regularizer": None, "batch_input_shape": [None, 4],
                                           "activation": "relu", "a_key_from_a_fork": 1}}]}
    assert nnviz.load(cfg).layer("d").params == 15


def test_reading_a_spec_imports_no_tensorflow(tmp_path):
    path = tmp_path / "net.json"
    path.write_text(json.dumps(_spec(type="Conv2D", filters=3, kernel_size=3, activation="relu")))
    code = ("import sys, nnviz; g = nnviz.load(sys.argv[1]); "
            "print(g.total_params, 'tensorflow' in sys.modules, 'keras' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code, str(path)], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["30", "False", "False"]


@pytest.mark.needs_tf
@pytest.mark.parametrize("cls", ["Dense", "Conv2D", "LSTM", "BatchNormalization", "MultiHeadAttention", "Embedding"])
def test_table_holds_keras_own_argument_names(cls):
    import keras

    params = set(inspect.signature(getattr(keras.layers, cls).__init__).parameters) - {"self", "kwargs"}
    assert params <= keras_names()["arguments"][cls]
    assert {"relu", "softmax", "gelu", "linear"} <= keras_names()["activations"]
    assert {name for name in dir(keras.activations) if name in ("relu", "silu", "swish")} <= keras_names()["activations"]
