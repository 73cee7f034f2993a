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

    Differently named layers are not copies, even when Keras stored them under one numbered name:

    >>> x, y = (Layer(n, "InputLayer", config={"storage_path": f"layers/input_layer{k}"})
    ...         for n, k in (("token_ids", ""), ("padding_mask", "_1")))
    >>> [(f.name, n) for f, n, _ in fold_siblings([x, y])]
    [('token_ids', 1), ('padding_mask', 1)]
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
    # copies of a class in a list: gemma_decoder_block, gemma_decoder_block_1...), the same layer
    # name but its number (two inputs stored as input_layer and input_layer_1 but named token_ids
    # and padding_mask are two different layers, not copies), class and contents
    key = str(layer.config.get("storage_path") or layer.name).rsplit("/", 1)[-1]
    base = (re.sub(r"_\d+$", "", key), re.sub(r"_\d+$", "", layer.name)) if top else None
    sub = () if layer.subgraph is None else tuple(_signature(x, False) for x in layer.subgraph.layers)
    return base, layer.type, layer.params, tuple(w.shape for w in layer.weights), sub
