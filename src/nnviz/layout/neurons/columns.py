"""What each column of the node style shows: its role, the neurons drawn, their labels, its caption."""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import Any, Sequence

from ...errors import OptionError
from ...graph import Layer, LayerGraph, format_params
from ...theme import family_of
from ...text import display, printable
from .nodeoptions import NodeOptions
from .chain import BLOCK_HINT, node_chain

__all__ = ["Column", "shown_neurons", "plan_columns", "channel_axes", "ROLES", "FORMULA_CHARS", "PASSIVE_FAMILIES",
           "MAX_NAME"]

ROLES = ("input", "hidden", "output", "passive")
# Families whose layers have no neurons of their own: they pass each unit through (or drop it).
# the --description formula stays on one line up to this length ("RELU(Σ20[X*w]+b) = 16 out")
FORMULA_CHARS = 26
PASSIVE_FAMILIES = frozenset({"regularization", "normalization", "activation", "reshape", "pooling"})
MAX_NAME = 60   # characters of a caption line (names and types come from the file: cut, escaped)
_MAX_NEURON_NAME = 40  # characters of a feature or class name stored in a file


def shown_neurons(n: int, max_neurons: int) -> tuple[list[int], int | None]:
    """The neurons a column of ``n`` shows, and how many come before the ellipsis (``None``: all shown).

    >>> shown_neurons(6, 10)
    ([0, 1, 2, 3, 4, 5], None)
    >>> shown_neurons(128, 10)
    ([0, 1, 2, 3, 124, 125, 126, 127], 4)
    """
    if n <= max_neurons:
        return list(range(n)), None
    k = (max_neurons - 2) // 2
    return [*range(k), *range(n - k, n)], k


@dataclass
class Column:
    """One column of the diagram before it is placed: a layer, its role and what it shows.

    Attributes:
        layer, owner: the layer and the graph holding it (for weights of nested models).
        role: input, hidden, output or passive.
        n: the layer's true width.
        shown: indices of the neurons drawn.
        head: neurons before the ellipsis, ``None`` when nothing is elided.
        slots: the column's height in neuron pitches.
        labels: one label per shown neuron ("" for none).
        caption: the caption's first line (the name) and the lines below it.
        more: the "+N more" count of an elided column ("" for none).
        lift: labels sit beside the links that leave each neuron, not on them (hidden columns).
        stride: a column without neurons takes unit ``j`` from unit ``(j // stride) % n`` of the
            previous column (a Flatten of a channels-first tensor: the channels vary slowest).
        lookup: an Embedding: links go through a table (``lookup in V×D``), not all to all.
        frames: the nested models the layer sits in (each drawn as a labelled frame).
        ghost: a copy of the previous row's last column, where a wrapped row starts.
    """

    layer: Layer
    owner: LayerGraph
    role: str
    n: int
    shown: list[int]
    head: int | None
    slots: int
    labels: list[str]
    caption: tuple[str, str]
    more: str = ""
    lift: bool = False
    stride: int = 1
    lookup: bool = False
    frames: tuple[Layer, ...] = ()  # the nested models holding the layer, outermost first
    ghost: bool = False  # the last column of the row before, repeated where a wrapped row starts
    paint: str | None = None  # the neurons' colour key when coloured by a cost (color_by)

    @property
    def passive(self) -> bool:
        return self.role == "passive"

    def slot(self, position: int) -> int:
        """The slot of the ``position``-th shown neuron (the ellipsis takes the slots between)."""
        if self.head is None or position < self.head:
            return position
        return self.slots - (len(self.shown) - position)


def _rank(layer: Layer) -> int | None:
    shapes = layer.output_shapes
    return len(shapes[0]) if len(shapes) == 1 and shapes[0] is not None else None


def _own_channel_axis(layer: Layer) -> int | None:
    """The channel axis a layer's config states: 1 for channels-first, -1 for channels-last, or ``None``."""
    cfg = layer.config
    fmt = cfg.get("data_format")
    if fmt in ("channels_first", "channels_last"):
        return 1 if fmt == "channels_first" else -1
    if family_of(layer.type) == "normalization":
        axis = cfg.get("axis")
        if isinstance(axis, list) and len(axis) == 1:
            axis = axis[0]
        rank = _rank(layer)
        if isinstance(axis, int) and not isinstance(axis, bool) and rank is not None:
            if axis == 1:
                return 1
            if axis in (-1, rank - 1):
                return -1
    return None


