"""Trained weights as plain data: copies taken from a Keras model, attached to a layer graph.

A *snapshot* maps each layer's name to its ``(variable path, array)`` pairs, and a
nested model's name to a snapshot of its own. It is a copy, so later training does
not change it; :func:`with_weights` gives a layer graph whose ``weights(name)`` reads it.
Nothing here imports Keras: a model is read through its ``layers`` and ``get_weights()``.

>>> import numpy as np, nnviz
>>> g = nnviz.load({"input_shape": [2], "layers": [{"type": "Dense", "units": 1, "name": "out"}]})
>>> snap = {"out": [("out/kernel", np.ones((2, 1))), ("out/bias", np.zeros(1))]}
>>> [name for name, _ in with_weights(g, snap).weights("out")]
['out/kernel', 'out/bias']
"""

from __future__ import annotations

from typing import Any, Callable, Mapping, Union

import numpy as np

from ..graph import LayerGraph

__all__ = ["Snapshot", "snapshot", "with_weights"]

Snapshot = Mapping[str, Union[list, "Snapshot"]]


def snapshot(model: Any) -> dict[str, Any]:
    """Copies of every layer's weights of a Keras model; nested models give nested snapshots."""
    out: dict[str, Any] = {}
    for layer in model.layers:
        if hasattr(layer, "layers"):
            out[layer.name] = snapshot(layer)
        else:
            out[layer.name] = [(getattr(v, "path", None) or v.name, np.array(w, copy=True))
                               for v, w in zip(layer.weights, layer.get_weights())]
    return out


def _flat(entry: Any) -> list:
    """A layer's weights; for a nested model, all of its layers' weights in order (as Keras gives them)."""
    if isinstance(entry, Mapping):
        return [w for value in entry.values() for w in _flat(value)]
    return list(entry or [])


def _loader(snap: Snapshot) -> Callable[[str], list]:
    def load(name: str) -> list:
        return _flat(snap.get(name))

    return load


def with_weights(graph: LayerGraph, snap: Snapshot) -> LayerGraph:
    """A copy of ``graph`` (nested models included) whose weights are those of ``snap``."""
    layers = [layer.replace(subgraph=with_weights(layer.subgraph, _nested(snap, layer.name)))
              if layer.subgraph is not None else layer for layer in graph.layers]
    return graph.replace(layers=layers, weights_loader=_loader(snap))


def _nested(snap: Snapshot, name: str) -> Snapshot:
    entry = snap.get(name)
    return entry if isinstance(entry, Mapping) else {}

