"""From a layer graph to a real ``keras.Model``: ``nnviz.to_keras``.

Every layer is made by its own built-in Keras class (``keras.layers.Dense.from_config``
and so on) from the config nnviz read, after dropping the arguments that class does not
take (Keras 1 and 2 leftovers such as ``input_dim`` or ``consume_less``). A chain becomes a
``keras.Sequential``, anything else a Functional model; nested models are built the same
way and shared layers are called once per call in the graph.

nnviz never runs code from a file: a ``Lambda`` layer or a custom class stops the build
with an :class:`~nnviz.errors.NnvizError` that names the layer.
"""

from __future__ import annotations

import functools
import inspect
import warnings
from typing import TYPE_CHECKING, Any, Callable, Mapping, Sequence

from ..errors import NnvizError
from ..graph import Layer, LayerGraph, Shape, TensorRef
from ..layers.aliases import modernize
from ..dataflow import follow_chain, order_calls
from ._deps import require

if TYPE_CHECKING:  # pragma: no cover
    import keras

__all__ = ["to_keras", "build_model", "call_layer"]

# Layers whose extra inputs are positional arguments (query, value, key) ...
_POSITIONAL_INPUTS = {"MultiHeadAttention", "GroupedQueryAttention"}
# ... and recurrent layers whose extra inputs are initial states.
_STATE_INPUTS = {"LSTM", "GRU", "SimpleRNN", "RNN", "Bidirectional", "ConvLSTM1D", "ConvLSTM2D", "ConvLSTM3D"}
# Config keys that hold a nested layer (wrappers, generic RNNs).
_NESTED_KEYS = ("layer", "backward_layer", "cell", "cells")
_NO_CODE_HINT = "nnviz never runs code read from a file; rewrite it with built-in Keras layers"


def to_keras(source: Any) -> "keras.Model":
    """Build a real, untrained ``keras.Model`` from anything :func:`nnviz.load` reads.

    Args:
        source: an nnviz spec (path or dict), a Keras config or model file, or a layer graph.

    Returns:
        A ``keras.Sequential`` for a chain of layers, a Functional model otherwise, whose
        ``count_params()`` equals nnviz's inferred total.

    Raises:
        NnvizError: a Lambda or custom layer, or a config Keras refuses.
        MissingDependencyError: TensorFlow/Keras is not installed.

    >>> model = to_keras({"input_shape": [13], "layers": [{"type": "Dense", "units": 10}]})
    >>> type(model).__name__, model.count_params()
    ('Sequential', 140)
    """
    from ..loading import load

    return build_model(load(source))


def build_model(graph: LayerGraph) -> "keras.Model":
    """Build the ``keras.Model`` a layer graph describes (see :func:`to_keras`)."""
    keras = require("keras", purpose="building a Keras model")
    _check_buildable(graph, keras)
    model = _build(keras, graph, {})
    if model.count_params() != graph.total_params:
        warnings.warn(f"the Keras model has {model.count_params():,} parameters, nnviz inferred "
                      f"{graph.total_params:,}", stacklevel=2)
    return model


def _check_buildable(graph: LayerGraph, keras: Any) -> None:
    """Raise an :class:`NnvizError` for the first layer that is not a built-in Keras layer.

    Raises:
        NnvizError: a Lambda layer or a class that ``keras.layers`` does not have.
    """
    for _, layer in graph.walk():
        if layer.subgraph is None and not layer.is_input:
            _layer_class(keras, layer.type, layer.name, graph.source)


def _layer_class(keras: Any, type_name: str, name: str, source: str | None) -> type:
    """The built-in ``keras.layers`` class called ``type_name``, or a clear error."""
    if type_name == "Lambda":
        raise NnvizError("a Lambda layer holds Python code, so nnviz cannot build it", path=source,
                         layer=name, hint=_NO_CODE_HINT)
    cls = getattr(keras.layers, type_name, None)
    if not (isinstance(cls, type) and issubclass(cls, keras.layers.Layer)):
        raise NnvizError(f"{type_name!r} is not a built-in Keras layer (a custom class), so nnviz "
                         "cannot build it", path=source, layer=name, hint=_NO_CODE_HINT)
    return cls


@functools.cache
def _accepted_keys(cls: type, base: type) -> frozenset[str]:
    """The keyword arguments ``cls(...)`` takes, up the class tree to Keras's ``Layer``."""
    names: set[str] = set()
    mro = cls.__mro__
    for klass in mro[: mro.index(base) + 1]:
        init = klass.__dict__.get("__init__")
        if init is None:
            continue
        params = inspect.signature(init).parameters.values()
        names |= {p.name for p in params
                  if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY) and p.name != "self"}
        if not any(p.kind == p.VAR_KEYWORD for p in params):
            break
    names.discard("weights")  # weights come from training or files, never from a config
    return frozenset(names)


def _layer_config(keras: Any, type_name: str, config: Mapping[str, Any], name: str,
                 source: str | None = None) -> tuple[type, dict[str, Any]]:
    """The Keras class of a layer and its config, cleaned of the keys that class does not take.

    Nested layers (``Bidirectional``'s ``layer``, an ``RNN``'s ``cell``) are cleaned too.
    """
    cls = _layer_class(keras, type_name, name, source)
    accepted = _accepted_keys(cls, keras.layers.Layer)
    cfg = {}
    for key, value in config.items():
        if key not in accepted:
            continue
        cfg[key] = _clean_nested(keras, value, name, source) if key in _NESTED_KEYS else value
    return cls, cfg