def channel_axes(layers: Sequence[Layer]) -> list[int]:
    """Per layer of a chain, the axis of its output whose size is the column's neurons (its channels).

    A layer that states a ``data_format`` (Keras 1's ``dim_ordering: "th"`` reads as
    ``channels_first``) or a normalization ``axis`` decides; a layer that states none
    (Input, Dropout, Activation) takes the axis of its neighbours of the same rank, the
    previous one first. Outputs of rank 2 or less have one axis, the last.

    >>> from nnviz import load
    >>> g = load({"input_shape": [3, 8, 8], "layers": [{"type": "Conv2D", "filters": 4, "kernel_size": 3,
    ...     "data_format": "channels_first"}, {"type": "Dropout", "rate": 0.5}, {"type": "Flatten"}]})
    >>> channel_axes(g.layers)
    [1, 1, 1, -1]
    """
    ranks = [_rank(layer) for layer in layers]
    axes: list[int | None] = [
        -1 if r is None or r <= 2 else _own_channel_axis(layer) for layer, r in zip(layers, ranks)]
    for i in range(1, len(axes)):  # forward: an elementwise layer keeps its input's layout
        if axes[i] is None and ranks[i] == ranks[i - 1] and axes[i - 1] is not None:
            axes[i] = axes[i - 1]
    for i in range(len(axes) - 2, -1, -1):  # backward: an input takes its reader's layout
        if axes[i] is None and ranks[i] == ranks[i + 1] and axes[i + 1] is not None:
            axes[i] = axes[i + 1]
    return [-1 if a is None else a for a in axes]


def _width(layer: Layer, graph: LayerGraph, axis: int = -1) -> int:
    shapes = layer.output_shapes
    if len(shapes) != 1 or shapes[0] is None or (len(shapes[0]) > 1 and shapes[0][axis] is None):
        raise OptionError(f"the width of layer {layer.name!r} is unknown ({shapes or 'no shape'})",
                          hint=BLOCK_HINT, path=graph.source)
    shape = shapes[0]
    return 1 if len(shape) < 2 else int(shape[axis])


def _is_passive(layer: Layer) -> bool:
    family = family_of(layer.type)
    return family in PASSIVE_FAMILIES or (family == "other" and layer.params == 0)


def _roles(chain: Sequence[Layer]) -> list[str]:
    roles = ["input" if l.is_input else "passive" if _is_passive(l) else "hidden" for l in chain]
    for i in range(len(roles) - 1, 0, -1):  # the last layer with neurons is the output
        if roles[i] == "hidden":
            roles[i] = "output"
            break
    return roles


def _dims(shape: Any) -> str:
    return "×".join("?" if d is None else str(d) for d in shape[1:]) or "1"


def _arguments(layer: Layer, n: int, n_prev: int) -> str:
    """What goes in the parentheses after the type: width, rate, activation."""
    if layer.is_input:
        return _dims(layer.output_shapes[0])
    width = layer.units if layer.units is not None else n if n != n_prev else None  # Flatten(400)
    parts = [] if width is None else [str(width)]
    rate = layer.config.get("rate")
    if isinstance(rate, (int, float)) and not isinstance(rate, bool):
        parts.append(f"{rate:g}")
    if layer.activation:
        parts.append(layer.activation)
    return ", ".join(parts)


def _caption(layer: Layer, n: int, n_prev: int, last: bool, description: bool) -> tuple[str, str]:
    """The caption of a column: the name, then type, shape and parameters (or the recipe's formula)."""
    shape = layer.output_shapes[0]
    lines: list[str] = []
    name = display(layer.name.upper() if description else layer.name, MAX_NAME)  # from the file: escaped, cut
    lookup = _lookup_text(layer)
    if lookup:  # an Embedding looks rows up in a table: no formula, no weighted sum
        lines += [display(layer.type, MAX_NAME), lookup] + ([_dims(shape)] if len(shape) > 2 else [])
    elif description:
        if not layer.is_input and not _is_passive(layer):
            act = (layer.activation or "linear").upper()
            act = display(act, MAX_NAME)  # from the file: control characters escaped, cut
            out = f"{n} {'Y' if last else 'out'}"
            one = f"{act}(Σ{n_prev}[X*w]+b) = {out}"
            # the recipe's formula on one line when it is short; broken at its parentheses when not
            lines += [one] if len(one) <= FORMULA_CHARS else [f"{act} (", f"Σ{n_prev}[X*w]+b", f") = {out}"]
        elif not layer.is_input:
            lines.append(display(f"{layer.type}({_arguments(layer, n, n_prev)})".replace("()", ""), MAX_NAME))
    else:
        label = "Input" if layer.is_input else layer.type
        lines.append(display(f"{label}({_arguments(layer, n, n_prev)})".replace("()", ""), MAX_NAME))
        if len(shape) > 2 and not layer.is_input:
            lines.append(_dims(shape))
    if layer.params or layer.params is None:
        lines.append(f"{format_params(layer.params)} params")
    return name, "\n".join(lines)


