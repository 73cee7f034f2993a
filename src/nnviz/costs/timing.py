"""Measured time per layer: ``nnviz.profile`` and ``nnviz profile``.

Each layer of a live Keras model (or of a file built with Keras, ``build=True``) runs on
random inputs of the shapes nnviz inferred for its first call, on the current Keras backend:
a few warm-up calls, then ``repeats`` timed calls, each waiting until the device is done;
the median is the layer's time. A nested model runs as one layer (its whole time). The
result is plain JSON data::

    {"device": "tensorflow CPU:0", "backend": "tensorflow", "batch_size": 1, "repeats": 20,
     "unit": "seconds", "layers": {name: seconds}, "skipped": {name: why},
     "costs": {name: {"macs": ..., "flops": ..., "activation_bytes": ..., "weight_bytes": ...}}}

which drawings take as ``color_by="times.json"`` (the ``layers`` object). Only this module
imports Keras, and only when it is called: drawing the JSON it wrote needs no TensorFlow.
"""

from __future__ import annotations

import statistics
import time
from typing import Any, Callable

from ..errors import NnvizError, OptionError
from ..graph import LayerGraph, Shape
from .engine import compute_dtype, layer_costs

__all__ = ["profile"]

_MAX_REPEATS = 10_000


def _positive(name: str, value: Any, least: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not least <= value <= _MAX_REPEATS:
        raise OptionError(f"{name} must be an integer from {least} to {_MAX_REPEATS}, got {value!r}")
    return value


def _is_live(source: Any) -> bool:
    return hasattr(source, "layers") and hasattr(source, "count_params")


def profile(source: Any, *, build: bool = False, repeats: int = 20, warmup: int = 2, batch_size: int = 1,
            input_shape: Any = None, seed: int = 0) -> dict[str, Any]:
    """Time every layer of a model on the current Keras backend (median of ``repeats`` runs).

    Args:
        source: a live ``keras.Model``, or (with ``build=True``) anything :func:`nnviz.load` reads.
        build: build a file or spec with Keras from its config first (nnviz runs no code from
            a file: a ``Lambda`` or custom layer stops the build).
        repeats: timed calls per layer.
        warmup: untimed calls first (the first call builds and compiles).
        batch_size: samples per call; the times are for the whole batch.
        input_shape: fixes the input's free axes (see :func:`nnviz.load`); a layer whose
            input size stays unknown is skipped.
        seed: seed of the random inputs.

    Returns:
        ``{"device", "backend", "batch_size", "repeats", "unit", "layers", "skipped", "costs"}``
        (see :mod:`nnviz.costs.timing`).

    Raises:
        OptionError: a file or spec without ``build=True``; a bad count.
        MissingDependencyError: Keras is not installed.
    """
    repeats = _positive("repeats", repeats, 1)
    warmup = _positive("warmup", warmup, 0)
    batch_size = _positive("batch_size", batch_size, 1)
    from ..readers.sniff import load
    from ..training._deps import require

    if not _is_live(source) and not build:
        raise OptionError("profiling runs the model, and a file or spec is not one",
                          hint="build it with Keras from its config: build=True (nnviz profile --build)")
    keras = require("keras", purpose="profiling")
    graph = load(source, input_shape=input_shape)
    if _is_live(source) and input_shape is None:
        model = source
    else:
        from ..training.build import build_model

        model = build_model(graph)
    import numpy as np

    rng = np.random.default_rng(seed)
    sync = _synchronizer(keras)
    times: dict[str, float] = {}
    skipped: dict[str, str] = {}
    device = None
    for layer in graph.layers:
        calls = graph.calls_of(layer.name)
        if layer.is_input or not calls:
            continue
        try:
            shapes = [_shape_of(graph, ref) for ref in calls[0].inputs]
            inputs = [_random(keras, rng, graph, ref, shape, batch_size) for ref, shape in zip(calls[0].inputs, shapes)]
            seconds, where = _time_layer(keras, model.get_layer(layer.name), layer.type, inputs, repeats, warmup,
                                         sync)
        except _Skip as why:
            skipped[layer.name] = str(why)
            continue
        except Exception as err:  # noqa: BLE001 - whatever Keras raises, the layer is reported, not the run
            skipped[layer.name] = f"Keras could not run it ({type(err).__name__}: {str(err).splitlines()[0][:200]})"
            continue
        times[layer.name] = seconds
        device = device or where
    if not times and skipped:
        name, why = next(iter(skipped.items()))
        raise NnvizError(f"no layer could be timed; {name}: {why}", path=graph.source)
    costs = layer_costs(graph)
    return {"device": f"{keras.backend.backend()} {device or 'unknown device'}",
            "backend": keras.backend.backend(), "batch_size": batch_size, "repeats": repeats, "unit": "seconds",
            "layers": times, "skipped": skipped,
            "costs": {name: costs[name].to_dict() for name in costs}}


class _Skip(Exception):
    """A layer that cannot be timed, and why."""


def _shape_of(graph: LayerGraph, ref: Any) -> Shape:
    for call in graph.calls_of(ref.layer):
        if call.index == ref.call and call.output_shapes and ref.tensor < len(call.output_shapes):
            shape = call.output_shapes[ref.tensor]
            if shape is not None and all(d is not None for d in shape[1:]):
                return shape
    raise _Skip("an input size is unknown (fix it with input_shape / --input-shape)")


def _random(keras: Any, rng: Any, graph: LayerGraph, ref: Any, shape: Shape, batch: int) -> Any:
    """Random values of the producing layer's dtype: integers 0 or 1 (valid indices), else normal floats."""
    producer = graph.layer(ref.layer)
    dtype = producer.config.get("dtype")
    dtype = dtype if producer.is_input and isinstance(dtype, str) else compute_dtype(dtype)
    full = (batch, *[int(d) for d in shape[1:]])
    if "int" in dtype or dtype == "bool":
        return keras.ops.convert_to_tensor(rng.integers(0, 2, size=full).astype(dtype))
    if dtype == "string":
        raise _Skip("it takes strings")
    return keras.ops.convert_to_tensor(rng.standard_normal(full).astype("float32"), dtype=dtype)


def _synchronizer(keras: Any) -> Callable[[Any], None]:
    """A function that waits until the device has computed a layer's outputs."""
    backend = keras.backend.backend()
    if backend == "jax":
        import jax

        return jax.block_until_ready
    if backend == "torch":
        import torch

        return lambda out: torch.cuda.synchronize() if torch.cuda.is_available() else None
    if backend == "tensorflow":
        import tensorflow as tf

        sync = getattr(getattr(tf.test, "experimental", None), "sync_devices", None)
        if sync is not None:
            return lambda out: sync()
    return lambda out: [keras.ops.convert_to_numpy(t) for t in keras.tree.flatten(out)]


def _time_layer(keras: Any, obj: Any, type_name: str, inputs: list, repeats: int, warmup: int,
                sync: Callable[[Any], None]) -> tuple[float, str]:
    from ..training.build import call_layer

    out = None
    for _ in range(max(1, warmup)):
        out = call_layer(obj, type_name, inputs)
        sync(out)
    samples = []
    for _ in range(repeats):
        start = time.perf_counter()
        out = call_layer(obj, type_name, inputs)
        sync(out)
        samples.append(time.perf_counter() - start)
    return statistics.median(samples), _device_of(keras, out)


def _device_of(keras: Any, out: Any) -> str:
    """Where a layer's output lives: ``CPU:0``, ``GPU:0``, ``cuda:0``."""
    for t in keras.tree.flatten(out):
        dev = getattr(t, "device", None)
        if callable(dev):  # jax arrays: .device() in old versions
            try:
                dev = dev()
            except TypeError:
                dev = None
        if dev is None and hasattr(t, "devices"):
            dev = next(iter(t.devices()), None)
        if dev is not None:
            text = str(dev)
            return text.rsplit("device:", 1)[-1] if "device:" in text else text
    return "unknown device"

