"""Keras 3 ``.keras`` zips (and those of tf.keras 2.13-2.15).

Members: ``config.json`` (the model config), ``metadata.json`` (version),
``model.weights.h5`` (weights, read lazily and only when needed).
"""

from __future__ import annotations

import io
import json
import struct
import zipfile
import zlib
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Callable, Iterator

from ..errors import NnvizError, ReadError
from ..graph import LayerGraph, Weight
from ..layers.names import snake_case
from .h5 import StoredArray
from .h5format import H5_ERRORS
from .h5safe import open_h5
from .isolate import IsolatedLoader, run_isolated
from .keras_config import build_graph, config_from_json_text, read_model_config

__all__ = ["read_keras_zip", "read_zip_config", "MAX_CONFIG_BYTES", "MAX_WEIGHTS_BYTES"]

MAX_CONFIG_BYTES = 64 * 1024 * 1024    # config.json, uncompressed
MAX_WEIGHTS_BYTES = 4 * 1024 ** 3      # model.weights.h5, uncompressed
MAX_RATIO = 200                        # a member that inflates more than this is a zip bomb

# what a damaged zip can raise from zipfile: bad CRC, bad deflate stream, a compression method
# or encryption it does not support, headers that do not parse
_ZIP_ERRORS = (zipfile.BadZipFile, zlib.error, EOFError, OSError, NotImplementedError, RuntimeError, ValueError,
               OverflowError, struct.error)
# ... and from h5py, reading the weights member
_WEIGHTS_ERRORS = (*H5_ERRORS, *_ZIP_ERRORS)


def _read_limited(zf: zipfile.ZipFile, member: str, limit: int, path: Path) -> bytes:
    info = zf.getinfo(member)
    if info.file_size > limit:
        raise ReadError(f"{member} would inflate to {info.file_size:,} bytes (limit {limit:,})", path=path)
    if info.compress_size and info.file_size / max(info.compress_size, 1) > MAX_RATIO and info.file_size > 2**20:
        raise ReadError(f"{member} is compressed {info.file_size // info.compress_size}:1 (a zip bomb?)",
                        path=path)
    with zf.open(member) as fh:
        data = fh.read(limit + 1)  # the header may lie: never read more than the limit
    if len(data) > limit:
        raise ReadError(f"{member} inflates past {limit:,} bytes", path=path)
    return data


NAMES_MEMBER = "nnviz.json"  # feature and class names nnviz train stores beside the model; Keras ignores it
MAX_NAMES = 100_000
MAX_NAME_CHARS = 200


def parse_neuron_names(data: bytes) -> tuple[dict[str, tuple[str, ...]], list[str]]:
    """The ``feature_names`` and ``output_names`` of an ``nnviz.json`` member, and warnings.

    Only lists of short strings are kept; anything else is left out with a warning, since the
    names only label a drawing. A ``$`` would be read as mathematics by the renderer: such a list
    is left out too.

    >>> parse_neuron_names(b'{"feature_names": ["a", "b"], "output_names": "x"}')
    ({'feature_names': ('a', 'b')}, ['nnviz.json: output_names left out (not a list of short names)'])
    """
    try:
        doc = json.loads(data.decode("utf-8"))
    except (ValueError, RecursionError):
        return {}, [f"{NAMES_MEMBER}: not JSON, left out"]
    if not isinstance(doc, dict):
        return {}, [f"{NAMES_MEMBER}: not a JSON object, left out"]
    names: dict[str, tuple[str, ...]] = {}
    notes = []
    for key in ("feature_names", "output_names"):
        value = doc.get(key)
        if value is None:
            continue
        if (isinstance(value, list) and 0 < len(value) <= MAX_NAMES
                and all(isinstance(v, str) and 0 < len(v) <= MAX_NAME_CHARS and "$" not in v for v in value)):
            names[key] = tuple(value)
        else:
            notes.append(f"{NAMES_MEMBER}: {key} left out (not a list of short names)")
    return names, notes


def _open_zip(path: Path) -> tuple[zipfile.ZipFile, dict[str, str]]:
    """The open zip and its members by ``/``-separated name."""
    try:
        zf = zipfile.ZipFile(path)
    except _ZIP_ERRORS as err:
        raise ReadError("not a readable zip file (truncated or corrupt?)", path=path) from err
    return zf, {i.filename.replace("\\", "/"): i.filename for i in zf.infolist()}


