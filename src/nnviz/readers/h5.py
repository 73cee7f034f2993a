"""Legacy HDF5 files (``.h5``/``.hdf5``) from Keras 1, Keras 2 / tf.keras and Keras 3.

Only the ``model_config`` attribute and the *shapes* of the weight datasets are
read; weights themselves load on demand (``graph.weights(name)``), so a 100 MB
ResNet50 file summarises in milliseconds.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable

from ..errors import NnvizError, ReadError
from ..graph import LayerGraph, Weight
from .h5format import H5_ERRORS, HDF5_SIGNATURE, attr_text, split_attr, weights_group
from .h5safe import open_h5
from .isolate import IsolatedLoader, run_isolated
from .keras_config import check_layer_count, config_from_json_text, read_model_config

__all__ = ["read_h5", "read_dataset", "StoredArray", "HDF5_SIGNATURE", "MAX_ATTR_BYTES", "MAX_ARRAY_BYTES", "split_attr",
           "weights_group"]

MAX_ATTR_BYTES = 64 * 1024 * 1024  # the model config of the largest real models is a few MB
# one weight array loaded on demand; a dataset may declare any shape without storing it
MAX_ARRAY_BYTES = 2 * 1024 ** 3

_FROZEN_HINTS = ("moving_mean", "moving_variance", "running_mean", "running_std", "running_var")


def _stored_shapes(f: Any, graph_names: dict[str, list[str]] | None = None) -> dict[tuple[str, ...], list[Weight]]:
    grp = weights_group(f)
    stored: dict[tuple[str, ...], list[Weight]] = {}
    for lname in split_attr(grp, "layer_names"):
        if lname not in grp:
            continue
        g = grp[lname]
        weights = []
        for wname in split_attr(g, "weight_names"):
            if wname not in g:
                continue
            ds = g[wname]
            shape = tuple(int(d) for d in getattr(ds, "shape", ()) or ())
            trainable = not any(h in wname for h in _FROZEN_HINTS)
            weights.append(Weight(wname, shape, trainable))
            # nested models: file their weights under the inner layer's name too
            parts = wname.split("/")[:-1]
            for part in parts:
                if part and part != lname:
                    stored.setdefault((lname, part), []).append(Weight(wname, shape, trainable))
                    break
        stored[(lname,)] = weights
    return stored


def read_dataset(ds: Any, path: object) -> Any:
    """A weight dataset as an array, refusing absurd declared sizes before allocating them."""
    nbytes = int(getattr(ds, "size", 0) or 0) * int(getattr(getattr(ds, "dtype", None), "itemsize", 0) or 0)
    if nbytes > MAX_ARRAY_BYTES:
        raise ReadError(f"weight {ds.name!r} would take {nbytes:,} bytes (limit {MAX_ARRAY_BYTES:,})",
                        path=path)
    return ds[()]


class StoredArray:
    """A weight dataset of an open file, read when asked: whole (``numpy.asarray``) or some rows.

    Valid only while its file is open, inside the function a loader runs on a layer's weights
    (:meth:`nnviz.graph.LayerGraph.map_weights`): a node drawing reads only the kernel rows of
    the neurons it draws, so a huge kernel is never read whole, in any process.
    """

    def __init__(self, ds: Any, path: object) -> None:
        self._ds = ds
        self._path = path
        self.shape = tuple(int(d) for d in ds.shape)
        self.ndim = len(self.shape)

    def __array__(self, dtype: Any = None, copy: Any = None) -> Any:
        import numpy as np

        return np.asarray(read_dataset(self._ds, self._path), dtype=dtype)

    def take_rows(self, rows: list[int]) -> Any:
        """``array[..., rows, :]``, reading only those rows (at most MAX_ARRAY_BYTES of them)."""
        import numpy as np

        order = sorted(set(rows))
        nbytes = int(np.prod(self.shape[:-2], dtype=object) * len(order) * self.shape[-1]) * self._ds.dtype.itemsize
        if nbytes > MAX_ARRAY_BYTES:
            raise ReadError(f"weight {self._ds.name!r}: the rows drawn would take {nbytes:,} bytes "
                            f"(limit {MAX_ARRAY_BYTES:,})", path=self._path)
        got = np.asarray(self._ds[..., order, :])
        return got[..., [order.index(r) for r in rows], :]


NameTree = dict  # {layer name: the NameTree of a nested model's layers, or None for a plain layer}


def name_tree(graph: LayerGraph) -> NameTree:
    """The names of a graph's layers, a nested model's layers under its own (plain data for a child)."""
    return {layer.name: None if layer.subgraph is None else name_tree(layer.subgraph) for layer in graph.layers}


def _owner(weight_name: str, tree: NameTree) -> tuple[str, ...] | None:
    """The path, inside a nested model of layers ``tree``, of the layer a stored weight belongs to.

    A legacy file keeps a nested model's weights in one group, named as Keras named the variables:
    ``inner/d1/kernel`` (Keras 3, a Sequential's own scope first), ``fd/kernel`` (Keras 3, a
    Functional), ``d1/kernel:0`` (Keras 2, no model scope), ``lstm/lstm_cell/kernel:0`` (a cell's
    scope after its layer's). The scopes are followed down through the layer names they match;
    a scope that names no layer at that level (a model's own scope, a cell) is passed over, and
    Keras 2's names, which skip nested models' scopes, find their layer anywhere below.

    >>> tree = {"d1": None, "d2": None, "deep": {"d3": None}}
    >>> _owner("inner/d1/kernel", tree), _owner("d2/bias:0", tree), _owner("d3/kernel:0", tree)
    (('d1',), ('d2',), ('deep', 'd3'))
    >>> _owner("other/kernel", tree) is None
    True
    """
    scopes = weight_name.split("/")[:-1]
    path: list[str] = []
    level: NameTree | None = tree
    for scope in scopes:
        if level is not None and scope in level:
            path.append(scope)
            level = level[scope]
            if level is None:  # a plain layer: what follows is its own (a cell's scope)
                return tuple(path)
    if level is None:
        return tuple(path)
    found = [hit for scope in scopes for hit in _find(scope, level)]
    return tuple(path) + found[0] if len(found) == 1 else None


def _find(name: str, tree: NameTree) -> list[tuple[str, ...]]:
    """The paths of the plain layers called ``name`` anywhere in ``tree``."""
    out: list[tuple[str, ...]] = []
    for key, sub in tree.items():
        if sub is None:
            if key == name:
                out.append((key,))
        else:
            out += [(key, *rest) for rest in _find(name, sub)]
    return out


def _nested_paths(tree: NameTree, prefix: str) -> list[str]:
    out: list[str] = []
    for key, sub in tree.items():
        out.append(prefix + key)
        if sub is not None:
            out += _nested_paths(sub, f"{prefix}{key}/")
    return out


def _load_layers(path: Path, tree: NameTree, names: list[str] | None,
                 each: Callable[[str, list], Any]) -> dict[str, Any]:
    """``{name: ("ok", each(name, arrays)) | ("error", message)}``, the file opened once; a layer of
    a nested model is named by its path, ``model/layer`` (every one of them when ``names`` is None)."""
    out: dict[str, Any] = {}
    try:
        with open_h5(path, path=path) as f:
            grp = weights_group(f)
            if names is None:
                names = []
                for top in split_attr(grp, "layer_names"):
                    names.append(top)
                    if isinstance(tree.get(top), dict):
                        names += _nested_paths(tree[top], top + "/")
            nested: dict[str, dict[tuple[str, ...], list]] = {}  # model -> its layers' weights by path
            for name in names:
                try:
                    top, _, rest = name.partition("/")
                    if not rest:
                        arrays = []
                        if name in grp:
                            g = grp[name]
                            arrays = [(w, StoredArray(g[w], path)) for w in split_attr(g, "weight_names") if w in g]
                    elif top in nested:
                        arrays = nested[top].get(tuple(rest.split("/")), [])
                    elif top in grp and isinstance(tree.get(top), dict):
                        g, table = grp[top], nested.setdefault(top, {})
                        for w in split_attr(g, "weight_names"):
                            owner = _owner(w, tree[top])
                            if w in g and owner is not None:
                                table.setdefault(owner, []).append((w, StoredArray(g[w], path)))
                        arrays = table.get(tuple(rest.split("/")), [])
                    else:
                        arrays = []
                    out[name] = ("ok", each(name, arrays))
                except NnvizError as err:  # one damaged layer spoils only its own weights
                    out[name] = ("error", err.message)
                except H5_ERRORS as err:
                    out[name] = ("error", f"the weights of {name!r} cannot be read ({err})")
    except NnvizError:
        raise
    except H5_ERRORS as err:
        raise ReadError(f"the weights cannot be read ({err})", path=path) from err
    return out


def _loader(path: Path, graph: LayerGraph | None = None) -> IsolatedLoader:
    """The lazy loader of a legacy file's weights; with the model's ``graph``, a nested model's
    layers are found by their path (``model/layer``)."""
    tree = name_tree(graph) if graph is not None else {}
    return IsolatedLoader(lambda names, each: _load_layers(path, tree, names, each), path.stat().st_size, path)


def _read_meta(path: Path) -> tuple[Any, str, dict]:
    try:
        f = open_h5(path, path=path)
    except NnvizError:
        raise
    except (OSError, ValueError) as err:
        raise ReadError("not a readable HDF5 file (truncated or corrupt?)", path=path) from err
    with f:
        raw = f.attrs.get("model_config")
        version = f.attrs.get("keras_version")
        if raw is None:
            if ("layer_names" in f.attrs or "layers" in f or "_layer_checkpoint_dependencies" in f
                    or "vars" in f):  # Keras 3 writes a root "vars" group
                return None, "weights", {}  # a save_weights() file: its layer tree
            raise ReadError("HDF5 file without a Keras model config (no 'model_config' attribute)", path=path)
        text = attr_text(raw)
        if len(text) > MAX_ATTR_BYTES:
            raise ReadError(f"model config is larger than {MAX_ATTR_BYTES // 2**20} MB", path=path)
        config = config_from_json_text(text, path=path)
        # the layer limit before the weight shapes: walking a million weight groups takes minutes
        check_layer_count(config, path=path)
        # Keras 1 wrote no keras_version
        version = attr_text(version) if version is not None else "1"
        stored = _stored_shapes(f)
    return config, version, stored


def _read_meta_or_error(path: Path) -> tuple[Any, str, dict]:
    try:
        return _read_meta(path)
    except NnvizError:
        raise
    except H5_ERRORS as err:
        # h5py raises many kinds of errors on damaged files; all mean the same to a user
        raise ReadError(f"cannot read the HDF5 file (truncated or corrupt?): {err}", path=path) from err


def read_h5(path: str | Path) -> LayerGraph:
    """Read a Keras model saved as HDF5, without TensorFlow.

    Args:
        path: the ``.h5``/``.hdf5`` file.

    Returns:
        The model's layer graph; its weights load lazily.

    Raises:
        ReadError: the file is corrupt or has no model config and no Keras weights.

    A weights-only file (``save_weights``) gives the layer tree of its stored variables
    (:mod:`nnviz.readers.tree`).
    """
    path = Path(path)
    # in a child process: a damaged file can make the HDF5 library hang or crash
    config, version, stored = run_isolated(_read_meta_or_error, path, path=path)
    if config is None and version == "weights":
        from .tree import read_weights_tree

        return read_weights_tree(path)
    graph = read_model_config(config, path=path, keras_version=version, stored=stored, stored_complete=True)
    return graph.replace(weights_loader=_loader(path, graph)) if stored else graph
