"""The inference engine: walks a graph's calls in data-flow order and fills in shapes and params.

Readers build a graph whose layers carry only ``type`` and ``config`` (and
the weight shapes stored in the file, when there are any); :func:`infer_graph`
returns the same graph with output shapes, units, activations and parameter
counts, computed by the registry in :mod:`nnviz.layers.registry`.
"""

from __future__ import annotations

import numbers
from collections.abc import Mapping, Sequence
from typing import Any

from ..dataflow import order_calls
from ..errors import NnvizError, ReadError, ShapeError
from ..graph import Call, Layer, LayerGraph, Shape, TensorRef, Weight
from .dtypes import variable_dtype
from .names import MODEL_TYPES, major_version
from .registry import (KERAS_MAJOR, LENIENT, MAX_DIM, Inferred, UnknownShape, activation_name, check_config_sizes,
                       lookup)

__all__ = ["infer_graph", "infer_layer", "order_calls", "input_layer_shape", "MODEL_TYPES"]


# What a family function raises on a config it cannot make sense of (a damaged or hostile
# file): wrong types, missing keys, infinities, nesting. The engine turns them into a
# ReadError naming the layer; anything else from a family function is a bug.
FAMILY_ERRORS = (LookupError, TypeError, ValueError, ArithmeticError, AttributeError, RecursionError,
                 AssertionError, StopIteration)

MAX_PARAMS = 10**12   # the most parameters one layer may have: more is a damaged or hostile file
# layers inside layers (Bidirectional(LSTM), TimeDistributed(Conv2D), RNN(cell)): real models
# nest two or three; a wrapper may infer its inner layer more than once, so depth costs time
MAX_WRAPPER_DEPTH = 8
_INNER_KEYS = ("layer", "forward_layer", "backward_layer", "cell", "cells")

# Call arguments that change what a call returns. They are recorded per call (not in
# the layer's config), so the engine hands them to the inference function inside the
# config it passes, where the family function can read them like any config entry.
CALL_ARGUMENTS = ("return_attention_scores",)

_QUIET_NOTES: frozenset[str] = frozenset()


def _as_shape(value: Any) -> Shape | None:
    if value is None:
        return None
    if isinstance(value, dict) and value.get("class_name") == "TensorShape":
        value = value.get("items")
    if not isinstance(value, (list, tuple)):
        return None
    out = []
    for d in value:
        if d is None:
            out.append(None)
        elif isinstance(d, bool) or not isinstance(d, int):
            if isinstance(d, float) and d.is_integer():
                out.append(int(d))
            else:
                return None
        else:
            out.append(int(d))
    return tuple(out)


def input_layer_shape(cfg: Mapping[str, Any]) -> Shape | None:
    """The output shape of an ``InputLayer`` from its config (batch dimension first)."""
    for key in ("batch_shape", "batch_input_shape"):
        if cfg.get(key) is not None:
            return _as_shape(cfg[key])
    for key in ("input_shape", "shape"):
        if cfg.get(key) is not None:
            s = _as_shape(cfg[key])
            return None if s is None else (None, *s)
    return None


def build_input_shapes(cfg: Mapping[str, Any], build: Any = None) -> list[Shape] | None:
    """Input shapes recorded by Keras 3 in ``build_config`` (or Keras 2's ``batch_input_shape``)."""
    if build is None:
        build = cfg.get("build_config")
    if isinstance(build, dict):
        if "input_shape" in build:
            s = build["input_shape"]
            if isinstance(s, (list, tuple)) and s and isinstance(s[0], (list, tuple, dict)):
                shapes = [_as_shape(x) for x in s]
                return None if any(x is None for x in shapes) else shapes
            one = _as_shape(s)
            return None if one is None else [one]
        if isinstance(build.get("shapes_dict"), dict):
            shapes = [_as_shape(v) for v in build["shapes_dict"].values()]
            return None if not shapes or any(x is None for x in shapes) else shapes
    if cfg.get("batch_input_shape") is not None:
        s = _as_shape(cfg["batch_input_shape"])
        return None if s is None else [s]
    return None


