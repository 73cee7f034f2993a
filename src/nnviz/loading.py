"""``nnviz.load``: the read and infer stages of the pipeline.

read (:func:`nnviz.readers.sniff.read_source`: the graph as the source states it) → infer
(:func:`infer`: shapes and parameter counts, :mod:`nnviz.layers`) → for a live model read from
its config, the live layers' own numbers laid over it → weights from a separate file. The readers
never run inference themselves; this module, above both, puts them in order.
"""

from __future__ import annotations

import gc
import os
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator

from .errors import OptionError, ReadError
from .fileio import check_regular
from .graph import LayerGraph
from .layers.infer import infer_graph
from .readers.sniff import read_source

__all__ = ["load", "infer", "with_input_shape", "nested_weights", "gc_paused"]


def load(source: Any, *, weights_file: str | os.PathLike | None = None, input_shape: Any = None,
         build: bool = False) -> LayerGraph:
    """Read any source nnviz understands into a layer graph with shapes and parameter counts.

    Args:
        source: a path (``.h5``/``.hdf5``/``.keras``/``.json``/SavedModel directory), an nnviz
            spec or Keras config as a dict, a live ``keras.Model``, or a :class:`LayerGraph`.
        weights_file: for a JSON architecture, an ``.h5``/``.weights.h5`` file with its weights.
        input_shape: for a live subclassed model never built or called: its input shape without the
            batch axis (``(20,)``, ``(None, 64)``), or a dict ``{input name: shape}``. It is traced as a
            copy, so the model you pass stays unbuilt.
        build: for a file that stores no graph (a subclassed or KerasHub model's ``.keras``, a preset
            folder, even one without weights): build the model from its config with Keras and
            KerasHub, in a child process, after screening the config (classes of ``keras`` and
            ``keras_hub`` only), and walk it as a live model. Opt-in: it imports the classes the
            config names (:mod:`nnviz.readers.build`). The built model has no weights.

    Returns:
        The layer graph.

    Raises:
        ReadError: the source is missing, corrupt, hostile or not a model.

    >>> load({"input_shape": [3], "layers": [{"type": "Dense", "units": 1}]}).total_params
    4
    """
    live = hasattr(source, "layers") and hasattr(source, "count_params")
    if build is not False and not isinstance(build, bool):
        raise OptionError(f"build must be True or False, got {build!r}")
    is_path = isinstance(source, (str, os.PathLike))
    graph = None
    if build and is_path and Path(source).exists():  # read: built by Keras in a child, Keras's numbers
        from .readers.build import read_built
        from .readers.sniff import sniff

        check_regular(Path(source), folders=True)
        # with input_shape, Keras computes every shape at those sizes: nnviz infers nothing again
        graph = read_built(Path(source), sniff(Path(source)), input_shape=input_shape)
    built = graph is not None
    if input_shape is not None and not live and not built:
        # a file or spec: its free axes (a None sequence length) fixed, and every shape inferred again
        return with_input_shape(load(source, weights_file=weights_file), input_shape)
    if graph is None:
        with gc_paused(not live):  # (a live model's tracing is Keras's business)
            graph = read_source(source, input_shape=input_shape)  # read: the graph as the source states it
    # infer (a live Keras 3 model holds Keras's numbers, a layer tree needs none: both come inferred)
    if not graph.inferred:
        with gc_paused():
            graph = infer(graph)
        if live and not isinstance(source, LayerGraph):  # a live model read from its config
            from .readers.live import overlay_live

            return overlay_live(graph, source)
    if weights_file is not None and is_path and not built:  # weights from a separate file
        from .readers.weights import attach_weights

        if Path(weights_file).exists():
            check_regular(weights_file)
        graph = attach_weights(graph, Path(weights_file))
    return nested_weights(graph)


class _PathLoader:
    """A nested model's weights loader: its layers read through the outer model's loader by their
    path (``model/layer``), as the file stores them; ``map`` runs where the outer loader reads."""

    def __init__(self, outer: Any, prefix: str) -> None:
        self._outer = outer
        self._prefix = prefix

    def __call__(self, name: str) -> list:
        return list(self._outer(self._prefix + name))

    def map(self, fns: Any) -> dict[str, Any]:
        full = {self._prefix + name: fn for name, fn in fns.items()}
        mapper = getattr(self._outer, "map", None)
        got = mapper(full) if callable(mapper) else {k: fn(list(self._outer(k))) for k, fn in full.items()}
        return {name: got[self._prefix + name] for name in fns}


