import pytest

from nnviz.errors import ShapeError
from nnviz.layers.infer import infer_layer
from truth import check_layer

CF = {"data_format": "channels_first"}

CASES = [
    ("UpSampling1D", {}, [[None, 10, 4]]),
    ("UpSampling1D", {"size": 3}, [[None, None, 4]]),
    ("UpSampling2D", {}, [[None, 7, 7, 16]]),
    ("UpSampling2D", {"size": [2, 3], "interpolation": "bilinear"}, [[None, 7, 5, 16]]),
    ("UpSampling2D", {"size": 2, **CF}, [[None, 16, 7, 5]]),
    ("UpSampling3D", {"size": [1, 2, 3]}, [[None, 4, 5, 6, 2]]),
    ("UpSampling3D", {**CF}, [[None, 2, 4, 5, 6]]),
    ("ZeroPadding1D", {}, [[None, 10, 4]]),
    ("ZeroPadding1D", {"padding": [2, 5]}, [[None, 10, 4]]),
    ("ZeroPadding1D", {"padding": 3, **CF}, [[None, 4, 10]]),
    ("ZeroPadding2D", {}, [[None, 7, 7, 3]]),
    ("ZeroPadding2D", {"padding": 2}, [[None, 7, 7, 3]]),
    ("ZeroPadding2D", {"padding": [1, 3]}, [[None, 7, 7, 3]]),
    ("ZeroPadding2D", {"padding": [[0, 1], [2, 3]], **CF}, [[None, 3, 7, 7]]),
    ("ZeroPadding2D", {"padding": [[0, 1], [2, 3]]}, [[None, None, 7, 3]]),
    ("ZeroPadding3D", {}, [[None, 4, 5, 6, 2]]),
    ("ZeroPadding3D", {"padding": [1, 2, 3], **CF}, [[None, 2, 4, 5, 6]]),
    ("ZeroPadding3D", {"padding": [[0, 1], [1, 0], [2, 2]]}, [[None, 4, 5, 6, 2]]),
    ("Cropping1D", {}, [[None, 10, 4]]),
    ("Cropping1D", {"cropping": [0, 4]}, [[None, 10, 4]]),
    ("Cropping1D", {"cropping": 2}, [[None, 10, 4]]),
    ("Cropping2D", {}, [[None, 7, 7, 3]]),
    ("Cropping2D", {"cropping": 2}, [[None, 7, 7, 3]]),
    ("Cropping2D", {"cropping": [1, 2]}, [[None, 7, 8, 3]]),
    ("Cropping2D", {"cropping": [[0, 1], [2, 3]], **CF}, [[None, 3, 7, 8]]),
    ("Cropping3D", {"cropping": 1}, [[None, 4, 5, 6, 2]]),
    ("Cropping3D", {"cropping": [[0, 1], [1, 0], [2, 2]], **CF}, [[None, 2, 4, 5, 6]]),
]


@pytest.mark.parametrize("cls,config,shapes", CASES, ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)])
def test_reshaping_layer_matches_keras(cls, config, shapes):
    check_layer(cls, config, shapes)


def test_keras1_upsampling1d_length():
    # Keras 1 called the factor 'length': 10 * 3 = 30
    assert infer_layer("UpSampling1D", {"length": 3}, [(None, 10, 4)]).output_shapes[0] == (None, 30, 4)


def test_keras1_upsampling2d_th():
    # 'th': rows and cols are axes 2 and 3
    layer = infer_layer("UpSampling2D", {"size": [2, 2], "dim_ordering": "th"}, [(None, 64, 12, 12)])
    assert layer.output_shapes[0] == (None, 64, 24, 24)


def test_keras1_zeropadding2d_four_tuple_and_dict():
    # Keras 1.2: (top, bottom, left, right) = (1, 2, 3, 4): 8 + 3 = 11 rows, 8 + 7 = 15 cols
    four = infer_layer("ZeroPadding2D", {"padding": [1, 2, 3, 4], "dim_ordering": "tf"}, [(None, 8, 8, 3)])
    assert four.output_shapes[0] == (None, 11, 15, 3)
    sides = {"top_pad": 1, "bottom_pad": 2, "left_pad": 3, "right_pad": 4}
    named = infer_layer("ZeroPadding2D", {"padding": sides, "dim_ordering": "th"}, [(None, 3, 8, 8)])
    assert named.output_shapes[0] == (None, 3, 11, 15)


def test_keras1_zeropadding1d_dict():
    layer = infer_layer("ZeroPadding1D", {"padding": {"left_pad": 2, "right_pad": 0}}, [(None, 8, 3)])
    assert layer.output_shapes[0] == (None, 10, 3)


@pytest.mark.parametrize("cls,config,shape", [
    ("Cropping1D", {"cropping": [5, 5]}, (None, 10, 4)),
    ("Cropping2D", {"cropping": [[3, 4], [0, 0]]}, (None, 7, 7, 3)),
    ("Cropping3D", {"cropping": 2, "data_format": "channels_first"}, (None, 2, 4, 5, 6)),
    ("ZeroPadding2D", {"padding": [1, 2, 3]}, (None, 7, 7, 3)),
    ("UpSampling2D", {}, (None, 7, 3)),
])
def test_reshaping_shape_errors(cls, config, shape):
    with pytest.raises(ShapeError):
        infer_layer(cls, config, [shape])