def _config_and_metadata(zf: zipfile.ZipFile, names: dict[str, str], path: Path) -> tuple[Any, dict[str, Any]]:
    """``config.json`` (which must be there) and ``metadata.json`` (``{}`` when missing or not JSON)."""
    try:
        text = _read_limited(zf, names["config.json"], MAX_CONFIG_BYTES, path)
        meta: Any = {}
        if "metadata.json" in names:
            try:
                meta = json.loads(_read_limited(zf, names["metadata.json"], 1 << 20, path))
            except (ValueError, RecursionError):  # only the version comes from it
                meta = {}
    except _ZIP_ERRORS as err:
        raise ReadError(f"a member of the zip is corrupt ({err})", path=path) from err
    try:
        config = config_from_json_text(text.decode("utf-8"), path=path)
    except UnicodeDecodeError as err:
        raise ReadError("config.json is not UTF-8 text", path=path) from err
    return config, meta if isinstance(meta, dict) else {}


def read_zip_config(path: Path) -> tuple[Any, dict[str, Any]]:
    """A ``.keras`` zip's ``config.json`` (``None`` when it has none) and ``metadata.json``, read with the
    limits of :func:`read_keras_zip` (for ``--build``).

    Raises:
        ReadError: not a readable zip, or a corrupt member.
    """
    zf, names = _open_zip(path)
    with zf:
        return _config_and_metadata(zf, names, path) if "config.json" in names else (None, {})


def read_keras_zip(path: str | Path) -> LayerGraph:
    """Read a ``.keras`` zip without TensorFlow.

    Raises:
        ReadError: not a zip, not a Keras zip, a weights-only zip, or corrupt members.
    """
    path = Path(path)
    zf, names = _open_zip(path)
    with zf:
        if "config.json" not in names:
            if "model.weights.h5" in names:
                return _tree(path, names["model.weights.h5"], None, {})
            raise ReadError("a zip file, but not a Keras model (no config.json)", path=path)
        config, meta = _config_and_metadata(zf, names, path)
        version = meta.get("keras_version") if isinstance(meta, dict) else None
        version = version if isinstance(version, str) else "3"
        weights_member = names.get("model.weights.h5")
        try:
            neuron_names = (parse_neuron_names(_read_limited(zf, names[NAMES_MEMBER], 1 << 22, path))
                            if NAMES_MEMBER in names else ({}, []))
        except _ZIP_ERRORS:  # the names only label a drawing: a damaged member is left out
            neuron_names = ({}, [f"{NAMES_MEMBER}: unreadable, left out"])
    from .tree import is_graphless_config

    if is_graphless_config(config):
        if weights_member is None:
            raise ReadError(f"a {config['class_name']} model without model.weights.h5: its config holds "
                            "hyperparameters, not layers, and there are no stored weights to read", path=path,
                            hint="nnviz draw --build builds it from its config (with Keras and KerasHub)")
        return _tree(path, weights_member, config, meta if isinstance(meta, dict) else {})
    stored = None
    if weights_member is not None and _needs_stored(config):
        # in a child process: a damaged weights file can make the HDF5 library hang or crash
        stored = run_isolated(_stored_from_zip, path, weights_member, config, path=path)
    loader = _loader(path, weights_member, config) if weights_member is not None else None
    graph = read_model_config(config, path=path, keras_version=version, stored=stored, weights_loader=loader)
    names, notes = neuron_names
    return graph.replace(neuron_names=names, warnings=(*graph.warnings, *notes))


def _needs_stored(config: Any) -> bool:
    """Whether some layer's parameters can only come from its stored weights."""
    from ..layers.registry import lookup

    def classes(v: Any) -> Iterator[str]:
        # layer entries only: walking every {"class_name", "config"} in the config also met
        # initializers, dtype policies and __keras_tensor__ records, which the registry does
        # not know, so every .keras file (VGG16: 7 s) had its weights file opened for nothing
        if isinstance(v, list):
            for x in v:
                yield from classes(x)
            return
        if not isinstance(v, dict) or not isinstance(v.get("class_name"), str):
            return
        yield v["class_name"]
        cfg = v.get("config")
        if isinstance(cfg, list):  # a bare Keras 1 Sequential list
            yield from classes(cfg)
        elif isinstance(cfg, dict):
            for key in ("layers", "layer", "forward_layer", "backward_layer"):
                yield from classes(cfg.get(key))

    from ..layers.aliases import modernize
    from ..layers.names import MODEL_TYPES

    for cls in classes(config):
        if cls in MODEL_TYPES or cls == "InputLayer":
            continue
        modern, _ = modernize(cls, {})
        if lookup(modern) is None or modern == "Lambda":
            return True
    return False