def _resolve(ref: TensorRef, calls_done: dict[tuple[str, int], Call],
             calls_by_layer: dict[str, list[int]]) -> Shape | None:
    call = calls_done.get((ref.layer, ref.call))
    if call is None:
        idx = calls_by_layer.get(ref.layer, [])
        if not idx:
            return None
        call = calls_done.get((ref.layer, idx[max(0, min(ref.call, len(idx) - 1))]))
        if call is None:
            return None
    shapes = call.output_shapes or ()
    if 0 <= ref.tensor < len(shapes):
        return shapes[ref.tensor]
    return None


def _units(layer_type: str, cfg: Mapping[str, Any]) -> int | None:
    for key in ("units", "filters", "output_dim"):
        v = cfg.get(key)
        if isinstance(v, int) and not isinstance(v, bool):
            return v
    return None


def infer_graph(graph: LayerGraph, *, frozen: bool = False,
                input_shapes: Sequence[Shape | None] | None = None) -> LayerGraph:
    """Infer the output shape and parameters of every layer of ``graph``.

    Args:
        graph: a graph from a reader (types and configs).
        frozen: the graph is part of a model that is not trainable.
        input_shapes: shapes that arrive at the graph's inputs (for a nested model).

    Returns:
        A new graph with every layer's shapes and parameter counts.

    Raises:
        ReadError: on a cycle, a dangling input or shapes that do not fit.
    """
    major = major_version(graph.keras_version)
    if major is not None and KERAS_MAJOR.get() != major:
        token = KERAS_MAJOR.set(major)
        try:
            return infer_graph(graph, frozen=frozen, input_shapes=input_shapes)
        finally:
            KERAS_MAJOR.reset(token)
    order = order_calls(graph)
    calls_by_layer: dict[str, list[int]] = {}
    for c in graph.calls:
        calls_by_layer.setdefault(c.layer, []).append(c.index)
    done: dict[tuple[str, int], Call] = {}
    new_layers: dict[str, Layer] = {}
    feed = {}
    recorded_counts: dict[tuple[str, int], int] | None = None  # built when an output is first unknown
    partial: set[tuple[str, int]] = set()  # calls whose outputs nnviz knows only in part
    if input_shapes is not None:
        for ref, shape in zip(graph.inputs, input_shapes):
            if shape is not None:
                feed[ref.layer] = shape

    for call in order:
        layer = new_layers.get(call.layer)
        first = layer is None
        if layer is None:
            layer = graph.layer(call.layer)
        in_shapes = []
        for r in call.inputs:
            producer = done.get((r.layer, r.call))
            shapes = None if producer is None else producer.output_shapes
            # the usual reference, a call done and an output it has, read here; any other by _resolve
            in_shapes.append(shapes[r.tensor] if shapes and 0 <= r.tensor < len(shapes)
                             else _resolve(r, done, calls_by_layer))
        try:
            outputs, layer, known_inputs = _infer_call(layer, call, in_shapes, first, frozen, feed)
            for ref, shape in known_inputs.items():  # a stored kernel fixed a size the producer left open
                _settle(ref, shape, done, new_layers, calls_by_layer)
                if None not in shape[1:]:
                    partial.discard((ref.layer, ref.call))
            # sizes left open after an unknown tensor are unknown to nnviz (?), not variable (None)
            guessed = (first and not layer.shape_known) or bool(partial) and any(
                (r.layer, r.call) in partial for r in call.inputs)
            if guessed and any(o is not None and None in o[1:] for o in outputs):
                partial.add((call.layer, call.index))
                if first and layer.shape_known:
                    layer = layer.replace(shape_known=False)
            elif (first and not layer.shape_known and outputs
                  and all(o is not None and None not in o[1:] for o in outputs)):
                layer = layer.replace(shape_known=True)
            if None in outputs and graph.recorded_shapes:
                if recorded_counts is None:
                    recorded_counts = _recorded_counts(graph)
                outputs, layer = _recorded(graph, call, outputs, layer, first, recorded_counts)
            check_sizes(outputs, layer if first else None)
        except NnvizError as err:
            raise err.with_context(layer=call.layer)
        except UnknownShape:  # pragma: no cover - _infer_call handles it
            raise
        new_layers[call.layer] = layer
        done[(call.layer, call.index)] = call.with_outputs(tuple(outputs))

    # layers never called (rare: an InputLayer of a Sequential read from a bare list)
    layers = []
    for layer in graph.layers:
        if layer.name in new_layers:
            layers.append(new_layers[layer.name])
        else:
            layers.append(_finish(layer, Inferred([], []), frozen, first_outputs=[]))
    calls = [done.get((c.layer, c.index), c) for c in graph.calls]
    return graph.replace(layers=layers, calls=calls, inferred=True, warnings=(
        *graph.warnings, *(f"{l.name}: {n}" for l in layers for n in l.notes if n not in _QUIET_NOTES)))


