"""Inference for the merge family: Add, Subtract, Multiply, Average, Maximum, Minimum, Concatenate, Dot.

None of them has weights. Element-wise merges broadcast as Keras does: shapes
are aligned on the right (the batch dimension apart) and a 1 stretches to the
other size; any other difference is a :class:`~nnviz.errors.ShapeError`.
"""

from __future__ import annotations

from typing import Any, Mapping, Sequence

from ..errors import ShapeError
from ..graph import Shape
from .names import TF_BINARY, TF_UNARY_PREFIXES
from .registry import Inferred, UnknownShape, infers


def _fmt(shape: Shape) -> str:
    return "(" + ", ".join("None" if d is None else str(d) for d in shape) + ")"


def _batch(inputs: Sequence[Shape], cls: str) -> int | None:
    sizes = {s[0] for s in inputs if s} - {None}
    if len(sizes) > 1:
        raise ShapeError(f"{cls} cannot merge tensors with different batch sizes: "
                         + ", ".join(_fmt(s) for s in inputs))
    return sizes.pop() if sizes else None


def _broadcast(a: Shape, b: Shape, cls: str, inputs: Sequence[Shape]) -> Shape:
    """Keras's ``_compute_elemwise_op_output_shape`` on shapes without the batch dimension."""
    if len(a) < len(b):
        a, b = b, a
    if not b:
        return a
    out = list(a[: len(a) - len(b)])
    for i, j in zip(a[len(a) - len(b):], b):
        if i is None or j is None:
            out.append(None)  # as Keras: unknown, even where the other side is known
        elif i == 1 or j == 1:
            out.append(j if i == 1 else i)
        elif i != j:
            raise ShapeError(f"{cls} needs inputs of the same shape (or broadcastable ones), got "
                             + " and ".join(_fmt(s) for s in inputs) + f": {i} != {j}")
        else:
            out.append(i)
    return tuple(out)


def _elementwise(cfg: Mapping[str, Any], inputs: Sequence[Shape], cls: str) -> Inferred:
    if not inputs:
        raise ShapeError(f"{cls} needs at least one input")
    if cls == "Subtract" and len(inputs) != 2:
        raise ShapeError(f"Subtract needs exactly 2 inputs, got {len(inputs)}")
    batch = _batch(inputs, cls)
    out: Shape = tuple(inputs[0][1:])
    for s in inputs[1:]:
        out = _broadcast(out, tuple(s[1:]), cls, inputs)
    return Inferred([(batch, *out)])


for _name in ("Add", "Subtract", "Multiply", "Average", "Maximum", "Minimum"):
    infers(_name)(lambda cfg, inputs, _c=_name: _elementwise(cfg, inputs, _c))


@infers("Concatenate")
def concatenate(cfg: Mapping[str, Any], inputs: Sequence[Shape]) -> Inferred:
    if not inputs:
        raise ShapeError("Concatenate needs at least one input")
    rank = len(inputs[0])
    if any(len(s) != rank for s in inputs):
        raise ShapeError("Concatenate needs inputs of the same rank, got " + ", ".join(_fmt(s) for s in inputs))
    axis = int(cfg.get("axis", -1))
    if not -rank <= axis < rank:
        raise ShapeError(f"Concatenate axis {axis} is out of range for inputs of rank {rank}")
    axis %= rank
    for i in range(1, rank):
        known = {s[i] for s in inputs} - {None}
        if i != axis and len(known) > 1:
            raise ShapeError(f"Concatenate on axis {axis} needs inputs that match on every other axis, got "
                             + ", ".join(_fmt(s) for s in inputs))
    # as Keras: the first input's dimensions, and the sum along the axis (unknown if any is)
    out = list(inputs[0])
    sizes = [s[axis] for s in inputs]
    out[axis] = None if any(d is None for d in sizes) else sum(sizes)
    if axis != 0:
        out[0] = _batch(inputs, "Concatenate")
    return Inferred([tuple(out)])


