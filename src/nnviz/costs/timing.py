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

import os
import statistics
import time
from pathlib import Path
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
    from ..loading import load
    from ..training._deps import require

    if not _is_live(source) and not build:
        raise OptionError("profiling runs the model, and a file or spec is not one",
                          hint="build it with Keras from its config: build=True (nnviz profile --build)")
    if isinstance(source, (str, os.PathLike)) and Path(source).exists():
        built = _profile_graphless(Path(source), repeats=repeats, warmup=warmup, batch_size=batch_size,
                                   input_shape=input_shape, seed=seed)
        if built is not None:
            return built
    keras = require("keras", purpose="profiling")
    graph = load(source, input_shape=input_shape)
    if _is_live(source) and hasattr(source, "_run_through_graph"):
        # a Keras 3 Functional model, KerasHub backbones included: run once at fixed sizes, then each
        # layer and operation (``keras.ops`` calls, keyword arguments such as masks) timed on what it got
        shapes = {x.name: _fixed_shape(x, input_shape, len(source.inputs)) for x in source.inputs}
        if all(None not in shape for shape in shapes.values()):
            options = {"repeats": repeats, "warmup": warmup, "batch_size": batch_size, "seed": seed}
            return _time_run(keras, source, graph, shapes, options, path=graph.source)
    if _is_live(source) and input_shape is None:
        model = source
    else:
        from ..training.build import build_model

        model = build_model(graph)
    import numpy as np

    rng = np.random.default_rng(seed)

    def call_of(layer: Any) -> Callable[[], Any]:
        calls = graph.calls_of(layer.name)
        shapes = [_shape_of(graph, ref) for ref in calls[0].inputs]
        inputs = [_random(keras, rng, graph, ref, shape, batch_size) for ref, shape in zip(calls[0].inputs, shapes)]
        op = next((op for op in getattr(model, "operations", ()) if op.name == layer.name), None)
        if layer.type in _OP_LAYERS or (op is not None and not isinstance(op, keras.layers.Layer)):
            raise _Skip("a Keras operation, timed only when the model runs at fixed sizes "
                        "(give input_shape / --input-shape)")
        obj = model.get_layer(layer.name)
        from ..training.build import call_layer

        return lambda: call_layer(obj, layer.type, inputs)

    return _time_model(keras, graph, call_of, repeats=repeats, warmup=warmup, batch_size=batch_size,
                       path=graph.source)


def _time_model(keras: Any, graph: LayerGraph, call_of: Callable[[Any], Callable[[], Any]], *, repeats: int,
                warmup: int, batch_size: int, path: object) -> dict[str, Any]:
    """Each layer of ``graph`` timed: ``call_of(layer)`` gives a function that calls it once on its
    inputs, or raises ``_Skip`` saying why it cannot."""
    sync = _synchronizer(keras)
    times: dict[str, float] = {}
    skipped: dict[str, str] = {}
    device = None
    for layer in graph.layers:
        if layer.is_input:
            continue
        if not graph.calls_of(layer.name):
            skipped[layer.name] = "the model never calls it"
            continue
        try:
            seconds, where = _time_layer(keras, call_of(layer), repeats, warmup, sync)
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
        raise NnvizError(f"no layer could be timed; {name}: {why}", path=path)
    costs = layer_costs(graph)
    return {"device": f"{keras.backend.backend()} {device or 'unknown device'}",
            "backend": keras.backend.backend(), "batch_size": batch_size, "repeats": repeats, "unit": "seconds",
            "layers": times, "skipped": skipped,
            "costs": {name: costs[name].to_dict() for name in costs}}


def _profile_graphless(path: Path, **options: Any) -> dict[str, Any] | None:
    """A file that stores no graph (a KerasHub or subclassed ``.keras``, a preset folder), timed as
    ``--build`` draws it: its config screened here, then built and timed in a fresh, bounded child
    (:func:`nnviz.readers.build.run_built`), from which only the times come back. ``None``: the file
    stores its graph."""
    from ..fileio import check_regular
    from ..readers.build import graphless_config, run_built
    from ..readers.sniff import sniff

    check_regular(path, folders=True)
    found = graphless_config(path, sniff(path))
    if found is None:
        return None
    return run_built("nnviz.costs.timing:_profile_in_child", found[0], path=path, doing="profiling it",
                     options=options)


