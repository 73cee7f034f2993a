"""nnviz: draw Keras neural networks exactly, from live models, files of every Keras era and JSON specs.

>>> import nnviz
>>> g = nnviz.load({"name": "net", "input_shape": [13], "layers": [{"type": "Dense", "units": 10}]})
>>> g.total_params
140
"""

from __future__ import annotations

from typing import Any

from ._version import __version__
from .errors import MissingDependencyError, NnvizError, OptionError, ReadError, ShapeError

__all__ = [
    "__version__", "load", "LayerGraph", "Layer", "NnvizError", "ReadError", "ShapeError", "OptionError",
    "MissingDependencyError", "draw", "visualize_nn", "Diagram", "train", "to_keras", "diff", "profile",
]

# Heavy modules (matplotlib, TensorFlow) load only when a name that needs them is used.
_LAZY = {
    "load": ("nnviz.loading", "load"),
    "LayerGraph": ("nnviz.graph", "LayerGraph"),
    "Layer": ("nnviz.graph", "Layer"),
    "draw": ("nnviz.api", "draw"),
    "visualize_nn": ("nnviz.api", "visualize_nn"),
    "Diagram": ("nnviz.render.diagram", "Diagram"),
    "train": ("nnviz.training.fit", "train"),
    "to_keras": ("nnviz.training.build", "to_keras"),
    "diff": ("nnviz.modeldiff", "diff"),
    "profile": ("nnviz.costs.timing", "profile"),
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        module, attr = _LAZY[name]
        value = getattr(importlib.import_module(module), attr)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'nnviz' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(__all__)
