"""Blocks coloured by a cost: values per layer, bins on a readable scale, badges with shares.

The ``cost`` colouring of :mod:`nnviz.view.coloring`: it sets each block's colour key
(``Block.paint``) after folding, so a folded block (a group of repeats, a nested model) is
coloured by the sum of its layers, and takes the keys' colours from the theme's ``scale``
palette. No drawing library here.

>>> import nnviz
>>> g = nnviz.load({"input_shape": [8], "layers": [{"type": "Dense", "units": 64, "name": "a"},
...                                                  {"type": "Dense", "units": 2, "name": "b"}]})
>>> v = layer_values(g, "macs")
>>> v["a"], v["b"]
(512.0, 128.0)
"""

from __future__ import annotations

import json
import math
from dataclasses import replace
from pathlib import Path
from typing import Any, Mapping

from ..errors import OptionError, ReadError
from ..theme import Theme
from .model import Coloring

__all__ = ["METRICS", "check_color_by", "layer_values", "Painting", "painting"]

METRICS = ("params", "macs", "flops", "memory")
_UNIT = {"params": "params", "macs": "MACs", "flops": "FLOPs", "memory": "bytes"}
_SCALE = Theme().palette("scale")  # the default theme's: the bins light to dark, zero, unknown, over
PALETTE = tuple(_SCALE[str(i)] for i in range(1, 7))
ZERO_COLOR, UNKNOWN_COLOR, OVER_COLOR = _SCALE["zero"], _SCALE["unknown"], _SCALE["over"]
MAX_JSON_BYTES = 50_000_000


def check_color_by(value: Any) -> Any:
    """``value`` when it is a metric, a ``.json`` path or a mapping; OptionError otherwise.

    >>> check_color_by("macs"), check_color_by(None)
    ('macs', None)
    >>> check_color_by("speed")
    Traceback (most recent call last):
    ...
    nnviz.errors.OptionError: unknown color_by: 'speed' (must be one of ['params', 'macs', 'flops', 'memory'], a .json file of {layer: number} or a dict)
    """
    if value is None or isinstance(value, (Mapping, Coloring)):  # a Coloring: one made by nnviz (a diff's)
        return value
    if isinstance(value, (str, Path)):
        if str(value) in METRICS:
            return str(value)
        if str(value).lower().endswith(".json"):
            return str(value)
    raise OptionError(f"unknown color_by: {value!r} (must be one of {list(METRICS)}, "
                      "a .json file of {layer: number} or a dict)")


def _read_values(path: str) -> Mapping[str, Any]:
    from ..fileio import open_regular

    try:
        with open_regular(path) as f:
            raw = f.read(MAX_JSON_BYTES + 1)
    except OSError as err:
        raise ReadError(f"cannot be read ({err.strerror or err})", path=path) from None
    if len(raw) > MAX_JSON_BYTES:
        raise ReadError("too big for a file of layer values", path=path)
    try:
        data = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as err:
        raise ReadError(f"not JSON ({err})", path=path) from None
    if isinstance(data, Mapping) and isinstance(data.get("layers"), Mapping):
        data = data["layers"]  # nnviz profile's output: {"device": ..., "layers": {name: seconds}}
    if not isinstance(data, Mapping):
        raise ReadError("must hold an object {layer name: number}", path=path)
    return data


def layer_values(graph: Any, color_by: Any) -> dict[str, float]:
    """``{layer id: value}`` of a metric (nested layers as ``model/layer`` too), a file or a dict."""
    if isinstance(color_by, str) and color_by in METRICS:
        from ..costs.engine import layer_costs

        out: dict[str, float] = {}
        _metric_values(graph, layer_costs(graph), color_by, "", out)
        return out
    data = _read_values(color_by) if isinstance(color_by, str) else color_by
    out = {}
    for name, v in data.items():
        if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v) or v < 0:
            raise OptionError(f"color_by: the value of {name!r} must be a number >= 0, got {v!r}")
        out[str(name)] = float(v)
    return out


def _metric_values(graph: Any, table: Any, metric: str, prefix: str, out: dict[str, float]) -> None:
    for layer in graph.layers:
        c = table[layer.name]
        if metric == "params":
            v = layer.params
        elif metric == "memory":
            v = None if c.activation_bytes is None else c.activation_bytes + c.weight_bytes
        else:
            v = getattr(c, metric)
        if v is not None:
            out[prefix + layer.name] = float(v)
        if layer.subgraph is not None and layer.name in table.nested:
            _metric_values(layer.subgraph, table.nested[layer.name], metric, prefix + layer.name + "/", out)