def _profile_in_child(payload: dict[str, Any]) -> dict[str, Any]:
    """In the fresh child: build the screened config with values (random: the file's weights are
    not read), run it once on random inputs of the given sizes recording what each of its top-level
    layers and operations is called with, then time each on those arguments."""
    from ..loading import load
    from ..readers.build import build_model, import_keras

    options, path = payload["options"], payload["path"]
    keras = import_keras(payload)
    model = build_model(payload)
    graph = load(model)  # read and infer, as nnviz.load reads a live model
    given = options["input_shape"]
    shapes = {x.name: _fixed_shape(x, given, len(model.inputs)) for x in model.inputs}
    free = [name for name, shape in shapes.items() if None in shape]
    if free:
        raise OptionError(f"the size of {', '.join(map(repr, free))} is not fixed: profiling runs the model at "
                          "given sizes", path=path,
                          hint=" ".join(f"--input-shape {name}=" + ",".join("128" if d is None else str(d)
                                                                            for d in shapes[name]) for name in free)
                          + " (input_shape= in Python)")
    return _time_run(keras, model, graph, shapes, options, path=path)


def _time_run(keras: Any, model: Any, graph: LayerGraph, shapes: dict[str, tuple], options: dict[str, Any], *,
              path: object) -> dict[str, Any]:
    """A Keras 3 Functional ``model`` run once on random inputs of ``shapes`` (each without the batch
    axis), recording what each of its top-level layers and operations is called with, then each timed
    on those arguments."""
    import numpy as np

    rng = np.random.default_rng(options["seed"])
    inputs = [_random_input(keras, rng, (options["batch_size"], *shapes[x.name]), str(x.dtype)) for x in model.inputs]
    recorded: dict[str, tuple[Any, tuple, dict]] = {}

    def recording(op: Any) -> Callable[..., Any]:
        def call(*args: Any, **kwargs: Any) -> Any:
            recorded.setdefault(op.name, (op, args, kwargs))
            return op(*args, **kwargs)
        return call

    try:
        model._run_through_graph(inputs, operation_fn=recording)  # Keras 3's Functional runner (private)
    except Exception as err:  # noqa: BLE001 - Keras's own errors on the inputs
        raise NnvizError(f"Keras could not run the built model on random inputs ({type(err).__name__}: "
                         f"{str(err).strip().splitlines()[0][:200] if str(err).strip() else ''})", path=path) from None

    def call_of(layer: Any) -> Callable[[], Any]:
        if layer.name not in recorded:
            raise _Skip("the model did not call it")
        op, args, kwargs = recorded[layer.name]
        return lambda: op(*args, **kwargs)

    return _time_model(keras, graph, call_of, repeats=options["repeats"], warmup=options["warmup"],
                       batch_size=options["batch_size"], path=path)


def _fixed_shape(x: Any, input_shape: Any, count: int) -> tuple[int | None, ...]:
    """The model input ``x``'s shape without the batch axis, its free axes fixed by ``input_shape``."""
    dims = tuple(x.shape[1:])
    given = input_shape.get(x.name) if isinstance(input_shape, dict) else input_shape if count == 1 else None
    if given is None:
        return dims
    if len(given) != len(dims):
        raise OptionError(f"input_shape of {x.name!r} has {len(given)} axes; the input has {len(dims)} "
                          "(without the batch axis)")
    return tuple(d if d is not None else g for d, g in zip(dims, given))


def _random_input(keras: Any, rng: Any, shape: tuple, dtype: str) -> Any:
    """Random values: integers 0 or 1 (valid indices, a mask that keeps some), else normal floats."""
    if "int" in dtype or dtype == "bool":
        return keras.ops.convert_to_tensor(rng.integers(0, 2, size=shape).astype(dtype))
    return keras.ops.convert_to_tensor(rng.standard_normal(shape).astype("float32"), dtype=dtype)


# tf.keras's wrappers of TensorFlow functions in a Functional graph: their other arguments are not inputs
_OP_LAYERS = frozenset({"TFOpLambda", "SlicingOpLambda"})


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
    if dtype == "string":
        raise _Skip("it takes strings")
    return _random_input(keras, rng, (batch, *[int(d) for d in shape[1:]]), dtype)


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


def _time_layer(keras: Any, call: Callable[[], Any], repeats: int, warmup: int,
                sync: Callable[[Any], None]) -> tuple[float, str]:
    out = None
    for _ in range(max(1, warmup)):
        out = call()
        sync(out)
    samples = []
    for _ in range(repeats):
        start = time.perf_counter()
        out = call()
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