def _recorded_counts(graph: LayerGraph) -> dict[tuple[str, int], int]:
    """Per call, how many output tensors the consumers' configs recorded (an index, built once)."""
    out: dict[tuple[str, int], int] = {}
    for r in graph.recorded_shapes:
        key = (r.layer, r.call)
        out[key] = max(out.get(key, 0), r.tensor + 1)
    return out


def _recorded(graph: LayerGraph, call: Call, outputs: list[Shape | None], layer: Layer,
              first: bool, counts: Mapping[tuple[str, int], int]) -> tuple[list[Shape | None], Layer]:
    """Fill unknown outputs with the shapes the consumers' config recorded (Keras 3)."""
    n = max(len(outputs), counts.get((call.layer, call.index), 0))
    filled = list(outputs) + [None] * (n - len(outputs))
    for i in range(n):
        if filled[i] is None:
            filled[i] = graph.recorded_shapes.get(TensorRef(call.layer, call.index, i))
    if first and filled != outputs:
        layer = layer.replace(output_shapes=tuple(filled), shape_known=all(s is not None for s in filled))
    return filled, layer


def _settle(ref: TensorRef, shape: Shape, done: dict[tuple[str, int], Call], layers: dict[str, Layer],
            calls_by_layer: Mapping[str, list[int]]) -> None:
    """Write a tensor's shape, made known by its reader's stored weights, back to its producer."""
    key = (ref.layer, ref.call)
    call = done.get(key)
    if call is None or call.output_shapes is None or not 0 <= ref.tensor < len(call.output_shapes):
        return
    outs = list(call.output_shapes)
    outs[ref.tensor] = shape
    done[key] = call.with_outputs(tuple(outs))
    producer = layers.get(ref.layer)
    if producer is not None and calls_by_layer.get(ref.layer, [None])[0] == ref.call:
        complete = all(o is not None and None not in o[1:] for o in outs)
        layers[ref.layer] = producer.replace(output_shapes=tuple(outs), shape_known=producer.shape_known or complete)


# Layers whose input rank their class fixes (an input of unknown shape still has this rank):
# convolutions, pooling, cropping, padding and upsampling in nD take rank n + 2 (ConvLSTMnD
# n + 3), recurrent layers rank 3; a Flatten's output has rank 2 whatever its input's rank.
_RECURRENT = frozenset({"LSTM", "GRU", "SimpleRNN", "RNN", "CuDNNLSTM", "CuDNNGRU", "Bidirectional"})
# convolutions whose first stored weight is (window..., input channels / groups, ...)
_CONV_KERNELS = frozenset({"Conv1D", "Conv2D", "Conv3D", "SeparableConv1D", "SeparableConv2D",
                           "DepthwiseConv1D", "DepthwiseConv2D"})


def _class_input_rank(layer_type: str) -> int | None:
    """The rank of the input a class needs, when its name fixes it (``Conv2D``: 4).

    >>> _class_input_rank("Cropping2D"), _class_input_rank("ConvLSTM2D"), _class_input_rank("Dense")
    (4, 5, None)
    """
    if layer_type in _RECURRENT:
        return 3
    if layer_type == "Flatten":
        return 3
    if len(layer_type) > 2 and layer_type[-1] == "D" and layer_type[-2] in "123":
        n = int(layer_type[-2])
        return n + 3 if layer_type.startswith("ConvLSTM") else n + 2
    return None


