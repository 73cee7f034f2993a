"""The weights of the drawn links: each kernel cut down to the drawn neurons where it is read."""

from __future__ import annotations

from typing import Any, Callable, Sequence

from ...errors import OptionError, ReadError
from ...graph import LayerGraph
from ...theme import family_of
from .columns import Column

__all__ = ["link_weights"]


def _cut(n_prev: int, n: int, rows: Sequence[int], cols: Sequence[int]) -> Callable[[list], tuple]:
    """A function from a layer's weights to (kernel, bias, shapes) cut down to the drawn neurons.

    The kernel is the (n_prev, n) array (a convolution's (..., in, out), averaged over its window)
    restricted to ``rows`` x ``cols``, the bias the (n,) array restricted to ``cols``; ``None``
    where the layer has none that fits. It runs where the weights are read (for a file, the
    child process that reads it), so only the drawn part of a kernel reaches this process.
    """
    def cut(weights: list) -> tuple[Any, Any, list[tuple[int, ...]]]:
        import numpy as np

        # a file's arrays may be read only when asked: of a kernel, only the drawn rows are read
        arrays = [a if hasattr(a, "shape") else np.asarray(a) for _, a in weights]
        kernel = next((a for a in arrays if len(a.shape) >= 2 and tuple(a.shape[-2:]) == (n_prev, n)), None)
        if kernel is not None:
            part = kernel.take_rows(rows) if hasattr(kernel, "take_rows") else np.asarray(kernel)[..., rows, :]
            # a convolution's window averaged after the cut: nothing the size of the kernel is made
            kernel = np.asarray(part).reshape(-1, len(rows), n)[:, :, cols].mean(axis=0)
        bias = next((a for a in arrays if len(a.shape) == 1 and a.shape[0] == n), None)
        return kernel, None if bias is None else np.asarray(bias)[cols], [tuple(a.shape) for a in arrays]

    return cut


def link_weights(columns: list[Column], graph: LayerGraph) -> dict[int, tuple[Any, Any]]:
    """Per column index, the (kernel, bias) restricted to the shown neurons."""
    if not graph.has_weights:
        from ...readers.build import BUILT_NOTE

        if BUILT_NOTE in graph.warnings:
            raise OptionError(f"model {graph.name!r} was built from its config (--build): it has no weights to draw",
                              hint="draw the file without --build, or a live model with its weights",
                              path=graph.source)
        raise OptionError(f"model {graph.name!r} carries no weights to draw",
                          hint="draw a trained .keras/.h5 file or a live model, or give the JSON "
                               "architecture's weights with weights_file= / --weights-file",
                          path=graph.source)
    # one request per graph that owns layers of the chain (a nested model has its own loader)
    owners: dict[int, tuple[LayerGraph, dict[str, Callable[[list], tuple]]]] = {}
    for i in range(1, len(columns)):
        col, prev = columns[i], columns[i - 1]
        if not col.passive:
            fns = owners.setdefault(id(col.owner), (col.owner, {}))[1]
            fns[col.layer.name] = _cut(prev.n, col.n, list(prev.shown), list(col.shown))
    cuts = {}
    for owner, fns in owners.values():
        for name, value in owner.map_weights(fns).items():
            cuts[(id(owner), name)] = value
    out = {}
    for i in range(1, len(columns)):
        col, prev = columns[i], columns[i - 1]
        if col.passive:
            continue
        k, b, shapes = cuts[(id(col.owner), col.layer.name)]
        if k is None and shapes and family_of(col.layer.type) == "dense":
            raise ReadError(f"the stored weights have shapes {[tuple(s) for s in shapes]}, and the layer "
                            f"needs a kernel of ({prev.n}, {col.n})", layer=col.layer.name,
                            path=col.owner.source, hint="the weights belong to another architecture")
        if k is not None or b is not None:
            out[i] = (k, b)
    return out
