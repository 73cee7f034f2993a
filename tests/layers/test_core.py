import pytest

from truth import check_layer

CASES = [
    ("Dense", {"units": 10}, [[None, 13]]),
    ("Dense", {"units": 4, "use_bias": False}, [[None, 7, 5]]),
    ("Dense", {"units": 3}, [[None, 2, 3, 6]]),
    ("Activation", {"activation": "relu"}, [[None, 6]]),
    ("ReLU", {}, [[None, 6]]),
    ("LeakyReLU", {}, [[None, 6]]),
    ("PReLU", {}, [[None, 4, 5]]),
    ("PReLU", {"shared_axes": [1, 2]}, [[None, 4, 5, 3]]),
    ("ELU", {}, [[None, 6]]),
    ("Softmax", {}, [[None, 6]]),
    ("Dropout", {"rate": 0.2}, [[None, 6]]),
    ("SpatialDropout2D", {"rate": 0.2}, [[None, 8, 8, 3]]),
    ("GaussianNoise", {"stddev": 0.1}, [[None, 6]]),
    ("Flatten", {}, [[None, 4, 5, 3]]),
    ("Reshape", {"target_shape": [5, -1]}, [[None, 4, 5, 3]]),
    ("Reshape", {"target_shape": [7, 7, 64]}, [[None, 3136]]),
    ("Permute", {"dims": [2, 1]}, [[None, 4, 5]]),
    ("RepeatVector", {"n": 3}, [[None, 5]]),
    ("EinsumDense", {"equation": "ab,bc->ac", "output_shape": 8, "bias_axes": "c"}, [[None, 5]]),
    ("EinsumDense", {"equation": "abc,cd->abd", "output_shape": [None, 8], "bias_axes": "d"}, [[None, 3, 5]]),
    ("EinsumDense", {"equation": "abc,cde->abde", "output_shape": [None, 2, 4], "bias_axes": "de"}, [[None, 3, 5]]),
]


@pytest.mark.parametrize("cls,config,shapes", CASES, ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)])
def test_core_layer_matches_keras(cls, config, shapes):
    check_layer(cls, config, shapes)