def _lookup_text(layer: Layer) -> str:
    """``lookup in V×D`` for an Embedding (its table's rows and columns), else ``""``."""
    if layer.type != "Embedding":
        return ""
    rows, cols = layer.config.get("input_dim"), layer.config.get("output_dim")
    known = all(isinstance(v, int) and not isinstance(v, bool) for v in (rows, cols))
    return f"lookup in {rows:,}×{cols:,}" if known else "lookup in a table"


def _neuron_labels(role: str, shown: list[int], first: bool, last: bool, options: NodeOptions) -> list[str]:
    if first:
        names, letter = options.feature_names, "X"
    elif last:
        names, letter = options.output_names, "y"
    elif role == "passive":
        return [""] * len(shown)
    else:
        names, letter = None, "H"
    if names is not None:
        return [printable(names[i]) for i in shown]
    return [f"${letter}_{{{i + 1}}}$" for i in shown]


def _with_stored_names(graph: LayerGraph, options: NodeOptions, n_in: int, n_out: int) -> NodeOptions:
    """Options whose missing feature and output names come from the file (``nnviz train`` stores
    the data's), where their number fits the input's and output's width."""
    stored = {}
    for option, n in (("feature_names", n_in), ("output_names", n_out)):
        names = graph.neuron_names.get(option)
        if getattr(options, option) is None and names is not None and len(names) == n:
            stored[option] = tuple(display(name, _MAX_NEURON_NAME) for name in names)
    return replace(options, **stored) if stored else options


def _check_names(option: str, names: tuple[str, ...] | None, n: int, where: str) -> None:
    if names is not None and len(names) != n:
        raise OptionError(f"{option} has {len(names)} names, and the {where} has {n} neurons")


def plan_columns(graph: LayerGraph, options: NodeOptions) -> list[Column]:
    """Decide what each column shows: its role, the neurons drawn, their labels and the caption.

    Args:
        graph: the layer graph.
        options: the node options.

    Returns:
        One :class:`Column` per layer of the chain.

    Raises:
        OptionError: not a chain, a layer of unknown width, or names that do not match the widths.

    >>> from nnviz import load
    >>> cols = plan_columns(load({"input_shape": [30], "layers": [{"type": "Dense", "units": 2}]}), NodeOptions())
    >>> [(c.role, c.n, len(c.shown), c.more) for c in cols]
    [('input', 30, 8, '+22 more'), ('output', 2, 2, '')]
    """
    chain = node_chain(graph)
    layers = [layer for layer, _ in chain]
    roles = _roles(layers)
    widths = [_width(layer, owner, axis) for (layer, owner), axis in zip(chain, channel_axes(layers))]
    options = _with_stored_names(graph, options, widths[0], widths[-1])
    _check_names("feature_names", options.feature_names, widths[0], "input")
    _check_names("output_names", options.output_names, widths[-1], "output")
    axes = channel_axes(layers)
    frames = _frame_paths(graph)
    columns = []
    for i, ((layer, owner), role, n) in enumerate(zip(chain, roles, widths)):
        shown, head = shown_neurons(n, options.max_neurons)
        last = i == len(chain) - 1
        n_prev = widths[i - 1] if i else n
        caption = _caption(layer, n, n_prev, last, options.description)
        # a layer without neurons that changes the width (Flatten) counts what it hides too
        counted = role != "passive" or n != n_prev
        more = f"+{n - len(shown):,} more" if head is not None and counted else ""
        columns.append(Column(layer, owner, role, n, shown, head, min(n, options.max_neurons),
                              _neuron_labels(role, shown, i == 0, last, options), caption, more,
                              lift=0 < i < len(chain) - 1,
                              stride=_stride(layers[i - 1], axes[i - 1]) if i and role == "passive" else 1,
                              lookup=layer.type == "Embedding" and i > 0, frames=frames.get(id(owner), ())))
    return columns


def _frame_paths(graph: LayerGraph) -> dict[int, tuple[Layer, ...]]:
    """Per nested model's graph (by identity), the nested-model layers that lead to it, outermost first."""
    paths: dict[int, tuple[Layer, ...]] = {}

    def walk(g: LayerGraph, path: tuple[Layer, ...]) -> None:
        for layer in g.layers:
            if layer.subgraph is not None and id(layer.subgraph) not in paths:
                paths[id(layer.subgraph)] = path + (layer,)
                walk(layer.subgraph, path + (layer,))

    walk(graph, ())
    return paths


def _stride(prev: Layer, axis: int) -> int:
    """How many units of a flattened channels-first tensor share one channel (1 for channels-last)."""
    shape = prev.output_shapes[0]
    if axis != 1 or len(shape) <= 2 or any(d is None for d in shape[2:]):
        return 1
    return math.prod(shape[2:])
