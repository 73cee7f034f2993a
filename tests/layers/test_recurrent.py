import pytest

from truth import check_layer

from nnviz.errors import ShapeError
from nnviz.layers.infer import infer_layer


def _cell(cls, **config):
    return {"module": "keras.layers", "class_name": cls, "config": config, "registered_name": None}


# GRU configs always state reset_after: Keras 3 defaults to True, nnviz (for old configs) to False
CASES = [
    ("Embedding", {"input_dim": 100, "output_dim": 8}, [[None, 10]]),
    ("Embedding", {"input_dim": 50, "output_dim": 3}, [[None, None]]),
    ("Embedding", {"input_dim": 20, "output_dim": 4}, [[None, 3, 5]]),
    ("Embedding", {"input_dim": 30, "output_dim": 6, "lora_rank": 2}, [[None, 7]]),
    ("SimpleRNN", {"units": 5}, [[None, 7, 3]]),
    ("SimpleRNN", {"units": 5, "use_bias": False, "return_sequences": True}, [[None, 7, 3]]),
    ("SimpleRNN", {"units": 4, "return_state": True}, [[None, None, 6]]),
    ("LSTM", {"units": 8}, [[None, 10, 4]]),
    ("LSTM", {"units": 8, "return_sequences": True}, [[None, 10, 4]]),
    ("LSTM", {"units": 6, "return_state": True}, [[None, 10, 4]]),
    ("LSTM", {"units": 6, "return_sequences": True, "return_state": True}, [[None, None, 2]]),
    ("LSTM", {"units": 3, "use_bias": False}, [[None, 5, 9]]),
    ("LSTM", {"units": 4, "unit_forget_bias": False, "go_backwards": True}, [[None, 5, 2]]),
    ("GRU", {"units": 8, "reset_after": True}, [[None, 10, 4]]),
    ("GRU", {"units": 8, "reset_after": False}, [[None, 10, 4]]),
    ("GRU", {"units": 5, "reset_after": True, "return_sequences": True, "return_state": True}, [[None, 6, 3]]),
    ("GRU", {"units": 5, "reset_after": False, "use_bias": False}, [[None, 6, 3]]),
    ("RNN", {"cell": _cell("SimpleRNNCell", units=4)}, [[None, 5, 3]]),
    ("RNN", {"cell": _cell("LSTMCell", units=4), "return_sequences": True}, [[None, 5, 3]]),
    ("RNN", {"cell": _cell("GRUCell", units=4, reset_after=True), "return_state": True}, [[None, 5, 3]]),
    ("RNN", {"cell": _cell("GRUCell", units=4, reset_after=False)}, [[None, 5, 3]]),
    ("RNN", {"cell": _cell("StackedRNNCells", cells=[_cell("LSTMCell", units=6), _cell("SimpleRNNCell", units=2)]),
             "return_state": True}, [[None, 5, 3]]),
    ("RNN", {"cell": _cell("LSTMCell", units=4, trainable=False)}, [[None, 5, 3]]),
    ("ConvLSTM1D", {"filters": 4, "kernel_size": 3}, [[None, 5, 10, 2]]),
    ("ConvLSTM1D", {"filters": 4, "kernel_size": 3, "padding": "same", "return_sequences": True}, [[None, 5, 10, 2]]),
    ("ConvLSTM2D", {"filters": 6, "kernel_size": 3}, [[None, 4, 12, 12, 3]]),
    ("ConvLSTM2D", {"filters": 6, "kernel_size": [3, 2], "strides": 2, "return_sequences": True,
                    "return_state": True}, [[None, 4, 12, 12, 3]]),
    ("ConvLSTM2D", {"filters": 2, "kernel_size": 3, "padding": "same", "use_bias": False}, [[None, None, 9, 9, 1]]),
    ("ConvLSTM2D", {"filters": 2, "kernel_size": 3, "dilation_rate": 2}, [[None, 3, 9, 9, 1]]),
    ("ConvLSTM3D", {"filters": 2, "kernel_size": 2, "return_sequences": True}, [[None, 3, 5, 5, 5, 2]]),
]


@pytest.mark.parametrize("cls,config,shapes", CASES, ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)])
def test_recurrent_layer_matches_keras(cls, config, shapes):
    check_layer(cls, config, shapes)


INITIAL_STATE_CASES = [
    ("LSTM", {"units": 4, "return_state": True}, [[None, 5, 3], [None, 4], [None, 4]]),
    ("GRU", {"units": 4, "reset_after": True}, [[None, 5, 3], [None, 4]]),
]


@pytest.mark.parametrize("cls,config,shapes", INITIAL_STATE_CASES,
                         ids=[f"{c[0]}-{i}" for i, c in enumerate(INITIAL_STATE_CASES)])
def test_initial_states_change_nothing(cls, config, shapes):
    check_layer(cls, config, shapes, call_style="initial_state")


