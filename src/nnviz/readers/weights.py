"""Weights kept apart from the architecture: a ``model.json`` with its ``save_weights()`` file (``--weights-file``).

Two layouts exist, both read with h5py, without TensorFlow:

- legacy (Keras 2 / tf.keras ``save_weights("w.h5")``, or a whole-model ``.h5``): the root
  (or ``model_weights``) lists ``layer_names``; each layer's group lists ``weight_names``;
- Keras 3 (``save_weights("m.weights.h5")``; tf.keras 2.13-2.15 wrote the same with
  ``_layer_checkpoint_dependencies``): ``layers/<snake_case class>/vars/<i>``.

The reading itself is the readers' own (:mod:`nnviz.readers.h5`, :mod:`nnviz.readers.keras_zip`);
this module only recognises the layout and attaches a lazy loader to the graph.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable

from ..errors import NnvizError, ReadError
from ..graph import LayerGraph
from .h5format import H5_ERRORS, HDF5_SIGNATURE, weights_group
from .h5 import _loader as legacy_loader
from .h5safe import open_h5
from .isolate import IsolatedLoader, run_isolated
from .keras_zip import read_layers

__all__ = ["attach_weights", "weights_layout"]


def weights_layout(path: Path) -> str:
    """Which layout a weights file has: ``legacy`` or ``keras3``.

    Raises:
        ReadError: the file is missing, not HDF5, or holds no Keras weights.
    """
    if not path.is_file():
        raise ReadError("no such weights file", path=path)
    with open(path, "rb") as fh:
        head = fh.read(8)
    if head != HDF5_SIGNATURE:
        hint = "draw the .keras file itself" if head.startswith(b"PK") else "give an .h5 or .weights.h5 file"
        raise ReadError("the weights file is not HDF5", path=path, hint=hint)
    # in a child process: a damaged file can make the HDF5 library hang or crash
    layout = run_isolated(_layout_of, path, path=path)
    if layout is not None:
        return layout
    raise ReadError("an HDF5 file without Keras weights (no layer_names, no layers/ group)", path=path,
                    hint="give the file written by model.save_weights()")


def _layout_of(path: Path) -> str | None:
    try:
        with open_h5(path, path=path) as f:
            if "layers" in f or "_layer_checkpoint_dependencies" in f:
                return "keras3"
            if "layer_names" in weights_group(f).attrs:
                return "legacy"
    except NnvizError:
        raise
    except H5_ERRORS as err:
        raise ReadError(f"the weights file cannot be read ({err})", path=path) from err
    return None


def _keras3_layers(path: Path, graph: LayerGraph, names: list[str] | None,
                   each: Callable[[str, list], Any]) -> dict[str, Any]:
    try:
        with open_h5(path, path=path) as f:
            return read_layers(f, graph, names, each, path)
    except NnvizError:
        raise
    except H5_ERRORS as err:
        raise ReadError(f"the weights cannot be read ({err})", path=path) from err


def _keras3_loader(path: Path, graph: LayerGraph) -> IsolatedLoader:
    # in a child process, bounded in time and memory, like every HDF5 read
    return IsolatedLoader(lambda names, each: _keras3_layers(path, graph, names, each), path.stat().st_size, path)


def attach_weights(graph: LayerGraph, path: str | Path) -> LayerGraph:
    """A copy of ``graph`` whose weights load, on demand, from a separate weights file.

    Args:
        graph: the architecture (typically read from ``model.to_json()``).
        path: the file ``model.save_weights()`` wrote (``.h5`` or ``.weights.h5``).

    Returns:
        The same layers, with ``graph.weights(name)`` reading ``path``.

    Raises:
        ReadError: the file is missing, not HDF5, or holds no Keras weights.
    """
    path = Path(path)
    layout = weights_layout(path)
    return graph.replace(weights_loader=legacy_loader(path, graph) if layout == "legacy" else _keras3_loader(path, graph))
