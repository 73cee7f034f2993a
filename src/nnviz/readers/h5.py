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


def _load_layers(path: Path, names: list[str] | None, each: Callable[[str, list], Any]) -> dict[str, Any]:
    """``{name: ("ok", each(name, arrays)) | ("error", message)}``, the file opened once."""
    out: dict[str, Any] = {}
    try:
        with open_h5(path, path=path) as f:
            grp = weights_group(f)
            for name in split_attr(grp, "layer_names") if names is None else names:
                try:
                    arrays = []
                    if name in grp:
                        g = grp[name]
                        arrays = [(w, StoredArray(g[w], path)) for w in split_attr(g, "weight_names") if w in g]
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


def _loader(path: Path) -> IsolatedLoader:
    return IsolatedLoader(lambda names, each: _load_layers(path, names, each), path.stat().st_size, path)


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
    has_weights = bool(stored)
    return read_model_config(config, path=path, keras_version=version, stored=stored, stored_complete=True,
                             weights_loader=_loader(path) if has_weights else None)
