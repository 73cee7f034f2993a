"""What a block diagram shows: the layer graph as a *view* of blocks, clusters and edges.

A :class:`View` starts as one block per layer (:func:`flatten`), nested models
closed or opened into clusters, and is then simplified in named steps, each a
plain function ``View -> View``:

* :func:`select_range` keeps the layers between two names (``--from``/``--to``);
* :func:`fold_repeats` finds repeated structures (the same sequence of layer
  types and configs, names ignored: ResNet's identity blocks, Inception modules,
  DenseNet's conv blocks, NASNet cells, transformer blocks) and draws each run as
  one copy in a cluster marked ``×n``, or as a single block;
* :func:`fold_chains` folds normalisation, activation and dropout layers into the
  block before them (``Conv2D + BN + relu``);
* :func:`fold_modules` folds branching regions between narrow cuts (an Inception
  module, a NASNet cell) into one block each.

Nothing here knows how the view will be drawn. The steps live in their own modules:
:mod:`.model` (the data), :mod:`.flatten`, :mod:`.select`, :mod:`.repeats`, :mod:`.fold`;
:mod:`.labels` names folded groups; :mod:`.coloring` resolves what blocks are coloured by
(``color_by``), :mod:`.paint` colours them by a cost.

>>> from nnviz.graph import Call, Layer, LayerGraph, TensorRef
>>> layers = [Layer("x", "InputLayer", output_shapes=((None, 4),))]
>>> layers += [Layer(f"d{i}", "Dense", config={"units": 4}, output_shapes=((None, 4),), params=20)
...            for i in range(3)]
>>> calls = [Call("x", 0, ())] + [Call(f"d{i}", 0, (TensorRef("x" if i == 0 else f"d{i - 1}"),))
...                                for i in range(3)]
>>> g = LayerGraph("chain", layers, calls, [TensorRef("x")], [TensorRef("d2")])
>>> view = fold_repeats(flatten(g), as_block=True)
>>> [(n.label, n.repeat, n.params) for n in view.blocks.values()]
[('x', 1, 0), ('d0..2', 3, 60)]
"""

from __future__ import annotations

from .coloring import resolve_coloring
from .diff import StatusColoring
from .flatten import flatten, nested_models
from .fold import find_modules, fold_chains, fold_modules
from .model import FOLDABLE_FAMILIES, Block, ClusterInfo, Coloring, View, topological_order
from .repeats import find_repeats, fold_repeats, repeat_runs
from .select import select_range

__all__ = ["Block", "ClusterInfo", "View", "flatten", "select_range", "fold_repeats", "repeat_runs",
           "fold_chains", "fold_modules", "nested_models", "FOLDABLE_FAMILIES", "find_repeats", "find_modules",
           "topological_order", "Coloring", "StatusColoring", "resolve_coloring"]