def _input_from_stored(layer: Layer, shape: Shape | None) -> Shape | None:
    """The input shape with its last (channel) axis read from the layer's stored kernel, if that axis is unknown.

    A Dense kernel is ``(inputs, units)``; a convolution kernel ``(window..., channels / groups, ...)``.
    The engine keeps the result only when the parameters it implies equal the stored ones.
    """
    stored = layer.stored_weights
    if not stored or shape is None or len(shape) < 2:
        return None
    kernel = stored[0].shape
    axis = 1 if layer.config.get("data_format") == "channels_first" else len(shape) - 1
    if shape[axis] is not None:
        return None
    if layer.type == "Dense" and len(kernel) == 2:
        size = kernel[0]
    elif layer.type in _CONV_KERNELS and len(kernel) == len(shape):
        groups = layer.config.get("groups", 1)
        size = kernel[-2] * (groups if isinstance(groups, int) and groups > 0 else 1)
    else:
        return None
    fixed = list(shape)
    fixed[axis] = int(size)
    return tuple(fixed)


def _lenient(fn: Any, cfg: Mapping[str, Any], layer_type: str,
             in_shapes: list[Shape | None]) -> Inferred | None:
    """What a class can say about a layer whose input is partly or wholly unknown.

    An unknown input is replaced by a shape of unknown sizes: of the rank the class fixes
    (then the outputs are kept: a Conv2D after a Lambda gives ``(None, None, None, 24)``) or, when
    the class fixes none, of a sibling input's rank, for the weights only (a Dropout has none,
    a Dense has a kernel of unknown size). Weights of unknown size make the parameters unknown.
    """
    rank = _class_input_rank(layer_type)
    sibling = next((len(s) for s in in_shapes if s is not None), None)
    keep = True
    shapes = []
    for s in in_shapes:
        if s is None:
            keep = keep and rank is not None
            s = (None,) * (rank or sibling or 2)
        shapes.append(s)
    token = LENIENT.set(True)
    try:
        result = fn(cfg, shapes)
    except (UnknownShape, ShapeError, *FAMILY_ERRORS):
        return None
    finally:
        LENIENT.reset(token)
    if not keep:
        result = Inferred([None] * len(result.outputs), result.weights, result.units, result.activation)
    return result


def _infer_call(layer: Layer, call: Call, in_shapes: list[Shape | None], first: bool,
                frozen: bool, feed: Mapping[str, Shape]
                ) -> tuple[list[Shape | None], Layer, dict[TensorRef, Shape]]:
    """The outputs of one call, the layer (inferred at its first call) and input shapes its weights fixed."""
    cfg = layer.config
    if layer.type == "InputLayer":
        shape = feed.get(layer.name) or input_layer_shape(cfg)
        return [shape], _finish(layer, Inferred([shape], []), frozen, first_outputs=[shape]), {}

    if layer.subgraph is not None:
        return (*_infer_nested(layer, in_shapes, first, frozen), {})

    fn = lookup(layer.type)
    result: Inferred | None = None
    notes = list(layer.notes)
    if fn is None:
        notes.append(f"a class nnviz does not know ({layer.type}): parameters come from its stored weights")
    else:
        _check_config_sizes(cfg)
        attempts = [in_shapes]
        unknown_input = None in in_shapes
        build = build_input_shapes(cfg, layer.build_config) if first and unknown_input else None
        if build is not None:
            attempts.append(build)
        call_cfg = cfg
        if call.arguments and any(k in call.arguments for k in CALL_ARGUMENTS):
            call_cfg = {**cfg, **{k: call.arguments[k] for k in CALL_ARGUMENTS if k in call.arguments}}
        for shapes in attempts:
            if None in shapes or (not shapes and call.inputs):
                continue
            try:
                result = fn(call_cfg, shapes)
                break
            except UnknownShape:
                continue
            except ShapeError:
                raise
            except FAMILY_ERRORS as err:
                raise ReadError(f"{layer.type} config cannot be read ({type(err).__name__}: {err})") from err
        # (when the inputs were unknown, build_config recorded the shapes the layer was
        # really built on, so the outputs computed from them are Keras's, not a guess)
    known_inputs: dict[TensorRef, Shape] = {}
    if result is None and fn is not None and len(in_shapes) == 1 and first:
        fixed = _input_from_stored(layer, in_shapes[0])
        if fixed is not None:
            try:
                trial = fn(call_cfg, [fixed])
            except (UnknownShape, ShapeError, *FAMILY_ERRORS):
                trial = None
            stored = layer.stored_weights or ()
            if trial is not None and trial.params == sum(w.size for w in stored):
                result, known_inputs = trial, {call.inputs[0]: fixed}
    if result is not None and result.notes:
        notes.extend(n for n in result.notes if n not in notes)
    partial = False
    if result is None and fn is not None and in_shapes:
        result = _lenient(fn, call_cfg, layer.type, in_shapes)
        partial = result is not None
    if result is None:
        outputs: list[Shape | None] = [None]
    else:
        outputs = list(result.outputs)
    if not first:
        return outputs, layer, known_inputs
    # partial: the shape holds sizes nnviz does not know (shown as ?), not Keras's variable sizes
    new = _finish(layer, result, frozen, first_outputs=outputs, notes=tuple(notes),
                  shape_known=False if partial else None)
    return outputs, new, known_inputs


