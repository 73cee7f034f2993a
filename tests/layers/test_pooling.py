import pytest

from nnviz.errors import ShapeError
from nnviz.layers.infer import infer_layer
from truth import check_layer

CF = {"data_format": "channels_first"}

CASES = [
    ("MaxPooling1D", {}, [[None, 20, 4]]),
    ("MaxPooling1D", {"pool_size": 3, "strides": 2, "padding": "same"}, [[None, 20, 4]]),
    ("MaxPooling1D", {"pool_size": 3, **CF}, [[None, 4, 20]]),
    ("AveragePooling1D", {"pool_size": 4, "strides": 1}, [[None, 20, 4]]),
    ("MaxPooling2D", {"pool_size": [2, 2]}, [[None, 28, 28, 3]]),
    ("MaxPooling2D", {"pool_size": 3, "strides": 2}, [[None, 27, 26, 3]]),
    ("MaxPooling2D", {"pool_size": [3, 2], "strides": [1, 2], "padding": "same", **CF}, [[None, 3, 9, 9]]),
    ("MaxPooling2D", {"pool_size": 2}, [[None, None, None, 3]]),
    ("AveragePooling2D", {"pool_size": 2, "strides": None}, [[None, 7, 7, 5]]),
    ("AveragePooling2D", {"pool_size": 3, "padding": "same"}, [[None, 7, 8, 5]]),
    ("MaxPooling3D", {}, [[None, 8, 9, 10, 2]]),
    ("MaxPooling3D", {"pool_size": [1, 2, 2], "strides": 1, **CF}, [[None, 2, 8, 9, 10]]),
    ("AveragePooling3D", {"pool_size": 3, "strides": 2, "padding": "same"}, [[None, 8, 9, 10, 2]]),
    ("GlobalMaxPooling1D", {}, [[None, 20, 4]]),
    ("GlobalAveragePooling1D", {"keepdims": True}, [[None, 20, 4]]),
    ("GlobalAveragePooling1D", {**CF}, [[None, 4, 20]]),
    ("GlobalMaxPooling2D", {}, [[None, 7, 7, 64]]),
    ("GlobalAveragePooling2D", {"keepdims": True, **CF}, [[None, 64, 7, 7]]),
    ("GlobalMaxPooling3D", {"keepdims": True}, [[None, 3, 4, 5, 6]]),
    ("GlobalAveragePooling3D", {**CF}, [[None, 6, 3, 4, 5]]),
    ("AdaptiveAveragePooling1D", {"output_size": 5}, [[None, 20, 4]]),
    ("AdaptiveMaxPooling1D", {"output_size": 5, **CF}, [[None, 4, 20]]),
    ("AdaptiveAveragePooling2D", {"output_size": [3, 4]}, [[None, 12, 12, 8]]),
    ("AdaptiveMaxPooling2D", {"output_size": 2, **CF}, [[None, 8, 12, 12]]),
    ("AdaptiveAveragePooling3D", {"output_size": 2}, [[None, 4, 4, 4, 3]]),
    ("AdaptiveMaxPooling3D", {"output_size": [1, 2, 3], **CF}, [[None, 3, 4, 4, 6]]),
]


@pytest.mark.parametrize("cls,config,shapes", CASES, ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)])
def test_pooling_layer_matches_keras(cls, config, shapes):
    check_layer(cls, config, shapes)


def test_keras1_maxpooling1d_pool_length_and_stride():
    # pool_length 4, stride None (defaults to the pool): 96 // 4 = 24
    layer = infer_layer("MaxPooling1D", {"pool_length": 4, "stride": None, "border_mode": "valid"}, [(None, 96, 64)])
    assert layer.output_shapes[0] == (None, 24, 64) and layer.params == 0


def test_keras1_maxpooling1d_explicit_stride():
    # pool 3, stride 2, valid: (20 - 3) // 2 + 1 = 9
    layer = infer_layer("MaxPooling1D", {"pool_length": 3, "stride": 2}, [(None, 20, 8)])
    assert layer.output_shapes[0] == (None, 9, 8)


def test_keras1_maxpooling2d_th():
    # 'th' pools the last two axes: 48 // 2 = 24, channels (32) stay on axis 1
    cfg = {"pool_size": [2, 2], "strides": [2, 2], "border_mode": "valid", "dim_ordering": "th"}
    layer = infer_layer("MaxPooling2D", cfg, [(None, 32, 48, 48)])
    assert layer.output_shapes[0] == (None, 32, 24, 24)


def test_keras1_global_average_pooling2d_th():
    layer = infer_layer("GlobalAveragePooling2D", {"dim_ordering": "th"}, [(None, 32, 7, 7)])
    assert layer.output_shapes[0] == (None, 32)


@pytest.mark.parametrize("cls,config,shape", [
    ("MaxPooling2D", {"pool_size": 4}, (None, 2, 2, 1)),
    ("AveragePooling1D", {"pool_size": 5, "data_format": "channels_first"}, (None, 8, 4)),
    ("MaxPooling2D", {}, (None, 8, 8)),
    ("GlobalMaxPooling2D", {}, (None, 8, 8)),
])
def test_pooling_shape_errors(cls, config, shape):
    with pytest.raises(ShapeError):
        infer_layer(cls, config, [shape])