def _clean_nested(keras: Any, value: Any, name: str, source: str | None) -> Any:
    """A nested layer config (or a list of them) with modern names and accepted keys only."""
    if isinstance(value, list):
        return [_clean_nested(keras, v, name, source) for v in value]
    if not (isinstance(value, Mapping) and isinstance(value.get("class_name"), str)):
        return value
    modern, cfg = modernize(value["class_name"], value.get("config") or {})
    _, cfg = _layer_config(keras, modern, cfg, name, source)
    return {"module": "keras.layers", "class_name": modern, "config": cfg, "registered_name": None}


def _make_layer(keras: Any, layer: Layer, source: str | None) -> Any:
    cls, cfg = _layer_config(keras, layer.type, layer.config, layer.name, source)
    cfg["name"] = layer.name
    try:
        return cls.from_config(cfg)
    except (TypeError, ValueError, KeyError) as err:
        raise NnvizError(f"Keras cannot make this {layer.type} from its config ({err})",
                         path=source, layer=layer.name) from err


def _build(keras: Any, graph: LayerGraph, input_shapes: Mapping[str, Shape | None]) -> Any:
    """Build one (possibly nested) model; ``input_shapes`` are the shapes it is first called on."""
    if _is_chain(graph):
        return _build_sequential(keras, graph, input_shapes)
    return _build_functional(keras, graph, input_shapes)


def _is_chain(graph: LayerGraph) -> bool:
    """A Sequential graph whose layers, in their order, are a chain from its input to its output."""
    names, broken = follow_chain(graph.calls, graph.inputs, graph.outputs)
    return graph.class_name == "Sequential" and broken is None and names == [layer.name for layer in graph.layers]


def _input(keras: Any, layer: Layer, hint: Shape | None, source: str | None) -> Any:
    shape = layer.output_shapes[0] if layer.output_shapes and layer.output_shapes[0] else hint
    if shape is None:
        raise NnvizError("the input's shape is unknown, so no Keras model can be built", path=source,
                         layer=layer.name, hint="give the spec an 'input_shape'")
    dtype = layer.config.get("dtype")
    return keras.Input(batch_shape=tuple(shape), dtype=dtype if isinstance(dtype, str) else None,
                       name=layer.name)


def _build_sequential(keras: Any, graph: LayerGraph, input_shapes: Mapping[str, Shape | None]) -> Any:
    first, *rest = graph.layers
    model = keras.Sequential([_input(keras, first, input_shapes.get(first.name), graph.source)],
                             name=graph.name)
    for previous, layer in zip(graph.layers, rest):
        obj = _nested_or_layer(keras, graph, layer, [previous.output_shape])
        _guard(layer, graph.source, model.add, obj)
    return model


def _nested_or_layer(keras: Any, graph: LayerGraph, layer: Layer, shapes: Sequence[Any]) -> Any:
    """A Keras layer object, or a nested Keras model built for inputs of ``shapes``."""
    if layer.subgraph is None:
        return _make_layer(keras, layer, graph.source)
    sub = layer.subgraph
    hints = {ref.layer: None if shape is None else tuple(shape) for ref, shape in zip(sub.inputs, shapes)}
    model = _build(keras, _renamed(sub, layer.name), hints)
    if layer.config.get("trainable") is False:
        model.trainable = False
    return model


def _renamed(graph: LayerGraph, name: str) -> LayerGraph:
    """The graph under another name (a nested model is known by its layer's name)."""
    if graph.name == name:
        return graph
    return graph.replace(name=name)


def _build_functional(keras: Any, graph: LayerGraph, input_shapes: Mapping[str, Shape | None]) -> Any:
    tensors: dict[tuple[str, int], Any] = {}
    objects: dict[str, Any] = {}
    for call in order_calls(graph):
        layer = graph.layer(call.layer)
        if layer.is_input:
            tensors[(layer.name, 0)] = _input(keras, layer, input_shapes.get(layer.name), graph.source)
            continue
        inputs = [_tensor(tensors, ref) for ref in call.inputs]
        if layer.name not in objects:
            objects[layer.name] = _nested_or_layer(keras, graph, layer, [t.shape for t in inputs])
        obj = objects[layer.name]
        tensors[(layer.name, call.index)] = _guard(layer, graph.source, call_layer, obj, layer.type, inputs)
    ins = [_tensor(tensors, ref) for ref in graph.inputs]
    outs = [_tensor(tensors, ref) for ref in graph.outputs]
    return keras.Model(ins if len(ins) > 1 else ins[0], outs if len(outs) > 1 else outs[0], name=graph.name)


def _tensor(tensors: Mapping[tuple[str, int], Any], ref: TensorRef) -> Any:
    """The tensor a reference names; a call index past the last falls back to the last call."""
    out = tensors.get((ref.layer, ref.call))
    if out is None:
        calls = sorted(i for (name, i) in tensors if name == ref.layer)
        out = tensors[(ref.layer, calls[min(ref.call, len(calls) - 1)])]
    if isinstance(out, (list, tuple)):
        return out[ref.tensor]
    return out


def call_layer(obj: Any, type_name: str, inputs: Sequence[Any]) -> Any:
    """Call a layer the way its class takes several inputs."""
    if len(inputs) == 1:
        return obj(inputs[0])
    if type_name in _POSITIONAL_INPUTS:
        return obj(*inputs)
    if type_name in _STATE_INPUTS:
        return obj(inputs[0], initial_state=list(inputs[1:]))
    return obj(list(inputs))


def _guard(layer: Layer, source: str | None, fn: Callable[..., Any], *args: Any) -> Any:
    """``fn(*args)``, with Keras's complaint about a layer turned into an NnvizError that names it."""
    try:
        return fn(*args)
    except (TypeError, ValueError) as err:
        raise NnvizError(f"Keras cannot call this {layer.type} on its inputs ({err})",
                         path=source, layer=layer.name) from err