def _check_config_sizes(cfg: Mapping[str, Any]) -> None:
    check_config_sizes(cfg)
    if not cfg.keys().isdisjoint(_INNER_KEYS) and _wrapper_depth(cfg, 0) > MAX_WRAPPER_DEPTH:
        raise ShapeError(f"layers are wrapped in layers more than {MAX_WRAPPER_DEPTH} deep")


def _wrapper_depth(cfg: Any, depth: int) -> int:
    """How deep layer configs nest inside this one (stops counting past the limit)."""
    if depth > MAX_WRAPPER_DEPTH or not isinstance(cfg, Mapping):
        return depth
    deepest = depth
    for key in _INNER_KEYS:
        inner = cfg.get(key)
        if inner is None:
            continue
        for item in inner if isinstance(inner, list) else [inner]:
            if isinstance(item, Mapping) and isinstance(item.get("config"), Mapping):
                deepest = max(deepest, _wrapper_depth(item["config"], depth + 1))
    return deepest


def check_sizes(outputs: Sequence[Shape | None], layer: Layer | None = None) -> None:
    """Refuse absurd sizes: a damaged or hostile file, never a model (one small central check).

    Every dimension of the outputs and of the layer's weights must be an integer in
    ``0..MAX_DIM``, and one layer may have at most ``MAX_PARAMS`` parameters.

    Raises:
        ShapeError: naming the size.

    >>> check_sizes([(None, 10)])
    >>> check_sizes([(None, -3)])
    Traceback (most recent call last):
    ...
    nnviz.errors.ShapeError: an output has the impossible dimension -3
    """
    for shape in outputs:
        if shape is None:
            continue
        if not isinstance(shape, (tuple, list)):
            raise ShapeError(f"an output shape is {shape!r}, not a list of sizes")
        for d in shape:  # (an int in range passes without a call to _is_size)
            if d is not None and not (type(d) is int and 0 <= d <= MAX_DIM) and not _is_size(d):
                raise ShapeError(f"an output has the impossible dimension {d!r}")
    if layer is None:
        return
    for w in layer.weights:
        for d in w.shape:
            if not (type(d) is int and 0 <= d <= MAX_DIM) and not _is_size(d):
                raise ShapeError(f"weight {w.name!r} has the impossible dimension {d!r}")
    if layer.params is not None and layer.params > MAX_PARAMS:
        raise ShapeError(f"{layer.params:,} parameters in one layer: more than nnviz believes ({MAX_PARAMS:,})")


def _is_size(d: Any) -> bool:
    # numbers.Integral: a family function may compute a size with numpy
    if type(d) is int:  # the usual case, without the abstract-class check
        return 0 <= d <= MAX_DIM
    return isinstance(d, numbers.Integral) and not isinstance(d, bool) and 0 <= d <= MAX_DIM


