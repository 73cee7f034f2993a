import pytest

from truth import check_layer

from nnviz.errors import ShapeError
from nnviz.layers.infer import infer_layer

CASES = [
    ("Attention", {}, [[None, 5, 8], [None, 7, 8]]),
    ("Attention", {"use_scale": True}, [[None, 5, 8], [None, 7, 8]]),
    ("Attention", {"score_mode": "concat"}, [[None, 5, 8], [None, 7, 8]]),
    ("Attention", {"use_scale": True}, [[None, 5, 8], [None, 7, 6], [None, 7, 8]]),
    ("AdditiveAttention", {}, [[None, 5, 8], [None, 7, 8]]),
    ("AdditiveAttention", {"use_scale": False}, [[None, 5, 8], [None, 7, 8]]),
    ("AdditiveAttention", {}, [[None, 4, 6], [None, 9, 3], [None, 9, 6]]),
]

ARGS_CASES = [
    ("MultiHeadAttention", {"num_heads": 2, "key_dim": 4}, [[None, 5, 8], [None, 7, 8]]),
    ("MultiHeadAttention", {"num_heads": 4, "key_dim": 3, "value_dim": 5}, [[None, 5, 8], [None, 7, 6]]),
    ("MultiHeadAttention", {"num_heads": 2, "key_dim": 4, "use_bias": False}, [[None, 5, 8], [None, 5, 8]]),
    ("MultiHeadAttention", {"num_heads": 2, "key_dim": 4, "output_shape": 10}, [[None, 5, 8], [None, 7, 8]]),
    ("MultiHeadAttention", {"num_heads": 2, "key_dim": 4, "output_shape": [3, 2]}, [[None, 5, 8], [None, 7, 8]]),
    ("MultiHeadAttention", {"num_heads": 3, "key_dim": 2}, [[None, 5, 8], [None, 7, 6], [None, 7, 4]]),
    ("MultiHeadAttention", {"num_heads": 2, "key_dim": 4, "use_gate": True}, [[None, 5, 8], [None, 7, 6]]),
    ("MultiHeadAttention", {"num_heads": 2, "key_dim": 2, "attention_axes": [2]}, [[None, 3, 4, 8], [None, 3, 5, 8]]),
    ("MultiHeadAttention", {"num_heads": 1, "key_dim": 16}, [[None, None, 32], [None, None, 32]]),
    ("GroupQueryAttention", {"head_dim": 4, "num_query_heads": 4, "num_key_value_heads": 2},
     [[None, 5, 8], [None, 7, 8]]),
    ("GroupQueryAttention", {"head_dim": 3, "num_query_heads": 6, "num_key_value_heads": 3, "use_bias": False},
     [[None, 5, 8], [None, 7, 8], [None, 7, 5]]),
    ("GroupQueryAttention", {"head_dim": 2, "num_query_heads": 2, "num_key_value_heads": 1, "use_gate": True},
     [[None, 5, 6], [None, 7, 6]]),
]


@pytest.mark.parametrize("cls,config,shapes", CASES, ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)])
def test_attention_layer_matches_keras(cls, config, shapes):
    check_layer(cls, config, shapes)


@pytest.mark.parametrize("cls,config,shapes", ARGS_CASES, ids=[f"{c[0]}-{i}" for i, c in enumerate(ARGS_CASES)])
def test_multi_head_attention_matches_keras(cls, config, shapes):
    # Keras takes these as layer(query, value[, key]), not as a list
    check_layer(cls, config, shapes, call_style="args")


# -- without TensorFlow -----------------------------------------------------------------

def test_multi_head_attention_weights_in_keras_order():
    layer = infer_layer("MultiHeadAttention", {"num_heads": 2, "key_dim": 4, "value_dim": 3},
                        [(None, 5, 8), (None, 7, 6)])
    assert [(w.name, w.shape) for w in layer.weights] == [
        ("query/kernel", (8, 2, 4)), ("query/bias", (2, 4)), ("key/kernel", (6, 2, 4)), ("key/bias", (2, 4)),
        ("value/kernel", (6, 2, 3)), ("value/bias", (2, 3)),
        ("attention_output/kernel", (2, 3, 8)), ("attention_output/bias", (8,))]


def test_multi_head_attention_with_one_input_is_self_attention():
    one = infer_layer("MultiHeadAttention", {"num_heads": 2, "key_dim": 4}, [(None, 5, 8)])
    two = infer_layer("MultiHeadAttention", {"num_heads": 2, "key_dim": 4}, [(None, 5, 8), (None, 5, 8)])
    assert one.params == two.params
    assert one.output_shapes == ((None, 5, 8),)


def test_grouped_query_attention_by_its_class_name():
    layer = infer_layer("GroupedQueryAttention", {"head_dim": 4, "num_query_heads": 4, "num_key_value_heads": 2},
                        [(None, 5, 8), (None, 7, 8)])
    assert layer.output_shapes == ((None, 5, 8),)
    assert layer.params == (8 * 16 + 16) + 2 * (8 * 8 + 8) + (16 * 8 + 8)


def test_grouped_query_attention_heads_must_divide():
    with pytest.raises(ShapeError, match="multiple"):
        infer_layer("GroupedQueryAttention", {"head_dim": 4, "num_query_heads": 3, "num_key_value_heads": 2},
                    [(None, 5, 8), (None, 7, 8)])


def test_attention_needs_query_and_value():
    with pytest.raises(ShapeError, match="query, value"):
        infer_layer("Attention", {}, [(None, 5, 8)])


def test_value_and_key_must_match():
    with pytest.raises(ShapeError, match="every axis but the last"):
        infer_layer("MultiHeadAttention", {"num_heads": 2, "key_dim": 4}, [(None, 5, 8), (None, 7, 8), (None, 6, 8)])
