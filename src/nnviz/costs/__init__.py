"""What each layer costs: multiply-accumulates, floating-point operations and memory.

A stage after inference: it reads a graph whose shapes are known and counts, per layer and
for one sample, ``macs`` (multiply-accumulate operations), ``flops`` (every floating-point
operation, see :mod:`nnviz.costs.rules` for the convention), ``activation_bytes`` (the
layer's outputs in their dtype) and ``weight_bytes`` (its variables in theirs). A size nnviz
cannot know gives ``None``. Counting is a registry keyed by Keras class name, like inference.

>>> import nnviz
>>> g = nnviz.load({"input_shape": [13], "layers": [{"type": "Dense", "units": 10, "name": "d"}]})
>>> c = layer_costs(g)
>>> c["d"].macs, c["d"].flops, c["d"].activation_bytes, c["d"].weight_bytes
(130, 270, 40, 560)
>>> c.total_macs, humanize(4_090_000_000)
(130, '4.09 G')
"""

from __future__ import annotations

from . import rules  # noqa: F401  (the built-in counting rules register themselves)
from .engine import Cost, CostTable, layer_costs, training_memory
from .registry import counts, lookup, unregister
from .units import humanize

__all__ = ["Cost", "CostTable", "layer_costs", "training_memory", "counts", "lookup", "unregister", "humanize"]
