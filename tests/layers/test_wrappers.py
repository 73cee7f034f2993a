import pytest

from truth import check_layer

from nnviz.errors import ShapeError
from nnviz.layers.infer import infer_layer


def _inner(cls, **config):
    """A wrapped layer as Keras 3 serializes it."""
    return {"module": "keras.layers", "class_name": cls, "config": config, "registered_name": None}


def _bi(inner, **config):
    return {"layer": inner, **config}


def _td(inner):
    return {"layer": inner}


_SEQ = {"module": "keras", "class_name": "Sequential", "registered_name": None, "config": {
    "name": "frame", "trainable": True, "layers": [
        {"module": "keras.layers", "class_name": "InputLayer", "registered_name": None,
         "config": {"batch_shape": [None, 6, 2], "name": "frame_in"}},
        {"module": "keras.layers", "class_name": "Flatten", "registered_name": None, "config": {"name": "flat"}},
        {"module": "keras.layers", "class_name": "Dense", "registered_name": None,
         "config": {"name": "proj", "units": 5}},
        {"module": "keras.layers", "class_name": "Dense", "registered_name": None,
         "config": {"name": "frozen", "units": 3, "trainable": False}}]}}

CASES = [
    ("Bidirectional", _bi(_inner("LSTM", units=4)), [[None, 5, 3]]),
    ("Bidirectional", _bi(_inner("LSTM", units=4, return_sequences=True)), [[None, 5, 3]]),
    ("Bidirectional", _bi(_inner("LSTM", units=4), merge_mode="sum"), [[None, 5, 3]]),
    ("Bidirectional", _bi(_inner("LSTM", units=4, return_sequences=True), merge_mode="mul"), [[None, 5, 3]]),
    ("Bidirectional", _bi(_inner("LSTM", units=4), merge_mode="ave"), [[None, 5, 3]]),
    ("Bidirectional", _bi(_inner("LSTM", units=4), merge_mode=None), [[None, 5, 3]]),
    ("Bidirectional", _bi(_inner("LSTM", units=4, return_state=True)), [[None, 5, 3]]),
    ("Bidirectional", _bi(_inner("LSTM", units=4, return_state=True, return_sequences=True), merge_mode=None),
     [[None, None, 3]]),
    ("Bidirectional", _bi(_inner("GRU", units=6, reset_after=True)), [[None, 5, 3]]),
    ("Bidirectional", _bi(_inner("GRU", units=6, reset_after=False, return_state=True)), [[None, 5, 3]]),
    ("Bidirectional", _bi(_inner("SimpleRNN", units=2, return_sequences=True)), [[None, 8, 4]]),
    ("Bidirectional", _bi(_inner("RNN", cell=_inner("LSTMCell", units=3))), [[None, 8, 4]]),
    ("Bidirectional", _bi(_inner("LSTM", units=4, return_sequences=True),
                          backward_layer=_inner("LSTM", units=4, return_sequences=True, go_backwards=True,
                                                use_bias=False)), [[None, 5, 3]]),
    ("Bidirectional", _bi(_inner("LSTM", units=4, trainable=False)), [[None, 5, 3]]),
    ("Bidirectional", _bi(_inner("ConvLSTM2D", filters=2, kernel_size=3)), [[None, 4, 8, 8, 1]]),
    ("TimeDistributed", _td(_inner("Dense", units=4)), [[None, 5, 3]]),
    ("TimeDistributed", _td(_inner("Dense", units=4, use_bias=False)), [[None, None, 3]]),
    ("TimeDistributed", _td(_inner("Dense", units=2)), [[None, 5, 6, 3]]),
    ("TimeDistributed", _td(_inner("Flatten")), [[None, 5, 6, 3]]),
    ("TimeDistributed", _td(_inner("Dropout", rate=0.5)), [[None, 5, 6]]),
    ("TimeDistributed", _td(_inner("Dense", units=3, trainable=False)), [[None, 5, 6]]),
    ("TimeDistributed", _td(_inner("LSTM", units=3)), [[None, 4, 7, 2]]),
    ("TimeDistributed", _td(_inner("Embedding", input_dim=10, output_dim=3)), [[None, 4, 7]]),
    ("TimeDistributed", _td(_inner("Bidirectional", layer=_inner("GRU", units=2, reset_after=True))),
     [[None, 4, 7, 2]]),
    ("TimeDistributed", _td(_SEQ), [[None, 4, 6, 2]]),
]


@pytest.mark.parametrize("cls,config,shapes", CASES, ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)])
def test_wrapper_matches_keras(cls, config, shapes):
    check_layer(cls, config, shapes)


def test_bidirectional_initial_states_change_nothing():
    check_layer("Bidirectional", _bi(_inner("LSTM", units=4, return_state=True)),
                [[None, 5, 3], [None, 4], [None, 4], [None, 4], [None, 4]], call_style="initial_state")


# -- Keras 1 and errors (no TensorFlow) -------------------------------------------------

def test_keras1_time_distributed_dense():
    layer = infer_layer("TimeDistributedDense", {"output_dim": 8, "input_dim": 3, "bias": True,
                                                 "activation": "linear"}, [(None, 10, 3)])
    assert layer.output_shapes == ((None, 10, 8),)
    assert layer.params == 3 * 8 + 8
    assert layer.units == 8


def test_keras1_time_distributed_dense_without_bias():
    layer = infer_layer("TimeDistributedDense", {"output_dim": 8, "bias": False}, [(None, 10, 3)])
    assert layer.params == 24


def test_keras1_bidirectional_lstm():
    inner = {"class_name": "LSTM", "config": {"output_dim": 16, "return_sequences": True, "activation": "tanh",
                                              "inner_activation": "hard_sigmoid"}}
    layer = infer_layer("Bidirectional", {"layer": inner, "merge_mode": "concat"}, [(None, 20, 5)])
    assert layer.output_shapes == ((None, 20, 32),)
    assert layer.params == 2 * 4 * (5 * 16 + 16 * 16 + 16)
    assert layer.units == 16
    assert layer.activation == "tanh"


def test_keras1_time_distributed_wraps_old_names():
    # the readers modernize wrapped configs; a config built by hand keeps Keras 1's names
    inner = {"class_name": "Dense", "config": {"output_dim": 4, "bias": False}}
    layer = infer_layer("TimeDistributed", {"layer": inner}, [(None, 6, 3)])
    assert layer.output_shapes == ((None, 6, 4),)
    assert layer.params == 12


def test_bidirectional_rejects_an_unknown_merge_mode():
    with pytest.raises(ShapeError, match="merge_mode"):
        infer_layer("Bidirectional", {"layer": {"class_name": "LSTM", "config": {"units": 2}},
                                      "merge_mode": "max"}, [(None, 5, 3)])


def test_time_distributed_needs_a_time_axis():
    with pytest.raises(ShapeError, match="rank 3"):
        infer_layer("TimeDistributed", {"layer": {"class_name": "Dense", "config": {"units": 2}}}, [(None, 3)])


def test_unknown_wrapped_class_leaves_the_shape_unknown():
    layer = infer_layer("TimeDistributed", {"layer": {"class_name": "MyLayer", "config": {}}}, [(None, 5, 3)])
    assert not layer.shape_known
    assert layer.params is None  # no stored weights to count: unknown, not 0
