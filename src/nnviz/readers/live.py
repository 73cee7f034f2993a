"""Live ``keras.Model`` objects (Keras 3 on any backend, and tf_keras), with Keras's own numbers.

A Keras 3 Functional model (every KerasHub backbone and task model is one) is walked from its
live graph: its operations and the nodes Keras recorded when it was built, so any config works
(a KerasHub backbone's config holds hyperparameters, not layers). Shapes are the nodes' own
tensors, parameter counts the layers' own variables: Keras's numbers exactly. Nothing is called
or traced, so the model is left exactly as it was. A tf_keras model is read from its config,
then overlaid with the live layers' shapes and counts. Weights load on demand with
``layer.get_weights()``.
"""

from __future__ import annotations

import json
import re
from typing import Any, Mapping

from ..errors import ReadError
from ..graph import Call, Layer, LayerGraph, TensorRef, Weight
from .keras_config import read_model_config

__all__ = ["is_keras_model", "read_live"]


def is_keras_model(obj: Any) -> bool:
    """Duck-typed: a Keras (or tf_keras) model, without importing Keras."""
    mod = type(obj).__module__ or ""
    return (mod.startswith(("keras", "tf_keras", "tensorflow")) or hasattr(obj, "to_json")) and all(
        hasattr(obj, a) for a in ("layers", "count_params", "get_config"))


def _shape_list(value: Any) -> Any:
    try:
        return tuple(None if d is None else int(d) for d in value)
    except TypeError:
        return None


def _outputs(layer: Any) -> list:
    out = getattr(layer, "output", None)
    if out is None:
        return []
    items = out if isinstance(out, (list, tuple)) else [out]
    shapes = []
    for t in items:
        s = getattr(t, "shape", None)
        shapes.append(None if s is None else _shape_list(list(s)))
    return shapes


def _weights(vars_: Any, trainable: bool) -> list[Weight]:
    return [Weight(getattr(v, "path", None) or v.name, tuple(int(d) for d in v.shape), trainable)
            for v in vars_]


def _overlay(graph: LayerGraph, model: Any) -> LayerGraph:
    live = {l.name: l for l in model.layers}
    layers = []
    for layer in graph.layers:
        obj = live.get(layer.name)
        if obj is None:
            layers.append(layer)
            continue
        try:
            shapes = _outputs(obj) or list(layer.output_shapes)
        except (AttributeError, ValueError, RuntimeError):
            shapes = list(layer.output_shapes)
        tw = _weights(obj.trainable_weights, True)
        nw = _weights(obj.non_trainable_weights, False)
        tr = sum(w.size for w in tw)
        nt = sum(w.size for w in nw)
        sub = layer.subgraph
        if sub is not None and hasattr(obj, "layers"):
            sub = _overlay(sub, obj)
        layers.append(layer.replace(output_shapes=tuple(shapes), params=tr + nt, trainable_params=tr,
                                    non_trainable_params=nt, weights=tuple(tw + nw), subgraph=sub,
                                    shape_known=all(s is not None for s in shapes)))
    out = graph.with_layers(layers)
    out.weights_loader = _loader(model)
    if sub_graphs := [l for l in layers if l.subgraph is not None]:
        for l in sub_graphs:
            inner = model.get_layer(l.name)
            l.subgraph.weights_loader = _loader(inner)
    return out


def _loader(model: Any):
    def load(name: str) -> list:
        try:
            layer = model.get_layer(name)
        except ValueError:
            return []
        return [(getattr(v, "path", None) or v.name, w) for v, w in zip(layer.weights, layer.get_weights())]

    return load


def _is_functional3(model: Any) -> bool:
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
    from ..layers.registry import activation_name

    cfg = _layer_config(op)
    tw = _weights(getattr(op, "trainable_weights", ()), True)
    nw = _weights(getattr(op, "non_trainable_weights", ()), False)
    tr = sum(w.size for w in tw)
    nt = sum(w.size for w in nw)
    sub = None
    if _is_functional3(op) and getattr(op, "_nodes", None):
        sub = _walk(op, path=path, depth=depth + 1)
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


def _walk(model: Any, *, path: str, depth: int = 0) -> LayerGraph:
    """A Keras 3 Functional model's graph from its operations and nodes (nothing is called)."""
    from ..readers.keras_config import MAX_DEPTH

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
            shapes = [_shape_list(list(t.shape)) for t in node.outputs]
            first_shapes.setdefault(id(op), shapes)
            inputs = tuple(ref(t) for t in node.arguments.keras_tensors)
            calls.append(Call(op.name, index[(id(op), i)], inputs, output_shapes=tuple(shapes),
                              arguments=_plain_arguments(node) or None))
    layers = [_live_layer(op, first_shapes.get(id(op), []), path, depth) for op in model._operations]
    inputs = [ref(t) for t in _flat(model.inputs)]
    outputs = [ref(t) for t in _flat(model.outputs)]
    graph = LayerGraph(model.name, layers, calls, inputs, outputs,
                       class_name="Sequential" if type(model).__name__ == "Sequential" else "Functional",
                       source=path)
    graph.weights_loader = _loader(model)
    return graph


def _is_keras3(model: Any) -> bool:
    return any((c.__module__ or "").startswith("keras.") for c in type(model).__mro__) and \
        hasattr(model, "_flatten_layers")


def read_live(model: Any, *, input_shape: Any = None) -> LayerGraph:
    """Read a live Keras model: its live graph (Keras 3) or config (tf_keras), Keras's shapes and counts.

    A Keras 3 subclassed model is traced from its ``call`` (:mod:`nnviz.readers.trace`); one that
    was never built or called needs ``input_shape`` (no batch axis; a dict for several inputs).

    Raises:
        ReadError: a subclassed model that cannot be traced, or a tf_keras one (no config).
    """
    sequential = any(c.__name__ == "Sequential" and (c.__module__ or "").startswith("keras.")
                     for c in type(model).__mro__)
    if _is_keras3(model) and not _is_functional3(model) and not sequential:
        # a Sequential holds its config (read exactly, below); tracing it would add Keras's own
        # input conversion (ops.convert_to_tensor) as a step of the user's model
        from .trace import trace_model

        return trace_model(model, input_shape=input_shape)
    if _is_functional3(model) and type(model).__name__ not in ("Functional", "Sequential"):
        from .trace import expand_layers

        path = f"<{type(model).__name__} {model.name!r}>"
        graph = expand_layers(_walk(model, path=path), model, path=path)
        try:
            import keras

            graph.keras_version = getattr(keras, "__version__", None)
        except ImportError:  # pragma: no cover
            pass
        graph.source = f"<live {type(model).__name__} {model.name!r}>"
        return graph
    try:
        config = json.loads(model.to_json())
    except NotImplementedError as err:
        raise ReadError(f"{type(model).__name__} is a subclassed model without a config: nnviz can only "
                        "draw Sequential and Functional models", path=f"<{type(model).__name__}>") from err
    version = None
    try:
        import keras

        version = getattr(keras, "__version__", None)
    except ImportError:  # pragma: no cover - tf_keras only
        pass
    graph = read_model_config(config, path=f"<{type(model).__name__} {model.name!r}>", keras_version=version)
    graph = _overlay(graph, model)
    graph.source = f"<live {type(model).__name__} {model.name!r}>"
    return graph
