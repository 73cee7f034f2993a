"""The counting engine: every call of every layer, nested models summed, totals and peak memory."""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Iterator

from ..errors import OptionError
from ..dataflow import order_calls
from ..layers.dtypes import itemsize, variable_dtype
from .registry import Unknown, lookup, size

if TYPE_CHECKING:  # pragma: no cover
    from ..graph import Call, Layer, LayerGraph, Shape

__all__ = ["Cost", "CostTable", "layer_costs", "training_memory", "optimizer_slots_of", "compute_dtype",
           "weight_itemsize"]


@dataclass(frozen=True)
class Cost:
    """One layer's cost for one sample (``None``: a size nnviz cannot know).

    Attributes:
        macs: multiply-accumulate operations.
        flops: floating-point operations (2 per MAC plus the rest, see :mod:`nnviz.costs.rules`).
        activation_bytes: the layer's outputs, in their dtype.
        weight_bytes: the layer's variables, in their dtype.
        trainable_weight_bytes: the part of ``weight_bytes`` that trains.
        bias_flops: the part of ``flops`` that adds biases (profilers count those as an op of
            their own; the exactness tests compare them).
    """

    macs: int | None
    flops: int | None
    activation_bytes: int | None
    weight_bytes: int
    trainable_weight_bytes: int = 0
    bias_flops: int | None = None

    def to_dict(self) -> dict[str, int | None]:
        return {"macs": self.macs, "flops": self.flops, "activation_bytes": self.activation_bytes,
                "weight_bytes": self.weight_bytes}


@dataclass
class CostTable:
    """Per-layer costs of a graph (a nested model's layers under ``nested``) and the totals.

    Per-layer figures are for one sample; the totals are multiplied by ``batch_size``
    (weights excepted). Layers whose count is unknown are left out of the totals and named
    in ``unknown``.
    """

    costs: dict[str, Cost]
    nested: dict[str, "CostTable"] = field(default_factory=dict)
    batch_size: int = 1
    peak_activation_bytes: int = 0
    unknown: list[str] = field(default_factory=list)

    def __getitem__(self, name: str) -> Cost:
        return self.costs[name]

    def __contains__(self, name: object) -> bool:
        return name in self.costs

    def __iter__(self) -> Iterator[str]:
        return iter(self.costs)

    def _sum(self, attr: str) -> int:
        return sum(getattr(c, attr) or 0 for c in self.costs.values())

    @property
    def total_macs(self) -> int:
        return self._sum("macs") * self.batch_size

    @property
    def total_flops(self) -> int:
        return self._sum("flops") * self.batch_size

    @property
    def total_activation_bytes(self) -> int:
        """Every layer's outputs (nested layers' too), as if all were kept (training keeps them)."""
        own = sum(c.activation_bytes or 0 for n, c in self.costs.items() if n not in self.nested)
        return own * self.batch_size + sum(t.total_activation_bytes for t in self.nested.values())

    @property
    def weight_bytes(self) -> int:
        return self._sum("weight_bytes")

    @property
    def trainable_weight_bytes(self) -> int:
        return self._sum("trainable_weight_bytes")

    def totals(self) -> dict[str, int]:
        return {"total_macs": self.total_macs, "total_flops": self.total_flops,
                "weight_bytes": self.weight_bytes, "total_activation_bytes": self.total_activation_bytes,
                "peak_activation_bytes": self.peak_activation_bytes}


def _policy_name(dtype: Any) -> str:
    if isinstance(dtype, Mapping):
        cfg = dtype.get("config") if isinstance(dtype.get("config"), Mapping) else {}
        dtype = cfg.get("name")
    return dtype if isinstance(dtype, str) else "float32"


def compute_dtype(dtype: Any) -> str:
    """The dtype a layer computes (and outputs) in, from its config's ``dtype`` policy.

    >>> compute_dtype("mixed_float16"), compute_dtype({"config": {"name": "int8_from_mixed_bfloat16"}})
    ('float16', 'bfloat16')
    """
    return _compute_dtype(_policy_name(dtype))


