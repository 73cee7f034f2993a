"""``nnviz.load``: recognise a source (a path, a dict, a live model, a graph) and read it."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from ..errors import ReadError
from ..fileio import check_regular
from ..graph import LayerGraph
from .h5format import HDF5_SIGNATURE

__all__ = ["load", "MAX_JSON_BYTES", "sniff"]

MAX_JSON_BYTES = 64 * 1024 * 1024
_ZIP = b"PK\x03\x04"


def sniff(path: Path) -> str:
    """The kind of file: ``h5``, ``keras``, ``json``, ``savedmodel``, ``preset`` (by content, not by name)."""
    if path.is_dir():
        from .tree import is_preset

        return "preset" if is_preset(path) else "savedmodel"
    with open(path, "rb") as fh:
        head = fh.read(8)
    if not head:
        raise ReadError("the file is empty", path=path)
    if head.startswith(HDF5_SIGNATURE):
        return "h5"
    if head.startswith(_ZIP) or head.startswith(b"PK\x05\x06"):
        return "keras"
    if path.suffix.lower() in (".h5", ".hdf5", ".keras"):
        # HDF5 may start with a user block; the library decides
        if path.suffix.lower() != ".keras":
            return "h5"
        raise ReadError("not a .keras file (not a zip archive)", path=path)
    return "json"


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
    if input_shape is not None and not (hasattr(source, "layers") and hasattr(source, "count_params")):
        # a file or spec: its free axes (a None sequence length) fixed, and every shape inferred again
        return with_input_shape(load(source, weights_file=weights_file, build=build), input_shape)
    if build is not False and not isinstance(build, bool):
        from ..errors import OptionError

        raise OptionError(f"build must be True or False, got {build!r}")
    if build and isinstance(source, (str, os.PathLike)) and Path(source).exists():
        from .build import read_built

        check_regular(Path(source), folders=True)
        built = read_built(Path(source), sniff(Path(source)))
        if built is not None:
            return built
    if isinstance(source, LayerGraph):
        return source
    if isinstance(source, dict):
        return _from_data(source, path=None)
    if isinstance(source, (str, os.PathLike)):
        graph = _from_path(Path(source))
    else:
        from .live import is_keras_model, read_live

        if is_keras_model(source):
            return read_live(source, input_shape=input_shape)
        raise ReadError(f"nnviz cannot read a {type(source).__name__}: give a path, a dict, "
                        "a keras.Model or a LayerGraph")
    if weights_file is not None:
        from .weights import attach_weights

        if Path(weights_file).exists():
            check_regular(weights_file)
        graph = attach_weights(graph, Path(weights_file))
    return graph


def with_input_shape(graph: LayerGraph, input_shape: Any) -> LayerGraph:
    """``graph`` inferred again with its inputs' shapes (no batch axis, ``None`` allowed) fixed.

    ``input_shape`` is one shape for a model of one input, or ``{input name: shape}``.

    >>> g = load({"input_shape": [None, 3], "layers": [{"type": "LSTM", "units": 2, "return_sequences": True}]})
    >>> with_input_shape(g, (128, 3)).layers[-1].output_shape
    (None, 128, 2)
    """
    from collections.abc import Mapping

    from ..errors import OptionError
    from ..layers.infer import infer_graph

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


def _from_data(data: Any, *, path: object) -> LayerGraph:
    from .keras_config import read_model_config
    from .spec import is_spec, read_spec

    if is_spec(data):
        return read_spec(data, path=path)
    if isinstance(data, (dict, list)):
        return read_model_config(data, path=path)
    raise ReadError("JSON that is neither an nnviz spec nor a Keras model config", path=path)


def _from_path(path: Path) -> LayerGraph:
    if not path.exists():
        raise ReadError("no such file or directory", path=path)
    check_regular(path, folders=True)  # /dev/zero would be read until memory runs out, a FIFO hang
    try:
        kind = sniff(path)
    except PermissionError as err:
        raise ReadError("permission denied", path=path) from err
    except IsADirectoryError as err:  # pragma: no cover
        raise ReadError("is a directory", path=path) from err
    if kind == "h5":
        from .h5 import read_h5

        return read_h5(path)
    if kind == "keras":
        from .keras_zip import read_keras_zip

        return read_keras_zip(path)
    if kind == "preset":
        from .tree import read_preset

        return read_preset(path)
    if kind == "savedmodel":
        from .savedmodel import read_savedmodel

        return read_savedmodel(path)
    from .keras_config import config_from_json_text

    size = path.stat().st_size
    if size > MAX_JSON_BYTES:
        raise ReadError(f"the file is {size:,} bytes, more than nnviz reads as JSON "
                        f"({MAX_JSON_BYTES:,})", path=path)
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ReadError("not a model file nnviz knows (not UTF-8 text, HDF5 or zip)", path=path) from None
    if not text.strip():
        raise ReadError("the file is empty", path=path)
    data = config_from_json_text(text, path=path)
    from .tree import hyperparameters_of, is_graphless_config, json_index, read_sharded

    if json_index(data):
        return read_sharded(path, data)
    if is_graphless_config(data) and path.name == "config.json" and (path.parent / "metadata.json").is_file():
        from .tree import read_preset

        return read_preset(path.parent)
    if is_graphless_config(data):
        raise ReadError(f"a {data['class_name']} config holds its hyperparameters, not layers: nnviz draws such "
                        "a model live, from its .keras file, its preset folder or its weights file", path=path,
                        hint="hyperparameters: " + ", ".join(f"{k}={v}" for k, v in
                                                             list(hyperparameters_of(data).items())[:8]))
    return _from_data(data, path=path)