class _StoredMember(io.RawIOBase):
    """An uncompressed zip member read straight from the archive file, with O(1) seeks.

    HDF5 seeks all over a weights file, and a ``ZipExtFile`` (Python < 3.12) re-reads from
    the member's start on every backward seek: InceptionResNetV2's .keras took 30 s to
    read its weight shapes that way, against well under a second from this window.
    """

    def __init__(self, path: Path, info: zipfile.ZipInfo) -> None:
        super().__init__()
        self._fh = open(path, "rb")
        self._fh.seek(info.header_offset)
        header = self._fh.read(30)  # the local file header: its name and extra field lengths vary
        if len(header) != 30 or header[:4] != b"PK\x03\x04":
            self._fh.close()
            raise zipfile.BadZipFile(f"bad local header for {info.filename}")
        name_len, extra_len = struct.unpack("<HH", header[26:30])
        self._start = info.header_offset + 30 + name_len + extra_len
        self._size = info.file_size
        self._pos = 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._pos

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self._pos, io.SEEK_END: self._size}[whence]
        self._pos = max(0, base + offset)
        return self._pos

    def readinto(self, buffer: Any) -> int:
        n = min(len(buffer), self._size - self._pos)
        if n <= 0:
            return 0
        self._fh.seek(self._start + self._pos)
        data = self._fh.read(n)
        buffer[:len(data)] = data
        self._pos += len(data)
        return len(data)

    def close(self) -> None:
        self._fh.close()
        super().close()


def _open_weights(path: Path, member: str):
    try:
        zf = zipfile.ZipFile(path)
    except _ZIP_ERRORS as err:
        raise ReadError("not a readable zip file (truncated or corrupt?)", path=path) from err
    try:
        info = zf.getinfo(member)
        if info.file_size > MAX_WEIGHTS_BYTES:
            raise ReadError(f"{member} is larger than {MAX_WEIGHTS_BYTES:,} bytes", path=path)
        if info.compress_type == zipfile.ZIP_STORED:
            fh: Any = _StoredMember(path, info)
        else:
            fh = io.BytesIO(_read_limited(zf, member, MAX_WEIGHTS_BYTES, path))
        return zf, open_h5(fh, path=path, member=member)
    except NnvizError:
        zf.close()
        raise
    except _WEIGHTS_ERRORS as err:
        zf.close()
        raise ReadError(f"{member} is not a readable HDF5 file ({err})", path=path) from err


def _layer_groups(group: Any, graph: LayerGraph) -> dict[str, Any]:
    """Map the layers of one model onto their groups in ``model.weights.h5``."""
    out: dict[str, Any] = {}
    if "_layer_checkpoint_dependencies" in group:  # tf.keras 2.13-2.15: named by layer name
        deps = group["_layer_checkpoint_dependencies"]
        for layer in graph.layers:
            if layer.name in deps:
                out[layer.name] = deps[layer.name]
        return out
    if "layers" not in group:
        return out
    sub = group["layers"]
    by_attr = {}
    for key in sub:
        vars_ = sub[key].get("vars") if hasattr(sub[key], "get") else None
        if vars_ is not None and "name" in vars_.attrs:
            by_attr[str(vars_.attrs["name"])] = sub[key]
    counts: dict[str, int] = {}
    for layer in graph.layers:
        if layer.name in by_attr:
            out[layer.name] = by_attr[layer.name]
            continue
        base = snake_case(layer.type)
        n = counts.get(base, 0)
        counts[base] = n + 1
        key = base if n == 0 else f"{base}_{n}"
        if key in sub:
            out[layer.name] = sub[key]
    return out


def _vars(group: Any) -> list[tuple[str, Any]]:
    """Every variable under a layer's group, own ``vars`` first, then sub-objects (cells...)."""
    out: list[tuple[str, Any]] = []
    if "vars" in group:
        v = group["vars"]
        for k in sorted(v, key=lambda s: int(s) if s.isdigit() else 0):
            out.append((f"{group.name}/vars/{k}", v[k]))
    for k in sorted(group):
        if k in ("vars", "layers") or not hasattr(group[k], "keys"):
            continue
        out.extend(_vars(group[k]))
    return out


@contextmanager
def _opened_weights(path: Path, member: str, what: str) -> Iterator[Any]:
    """The open weights file; any damage inside becomes a ReadError, and both files are closed."""
    zf, f = _open_weights(path, member)
    try:
        yield f
    except NnvizError:
        raise
    except _WEIGHTS_ERRORS as err:
        raise ReadError(f"{what} cannot be read ({err})", path=path) from err
    finally:
        # closing a damaged file can raise too; the error that matters was raised already
        try:
            f.close()
        except _WEIGHTS_ERRORS:
            pass
        zf.close()


