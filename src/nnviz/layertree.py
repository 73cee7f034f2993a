"""Layer trees (files that store no graph): runs of sibling layers that are copies of one another,
which the summary and the block style both show as one row or frame "×N". Below the layer graph,
the summary and the layout, which all use it.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Iterable

if TYPE_CHECKING:  # pragma: no cover
    from .graph import Layer

__all__ = ["fold_siblings"]


def fold_siblings(layers: Iterable[Layer]) -> list[tuple[Layer, int, Layer]]:
    """Consecutive siblings of the same class and structure as ``(first, count, last)``.

    >>> from nnviz.graph import Layer
    >>> a, b, c = (Layer(n, "Block", params=4) for n in ("block", "block_1", "block_2"))
    >>> [(f.name, n, l.name) for f, n, l in fold_siblings([a, b, c, Layer("head", "Dense", params=3)])]
    [('block', 3, 'block_2'), ('head', 1, 'head')]
    """
    out: list[tuple[Layer, int, Layer]] = []
    for layer in layers:
        if out and _signature(out[-1][0]) == _signature(layer):
            first, n, _ = out[-1]
            out[-1] = (first, n + 1, layer)
        else:
            out.append((layer, 1, layer))
    return out


def _signature(layer: Layer, top: bool = True) -> tuple:
    # siblings fold when they are copies: the same storage name but its number (Keras numbers
    # copies of a class in a list: gemma_decoder_block, gemma_decoder_block_1...), class and contents
    key = str(layer.config.get("storage_path") or layer.name).rsplit("/", 1)[-1]
    base = re.sub(r"_\d+$", "", key) if top else None
    sub = () if layer.subgraph is None else tuple(_signature(x, False) for x in layer.subgraph.layers)
    return base, layer.type, layer.params, tuple(w.shape for w in layer.weights), sub
