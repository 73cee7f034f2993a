import pytest

from truth import check_layer

from nnviz.errors import ShapeError
from nnviz.layers.infer import infer_layer

CASES = [
    ("Add", {}, [[None, 4], [None, 4]]),
    ("Add", {}, [[None, 3, 5], [None, 3, 5], [None, 3, 5]]),
    ("Add", {}, [[None, 3, 5], [None, 1, 5]]),
    ("Add", {}, [[None, 3, 5], [None, 5]]),
    ("Add", {}, [[None, None, 5], [None, 7, 5]]),
    ("Subtract", {}, [[None, 6], [None, 6]]),
    ("Multiply", {}, [[None, 2, 3], [None, 2, 1]]),
    ("Average", {}, [[None, 8], [None, 8]]),
    ("Maximum", {}, [[None, 4, 4], [None, 4, 4]]),
    ("Minimum", {}, [[None, 4], [None, 4], [None, 4]]),
    ("Concatenate", {}, [[None, 3], [None, 4]]),
    ("Concatenate", {"axis": 1}, [[None, 2, 5], [None, 3, 5]]),
    ("Concatenate", {"axis": -1}, [[None, 2, 5], [None, 2, 7], [None, 2, 1]]),
    ("Concatenate", {"axis": 1}, [[None, None, 5], [None, 3, 5]]),
    ("Concatenate", {"axis": 2}, [[None, 4, 4, 3], [None, 4, 2, 3]]),
    ("Dot", {"axes": -1}, [[None, 5], [None, 5]]),
    ("Dot", {"axes": 1}, [[None, 5], [None, 5]]),
    ("Dot", {"axes": [2, 2]}, [[None, 3, 4], [None, 6, 4]]),
    ("Dot", {"axes": [1, 2], "normalize": True}, [[None, 4, 3], [None, 6, 4]]),
    ("Dot", {"axes": 2}, [[None, 3, 4], [None, 7, 4]]),
]


@pytest.mark.parametrize("cls,config,shapes", CASES, ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)])
def test_merge_layer_matches_keras(cls, config, shapes):
    check_layer(cls, config, shapes)


# -- errors and Keras 1's Merge (no TensorFlow) ---------------------------------------

def test_add_of_mismatched_shapes_is_a_shape_error():
    with pytest.raises(ShapeError, match=r"\(None, 3\) and \(None, 4\)"):
        infer_layer("Add", {}, [(None, 3), (None, 4)])


@pytest.mark.parametrize("cls", ["Subtract", "Multiply", "Average", "Maximum", "Minimum"])
def test_elementwise_merges_check_shapes(cls):
    with pytest.raises(ShapeError, match=cls):
        infer_layer(cls, {}, [(None, 2, 3), (None, 2, 5)])


def test_subtract_needs_two_inputs():
    with pytest.raises(ShapeError, match="exactly 2"):
        infer_layer("Subtract", {}, [(None, 3), (None, 3), (None, 3)])


def test_merge_of_different_batch_sizes():
    with pytest.raises(ShapeError, match="batch"):
        infer_layer("Add", {}, [(2, 3), (4, 3)])


def test_concatenate_checks_the_other_axes():
    with pytest.raises(ShapeError, match="every other axis"):
        infer_layer("Concatenate", {"axis": -1}, [(None, 2, 3), (None, 4, 3)])
    with pytest.raises(ShapeError, match="rank"):
        infer_layer("Concatenate", {}, [(None, 2, 3), (None, 3)])


def test_dot_checks_the_contracted_axes():
    with pytest.raises(ShapeError, match="4 != 5"):
        infer_layer("Dot", {"axes": -1}, [(None, 4), (None, 5)])


def test_keras1_merge_concat():
    layer = infer_layer("Merge", {"mode": "concat", "concat_axis": 1, "name": "merge_1"},
                        [(None, 64, 12, 12), (None, 32, 12, 12)])
    assert layer.type == "Concatenate"
    assert layer.output_shapes == ((None, 96, 12, 12),)
    assert layer.params == 0


def test_keras1_merge_concat_default_axis():
    layer = infer_layer("Merge", {"mode": "concat"}, [(None, 3), (None, 4)])
    assert layer.output_shapes == ((None, 7),)


def test_keras1_merge_sum():
    layer = infer_layer("Merge", {"mode": "sum"}, [(None, 5), (None, 5)])
    assert layer.type == "Add"
    assert layer.output_shapes == ((None, 5),)


def test_keras1_merge_sum_mismatch():
    with pytest.raises(ShapeError):
        infer_layer("Merge", {"mode": "sum"}, [(None, 5), (None, 6)])


@pytest.mark.parametrize("mode,shape", [("mul", (None, 5)), ("ave", (None, 5)), ("max", (None, 5)),
                                        ("dot", (None, 1)), ("cos", (None, 1))])
def test_keras1_merge_modes(mode, shape):
    layer = infer_layer("Merge", {"mode": mode}, [(None, 5), (None, 5)])
    assert layer.output_shapes == (shape,)


def test_keras1_merge_dot_axes():
    layer = infer_layer("Merge", {"mode": "dot", "dot_axes": [2, 2]}, [(None, 3, 4), (None, 6, 4)])
    assert layer.output_shapes == ((None, 3, 6),)


def test_keras1_merge_with_a_function_mode():
    layer = infer_layer("Merge", {"mode": {"function": "lambda"}, "output_shape": [7]}, [(None, 5), (None, 2)])
    assert layer.output_shapes == ((None, 7),)
    unknown = infer_layer("Merge", {"mode": {"function": "lambda"}}, [(None, 5), (None, 2)])
    assert not unknown.shape_known


def test_tf_op_lambda_elementwise_ops_broadcast_like_tensorflow():
    from nnviz.layers.infer import infer_layer

    add = infer_layer("TFOpLambda", {"function": "__operators__.add"}, [(None, 7, 7, 8), (None, 1, 1, 8)])
    assert add.output_shape == (None, 7, 7, 8)
    relu = infer_layer("TFOpLambda", {"function": "nn.relu"}, [(None, 5)])
    assert relu.output_shape == (None, 5) and relu.activation == "relu"
    unknown = infer_layer("TFOpLambda", {"function": "image.resize"}, [(None, 5, 5, 3)])
    assert unknown.output_shape is None and unknown.params == 0