@functools.lru_cache(maxsize=256)  # a model uses one or two policies: worked out once each
def _compute_dtype(name: str) -> str:
    if "_from_" in name:  # Keras 3 quantized policies: int8_from_float32, float8_from_mixed_bfloat16
        name = name.split("_from_", 1)[1]
    if name.startswith("mixed_"):
        return name[len("mixed_"):]
    return variable_dtype(name)


def weight_itemsize(dtype: Any, weight_name: str) -> float:
    """Bytes per element of one variable: an int8/int4-quantized kernel is stored as such.

    >>> weight_itemsize("float32", "kernel"), weight_itemsize("int8_from_float32", "kernel")
    (4, 1)
    >>> weight_itemsize("int4_from_float32", "kernel"), weight_itemsize("int8_from_float32", "kernel_scale")
    (0.5, 4)
    """
    return _itemsize(_policy_name(dtype), weight_name)


@functools.lru_cache(maxsize=4096)  # per policy and weight name (kernel, bias...): worked out once each
def _itemsize(name: str, weight_name: str) -> float:
    base = weight_name.rsplit("/", 1)[-1].split(":")[0]
    if name.startswith(("int8_from_", "int4_from_")) and base in ("kernel", "embeddings"):
        return 1 if name.startswith("int8") else 0.5
    if "_from_" in name:
        name = name.split("_from_", 1)[1]
    return itemsize(variable_dtype(name))


def _dtypes_of(dtype: Any) -> tuple[str, str]:
    """A config's ``dtype`` entry: its policy's name and the dtype the layer computes in."""
    policy = _policy_name(dtype)
    return policy, _compute_dtype(policy)


def _weight_bytes(layer: Layer, policy: str) -> tuple[int, int]:
    total = train = 0.0
    for w in layer.weights:
        b = w.size * _itemsize(policy, w.name)
        total += b
        if w.trainable and layer.trainable:
            train += b
    return int(round(total)), int(round(train))


def _out_bytes(shapes: Any, dtype: str) -> int:
    return sum(size(s) for s in shapes) * itemsize(dtype)


def layer_costs(graph: LayerGraph, *, batch_size: int = 1) -> CostTable:
    """Count every layer of an inferred ``graph`` (see :mod:`nnviz.costs`).

    Args:
        graph: a graph whose shapes are inferred (what :func:`nnviz.load` returns).
        batch_size: samples per step; scales the totals (not the per-layer figures).

    Returns:
        A :class:`CostTable`.

    Raises:
        OptionError: ``batch_size`` is not a positive integer.
    """
    if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1:
        raise OptionError(f"batch_size must be a positive integer, got {batch_size!r}")
    return _count(graph, batch_size)