class Painting(Coloring):
    """Bins of the values (log where they span more than 100x) and the paint function for views
    (the ``cost`` colouring), in the colours of ``theme``'s ``scale`` palette."""

    name = "cost"

    def __init__(self, values: Mapping[str, float], label: str, bins: int = len(PALETTE),
                 theme: Theme | None = None) -> None:
        from ..costs.units import humanize

        super().__init__()
        scale = (theme or Theme()).palette("scale")
        colors = tuple(scale[str(i)] for i in range(1, len(PALETTE) + 1))
        self.after_folding = self.paint
        self.values = dict(values)
        self.label = label
        positive = [v for v in self.values.values() if v > 0]
        self.total = sum(v for k, v in self.values.items() if "/" not in k)  # nested layers are in their model's
        self.log = bool(positive) and max(positive) / min(positive) > 100
        self.edges: list[float] = []
        if positive:
            lo, hi = min(positive), max(positive)
            if lo == hi:
                self.edges = [lo, hi]
            elif self.log:
                a, b = math.log10(lo), math.log10(hi)
                self.edges = [10 ** (a + (b - a) * i / bins) for i in range(bins + 1)]
            else:
                self.edges = [lo + (hi - lo) * i / bins for i in range(bins + 1)]
        n = len(self.edges) - 1
        self.keys = [f"{humanize(self.edges[i])}–{humanize(self.edges[i + 1])} {label}" for i in range(n)]
        if n == 1:
            self.keys = [f"{humanize(self.edges[0])} {label}"]
        self.zero_key, self.unknown_key = f"0 {label}", f"? {label}"
        palette = colors[-n:] if n < len(colors) else colors
        self.colors = {self.unknown_key: scale["unknown"], self.zero_key: scale["zero"],
                       **{k: palette[i] for i, k in enumerate(self.keys)}}
        # a folded block (x N copies, a closed group) may sum past every single layer: one more,
        # darker bin up to the total, so it is never drawn in a bin its value is not in
        self.over_key = None
        if self.edges and self.total > self.edges[-1] * (1 + 1e-9):
            self.over_key = f"{humanize(self.edges[-1])}–{humanize(self.total)} {label} (groups)"
            self.colors[self.over_key] = scale["over"]

    def key(self, value: float | None) -> str:
        if value is None:
            return self.unknown_key
        if value <= 0 or not self.keys:
            return self.zero_key
        for i in range(len(self.keys)):
            if value <= self.edges[i + 1] * (1 + 1e-9):
                return self.keys[i]
        return self.over_key or self.keys[-1]

    def value_of(self, members: Any) -> float | None:
        found = [self.values[m] if m in self.values else self.values.get(m.split("/")[0]) for m in members]
        known = [v for v in found if v is not None]
        return sum(known) if known else None

    def paint(self, view: Any, badges: int = 3) -> Any:
        """The view with every block's colour key (a folded block: its layers' sum), a share
        badge on the heaviest blocks, and each frame's sum (a repeated group's copies, an
        opened nested model) after its parameters."""
        from ..costs.units import humanize

        sums = {nid: self.value_of(block.members or (nid,)) for nid, block in view.blocks.items()}
        heavy = sorted((v, nid) for nid, v in sums.items() if v)[::-1][:badges]
        shares = {nid: v / self.total for v, nid in heavy if self.total and v / self.total >= 0.01}
        blocks = []
        for nid, block in view.blocks.items():
            note = f"{100 * shares[nid]:.0f} % {self.label}" if nid in shares else block.note
            if block.kind in ("repeat", "model", "module") and sums[nid] is not None:  # a group: its sum
                share = f" ({100 * shares[nid]:.0f} %)" if nid in shares else ""
                note = f"{humanize(sums[nid])} {self.label}{share}"
            blocks.append(replace(block, paint=self.key(sums[nid]), note=note))
        clusters = {}
        for cid, info in view.clusters.items():
            v = self.value_of(info.members) if info.members else None
            if v is not None:
                share = f" ({100 * v / self.total:.0f} %)" if self.total and v / self.total >= 0.01 else ""
                extra = f"{humanize(v)} {self.label}{share}"
                info = replace(info, detail=f"{info.detail} · {extra}" if info.detail else extra)
            clusters[cid] = info
        return view.with_blocks(blocks, view.edges, clusters)

    def neuron_key(self, layer: str) -> str | None:
        """A layer's neurons take its bin's key."""
        return self.key(self.values.get(layer))

    def panel(self) -> dict[str, Any]:
        """The figure each layer is coloured by, for the interactive page's panel."""
        return {"label": self.label, "values": self.values}


def painting(graph: Any, color_by: Any, theme: Theme | None = None) -> Painting | None:
    """The :class:`Painting` of ``color_by`` for ``graph`` (``None``: the family colours), in the
    colours of ``theme``'s ``scale`` palette (``None``: the default theme's)."""
    color_by = check_color_by(color_by)
    if color_by is None:
        return None
    if isinstance(color_by, Coloring):
        raise OptionError(f"color_by: a {color_by.name} colouring is not a cost (resolve_coloring takes it)")
    label = _UNIT.get(color_by, "") if isinstance(color_by, str) else ""
    if isinstance(color_by, str) and color_by not in METRICS:
        label = Path(color_by).stem
    return Painting(layer_values(graph, color_by), label or "value", theme=theme)
