"""A Keras 3 Functional model's live graph as a layer graph: its operations and the nodes Keras
recorded when it was built (nothing is called). Used by the live reader (live.py) and by tracing
(trace.py), which walks the Functional model a subclassed model's ``call`` records; below both.
"""

from __future__ import annotations

import re
from typing import Any, Mapping

from ..errors import ReadError
from ..graph import Call, Layer, LayerGraph, TensorRef, Weight

__all__ = ["walk_functional", "weights_of", "live_loader", "is_functional3", "shape_list"]


def shape_list(value: Any) -> Any:
    try:
        return tuple(None if d is None else int(d) for d in value)
    except TypeError:
        return None


def weights_of(vars_: Any, trainable: bool) -> list[Weight]:
    return [Weight(getattr(v, "path", None) or v.name, tuple(int(d) for d in v.shape), trainable)
            for v in vars_]


def live_loader(model: Any):
    def load(name: str) -> list:
        layer = model
        try:
            for part in name.split("/"):  # "encoder/dense": a layer of a nested model
                layer = layer.get_layer(part)
        except (ValueError, AttributeError):
            return []
        return [(getattr(v, "path", None) or v.name, w) for v, w in zip(layer.weights, layer.get_weights())]

    return load


def is_functional3(model: Any) -> bool:
    """A Keras 3 Functional model (or Sequential built on one) with its live graph."""
    return all(hasattr(model, a) for a in ("_nodes", "_operations", "_nodes_by_depth")) and \
        isinstance(getattr(model, "_nodes", None), set)


def _node_key(op: Any, index: int) -> str:
    return f"{id(op)}_ib-{index}"  # keras.src.ops.function.make_node_key


def _flat(x: Any) -> list:
    if isinstance(x, dict):
        return [v for k in x for v in _flat(x[k])]
    if isinstance(x, (list, tuple)):
        return [v for item in x for v in _flat(item)]
    return [] if x is None else [x]


def _plain_arguments(node: Any) -> dict[str, Any]:
    """The call's plain keyword arguments (booleans, numbers, strings), for the record."""
    out = {}
    for key, value in sorted(getattr(node.arguments, "kwargs", {}).items()):
        if isinstance(value, (bool, int, float, str)):
            out[key] = value
    return out


def _layer_config(op: Any) -> dict[str, Any]:
    try:
        cfg = op.get_config()
    except Exception:  # noqa: BLE001 - a custom layer's get_config may raise anything
        return {}
    return cfg if isinstance(cfg, dict) else {}


def _units(cfg: Mapping[str, Any]) -> int | None:
    for key in ("units", "filters", "output_dim", "hidden_dim"):
        value = cfg.get(key)
        if isinstance(value, int) and not isinstance(value, bool):
            return value
    return None


def _live_layer(op: Any, shapes: list, path: str, depth: int) -> Layer:
    from ..layers.names import activation_name

    cfg = _layer_config(op)
    tw = weights_of(getattr(op, "trainable_weights", ()), True)
    nw = weights_of(getattr(op, "non_trainable_weights", ()), False)
    tr = sum(w.size for w in tw)
    nt = sum(w.size for w in nw)
    sub = None
    if is_functional3(op) and getattr(op, "_nodes", None):
        sub = walk_functional(op, path=path, depth=depth + 1)
    notes: tuple[str, ...] = ()
    if not _is_layer(op):
        notes = ("a keras.ops operation",)
    dtype = getattr(getattr(op, "dtype_policy", None), "variable_dtype", None) or "float32"
    return Layer(op.name, _type_name(op),
                 config=cfg, units=_units(cfg),
                 activation=activation_name(cfg.get("activation")) if "activation" in cfg else None,
                 output_shapes=tuple(shapes), params=tr + nt, trainable_params=tr, non_trainable_params=nt,
                 weights=tuple(tw + nw), trainable=bool(getattr(op, "trainable", True)), subgraph=sub,
                 dtype=str(dtype), shape_known=all(s is not None for s in shapes), notes=notes)


def _type_name(op: Any) -> str:
    """The class name; a ``keras.ops`` operation (not a layer) is ``ops.<function>``: ``ops.multiply``."""
    name = type(op).__name__
    if _is_layer(op):
        return name
    return "ops." + re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", name).lower()


def _is_layer(op: Any) -> bool:
    return hasattr(op, "trainable_weights") and hasattr(op, "get_weights")


def walk_functional(model: Any, *, path: str, depth: int = 0) -> LayerGraph:
    """A Keras 3 Functional model's graph from its operations and nodes (nothing is called)."""
    from .keras_config import MAX_DEPTH

    if depth > MAX_DEPTH:
        raise ReadError(f"models nested more than {MAX_DEPTH} deep", path=path)
    in_model = model._nodes
    # per operation, its nodes in this model renumbered 0.. (the node index a config would write)
    index: dict[tuple[int, int], int] = {}
    for op in model._operations:
        k = 0
        for i, _node in enumerate(op._inbound_nodes):
            if _node_key(op, i) in in_model:
                index[(id(op), i)] = k
                k += 1

    def ref(tensor: Any) -> TensorRef:
        op, node_index, tensor_index = tensor._keras_history
        return TensorRef(op.name, index.get((id(op), node_index), 0), tensor_index)

    calls: list[Call] = []
    first_shapes: dict[int, list] = {}
    for d in sorted(model._nodes_by_depth, reverse=True):
        for node in model._nodes_by_depth[d]:
            op = node.operation
            i = op._inbound_nodes.index(node)
            if _node_key(op, i) not in in_model:
                continue
            shapes = [shape_list(list(t.shape)) for t in node.outputs]
            first_shapes.setdefault(id(op), shapes)
            inputs = tuple(ref(t) for t in node.arguments.keras_tensors)
            calls.append(Call(op.name, index[(id(op), i)], inputs, output_shapes=tuple(shapes),
                              arguments=_plain_arguments(node) or None))
    layers = [_live_layer(op, first_shapes.get(id(op), []), path, depth) for op in model._operations]
    inputs = [ref(t) for t in _flat(model.inputs)]
    outputs = [ref(t) for t in _flat(model.outputs)]
    return LayerGraph(model.name, layers, calls, inputs, outputs,
                      class_name="Sequential" if type(model).__name__ == "Sequential" else "Functional",
                      source=path, weights_loader=live_loader(model))
