"""Live ``keras.Model`` objects (Keras 3 on any backend, and tf_keras), with Keras's own numbers.

The structure comes from the model's own config (as for files); shapes and
parameter counts are then taken from the live layers, so they are Keras's
exactly. Weights load on demand with ``layer.get_weights()``.
"""

from __future__ import annotations

import json
from typing import Any

from ..errors import ReadError
from ..graph import Layer, LayerGraph, Weight
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


def read_live(model: Any) -> LayerGraph:
    """Read a live Keras model: its config for the structure, its layers for shapes and counts.

    Raises:
        ReadError: a subclassed model that has no config.
    """
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
