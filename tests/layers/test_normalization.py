import pytest

from nnviz.errors import ShapeError
from nnviz.layers.infer import infer_layer
from truth import check_layer, check_weights

# SpectralNormalization's wrapped layer must name its module for Keras to deserialize it
SN_CONV = {"layer": {"module": "keras.layers", "class_name": "Conv2D", "config": {"filters": 4, "kernel_size": 3}}}
SN_DENSE = {"layer": {"module": "keras.layers", "class_name": "Dense", "config": {"units": 5, "use_bias": False}},
            "power_iterations": 2}
SN_EMBED = {"layer": {"module": "keras.layers", "class_name": "Embedding",
                      "config": {"input_dim": 10, "output_dim": 6}}}

CASES = [
    ("BatchNormalization", {}, [[None, 10]]),
    ("BatchNormalization", {}, [[None, 8, 8, 16]]),
    ("BatchNormalization", {"axis": 1}, [[None, 16, 8, 8]]),
    ("BatchNormalization", {"axis": -2, "center": False}, [[None, 5, 7]]),
    ("BatchNormalization", {"scale": False, "center": False}, [[None, 6]]),
    ("BatchNormalization", {"renorm": True}, [[None, 8, 8, 3]]),
    ("BatchNormalization", {"synchronized": True}, [[None, 8, 8, 3]]),
    ("LayerNormalization", {}, [[None, 10, 32]]),
    ("LayerNormalization", {"axis": [1, 2]}, [[None, 8, 6, 3]]),
    ("LayerNormalization", {"axis": [-1, 1], "center": False}, [[None, 8, 6, 3]]),
    ("LayerNormalization", {"scale": False}, [[None, 12]]),
    ("LayerNormalization", {"rms_scaling": True}, [[None, 4, 12]]),
    ("GroupNormalization", {"groups": 4}, [[None, 8, 8, 16]]),
    ("GroupNormalization", {"groups": -1, "axis": 1}, [[None, 6, 8, 8]]),
    ("GroupNormalization", {"groups": 2, "center": False}, [[None, 10, 4]]),
    ("RMSNormalization", {}, [[None, 10, 32]]),
    ("RMSNormalization", {"axis": [1, 2]}, [[None, 8, 6, 3]]),
    ("UnitNormalization", {}, [[None, 10, 32]]),
    ("UnitNormalization", {"axis": [1, 2]}, [[None, 8, 6, 3]]),
    ("SpectralNormalization", SN_CONV, [[None, 8, 8, 3]]),
    ("SpectralNormalization", SN_DENSE, [[None, 7]]),
    ("SpectralNormalization", SN_EMBED, [[None, 5]]),
]

IDS = [f"{c[0]}-{i}" for i, c in enumerate(CASES)]


@pytest.mark.parametrize("cls,config,shapes", CASES, ids=IDS)
def test_normalization_layer_matches_keras(cls, config, shapes):
    check_layer(cls, config, shapes)


@pytest.mark.parametrize("cls,config,shapes", CASES, ids=IDS)
def test_normalization_weights_match_keras(cls, config, shapes):
    check_weights(cls, config, shapes)


def _counts(layer):
    return layer.params, layer.trainable_params, layer.non_trainable_params


def test_keras1_batchnormalization_th():
    # Keras 1 (mode 0, axis 1 on 'th' maps): gamma, beta train; running mean and std do not: 4 * 32
    cfg = {"epsilon": 1e-3, "mode": 0, "axis": 1, "momentum": 0.99, "gamma_regularizer": None}
    layer = infer_layer("BatchNormalization", cfg, [(None, 32, 24, 24)])
    assert layer.output_shapes[0] == (None, 32, 24, 24)
    assert _counts(layer) == (128, 64, 64)


def test_tf_keras_batchnormalization_axis_list():
    # tf.keras saves axis as a list: [3] is one axis (4 * 3 = 12); [1, 3] keeps a
    # broadcastable (1, 8, 1, 3) shape per weight: 4 * 24 = 96 (checked against tf_keras 2.21)
    assert _counts(infer_layer("BatchNormalization", {"axis": [3]}, [(None, 8, 8, 3)])) == (12, 6, 6)
    layer = infer_layer("BatchNormalization", {"axis": [1, 3]}, [(None, 8, 8, 3)])
    assert _counts(layer) == (96, 48, 48)
    assert layer.weights[0].shape == (1, 8, 1, 3)


def test_frozen_spectral_normalization_inner_layer():
    # a wrapped layer saved as not trainable: its kernel and bias do not train either
    cfg = {"layer": {"class_name": "Dense", "config": {"units": 5, "trainable": False}}}
    assert _counts(infer_layer("SpectralNormalization", cfg, [(None, 7)])) == (45, 0, 45)


@pytest.mark.parametrize("cls,config,shape", [
    ("GroupNormalization", {"groups": 3}, (None, 8, 8, 4)),
    ("GroupNormalization", {"groups": 8}, (None, 8, 8, 4)),
    ("BatchNormalization", {"axis": 4}, (None, 8, 8, 4)),
    ("LayerNormalization", {"axis": [1, -5]}, (None, 8, 8, 4)),
    ("SpectralNormalization", {"layer": {"class_name": "Flatten", "config": {}}}, (None, 8, 8, 4)),
])
def test_normalization_shape_errors(cls, config, shape):
    with pytest.raises(ShapeError):
        infer_layer(cls, config, [shape])