def nested_weights(graph: LayerGraph, loader: Any = None, prefix: str = "") -> LayerGraph:
    """``graph`` whose nested models (at any depth) load their layers' weights through the outer
    graph's loader, by path, where they have no loader of their own (a file's nested models: what
    the node style draws with ``weights=True``). A graph without weights comes back as it is.

    >>> inner = LayerGraph("inner", [], [], [], [])
    >>> from nnviz.graph import Layer
    >>> g = LayerGraph("m", [Layer("inner", "Sequential", subgraph=inner)], [], [], [],
    ...                weights_loader=lambda name: [("w", name)])
    >>> nested_weights(g).layer("inner").subgraph.weights("d1")
    [('w', 'inner/d1')]
    """
    loader = graph.weights_loader if loader is None else loader
    if loader is None or not any(layer.subgraph is not None for layer in graph.layers):
        return graph
    layers = []
    for layer in graph.layers:
        sub = layer.subgraph
        if sub is not None:
            path = f"{prefix}{layer.name}/"
            own = sub.weights_loader  # a live model's nested model reads its own layers
            if own is None:
                sub = nested_weights(sub.replace(weights_loader=_PathLoader(loader, path)), loader, path)
            else:
                sub = nested_weights(sub, own, "")
            layer = layer.replace(subgraph=sub)
        layers.append(layer)
    return graph.replace(layers=layers)


@contextmanager
def gc_paused(pause: bool = True) -> Iterator[None]:
    """Python's cyclic garbage collector paused for the read and infer stages of a file.

    Reading and inferring a 50,000-layer config allocates millions of small objects (the parsed
    JSON, layers, calls, shapes) that form no reference cycles, and every automatic collection
    walks all the objects allocated so far: about 40 % of those stages' CPU time, and growing
    faster than the model. Reference counting still frees everything at once; the few cycles made
    meanwhile (an exception's traceback) wait for the next collection after the stage. Nested
    pauses are fine: only the outermost one turns the collector back on.

    >>> with gc_paused():
    ...     gc.isenabled()
    False
    """
    if not pause or not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def infer(graph: LayerGraph) -> LayerGraph:
    """The inference stage: ``graph`` with every layer's shapes and parameter counts (a graph already
    inferred comes back as it is); errors name the graph's source.

    >>> from nnviz.readers.spec import read_spec
    >>> g = read_spec({"input_shape": [3], "layers": [{"type": "Dense", "units": 2}]})
    >>> g.inferred, infer(g).inferred, infer(g).total_params
    (False, True, 8)
    """
    if graph.inferred:
        return graph
    try:
        return infer_graph(graph)
    except RecursionError:
        raise ReadError("the model is nested too deeply", path=graph.source) from None
    except ReadError as err:
        raise err.with_context(path=graph.source)


def with_input_shape(graph: LayerGraph, input_shape: Any) -> LayerGraph:
    """``graph`` inferred again with its inputs' shapes (no batch axis, ``None`` allowed) fixed.

    ``input_shape`` is one shape for a model of one input, or ``{input name: shape}``.

    >>> g = load({"input_shape": [None, 3], "layers": [{"type": "LSTM", "units": 2, "return_sequences": True}]})
    >>> with_input_shape(g, (128, 3)).layers[-1].output_shape
    (None, 128, 2)
    """
    from collections.abc import Mapping

    names = graph.input_names
    if isinstance(input_shape, Mapping):
        shapes = dict(input_shape)
        unknown = sorted(str(k) for k in shapes if k not in names)
        if unknown:
            raise OptionError(f"input_shape names {unknown}, not inputs of the model (its inputs: {names})")
    elif len(names) == 1:
        shapes = {names[0]: input_shape}
    else:
        raise OptionError(f"the model has {len(names)} inputs: give input_shape as {{input name: shape}} "
                          f"(its inputs: {names})")
    feed: list = []
    for ref in graph.inputs:
        value = shapes.get(ref.layer)
        if value is None:
            feed.append(None)
            continue
        if isinstance(value, (str, bytes)) or not hasattr(value, "__iter__"):
            raise OptionError(f"input_shape of {ref.layer!r} must be a list of sizes, got {value!r}")
        shape = []
        for d in value:
            if d is not None and (isinstance(d, bool) or not isinstance(d, int) or d < 1):
                raise OptionError(f"input_shape of {ref.layer!r}: {d!r} is not a positive size or None")
            shape.append(d)
        old = graph.layer(ref.layer).output_shape
        if isinstance(old, tuple) and old and not isinstance(old[0], tuple) and len(old) != len(shape) + 1:
            raise OptionError(f"input_shape of {ref.layer!r} has {len(shape)} axes; the input has "
                              f"{len(old) - 1} (without the batch axis)")
        feed.append((None, *shape))
    return infer_graph(graph, input_shapes=feed)
