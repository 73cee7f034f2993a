"""Keras 3 ``.keras`` zips (and those of tf.keras 2.13-2.15).

Members: ``config.json`` (the model config), ``metadata.json`` (version),
``model.weights.h5`` (weights, read lazily and only when needed).
"""

from __future__ import annotations

import io
import json
import zipfile
import zlib
from pathlib import Path
from typing import Any, Iterator

from ..errors import ReadError
from ..graph import LayerGraph, Weight
from ..layers.names import snake_case
from .keras_config import build_graph, config_from_json_text, read_model_config

__all__ = ["read_keras_zip", "MAX_CONFIG_BYTES", "MAX_WEIGHTS_BYTES"]

MAX_CONFIG_BYTES = 64 * 1024 * 1024    # config.json, uncompressed
MAX_WEIGHTS_BYTES = 4 * 1024 ** 3      # model.weights.h5, uncompressed
MAX_RATIO = 200                        # a member that inflates more than this is a zip bomb


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


def read_keras_zip(path: str | Path) -> LayerGraph:
    """Read a ``.keras`` zip without TensorFlow.

    Raises:
        ReadError: not a zip, not a Keras zip, a weights-only zip, or corrupt members.
    """
    path = Path(path)
    try:
        zf = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as err:
        raise ReadError("not a readable zip file (truncated or corrupt?)", path=path) from err
    with zf:
        names = {i.filename.replace("\\", "/"): i.filename for i in zf.infolist()}
        if "config.json" not in names:
            if any(n.endswith(".weights.h5") for n in names):
                raise ReadError("holds weights only, not an architecture", path=path,
                                hint="draw the model's .keras file saved with model.save()")
            raise ReadError("a zip file, but not a Keras model (no config.json)", path=path)
        try:
            text = _read_limited(zf, names["config.json"], MAX_CONFIG_BYTES, path)
            meta: dict[str, Any] = {}
            if "metadata.json" in names:
                try:
                    meta = json.loads(_read_limited(zf, names["metadata.json"], 1 << 20, path))
                except (json.JSONDecodeError, UnicodeDecodeError):
                    meta = {}
        except (zipfile.BadZipFile, OSError, EOFError, zlib.error) as err:
            raise ReadError(f"a member of the zip is corrupt ({err})", path=path) from err
        try:
            config = config_from_json_text(text.decode("utf-8"), path=path)
        except UnicodeDecodeError as err:
            raise ReadError("config.json is not UTF-8 text", path=path) from err
        version = meta.get("keras_version") if isinstance(meta, dict) else None
        version = version if isinstance(version, str) else "3"
        weights_member = names.get("model.weights.h5")
    stored = None
    if weights_member is not None and _needs_stored(config):
        stored = _stored_from_zip(path, weights_member, config)
    loader = _loader(path, weights_member, config) if weights_member is not None else None
    return read_model_config(config, path=path, keras_version=version, stored=stored, weights_loader=loader)


def _needs_stored(config: Any) -> bool:
    """Whether some layer's parameters can only come from its stored weights."""
    from ..layers.registry import lookup

    def classes(v: Any) -> Iterator[str]:
        if isinstance(v, dict):
            if isinstance(v.get("class_name"), str) and "config" in v:
                yield v["class_name"]
            for x in v.values():
                yield from classes(x)
        elif isinstance(v, list):
            for x in v:
                yield from classes(x)

    from ..layers.aliases import modernize
    from ..layers.infer import MODEL_TYPES

    for cls in classes(config):
        if cls in MODEL_TYPES or cls == "InputLayer":
            continue
        modern, _ = modernize(cls, {})
        if lookup(modern) is None or modern == "Lambda":
            return True
    return False


def _open_weights(path: Path, member: str):
    import h5py

    zf = zipfile.ZipFile(path)
    info = zf.getinfo(member)
    if info.file_size > MAX_WEIGHTS_BYTES:
        raise ReadError(f"{member} is larger than {MAX_WEIGHTS_BYTES:,} bytes", path=path)
    if info.compress_type == zipfile.ZIP_STORED:
        fh: Any = zf.open(member)
    else:
        fh = io.BytesIO(_read_limited(zf, member, MAX_WEIGHTS_BYTES, path))
    try:
        return zf, h5py.File(fh, "r")
    except (OSError, ValueError) as err:
        zf.close()
        raise ReadError(f"{member} is not a readable HDF5 file", path=path) from err


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


def _stored_from_zip(path: Path, member: str, config: Any) -> dict[tuple[str, ...], list[Weight]]:
    zf, f = _open_weights(path, member)
    stored: dict[tuple[str, ...], list[Weight]] = {}
    try:
        graph = build_graph(config, path=path)

        def visit(group: Any, g: LayerGraph, scope: tuple[str, ...]) -> None:
            for name, grp in _layer_groups(group, g).items():
                layer = g.layer(name)
                if layer.subgraph is not None:
                    visit(grp, layer.subgraph, (*scope, name))
                    continue
                stored[(*scope, name)] = [Weight(n.rsplit("/", 1)[-1], tuple(int(d) for d in ds.shape))
                                          for n, ds in _vars(grp)]

        visit(f, graph, ())
    except (OSError, RuntimeError, KeyError, ValueError) as err:
        raise ReadError(f"{member} cannot be read ({err})", path=path) from err
    finally:
        f.close()
        zf.close()
    return stored


def _loader(path: Path, member: str, config: Any):
    def load(name: str) -> list:
        zf, f = _open_weights(path, member)
        try:
            graph = build_graph(config, path=path)
            grp = _layer_groups(f, graph).get(name)
            if grp is None:
                return []
            return [(n.rsplit("/", 1)[-1], ds[()]) for n, ds in _vars(grp)]
        finally:
            f.close()
            zf.close()

    return load