@contextmanager
def _weights_of(path: Path, member: str, config: Any, what: str) -> Iterator[tuple[Any, LayerGraph]]:
    """The open weights file and the model's graph; any damage inside becomes a ReadError."""
    with _opened_weights(path, member, what) as f:
        yield f, build_graph(config, path=path)


def read_vars(group: Any, path: Path) -> list:
    """The (variable name, :class:`StoredArray`) pairs of one layer's group, in Keras's order."""
    return [(n.rsplit("/", 1)[-1], StoredArray(ds, path)) for n, ds in _vars(group)]


def _stored_from_zip(path: Path, member: str, config: Any) -> dict[tuple[str, ...], list[Weight]]:
    stored: dict[tuple[str, ...], list[Weight]] = {}

    def visit(group: Any, g: LayerGraph, scope: tuple[str, ...]) -> None:
        for name, grp in _layer_groups(group, g).items():
            layer = g.layer(name)
            if layer.subgraph is not None:
                visit(grp, layer.subgraph, (*scope, name))
                continue
            stored[(*scope, name)] = [Weight(n.rsplit("/", 1)[-1], tuple(int(d) for d in ds.shape))
                                      for n, ds in _vars(grp)]

    with _weights_of(path, member, config, member) as (f, graph):
        visit(f, graph, ())
    return stored


def _loader(path: Path, member: str, config: Any) -> IsolatedLoader:
    return IsolatedLoader(lambda names, each: _load_layers(path, member, config, names, each),
                          path.stat().st_size, path)


def _load_layers(path: Path, member: str, config: Any, names: list[str] | None,
                 each: Callable[[str, list], Any]) -> dict[str, Any]:
    with _weights_of(path, member, config, member) as (f, graph):
        return read_layers(f, graph, names, each, path)


def read_layers(f: Any, graph: LayerGraph, names: list[str] | None, each: Callable[[str, list], Any],
                path: Path) -> dict[str, Any]:
    """``{name: ("ok", each(name, arrays)) | ("error", message)}`` from an open Keras 3 weights file."""
    out: dict[str, Any] = {}
    groups = _all_groups(f, graph) if names is None else _layer_groups(f, graph)
    for name in groups if names is None else names:
        try:
            group = groups.get(name) if name in groups or "/" not in name else _nested_group(f, graph, name)
            out[name] = ("ok", each(name, read_vars(group, path) if group is not None else []))
        except NnvizError as err:  # one damaged layer spoils only its own weights
            out[name] = ("error", err.message)
        except _WEIGHTS_ERRORS as err:
            out[name] = ("error", f"the weights of {name!r} cannot be read ({err})")
    return out


def _all_groups(group: Any, graph: LayerGraph, prefix: str = "") -> dict[str, Any]:
    """Every layer's group by its path, a nested model's layers as ``model/layer`` after it."""
    out: dict[str, Any] = {}
    for name, grp in _layer_groups(group, graph).items():
        out[prefix + name] = grp
        sub = graph.layer(name).subgraph
        if sub is not None:
            out.update(_all_groups(grp, sub, f"{prefix}{name}/"))
    return out


def _nested_group(f: Any, graph: LayerGraph, name: str) -> Any:
    """The group of ``model/layer`` (a layer of a nested model, at any depth), or None."""
    group: Any = f
    for part in name.split("/"):
        if graph is None or part not in graph:
            return None
        group = _layer_groups(group, graph).get(part)
        if group is None:
            return None
        graph = graph.layer(part).subgraph
    return group


def _scan_member(path: Path, member: str) -> Any:
    from .tree import scan_keras3

    with _opened_weights(path, member, member) as f:
        return scan_keras3(f, path=path)


def _tree(path: Path, member: str, config: Any, meta: dict) -> LayerGraph:
    """A ``.keras`` file of a subclassed or KerasHub model: the layer tree of its weights."""
    from .tree import hyperparameters_of, tree_graph

    root = run_isolated(_scan_member, path, member, path=path)
    info: dict[str, Any] = {}
    if isinstance(config, dict):
        info = dict(hyperparameters=hyperparameters_of(config), class_name=config.get("class_name"),
                    name=(config.get("config") or {}).get("name") if isinstance(config.get("config"), dict)
                    else None)
    metadata = {k: v for k, v in meta.items() if isinstance(v, (str, int, float, bool))}
    return tree_graph(root, source=str(path), metadata=metadata or None, **info)