def _infer_nested(layer: Layer, in_shapes: list[Shape | None], first: bool,
                  frozen: bool) -> tuple[list[Shape | None], Layer]:
    sub = layer.subgraph
    assert sub is not None
    trainable = bool(layer.config.get("trainable", True)) and not frozen
    inner = infer_graph(sub, frozen=not trainable, input_shapes=in_shapes)
    outputs = []
    calls = {(c.layer, c.index): c for c in inner.calls}
    by_layer: dict[str, list[int]] = {}
    for c in inner.calls:
        by_layer.setdefault(c.layer, []).append(c.index)
    for ref in inner.outputs:
        outputs.append(_resolve(ref, calls, by_layer))
    if not first:
        return outputs, layer
    known = not inner.unknown_params
    new = layer.replace(
        subgraph=inner, output_shapes=tuple(outputs), params=inner.total_params if known else None,
        trainable_params=inner.trainable_params if known else None,
        non_trainable_params=inner.non_trainable_params if known else None,
        trainable=trainable, shape_known=all(s is not None for s in outputs),
        dtype=variable_dtype(layer.config.get("dtype")))
    return outputs, new


def _finish(layer: Layer, result: Inferred | None, frozen: bool, *,
            first_outputs: list[Shape | None], notes: tuple[str, ...] | None = None,
            shape_known: bool | None = None) -> Layer:
    """``layer`` with what inference found (``notes`` and ``shape_known`` in place of the layer's
    own when given: one copy of the layer, not one per change)."""
    cfg = layer.config
    trainable = bool(cfg.get("trainable", True)) and not frozen
    weights: tuple[Weight, ...]
    notes = layer.notes if notes is None else notes
    stored = layer.stored_weights
    # (what result.params says, each weight's size computed once: sizes[i] is weights[i]'s)
    inferred = None if result is None or not all(w.known for w in result.weights) else tuple(result.weights)
    known = True
    sizes: list[int] = []
    if inferred is not None and (inferred or stored is None):
        weights = inferred
        sizes = [w.size for w in weights]
        if stored is not None and sum(w.size for w in stored) != sum(sizes):
            # the file disagrees with what the config implies: say so rather than hide it
            notes = (*notes, f"the file stores {sum(w.size for w in stored):,} weights, "
                             f"the config implies {sum(sizes):,}")
    elif stored is not None:
        weights = stored
        sizes = [w.size for w in weights]
    else:
        # the input is unknown and the file has no weights: the count is unknown, not 0
        weights, known = (), False
    total: int | None = sum(sizes) if known else None
    train: int | None = (sum(n for n, w in zip(sizes, weights) if w.trainable) if trainable else 0) if known else None
    units = result.units if result is not None and result.units is not None else _units(layer.type, cfg)
    act = result.activation if result is not None and result.activation is not None else activation_name(
        cfg.get("activation"))
    return layer.replace(
        output_shapes=tuple(first_outputs), params=total, trainable_params=train,
        non_trainable_params=None if total is None or train is None else total - train, weights=weights, trainable=trainable, units=units,
        activation=act, shape_known=(bool(first_outputs) and None not in first_outputs
                                     if shape_known is None else shape_known),
        dtype=variable_dtype(cfg.get("dtype")), notes=notes)


def infer_layer(layer_type: str, config: Mapping[str, Any], input_shapes: Sequence[Shape]) -> Layer:
    """Infer one layer called on inputs of the given shapes (batch dimension first).

    >>> infer_layer("Dense", {"units": 10}, [(None, 13)]).params
    140
    """
    from .aliases import modernize

    cls, cfg = modernize(layer_type, config)
    cfg.setdefault("name", "layer")
    inputs = [Layer(f"in{i}", "InputLayer", {"batch_shape": list(s)}) for i, s in enumerate(input_shapes)]
    layer = Layer(cfg["name"], cls, cfg)
    calls = [Call(l.name, 0, ()) for l in inputs]
    calls.append(Call(layer.name, 0, tuple(TensorRef(l.name) for l in inputs)))
    g = LayerGraph("probe", [*inputs, layer], calls, [TensorRef(l.name) for l in inputs],
                   [TensorRef(layer.name)])
    return infer_graph(g).layer(layer.name)
