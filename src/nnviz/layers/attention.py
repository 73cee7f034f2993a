"""Inference for the attention family: Attention, AdditiveAttention, MultiHeadAttention, GroupedQueryAttention.

Inputs come in Keras's order: ``[query, value]`` or ``[query, value, key]``
(the key defaults to the value). Whether a call also returns the attention
scores is a call argument, not part of the config, so only the attention
output is inferred.
"""

from __future__ import annotations

from typing import Any, Mapping, Sequence

from ..errors import ShapeError
from ..graph import Shape, Weight
from .registry import Inferred, infers, weight


def _qvk(inputs: Sequence[Shape], cls: str, *, self_attention: bool = False) -> tuple[Shape, Shape, Shape]:
    """``(query, value, key)`` from the call's inputs."""
    if self_attention and len(inputs) == 1:
        # the value was passed in a way the reader could not wire (e.g. value=x): the
        # overwhelmingly common case is self-attention, layer(x, x)
        return inputs[0], inputs[0], inputs[0]
    if not 2 <= len(inputs) <= 3:
        raise ShapeError(f"{cls} takes [query, value] or [query, value, key], got {len(inputs)} inputs")
    query, value = inputs[0], inputs[1]
    key = inputs[2] if len(inputs) == 3 else value
    return query, value, key


def _check_value_key(value: Shape, key: Shape, cls: str) -> None:
    if len(value) != len(key) or any(v is not None and k is not None and v != k
                                     for v, k in zip(value[1:-1], key[1:-1])):
        raise ShapeError(f"{cls}: value {value} and key {key} must match on every axis but the last")


@infers("Attention")
def attention(cfg: Mapping[str, Any], inputs: Sequence[Shape]) -> Inferred:
    query, value, key = _qvk(inputs, "Attention")
    _check_value_key(value, key, "Attention")
    w: list[Weight] = []
    if cfg.get("use_scale", False):
        w.append(weight("scale"))  # a scalar
    if cfg.get("score_mode", "dot") == "concat":
        w.append(weight("concat_score_weight"))
    return Inferred([(*query[:-1], value[-1])], w)


@infers("AdditiveAttention")
def additive_attention(cfg: Mapping[str, Any], inputs: Sequence[Shape]) -> Inferred:
    query, value, key = _qvk(inputs, "AdditiveAttention")
    _check_value_key(value, key, "AdditiveAttention")
    # one scale per feature, unlike Attention's single scalar; and on by default
    w = [weight("scale", query[-1])] if cfg.get("use_scale", True) else []
    return Inferred([(*query[:-1], value[-1])], w)


def _projection(name: str, input_dim: int | None, heads: int, dim: int, use_bias: bool) -> list[Weight]:
    """The weights of one per-head projection (an EinsumDense of MultiHeadAttention)."""
    w = [weight(f"{name}/kernel", input_dim, heads, dim)]
    if use_bias:
        w.append(weight(f"{name}/bias", heads, dim))
    return w


@infers("MultiHeadAttention")
def multi_head_attention(cfg: Mapping[str, Any], inputs: Sequence[Shape]) -> Inferred:
    query, value, key = _qvk(inputs, "MultiHeadAttention", self_attention=True)
    _check_value_key(value, key, "MultiHeadAttention")
    heads, key_dim = int(cfg["num_heads"]), int(cfg["key_dim"])
    value_dim = int(cfg.get("value_dim") or key_dim)
    use_bias = bool(cfg.get("use_bias", True))
    out_shape = cfg.get("output_shape")
    if isinstance(out_shape, int):
        out_shape = [out_shape]
    out_dims = [int(d) for d in out_shape] if out_shape else [query[-1]]
    # Keras's order: query, key, (gate,) value, output projection
    w = _projection("query", query[-1], heads, key_dim, use_bias)
    w += _projection("key", key[-1], heads, key_dim, use_bias)
    if cfg.get("use_gate", False):
        w += _projection("gate", query[-1], heads, value_dim, use_bias)
    w += _projection("value", value[-1], heads, value_dim, use_bias)
    w.append(weight("attention_output/kernel", heads, value_dim, *out_dims))
    if use_bias:
        w.append(weight("attention_output/bias", *out_dims))
    outputs = [(*query[:-1], *out_dims)]
    if cfg.get("return_attention_scores"):
        # a call argument (the engine passes it in): scores are (batch, heads, query steps, key steps)
        outputs.append((query[0], heads, *query[1:-1], *key[1:-1]))
    return Inferred(outputs, w)


@infers("GroupedQueryAttention", "GroupQueryAttention")
def grouped_query_attention(cfg: Mapping[str, Any], inputs: Sequence[Shape]) -> Inferred:
    query, value, key = _qvk(inputs, "GroupedQueryAttention", self_attention=True)
    _check_value_key(value, key, "GroupedQueryAttention")
    head_dim = int(cfg["head_dim"])
    q_heads, kv_heads = int(cfg["num_query_heads"]), int(cfg["num_key_value_heads"])
    if kv_heads <= 0 or q_heads % kv_heads:
        raise ShapeError(f"num_query_heads ({q_heads}) must be a multiple of num_key_value_heads ({kv_heads})")
    if query[-1] is not None and value[-1] is not None and query[-1] != value[-1]:
        raise ShapeError(f"GroupedQueryAttention needs query and value of the same width, got {query} and {value}")
    use_bias = bool(cfg.get("use_bias", True))
    w = _projection("query", query[-1], q_heads, head_dim, use_bias)
    w += _projection("key", key[-1], kv_heads, head_dim, use_bias)
    if cfg.get("use_gate", False):
        w += _projection("gate", query[-1], q_heads, head_dim, use_bias)
    w += _projection("value", value[-1], kv_heads, head_dim, use_bias)
    w.append(weight("attention_output/kernel", q_heads, head_dim, query[-1]))
    if use_bias:
        w.append(weight("attention_output/bias", query[-1]))
    return Inferred([tuple(query)], w)
