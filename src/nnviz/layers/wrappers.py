"""Inference for the wrappers family: Bidirectional, TimeDistributed and Keras 1's TimeDistributedDense.

A wrapper's config holds the wrapped layer as ``{"class_name", "config"}``
under ``layer``; its shapes and weights come from that class's own inference
function (or, for a wrapped model, from inferring the model's graph).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from collections.abc import Mapping, Sequence
from typing import Any

from ..errors import ShapeError
from ..graph import Shape, Weight
from .aliases import modernize
from .recurrent import freeze_unless_trainable
from .registry import Inferred, UnknownShape, activation_name, infers, lookup, one_input

_MODELS = ("Sequential", "Functional", "Model")


@dataclass
class _Inner:
    """The wrapped layer inferred on the shapes the wrapper hands it."""

    outputs: list[Shape]
    weights: list[Weight]
    units: int | None
    activation: str | None


def _inner(entry: Any, shapes: Sequence[Shape], role: str = "layer") -> _Inner:
    if not isinstance(entry, Mapping) or not isinstance(entry.get("class_name"), str):
        raise UnknownShape(f"the wrapped {role} is not a serialized Keras object")
    # the readers modernize the wrapped config already; configs built by hand are not
    cls, cfg = modernize(entry["class_name"], entry.get("config") or {})
    if cls in _MODELS:
        return _inner_model(entry, shapes)
    fn = lookup(cls)
    if fn is None:
        raise UnknownShape(f"nnviz does not know the wrapped class {cls!r}")
    res = fn(cfg, shapes)
    if any(o is None for o in res.outputs):
        raise UnknownShape(f"the output of the wrapped {cls} is unknown")
    units = res.units
    if units is None:
        units = next((v for k in ("units", "filters", "output_dim")
                      if isinstance(v := cfg.get(k), int) and not isinstance(v, bool)), None)
    act = res.activation if res.activation is not None else activation_name(cfg.get("activation"))
    return _Inner(list(res.outputs), freeze_unless_trainable(cfg, list(res.weights)), units, act)


def _inner_model(entry: Mapping[str, Any], shapes: Sequence[Shape]) -> _Inner:
    """A whole model wrapped (e.g. a per-frame CNN in TimeDistributed): infer its graph."""
    # imported here: the readers build on this package, not the other way round
    from ..readers.keras_config import build_graph
    from .infer import infer_graph

    cfg = entry.get("config")
    frozen = isinstance(cfg, Mapping) and not cfg.get("trainable", True)
    graph = infer_graph(build_graph(dict(entry)), frozen=frozen, input_shapes=list(shapes))
    outputs = []
    for ref in graph.outputs:
        calls = [c for c in graph.calls_of(ref.layer) if c.output_shapes]
        call = next((c for c in calls if c.index == ref.call), calls[-1] if calls else None)
        if call is None or ref.tensor >= len(call.output_shapes) or call.output_shapes[ref.tensor] is None:
            raise UnknownShape("the output of the wrapped model is unknown")
        outputs.append(call.output_shapes[ref.tensor])
    weights = []
    for path, layer in graph.walk():
        if layer.subgraph is None:
            prefix = "/".join((*path, layer.name))
            weights += [Weight(f"{prefix}/{w.name}", w.shape, w.trainable and layer.trainable)
                        for w in layer.weights]
    return _Inner(outputs, weights, None, None)


@infers("TimeDistributed")
def time_distributed(cfg: Mapping[str, Any], inputs: Sequence[Shape]) -> Inferred:
    shape = one_input(inputs, "TimeDistributed")
    if len(shape) < 3:
        raise ShapeError(f"TimeDistributed needs an input of rank 3 or more (batch, time, ...), got {shape}")
    # the wrapped layer sees one time step; the time axis comes back after the batch axis
    inner = _inner(cfg.get("layer"), [(shape[0], *shape[2:])])
    outs = [(o[0], shape[1], *o[1:]) for o in inner.outputs]
    return Inferred(outs, inner.weights, units=inner.units, activation=inner.activation)


@infers("TimeDistributedDense")
def time_distributed_dense(cfg: Mapping[str, Any], inputs: Sequence[Shape]) -> Inferred:
    """Keras 1's Dense applied at every time step: a Dense on the last axis, shape-wise."""
    shape = one_input(inputs, "TimeDistributedDense")
    if len(shape) != 3:
        raise ShapeError(f"TimeDistributedDense needs an input of rank 3 (batch, time, features), got {shape}")
    dense = lookup("Dense")
    assert dense is not None
    return dense(cfg, [shape])


_MERGE_MODES = ("concat", "sum", "mul", "ave", None)


@infers("Bidirectional")
def bidirectional(cfg: Mapping[str, Any], inputs: Sequence[Shape]) -> Inferred:
    seq = one_input(inputs, "Bidirectional")  # the rest are initial states
    mode = cfg.get("merge_mode", "concat")
    if mode not in _MERGE_MODES:
        raise ShapeError(f"Bidirectional merge_mode {mode!r} is not one of concat, sum, mul, ave, None")
    fwd = _inner(cfg.get("layer"), [seq])
    back = cfg.get("backward_layer")
    bwd = _inner(back, [seq], "backward_layer") if back is not None else fwd
    if len(fwd.outputs) != len(bwd.outputs):
        raise ShapeError("Bidirectional's forward and backward layers differ in return_state")
    (f_out, *f_states), (b_out, *b_states) = fwd.outputs, bwd.outputs
    if len(f_out) != len(b_out):
        raise ShapeError("Bidirectional's forward and backward layers differ in return_sequences")
    if mode == "concat":
        last = None if f_out[-1] is None or b_out[-1] is None else f_out[-1] + b_out[-1]
        merged = [(*f_out[:-1], last)]
    elif mode is None:
        merged = [f_out, b_out]
    else:
        if f_out[-1] is not None and b_out[-1] is not None and f_out[-1] != b_out[-1]:
            raise ShapeError(f"Bidirectional merge_mode {mode!r} needs outputs of one width, "
                             f"got {f_out} and {b_out}")
        merged = [f_out]
    weights = [replace(w, name=f"forward/{w.name}") for w in fwd.weights]
    weights += [replace(w, name=f"backward/{w.name}") for w in bwd.weights]
    return Inferred([*merged, *f_states, *b_states], weights, units=fwd.units, activation=fwd.activation)