# -- Keras 1 and Keras 2 configs (no TensorFlow) ---------------------------------------

def test_keras1_lstm_of_the_real_file():
    # the LSTM of k1_simple_lstm_th_keras_1_model.h5 (Keras 1.2.2), stored as 12 per-gate arrays
    cfg = {"inner_activation": "hard_sigmoid", "trainable": True, "inner_init": "orthogonal", "output_dim": 50,
           "unroll": False, "consume_less": "cpu", "init": "glorot_uniform", "dropout_U": 0.0,
           "input_dtype": "float32", "batch_input_shape": [None, 1, 1], "input_length": None, "dropout_W": 0.2,
           "activation": "tanh", "stateful": False, "b_regularizer": None, "U_regularizer": None, "name": "lstm_1",
           "go_backwards": False, "input_dim": 1, "return_sequences": False, "W_regularizer": None,
           "forget_bias_init": "one"}
    layer = infer_layer("LSTM", cfg, [(None, 1, 1)])
    assert layer.output_shapes == ((None, 50),)
    assert layer.params == 10400
    assert layer.units == 50
    assert layer.activation == "tanh"


def test_keras1_gru_has_no_reset_after():
    # the config reader makes the old default explicit; a spec without the key gets Keras 3's True
    from nnviz.loading import infer
    from nnviz.readers.keras_config import read_model_config

    cfg = {"class_name": "Sequential", "config": [{"class_name": "GRU", "config": {
        "name": "gru_1", "output_dim": 4, "input_dim": 3, "activation": "tanh", "batch_input_shape": [None, 5, 3]}}]}
    layer = infer(read_model_config(cfg, keras_version="1.2.2")).layer("gru_1")
    assert layer.params == 3 * (3 * 4 + 4 * 4 + 4)
    assert [w.shape for w in layer.weights] == [(3, 12), (4, 12), (12,)]
    assert infer_layer("GRU", {"units": 4}, [(None, 5, 3)]).weights[2].shape == (2, 12)


def test_keras1_simple_rnn_return_sequences():
    layer = infer_layer("SimpleRNN", {"output_dim": 7, "return_sequences": True, "activation": "tanh"},
                        [(None, 9, 2)])
    assert layer.output_shapes == ((None, 9, 7),)
    assert layer.params == 2 * 7 + 7 * 7 + 7


def test_keras1_embedding_input_length_fills_the_sequence_length():
    layer = infer_layer("Embedding", {"input_dim": 1000, "output_dim": 32, "input_length": 100}, [(None, None)])
    assert layer.output_shapes == ((None, 100, 32),)
    assert layer.params == 32000
    assert layer.units == 32


def test_embedding_input_length_must_agree():
    with pytest.raises(ShapeError, match="input_length"):
        infer_layer("Embedding", {"input_dim": 10, "output_dim": 2, "input_length": 5}, [(None, 6)])


def test_keras2_cudnn_layers_keep_both_biases():
    # CuDNNLSTM/CuDNNGRU configs state no activations; their flat bias holds input and recurrent halves
    base = {"units": 4, "kernel_initializer": {"class_name": "VarianceScaling", "config": {}},
            "return_sequences": False}
    lstm = infer_layer("CuDNNLSTM", base, [(None, 5, 3)])
    assert lstm.params == 3 * 16 + 4 * 16 + 8 * 4
    gru = infer_layer("CuDNNGRU", base, [(None, 5, 3)])
    assert gru.params == 3 * 12 + 4 * 12 + 6 * 4


def test_rnn_with_a_list_of_cells():
    cells = [{"class_name": "SimpleRNNCell", "config": {"units": 3}},
             {"class_name": "SimpleRNNCell", "config": {"units": 2}}]
    layer = infer_layer("RNN", {"cell": cells, "return_sequences": True}, [(None, 4, 5)])
    assert layer.output_shapes == ((None, 4, 2),)
    assert layer.params == (5 * 3 + 9 + 3) + (3 * 2 + 4 + 2)


def test_rnn_needs_a_sequence():
    with pytest.raises(ShapeError, match="sequence"):
        infer_layer("LSTM", {"units": 3}, [(None, 5)])


def test_conv_lstm_channels_first():
    layer = infer_layer("ConvLSTM2D", {"filters": 4, "kernel_size": 3, "data_format": "channels_first",
                                       "return_sequences": True}, [(None, 6, 2, 10, 8)])
    assert layer.output_shapes == ((None, 6, 4, 8, 6),)
    assert layer.params == 9 * 2 * 16 + 9 * 4 * 16 + 16


def test_unknown_feature_size_leaves_params_unknown():
    layer = infer_layer("LSTM", {"units": 3}, [(None, 5, None)])
    assert layer.params is None  # the kernel depends on the feature size
    assert layer.output_shape == (None, 3) and layer.shape_known  # recurrent outputs follow from units
