"""SavedModel directories, read from their ``keras_metadata.pb`` (no TensorFlow).

``keras_metadata.pb`` is a ``SavedMetadata`` protobuf: ``repeated SavedObject
nodes = 1``, each with ``node_id = 2``, ``node_path = 3``, ``identifier = 4`` and
``metadata = 5`` (a JSON string). The root node's metadata holds the model's
class name and config. A few lines of varint parsing read it.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Iterator

from ..errors import ReadError
from ..graph import LayerGraph
from .keras_config import check_layer_count, check_nesting, read_model_config

__all__ = ["read_savedmodel", "parse_metadata", "varint_bytes", "MAX_METADATA_BYTES"]

MAX_METADATA_BYTES = 256 * 1024 * 1024


def _varint(buf: bytes, pos: int) -> tuple[int, int]:
    result = shift = 0
    while True:
        if pos >= len(buf) or shift > 63:
            raise ValueError("truncated varint")
        b = buf[pos]
        pos += 1
        result |= (b & 0x7F) << shift
        if not b & 0x80:
            return result, pos
        shift += 7


def varint_bytes(n: int) -> bytes:
    """The protobuf varint of ``n`` (the inverse of the reader; tests and the fuzzer write fixtures).

    >>> varint_bytes(300), _varint(varint_bytes(300), 0)
    (b'\\xac\\x02', (300, 2))
    """
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        out.append(b | (0x80 if n else 0))
        if not n:
            return bytes(out)


def _fields(buf: bytes) -> Iterator[tuple[int, int, Any]]:
    pos = 0
    while pos < len(buf):
        key, pos = _varint(buf, pos)
        number, wire = key >> 3, key & 7
        if wire == 0:
            value, pos = _varint(buf, pos)
        elif wire == 2:
            n, pos = _varint(buf, pos)
            if pos + n > len(buf):
                raise ValueError("truncated field")
            value, pos = buf[pos:pos + n], pos + n
        elif wire == 1:
            value, pos = buf[pos:pos + 8], pos + 8
        elif wire == 5:
            value, pos = buf[pos:pos + 4], pos + 4
        else:
            raise ValueError(f"unsupported wire type {wire}")
        yield number, wire, value


def parse_metadata(data: bytes) -> list[dict[str, Any]]:
    """The nodes of a ``SavedMetadata`` message as dicts (``node_path``, ``identifier``, ``metadata``)."""
    nodes = []
    for number, wire, value in _fields(data):
        if number != 1 or wire != 2:
            continue
        node: dict[str, Any] = {}
        for n, w, v in _fields(value):
            if n == 2 and w == 0:
                node["node_id"] = v
            elif n in (3, 4, 5) and w == 2:
                node[{3: "node_path", 4: "identifier", 5: "metadata"}[n]] = v.decode("utf-8")
        nodes.append(node)
    return nodes


def _unwrap(v: Any) -> Any:
    if isinstance(v, dict):
        if v.get("class_name") == "TensorShape" and "items" in v:
            return v["items"]
        if v.get("class_name") == "__tuple__" and "items" in v:
            return [_unwrap(x) for x in v["items"]]
        return {k: _unwrap(x) for k, x in v.items()}
    if isinstance(v, list):
        return [_unwrap(x) for x in v]
    return v


def read_savedmodel(path: str | Path) -> LayerGraph:
    """Read the Keras model of a SavedModel directory.

    Raises:
        ReadError: the directory has no ``keras_metadata.pb`` or it cannot be parsed.
    """
    path = Path(path)
    meta = path / "keras_metadata.pb"
    if not meta.is_file():
        if (path / "saved_model.pb").is_file():
            raise ReadError("a SavedModel without keras_metadata.pb (not saved by Keras): nnviz cannot "
                            "see its layers", path=path)
        raise ReadError("a directory, but not a SavedModel (no saved_model.pb or keras_metadata.pb)",
                        path=path)
    if meta.stat().st_size > MAX_METADATA_BYTES:
        raise ReadError(f"keras_metadata.pb is larger than {MAX_METADATA_BYTES // 2**20} MB", path=path)
    try:
        nodes = parse_metadata(meta.read_bytes())
    except (ValueError, UnicodeDecodeError) as err:
        raise ReadError(f"keras_metadata.pb cannot be parsed ({err})", path=path) from err
    root = next((n for n in nodes if n.get("node_path") == "root"), nodes[0] if nodes else None)
    if root is None or "metadata" not in root:
        raise ReadError("keras_metadata.pb holds no model", path=path)
    where = "the model metadata in keras_metadata.pb"
    try:
        md = json.loads(root["metadata"])
    except RecursionError:
        raise ReadError(f"{where} is nested too deeply", path=path) from None
    except json.JSONDecodeError as err:
        raise ReadError(f"{where} is not valid JSON", path=path) from err
    except ValueError:  # an integer past Python's int-string limit (sys.get_int_max_str_digits())
        raise ReadError(f"{where} holds an integer of thousands of digits", path=path) from None
    check_nesting(md, path=path, what=where)
    if not isinstance(md, dict) or "config" not in md:
        raise ReadError("the root object of keras_metadata.pb is not a Keras model", path=path)
    check_layer_count(md, path=path)  # before the config is walked and built
    try:
        config = {"class_name": md.get("class_name", "Functional"), "config": _unwrap(md["config"])}
    except RecursionError:
        raise ReadError(f"{where} is nested too deeply", path=path) from None
    version = md.get("keras_version") if isinstance(md.get("keras_version"), str) else "2"
    return read_model_config(config, path=path, keras_version=version)
