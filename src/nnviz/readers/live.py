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
from typing import Any

from ..errors import ReadError
from ..graph import LayerGraph
from .keras_config import read_model_config
from .opgraph import is_functional3, live_loader, shape_list, walk_functional, weights_of

__all__ = ["is_keras_model", "read_live", "overlay_live"]


def is_keras_model(obj: Any) -> bool:
    """Duck-typed: a Keras (or tf_keras) model, without importing Keras."""
    mod = type(obj).__module__ or ""
    return (mod.startswith(("keras", "tf_keras", "tensorflow")) or hasattr(obj, "to_json")) and all(
        hasattr(obj, a) for a in ("layers", "count_params", "get_config"))


def _outputs(layer: Any) -> list:
    out = getattr(layer, "output", None)
    if out is None:
        return []
    items = out if isinstance(out, (list, tuple)) else [out]
    shapes = []
    for t in items:
        s = getattr(t, "shape", None)
        shapes.append(None if s is None else shape_list(list(s)))
    return shapes


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
        tw = weights_of(obj.trainable_weights, True)
        nw = weights_of(obj.non_trainable_weights, False)
        tr = sum(w.size for w in tw)
        nt = sum(w.size for w in nw)
        sub = layer.subgraph
        if sub is not None and hasattr(obj, "layers"):
            sub = _overlay(sub, obj)
        layers.append(layer.replace(output_shapes=tuple(shapes), params=tr + nt, trainable_params=tr,
                                    non_trainable_params=nt, weights=tuple(tw + nw), subgraph=sub,
                                    shape_known=all(s is not None for s in shapes)))
    layers = [l.replace(subgraph=l.subgraph.replace(weights_loader=live_loader(model.get_layer(l.name))))
              if l.subgraph is not None else l for l in layers]
    return graph.replace(layers=layers, weights_loader=live_loader(model))


def _is_keras3(model: Any) -> bool:
    return any((c.__module__ or "").startswith("keras.") for c in type(model).__mro__) and \
        hasattr(model, "_flatten_layers")


def read_live(model: Any, *, input_shape: Any = None) -> LayerGraph:
    """Read a live Keras model: its live graph (Keras 3), with Keras's shapes and counts, or its config
    (tf_keras, and Keras 3 Sequential), as stated: :func:`nnviz.load` infers that one and then lays
    the live layers' numbers over it (:func:`overlay_live`).

    A Keras 3 subclassed model is traced from its ``call`` (:mod:`nnviz.readers.trace`); one that
    was never built or called needs ``input_shape`` (no batch axis; a dict for several inputs).

    Raises:
        ReadError: a subclassed model that cannot be traced, or a tf_keras one (no config).
    """
    sequential = any(c.__name__ == "Sequential" and (c.__module__ or "").startswith("keras.")
                     for c in type(model).__mro__)
    if _is_keras3(model) and not is_functional3(model) and not sequential:
        # a Sequential holds its config (read exactly, below); tracing it would add Keras's own
        # input conversion (ops.convert_to_tensor) as a step of the user's model
        from .trace import trace_model

        return trace_model(model, input_shape=input_shape)
    if is_functional3(model) and type(model).__name__ not in ("Functional", "Sequential"):
        from .trace import expand_layers

        path = f"<{type(model).__name__} {model.name!r}>"
        graph = expand_layers(walk_functional(model, path=path), model, path=path)
        version = None
        try:
            import keras

            version = getattr(keras, "__version__", None)
        except ImportError:  # pragma: no cover
            pass
        return graph.replace(keras_version=version, source=f"<live {type(model).__name__} {model.name!r}>")
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
    # the config as stated; load() infers it and then lays the live layers' own numbers over it
    return read_model_config(config, path=f"<{type(model).__name__} {model.name!r}>", keras_version=version)


def overlay_live(graph: LayerGraph, model: Any) -> LayerGraph:
    """The inferred graph of a model read from its config, with the live layers' own shapes and counts."""
    return _overlay(graph, model).replace(source=f"<live {type(model).__name__} {model.name!r}>")
