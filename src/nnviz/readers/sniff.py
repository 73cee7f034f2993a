"""Recognise a source (a path, a dict, a live model, a graph) and read it, as it states the model
(:func:`nnviz.load` then infers shapes and counts: :mod:`nnviz.loading`)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from ..errors import ReadError
from ..fileio import check_regular
from ..graph import LayerGraph
from .h5format import HDF5_SIGNATURE

__all__ = ["read_source", "MAX_JSON_BYTES", "sniff"]

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


def read_source(source: Any, *, input_shape: Any = None) -> LayerGraph:
    """Read any source nnviz understands into a layer graph as the source states it.

    A file's or a dict's graph comes back uninferred (``graph.inferred`` false): types, configs and
    wiring; :func:`nnviz.load` runs the inference stage next. A live Keras 3 model's graph holds
    Keras's own shapes and counts; a layer tree (a file that stores no graph) needs no inference.

    Args:
        source: what :func:`nnviz.load` takes.
        input_shape: for a live subclassed model never built or called (see :func:`nnviz.load`).

    Raises:
        ReadError: the source is missing, corrupt, hostile or not a model.
    """
    if isinstance(source, LayerGraph):
        return source
    if isinstance(source, dict):
        return _from_data(source, path=None)
    if isinstance(source, (str, os.PathLike)):
        return _from_path(Path(source))
    from .live import is_keras_model, read_live

    if is_keras_model(source):
        return read_live(source, input_shape=input_shape)
    raise ReadError(f"nnviz cannot read a {type(source).__name__}: give a path, a dict, "
                    "a keras.Model or a LayerGraph")


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