@infers("Dot")
def dot(cfg: Mapping[str, Any], inputs: Sequence[Shape]) -> Inferred:
    if len(inputs) != 2:
        raise ShapeError(f"Dot needs exactly 2 inputs, got {len(inputs)}")
    a, b = list(inputs[0]), list(inputs[1])
    axes = cfg.get("axes", -1)
    if isinstance(axes, (list, tuple)):
        if len(axes) != 2:
            raise ShapeError(f"Dot axes must be one axis or a pair, got {list(axes)}")
        ax = [int(axes[0]), int(axes[1])]
    else:
        ax = [int(axes) % len(a), int(axes) % len(b)] if int(axes) < 0 else [int(axes)] * 2
    try:
        da, db = a[ax[0]], b[ax[1]]
    except IndexError:
        raise ShapeError(f"Dot axes {ax} do not fit inputs {_fmt(inputs[0])} and {_fmt(inputs[1])}") from None
    if da is not None and db is not None and da != db:
        raise ShapeError(f"Dot of {_fmt(inputs[0])} and {_fmt(inputs[1])} on axes {ax}: {da} != {db}")
    a.pop(ax[0])
    b.pop(ax[1])
    out = a + b[1:]  # the batch dimension is shared
    if len(out) == 1:
        out.append(1)
    return Inferred([tuple(out)])


@infers("Merge")
def merge(cfg: Mapping[str, Any], inputs: Sequence[Shape]) -> Inferred:
    """Keras 1's ``Merge`` with a custom mode (the named modes are mapped to modern classes)."""
    out = cfg.get("output_shape")
    if isinstance(out, (list, tuple)) and out and all(isinstance(d, int) or d is None for d in out):
        batch = inputs[0][0] if inputs and inputs[0] else None
        return Inferred([(batch, *out)])
    # the mode is a Python function nnviz never runs: the shape is unknown, there are no weights
    return Inferred([None])


# tf.keras wraps TensorFlow calls on Keras tensors (x + y, tf.nn.relu(x)) in TFOpLambda layers
# whose config names the function. The elementwise ones are common in keras.applications
# (RegNet's residual adds); their shapes follow TensorFlow's broadcasting.
def _tf_broadcast(a: Shape, b: Shape, fn: str) -> Shape:
    if len(a) < len(b):
        a, b = b, a
    out = list(a[: len(a) - len(b)])
    for i, j in zip(a[len(a) - len(b):], b):
        if i is None or j is None:
            known = j if i is None else i
            out.append(known if known is not None and known != 1 else None)
        elif i == 1 or j == 1 or i == j:
            out.append(j if i == 1 else i)
        else:
            raise ShapeError(f"{fn} cannot broadcast {_fmt(a)} with {_fmt(b)}: {i} != {j}")
    return tuple(out)


@infers("CustomScaleLayer")
def custom_scale(cfg: Mapping[str, Any], inputs: Sequence[Shape]) -> Inferred:
    """``keras.applications``' InceptionResNetV2 helper, saved by class name: ``inputs[0] + inputs[1] * scale``.

    No weights; the shape follows TensorFlow's broadcasting of the two inputs.

    >>> custom_scale({"scale": 0.17}, [(None, 35, 35, 320), (None, 35, 35, 320)]).outputs
    [(None, 35, 35, 320)]
    """
    if len(inputs) != 2:
        raise ShapeError(f"CustomScaleLayer needs 2 inputs, got {len(inputs)}")
    return Inferred([_tf_broadcast(tuple(inputs[0]), tuple(inputs[1]), "CustomScaleLayer")])


@infers("TFOpLambda")
def tf_op_lambda(cfg: Mapping[str, Any], inputs: Sequence[Shape]) -> Inferred:
    fn = str(cfg.get("function", ""))
    if not inputs:
        raise UnknownShape(f"TFOpLambda {fn} without tensor inputs")
    if fn in TF_BINARY:
        out = tuple(inputs[0])
        for s in inputs[1:]:  # a constant operand is no input and does not change the shape
            out = _tf_broadcast(out, tuple(s), f"TFOpLambda {fn}")
        return Inferred([out])
    if fn.startswith(TF_UNARY_PREFIXES) and len(inputs) == 1:
        return Inferred([tuple(inputs[0])], activation=fn.rsplit(".", 1)[-1] if fn.startswith("nn.") else None)
    return Inferred([None])  # a TensorFlow function nnviz does not know: no weights, shape unknown