def _count(graph: LayerGraph, batch_size: int) -> CostTable:
    done: dict[tuple[str, int], Call] = {}
    position: dict[tuple[str, int], int] = {}
    calls_of: dict[str, list[Call]] = {}
    for i, c in enumerate(graph.calls):
        key = (c.layer, c.index)
        done[key] = c
        position[key] = i
        calls_of.setdefault(c.layer, []).append(c)
    # what many layers share is worked out once per value: a 50,000-layer model has a few dtypes,
    # classes, output shapes and costs (every figure below is the one the direct sum gives)
    dtypes: dict[Any, tuple[str, str]] = {}
    weight_bytes: dict[tuple[Any, ...], tuple[int, int]] = {}
    rules: dict[str, Any] = {}
    act_bytes: dict[tuple[Any, str], int | None] = {}
    shared: dict[tuple[Any, ...], Cost] = {}
    table = CostTable({}, batch_size=batch_size)
    out_bytes: dict[tuple[str, int], int] = {}
    for layer in graph.layers:
        name = layer.name
        calls = calls_of.get(name, ())
        dtype = layer.config.get("dtype")
        if dtype is None or type(dtype) is str:
            policy, act_dtype = dtypes.get(dtype) or dtypes.setdefault(dtype, _dtypes_of(dtype))
        else:
            policy, act_dtype = _dtypes_of(dtype)
        act: int | None = 0
        for call in calls:
            shapes = call.output_shapes
            b: int | None
            try:
                b = act_bytes[(shapes, act_dtype)]
            except KeyError:
                b = act_bytes[(shapes, act_dtype)] = _known_out_bytes(shapes, act_dtype)
            except TypeError:  # a shape that is not a tuple
                b = _known_out_bytes(shapes, act_dtype)
            if b is None:  # outputs of unknown size: this layer's activations are unknown
                act = None
                break
            out_bytes[(name, call.index)] = b
            act += b  # type: ignore[operator]
        if not calls:  # a model stored without its graph: nothing says what flows where
            act = None
        if layer.subgraph is not None:
            inner = _count(layer.subgraph, 1)
            table.nested[name] = inner
            n = max(1, len(calls))
            unknown = bool(inner.unknown)
            table.costs[name] = Cost(
                None if unknown else inner.total_macs * n, None if unknown else inner.total_flops * n,
                act, inner.weight_bytes, inner.trainable_weight_bytes,
                None if unknown else inner._sum("bias_flops") * n)
            table.unknown.extend(f"{name}/{u}" for u in inner.unknown)
            continue
        try:
            wb, twb = weight_bytes[(policy, layer.trainable, layer.weights)]
        except KeyError:
            wb, twb = weight_bytes[(policy, layer.trainable, layer.weights)] = _weight_bytes(layer, policy)
        except TypeError:  # a weight shape that is not a tuple
            wb, twb = _weight_bytes(layer, policy)
        kind = layer.type
        fn = rules[kind] if kind in rules else rules.setdefault(kind, lookup(kind))
        macs: int | None = None
        flops: int | None = None
        bias: int | None = None
        if fn is not None and calls:
            cfg: dict[str, Any] = {**layer.config, "__class__": kind}
            for w in layer.weights:
                if w.name.endswith("kernel"):
                    if w.shape is not None:
                        cfg["__kernel_shape__"] = w.shape
                    break
            try:
                m = f = b = 0
                for call in calls:
                    ins = []
                    for ref in call.inputs:
                        src = done.get((ref.layer, ref.call))
                        src_shapes = None if src is None else src.output_shapes
                        if not src_shapes or ref.tensor >= len(src_shapes) or src_shapes[ref.tensor] is None:
                            raise Unknown("shapes")
                        ins.append(src_shapes[ref.tensor])
                    outs = list(call.output_shapes or ())
                    if not outs or _has_none(outs):
                        raise Unknown("shapes")
                    c = fn(cfg, ins, outs)
                    m += c.macs
                    f += c.flops
                    b += c.bias
                macs, flops, bias = m, 2 * m + f, b
            except (Unknown, KeyError, TypeError, ValueError, ArithmeticError, AttributeError, IndexError):
                macs = flops = bias = None
        if macs is None:
            table.unknown.append(name)
        key = (macs, flops, act, wb, twb, bias, type(macs), type(flops), type(bias))  # 2 and 2.0 stay apart
        cost = shared.get(key)
        if cost is None:
            cost = shared[key] = Cost(macs, flops, act, wb, twb, bias)
        table.costs[name] = cost
    table.peak_activation_bytes = _peak(graph, out_bytes, table, position) * batch_size
    return table


def _has_none(items: list[Any]) -> bool:
    for item in items:
        if item is None:
            return True
    return False


def _known_out_bytes(shapes: Any, dtype: str) -> int | None:
    """Bytes of a call's outputs, ``None`` when one of their sizes is unknown."""
    if not shapes:
        return None
    try:
        return _out_bytes(shapes, dtype)
    except Unknown:
        return None


def _peak(graph: LayerGraph, out_bytes: Mapping[tuple[str, int], int], table: CostTable,
          position: Mapping[tuple[str, int], int]) -> int:
    """The most bytes of activations alive at once when the calls run in data-flow order
    (``position``: each call's place in ``graph.calls``)."""
    order = _call_order(graph, position)
    last: dict[tuple[str, int], int] = {}
    for i, call in enumerate(order):
        for ref in call.inputs:
            last[(ref.layer, ref.call)] = i
    end = len(order)
    for ref in graph.outputs:
        last[(ref.layer, ref.call)] = end
    live = peak = 0
    for i, call in enumerate(order):
        key = (call.layer, call.index)
        inner = table.nested.get(call.layer)
        if inner is not None:
            peak = max(peak, live + inner.peak_activation_bytes)
        live += out_bytes.get(key, 0)
        peak = max(peak, live)
        for ref in call.inputs:
            k = (ref.layer, ref.call)
            if last.get(k) == i:
                live -= out_bytes.get(k, 0)
                last[k] = -1  # freed once, even if read twice by this call
        if key not in last:  # nobody reads it
            live -= out_bytes.get(key, 0)
    return peak


def _call_order(graph: LayerGraph, position: Mapping[tuple[str, int], int]) -> list[Call]:
    """:func:`~nnviz.dataflow.order_calls`, without its sort when the calls are stored in data-flow
    order (the usual case; then the sort, which keeps the stored order wherever it can, changes nothing)."""
    calls = graph.calls
    if len(position) == len(calls):  # no call stored twice
        layers = {layer.name for layer in graph.layers}
        if all(position.get((ref.layer, ref.call), i) < i and ref.layer in layers
               for i, c in enumerate(calls) for ref in c.inputs):
            return list(calls)
    return order_calls(graph)


# variables an optimizer keeps per trainable weight (Keras's optimizers)
OPTIMIZER_SLOTS = {"sgd": 0, "momentum": 1, "rmsprop": 1, "adagrad": 1, "lion": 1, "ftrl": 2, "adadelta": 2,
                   "adam": 2, "adamw": 2, "adamax": 2, "nadam": 2, "lamb": 2}


def optimizer_slots_of(optimizer: str) -> int:
    """The variables ``optimizer`` keeps per trainable weight (``OPTIMIZER_SLOTS``).

    Raises:
        OptionError: an optimizer nnviz does not know.

    >>> optimizer_slots_of("Adam"), optimizer_slots_of("sgd")
    (2, 0)
    """
    key = str(optimizer).lower().replace("_", "")
    if key not in OPTIMIZER_SLOTS:
        raise OptionError(f"unknown optimizer: {optimizer!r} (must be one of {sorted(OPTIMIZER_SLOTS)})",
                          hint="or give optimizer_slots, the variables it keeps per weight")
    return OPTIMIZER_SLOTS[key]


def training_memory(table: CostTable, *, optimizer: str = "adam", optimizer_slots: int | None = None
                    ) -> dict[str, int]:
    """What training needs, estimated: weights + gradients + optimizer slots + kept activations.

    ``gradients = trainable weight bytes``; ``optimizer = slots x trainable weight bytes``
    (Adam keeps 2: the first and second moments; SGD 0, momentum and RMSprop 1, see
    ``OPTIMIZER_SLOTS``); ``activations = total activation bytes x batch size`` (the
    backward pass keeps every layer's output). Workspace, the framework's own and the input
    pipeline's memory are not included.

    Raises:
        OptionError: an optimizer nnviz does not know (give ``optimizer_slots``).

    >>> import nnviz
    >>> t = layer_costs(nnviz.load({"input_shape": [13], "layers": [{"type": "Dense", "units": 10}]}), batch_size=8)
    >>> training_memory(t)
    {'weights': 560, 'gradients': 560, 'optimizer': 1120, 'activations': 736, 'total': 2976}
    """
    if optimizer_slots is None:
        optimizer_slots = optimizer_slots_of(optimizer)
    t = table.trainable_weight_bytes
    parts = {"weights": table.weight_bytes, "gradients": t, "optimizer": optimizer_slots * t,
             "activations": table.total_activation_bytes}
    parts["total"] = sum(parts.values())
    return parts
