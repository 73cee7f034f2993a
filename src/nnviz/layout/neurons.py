"""Node-and-link layout: a column of neurons per layer, wide layers collapsed, every label placed so none overlap.

The stages, each a small function: :func:`node_chain` finds the chain of
layers (nested models opened), :func:`plan_columns` decides what each column
shows (roles, collapsed neurons, labels, captions), :func:`_fit` sizes the page
(shrinking fonts when a fixed ``figsize`` is too small) and :func:`_emit`
writes the positioned :class:`~nnviz.scene.Scene`. No drawing library is
imported; text sizes come from :mod:`nnviz.layout.metrics`.

>>> from nnviz import load
>>> scene = layout_nodes(load({"input_shape": [8], "layers": [
...     {"type": "Dense", "units": 16, "activation": "relu"}, {"type": "Dense", "units": 1}]}))
>>> len(scene.neurons), sum(len(s) for s in scene.links)   # 8 + 8 shown of 16 + 1
(17, 72)
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, Callable, Sequence

from ..errors import OptionError, ReadError
from ..graph import Layer, LayerGraph, format_params
from ..options import DIRECTIONS, check_choice, check_dpi, check_figsize, parse_width, strict_options
from ..theme import Theme, family_of, resolve_theme, with_font
from ..scene import Box, Cluster, Label, LinkSet, Neuron, Scene
from ..text import display, printable
from .layered import PAGES
from .metrics import text_size

if TYPE_CHECKING:  # pragma: no cover
    import numpy

__all__ = ["NodeOptions", "DIRECTIONS", "layout_nodes", "node_chain", "plan_columns", "collapse", "Column",
           "DENSE_LINKS", "lookup_grid"]

ROLES = ("input", "hidden", "output", "passive")
# Families whose layers have no neurons of their own: they pass each unit through (or drop it).
# the --description formula stays on one line up to this length ("RELU(Σ20[X*w]+b) = 16 out")
FORMULA_CHARS = 26
PASSIVE_FAMILIES = frozenset({"regularization", "normalization", "activation", "reshape", "pooling"})
_BLOCK_HINT = "draw it with style='block', or nnviz draw --style block"

# Sizes in points. Why these: a 24 pt pitch fits an 8 pt subscripted label with air;
# natural pages stop growing at about 9 inches across the columns.
_MARGIN = 12.0
DENSE_LINKS = 100_000  # more links between two layers (without weights) are drawn as a density image
_MAX_NAME = 60   # characters of a caption line (names and types come from the file: cut, escaped)
_MAX_TITLE = 80
_MAX_NEURON_NAME = 40  # characters of a feature or class name stored in a file
_PAD = 3.0
_CAPTION_GAP = 12.0
_MAX_CROSS = {"LR": 660.0, "TB": 900.0}
_MIN_CROSS = 150.0
_COLORBAR_W = 140.0
_FRAME_LINE = 2.0   # ems across the flow per level of nested frames (its title line)
_FRAME_PAD = 0.8   # ems between a frame and what it holds, per level inside it
_ROW_GAP = 1.5      # ems between the rows of a wrapped page
_MIN_FONT = 6.0     # points: a page is fitted with text no smaller
_SCALES = (1.0, 0.9, 0.8, 0.7, 0.6, 0.5)


@strict_options
@dataclass(frozen=True, kw_only=True)
class NodeOptions:
    """How a node-and-link diagram is drawn; every field is a keyword of ``draw(style="node")``.

    Args:
        max_neurons: neurons shown per column; a wider layer shows its first and last few around
            an ellipsis and a "+N more" count (at least 4).
        weights: colour links by weight and neurons by bias (the source must carry weights).
        description: caption layers with the familiar formula (``RELU (`` / ``Σ8[X*w]+b`` / ``) = 16 out``).
        figsize: (width, height) in inches; ``None`` sizes the page to its content.
        width: the figure's exact width (``figsize`` overrides it): a length, ``"3.25in"``, ``"8.5cm"``,
            ``"252pt"``, a number of inches, or a named width (``ieee-column``, ``acm-page``,
            ``a4-text``..., see ``nnviz.options.WIDTHS``); the height follows the content.
        dpi: resolution of PNG output; ``None`` chooses it from the figure's size, so that the PNG
            is at least 1,200 pixels wide (100 dpi at least).
        direction: ``LR`` (data flows left to right) or ``TB`` (top to bottom).
        feature_names: labels of the input neurons instead of X_1, X_2...
        output_names: labels of the output neurons instead of y_1, y_2...
        title: the title; ``None`` for the model's name and parameter total, ``""`` for none.
        theme: colours and fonts: a ``Theme`` or a name, ``default``, ``paper``, ``colorblind``
            or ``dark`` (``None`` for the default theme).
        font: an installed font family for every text, measured from its font file (``None``: the theme's).
        page: ``a4`` (default), ``letter`` or ``None``: without a ``figsize``, a drawing larger than
            the page (either orientation) wraps into rows (``LR``; columns side by side for ``TB``)
            and shrinks to text no smaller than 6 pt, until it fits; ``None`` keeps its natural size.
        ax: a matplotlib Axes to draw into instead of a new figure.
        weight_scale: the |weight| at the ends of the colour bar; ``None`` for the largest drawn
            (give one value to several drawings, e.g. animation frames, to compare them).
        color_by: colour each layer's neurons by a cost instead of their role: ``"params"``,
            ``"macs"``, ``"flops"``, ``"memory"``, a ``.json`` file or a dict ``{layer: number}``
            (``nnviz profile``'s times); the legend is the scale. Not with ``weights=True``.

    Raises:
        OptionError: an unknown option or a value out of range.

    >>> NodeOptions(direction="XY")
    Traceback (most recent call last):
    ...
    nnviz.errors.OptionError: unknown direction: 'XY' (must be one of ['LR', 'TB'])
    """

    max_neurons: int = 10
    weights: bool = False
    description: bool = False
    figsize: tuple[float, float] | None = None
    width: str | float | None = None
    dpi: float | None = None
    direction: str = "LR"
    feature_names: tuple[str, ...] | None = None
    output_names: tuple[str, ...] | None = None
    title: str | None = None
    theme: Theme | str | None = None
    page: str | None = "a4"
    ax: Any = field(default=None, compare=False)
    weight_scale: float | None = None
    color_by: Any = None
    font: str | None = None

    def __post_init__(self) -> None:
        if isinstance(self.max_neurons, bool) or not isinstance(self.max_neurons, int) or self.max_neurons < 4:
            raise OptionError(f"max_neurons must be an integer of at least 4, got {self.max_neurons!r}")
        for name in ("weights", "description"):
            if not isinstance(getattr(self, name), bool):
                raise OptionError(f"{name} must be True or False, got {getattr(self, name)!r}")
        check_choice("direction", self.direction, DIRECTIONS)
        if self.page is not None:
            object.__setattr__(self, "page", str(self.page).lower())
            check_choice("page", self.page, [*PAGES, None])
        object.__setattr__(self, "figsize", check_figsize(self.figsize))
        parse_width(self.width)
        check_dpi(self.dpi)
        for name in ("feature_names", "output_names"):
            object.__setattr__(self, name, _names(name, getattr(self, name)))
        if self.title is not None and not isinstance(self.title, str):
            raise OptionError(f"title must be a string, got {self.title!r}")
        object.__setattr__(self, "theme", with_font(resolve_theme(self.theme), self.font))
        if self.weight_scale is not None and (isinstance(self.weight_scale, bool) or not isinstance(
                self.weight_scale, (int, float)) or not self.weight_scale > 0):
            raise OptionError(f"weight_scale must be a positive number, got {self.weight_scale!r}")
        if self.ax is not None and not hasattr(self.ax, "add_collection"):
            raise OptionError(f"ax must be a matplotlib Axes, got {type(self.ax).__name__}")
        if self.color_by is not None:
            from ..view.paint import check_color_by

            check_color_by(self.color_by)
            if self.weights:
                raise OptionError("weights=True colours links and neurons by weight: it cannot go with color_by")


def _names(option: str, value: Any) -> tuple[str, ...] | None:
    if value is None:
        return None
    if isinstance(value, str) or not all(isinstance(v, str) for v in value):
        raise OptionError(f"{option} must be a list of strings, got {value!r}")
    return tuple(value)


# -- the chain of layers ------------------------------------------------------

def _not_a_chain(graph: LayerGraph, why: str) -> OptionError:
    return OptionError(f"the node style draws a chain of layers, and model {graph.name!r} is not one: {why}",
                       hint=_BLOCK_HINT)


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"


def node_chain(graph: LayerGraph) -> list[tuple[Layer, LayerGraph]]:
    """The layers from input to output, nested models opened, each with the graph that holds it.

    Args:
        graph: a layer graph.

    Returns:
        ``(layer, owner)`` pairs in data-flow order, the input layer first.

    Raises:
        OptionError: the model branches, merges, shares a layer or has several inputs or outputs
            (the block style draws those).

    >>> from nnviz import load
    >>> [layer.name for layer, _ in node_chain(load({"input_shape": [3], "layers": [
    ...     {"type": "Dense", "units": 2, "name": "a"}, {"type": "Dropout", "rate": 0.1, "name": "d"}]}))]
    ['input', 'a', 'd']
    """
    if len(graph.inputs) != 1 or len(graph.outputs) != 1:
        raise _not_a_chain(graph, f"it has {_count(len(graph.inputs), 'input')} and "
                                  f"{_count(len(graph.outputs), 'output')}")
    consumers: dict[str, list[str]] = {}
    seen: set[str] = set()
    for call in graph.calls:
        if call.layer in seen:
            raise _not_a_chain(graph, f"layer {call.layer!r} is shared (called more than once)")
        seen.add(call.layer)
        if len(call.inputs) > 1:
            raise _not_a_chain(graph, f"layer {call.layer!r} merges {len(call.inputs)} tensors")
        for ref in call.inputs:
            consumers.setdefault(ref.layer, []).append(call.layer)
    name = graph.inputs[0].layer
    chain = [graph.layer(name)]
    while consumers.get(name):
        if len(consumers[name]) > 1:
            raise _not_a_chain(graph, f"layer {name!r} feeds {len(consumers[name])} branches")
        name = consumers[name][0]
        chain.append(graph.layer(name))
    if name != graph.outputs[0].layer:
        raise _not_a_chain(graph, f"the path from the input ends at {name!r}, not at the output")
    return _open_nested(chain, graph)


def _open_nested(chain: list[Layer], graph: LayerGraph) -> list[tuple[Layer, LayerGraph]]:
    out: list[tuple[Layer, LayerGraph]] = []
    for layer in chain:
        if layer.subgraph is None:
            out.append((layer, graph))
            continue
        inner = node_chain(layer.subgraph)
        out.extend(pair for pair in inner if not pair[0].is_input)
    return out


# -- what each column shows ---------------------------------------------------

def collapse(n: int, max_neurons: int) -> tuple[list[int], int | None]:
    """The neurons a column of ``n`` shows, and how many come before the ellipsis (``None``: all shown).

    >>> collapse(6, 10)
    ([0, 1, 2, 3, 4, 5], None)
    >>> collapse(128, 10)
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
        head: neurons before the ellipsis, ``None`` when nothing is collapsed.
        slots: the column's height in neuron pitches.
        labels: one label per shown neuron ("" for none).
        caption: the caption's first line (the name) and the lines below it.
        more: the "+N more" count of a collapsed column ("" for none).
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
                          hint=_BLOCK_HINT, path=graph.source)
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
    name = display(layer.name.upper() if description else layer.name, _MAX_NAME)  # from the file: escaped, cut
    lookup = _lookup_text(layer)
    if lookup:  # an Embedding looks rows up in a table: no formula, no weighted sum
        lines += [display(layer.type, _MAX_NAME), lookup] + ([_dims(shape)] if len(shape) > 2 else [])
    elif description:
        if not layer.is_input and not _is_passive(layer):
            act = (layer.activation or "linear").upper()
            act = display(act, _MAX_NAME)  # from the file: control characters escaped, cut
            out = f"{n} {'Y' if last else 'out'}"
            one = f"{act}(Σ{n_prev}[X*w]+b) = {out}"
            # the recipe's formula on one line when it is short; broken at its parentheses when not
            lines += [one] if len(one) <= FORMULA_CHARS else [f"{act} (", f"Σ{n_prev}[X*w]+b", f") = {out}"]
        elif not layer.is_input:
            lines.append(display(f"{layer.type}({_arguments(layer, n, n_prev)})".replace("()", ""), _MAX_NAME))
    else:
        label = "Input" if layer.is_input else layer.type
        lines.append(display(f"{label}({_arguments(layer, n, n_prev)})".replace("()", ""), _MAX_NAME))
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
        shown, head = collapse(n, options.max_neurons)
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


# -- weights ------------------------------------------------------------------

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


def _link_weights(columns: list[Column], graph: LayerGraph) -> dict[int, tuple[Any, Any]]:
    """Per column index, the (kernel, bias) restricted to the shown neurons."""
    if not graph.has_weights:
        from ..readers.build import BUILT_NOTE

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


# -- sizes --------------------------------------------------------------------

@dataclass(frozen=True)
class _Sizes:
    """Font and neuron sizes at one scale."""

    font: float
    title: float
    ellipsis: float
    radius: float
    pitch: float

    @classmethod
    def at(cls, theme: Theme, scale: float) -> "_Sizes":
        f = theme.font_size * scale
        return cls(font=f, title=theme.title_size * scale, ellipsis=1.4 * f,
                   radius=max(5.0, 0.85 * f), pitch=max(18.0, 3.0 * f))


@dataclass
class _Arrangement:
    """Where the labels of one column go once the pitch is known."""

    keep: list[bool]
    rotate: bool
    flow_ext: float  # how far the labels reach along the flow, beyond the offset
    offset: float    # distance from the neuron centre to the labels' near edge
    base: float      # half-thickness of the column itself (neurons, ellipsis)
    more_step: float = 0.0  # how much further along the flow the "+N more" count sits


@dataclass
class _Page:
    """The fitted page: sizes, pitch, arrangements and positions along the flow."""

    sizes: _Sizes
    width: float
    height: float
    pitch: float
    radius: float
    cross_len: float
    caption_band: float
    flows: list[float]
    arrangements: list[_Arrangement]
    origin: tuple[float, float]
    bottom_h: float
    legend_rows: list[list[int]]
    fits: bool = True
    frame_band: float = 0.0  # across the flow, before the captions: titles of nested models' frames


def _caption_sizes(col: Column, f: float) -> tuple[float, float, float]:
    """(width, height, height of the name line) of a column's caption."""
    name_w, name_h = text_size(col.caption[0], f)
    name_w *= 1.05  # bold
    if not col.caption[1]:
        return name_w, name_h, name_h
    det_w, det_h = text_size(col.caption[1], f)
    return max(name_w, det_w), name_h + 2 + det_h, name_h


def _label_sizes(col: Column, f: float) -> list[tuple[float, float]]:
    return [text_size(t, f) if t else (0.0, 0.0) for t in col.labels]


def _cross_ext(w: float, h: float, direction: str, rotate: bool) -> float:
    return h if direction == "LR" or rotate else w


def _flow_ext(w: float, h: float, direction: str, rotate: bool) -> float:
    return w if direction == "LR" or rotate else h


def _lift_centre(ext: float, direction: str) -> float:
    """Where a lifted label's middle sits across the flow, from its neuron's centre.

    Lifted labels clear the links leaving their neuron: above them (LR), or right of them (TB).
    """
    return -(ext / 2 + 1) if direction == "LR" else ext / 2 + 1


def _thin(items: list[tuple[float, float, int]]) -> set[int]:
    """Greedily keep labels that do not overlap across the flow; the "+N more" count (index -1) always stays."""
    kept: list[tuple[float, float, int]] = []
    for c, ext, i in sorted(items):
        if i == -1:  # the count shows: drop the labels it would cover
            while kept and c - kept[-1][0] < (ext + kept[-1][1]) / 2 + 1:
                kept.pop()
            kept.append((c, ext, i))
        elif not kept or c - kept[-1][0] >= (ext + kept[-1][1]) / 2 + 1:
            kept.append((c, ext, i))
    return {i for _, _, i in kept}


def _arrange(col: Column, pitch: float, radius: float, sizes: _Sizes, direction: str) -> _Arrangement:
    """Rotate (TB) or thin out a column's labels until none overlaps another at this pitch."""
    dims = _label_sizes(col, sizes.font)
    user_text = any(t and not t.startswith("$") for t in col.labels)
    rotate = direction == "TB" and user_text and any(w > pitch - 2 for w, _ in dims)
    r = radius * (0.6 if col.passive else 1.0)
    base = max(r, sizes.ellipsis / 2 if col.head is not None else 0.0)
    # labels across the flow: (middle in points from the column's middle, extent, index)
    items = []
    for i, (w, h) in enumerate(dims):
        if col.labels[i]:
            ext = _cross_ext(w, h, direction, rotate)
            mid = (col.slot(i) - (col.slots - 1) / 2) * pitch + (_lift_centre(ext, direction) if col.lift else 0)
            items.append((mid, ext, i))
    flows = [_flow_ext(*dims[i], direction, rotate) for _, _, i in items]
    keep = _thin(items)
    more_step = 0.0
    if col.more:
        mw, mh = text_size(col.more, sizes.font)
        inline = _thin(items + [(0.0, _cross_ext(mw, mh, direction, False), -1)])
        if direction == "TB" and len(inline) <= len(keep) and items:
            # across a TB column the count would push out neuron labels: give it a row of its own
            more_step = max(flows) + 2
        else:
            keep = inline
        flows.append(more_step + _flow_ext(mw, mh, direction, False))
    flow_ext = max([f for (_, _, i), f in zip(items, flows) if i in keep] + flows[len(items):] + [0.0])
    return _Arrangement([i in keep for i in range(len(dims))], rotate, flow_ext, base + _PAD, base, more_step)


def _overhang(columns: list[Column], sizes: _Sizes, direction: str) -> float:
    """How far labels and neurons may reach beyond the outermost neuron centres, across the flow."""
    reach = sizes.radius
    for col in columns:
        for (w, h), t in zip(_label_sizes(col, sizes.font), col.labels):
            if t:
                ext = _cross_ext(w, h, direction, direction == "TB" and not t.startswith("$"))
                reach = max(reach, (ext + 1 if col.lift else ext / 2) + 1)
    return reach


def _extents(col: Column, arr: _Arrangement, first: bool) -> tuple[float, float]:
    """(upstream, downstream) reach of a column along the flow, labels included."""
    labelled = any(arr.keep) or bool(col.more)
    reach = arr.offset + arr.flow_ext if labelled else arr.base
    return (reach, arr.base) if first else (arr.base, reach)


def _link_span(cross_len: float, scale: float, fixed: bool) -> float:
    """The shortest run of all-to-all links between columns.

    A page sized to its content keeps links neither stubby nor sprawling next to the columns'
    height; a fixed page starts from short links and shares out whatever room is left.
    """
    if fixed:
        return 60.0 * scale
    return min(max(0.45 * cross_len, 90.0), 200.0) * scale


def _flows(columns: list[Column], arrs: list[_Arrangement], captions: list[tuple[float, float, float]],
           direction: str, span: float, scale: float, frame_gap: float = 0.0) -> tuple[list[float], float]:
    """Column positions along the flow, as tight as labels, captions and links allow; and the length.

    Where a nested model's frame begins or ends between two columns, they keep ``frame_gap`` more apart.
    """
    half = [(w if direction == "LR" else h) / 2 for w, h, _ in captions]
    ext = [_extents(c, a, i == 0) for i, (c, a) in enumerate(zip(columns, arrs))]
    pos = [max(ext[0][0], half[0])]
    for i in range(1, len(columns)):
        # a frame's edge lies past the labels and the caption, and frames of siblings stay apart
        framed = (max(ext[i - 1][1], half[i - 1]) + max(ext[i][0], half[i]) + frame_gap + 4 * scale
                  if columns[i - 1].frames != columns[i].frames else 0.0)
        gap = max(span * (0.6 if columns[i].passive else 1.0),  # one-to-one links need less run
                  ext[i - 1][1] + ext[i][0] + 8 * scale, framed,
                  half[i - 1] + half[i] + (12 if direction == "LR" else 8) * scale)
        pos.append(pos[-1] + gap)
    return pos, pos[-1] + max(ext[-1][1], half[-1])


def _legend_entries(columns: list[Column], theme: Theme) -> list[tuple[str, str]]:
    painted = {c.paint for c in columns if c.paint is not None}
    if painted:  # coloured by a cost: the legend is the scale's bins in use, in order
        return [(k, k) for k in theme.role_colors if k in painted]
    present = [r for r in ROLES if any(c.role == r for c in columns)]
    passive = sorted({c.layer.type for c in columns if c.passive})
    names = {"input": "input", "hidden": "hidden", "output": "output",
             "passive": f"no neurons ({', '.join(passive)})"}
    entries: dict[str, tuple[str, str]] = {}
    for role in present:  # roles of one colour share an entry
        color = theme.role_color(role)
        if color in entries:
            entries[color] = (f"{entries[color][0]}, {names[role]}", entries[color][1])
        else:
            entries[color] = (names[role], role)
    return list(entries.values())


def _legend_rows(entries: list[tuple[str, str]], f: float, width: float) -> list[list[int]]:
    """Pack legend entries into rows no wider than ``width``."""
    rows: list[list[int]] = [[]]
    used = 0.0
    for i, (text, _) in enumerate(entries):
        w = _legend_entry_w(text, f)
        if rows[-1] and used + w > width:
            rows.append([])
            used = 0.0
        rows[-1].append(i)
        used += w
    return rows


def _legend_entry_w(text: str, f: float) -> float:
    # handle 1.0 em, pad 0.5 em, column spacing 1.5 em (as the renderer asks matplotlib for)
    return text_size(text, f)[0] + 3.0 * f


def _colorbar_label(f: float) -> tuple[str, float]:
    text = "weight (links), bias (neurons)"
    return text, text_size(text, f)[0]


def _bottom_height(rows: int, f: float, has_colorbar: bool) -> float:
    """Height of the band under the columns: the legend rows, then the colour bar."""
    return 10 + rows * 1.6 * f + ((12 + 8 + 4 + f + 2) if has_colorbar else 0.0)


def _natural_pitch(sizes: _Sizes, slots: int, over: float, direction: str) -> float:
    """The pitch of a page sized to its content: roomy for a few neurons, tighter for many."""
    spans = max(slots - 1, 1)
    pitch = sizes.pitch
    if spans * pitch < _MIN_CROSS - 2 * over:
        pitch = min(1.6 * sizes.pitch, (_MIN_CROSS - 2 * over) / spans)
    return min(pitch, _MAX_CROSS[direction] / spans)


def _fixed_pitch(options: NodeOptions, sizes: _Sizes, slots: int, reach: float, band: float,
                 top_h: float, bottom_h: float) -> float:
    """The pitch that fills a fixed figsize across the flow (no more than 1.6 times the natural one)."""
    fig_w, fig_h = options.figsize[0] * 72, options.figsize[1] * 72
    across = (fig_h - top_h - bottom_h) if options.direction == "LR" else fig_w
    room = across - 2 * _MARGIN - band - _CAPTION_GAP - 2 * reach
    return min(room / max(slots - 1, 1), 1.6 * sizes.pitch)


def _fit(columns: list[Column], options: NodeOptions, title: str, legend: list[tuple[str, str]],
         has_colorbar: bool, scale: float, *, pitch_cap: float | None = None) -> _Page:
    """Size the page at one font scale; ``fits`` says whether a fixed figsize holds it.

    Room is kept before the captions for the titles of nested models' frames (a line per level);
    ``pitch_cap`` keeps neurons closer than the natural pitch (a row of a wrapped page).
    """
    d, fixed = options.direction, options.figsize is not None
    sizes = _Sizes.at(options.theme, scale)
    f = sizes.font
    captions = [_caption_sizes(c, f) for c in columns]
    frame_band = max(len(c.frames) for c in columns) * _FRAME_LINE * f
    band = max((h if d == "LR" else w) for w, h, _ in captions) + frame_band
    top_h = (sizes.title + 10) if title else 0.0
    others_w = max([text_size(title, sizes.title)[0] * 1.05 if title else 0.0,
                    _colorbar_label(f)[1] + 8 + _COLORBAR_W + 15 if has_colorbar else 0.0]
                   + [_legend_entry_w(t, f) for t, _ in legend])
    slots, reach = max(c.slots for c in columns), _overhang(columns, sizes, d)
    fig_w, fig_h = (options.figsize[0] * 72, options.figsize[1] * 72) if fixed else (0.0, 0.0)
    rows = _legend_rows(legend, f, fig_w - 2 * _MARGIN) if fixed else []
    pitch = (_fixed_pitch(options, sizes, slots, reach, band, top_h, _bottom_height(len(rows), f, has_colorbar))
             if fixed else _natural_pitch(sizes, slots, reach, d))
    if pitch_cap is not None:
        pitch = min(pitch, pitch_cap)
    fits, pitch = pitch >= 0.5, max(pitch, 0.5)
    radius = max(min(sizes.radius, 0.38 * pitch), 0.3)
    cross_len = (slots - 1) * pitch + 2 * reach
    arrs = [_arrange(c, pitch, radius, sizes, d) for c in columns]
    levels = max(len(c.frames) for c in columns)
    flows, flow_len = _flows(columns, arrs, captions, d, _link_span(cross_len, scale, fixed), scale,
                             2 * levels * _FRAME_PAD * f)
    core_cross = band + _CAPTION_GAP + cross_len + levels * _FRAME_PAD * f  # frames close past the neurons
    width = 2 * _MARGIN + max(flow_len if d == "LR" else core_cross, others_w)
    rows = rows if fixed else _legend_rows(legend, f, width - 2 * _MARGIN)
    bottom_h = _bottom_height(len(rows), f, has_colorbar)
    height = 2 * _MARGIN + top_h + bottom_h + (core_cross if d == "LR" else flow_len)
    if fixed:
        fits = fits and width <= fig_w + 0.01 and height <= fig_h + 0.01
        width, height = max(width, fig_w), max(height, fig_h)
        spare = (width - 2 * _MARGIN if d == "LR" else height - 2 * _MARGIN - top_h - bottom_h) - flow_len
        if len(flows) > 1 and spare > 0:
            flows, flow_len = _spread(flows, spare), flow_len + spare
    core_w, core_h = (flow_len, core_cross) if d == "LR" else (core_cross, flow_len)
    room_h = height - 2 * _MARGIN - top_h - bottom_h
    origin = ((width - core_w) / 2, _MARGIN + top_h + max(room_h - core_h, 0) / 2)
    return _Page(sizes, width, height, pitch, radius, cross_len, band, flows, arrs, origin, bottom_h, rows, fits,
                 frame_band)


def _at_width(columns: list[Column], options: NodeOptions, title: str, legend: list[tuple[str, str]],
              has_colorbar: bool, width: float) -> NodeOptions:
    """The options that draw exactly ``width`` points wide: a page that wide and as tall as the content
    at its natural size, its fonts shrunk no smaller than :data:`_MIN_FONT`; a left-to-right drawing
    too long for that turns top to bottom, where the neurons spread across the width instead."""
    from dataclasses import replace

    tried = []
    for direction in dict.fromkeys((options.direction, "TB")):
        free = replace(options, direction=direction, width=None)
        natural = _fit(columns, free, title, legend, has_colorbar, 1.0)
        fixed = replace(free, figsize=(width / 72.0, max(natural.height, 36.0) / 72.0))
        tried.append(fixed)
        if any(_fit(columns, fixed, title, legend, has_colorbar, s).fits for s in _SCALES
               if options.theme.font_size * s >= _MIN_FONT - 1e-9):
            return fixed
    return tried[0]


def _spread(flows: list[float], extra: float) -> list[float]:
    """Share spare room along the flow out between the gaps (a fixed figsize fills its page)."""
    step = extra / (len(flows) - 1)
    return [p + i * step for i, p in enumerate(flows)]


# -- the scene ----------------------------------------------------------------

_ALIGN = {("LR", "up"): ("right", "center"), ("LR", "down"): ("left", "center"),
          ("TB", "up"): ("center", "bottom"), ("TB", "down"): ("center", "top"),
          ("LR", "lift"): ("left", "bottom"), ("TB", "lift"): ("left", "top")}


class _Emitter:
    """Writes a fitted page into a Scene, in page coordinates (points, y down)."""

    def __init__(self, page: _Page, options: NodeOptions) -> None:
        self.page = page
        self.d = options.direction
        self.scene = Scene(page.width, page.height)
        self.centre = page.caption_band + _CAPTION_GAP + page.cross_len / 2
        self.tables: dict[int, float] = {}

    def at(self, flow: float, cross: float) -> tuple[float, float]:
        x0, y0 = self.page.origin
        return (x0 + flow, y0 + cross) if self.d == "LR" else (x0 + cross, y0 + flow)

    def label(self, flow: float, cross: float, text: str, side: str, role: str,
              size: float | None = None, rotate: bool = False) -> None:
        x, y = self.at(flow, cross)
        ha, va = _ALIGN[(self.d, side)]
        self.scene.labels.append(Label(x, y, text, size or self.page.sizes.font, ha, va, role,
                                       90.0 if rotate else 0.0))

    def column(self, i: int, col: Column, values: Any) -> list[tuple[float, float]]:
        """Neurons, labels, ellipsis and caption of one column; returns the neuron centres."""
        page, flow = self.page, self.page.flows[i]
        arr = page.arrangements[i]
        r = page.radius * (0.6 if col.passive else 1.0)
        side = "up" if i == 0 else "down"
        sign = -1 if side == "up" else 1
        points = []
        for k, index in enumerate(col.shown):
            cross = self.centre + (col.slot(k) - (col.slots - 1) / 2) * page.pitch
            x, y = self.at(flow, cross)
            points.append((x, y))
            value = None if values is None else float(values[k])
            self.scene.neurons.append(Neuron(f"{col.layer.name}/{index}", x, y, r, col.paint or col.role,
                                             col.layer.name, index, value))
            if arr.keep[k] and col.lift:
                self.label(flow + arr.offset, cross + _lift_centre(0, self.d), col.labels[k], "lift", "neuron")
            elif arr.keep[k]:
                self.label(flow + sign * arr.offset, cross, col.labels[k], side, "neuron", rotate=arr.rotate)
        if col.head is not None:
            x, y = self.at(flow, self.centre)
            self.scene.labels.append(Label(x, y, "⋮" if self.d == "LR" else "⋯", page.sizes.ellipsis,
                                           "center", "center", "ellipsis"))
            if col.more:
                self.label(flow + sign * (arr.offset + arr.more_step), self.centre, col.more, side, "more")
        self.caption(flow, col)
        return points

    def lookup(self, i: int, columns: list[Column], src: "numpy.ndarray", dst: "numpy.ndarray") -> list[LinkSet]:
        """An Embedding: each token position goes into a table (one row each), one vector comes out.

        The table sits in the middle of the gap between the columns; its links are not a weighted
        all-to-all bundle, since an Embedding multiplies nothing.
        """
        import numpy as np

        page, prev, col = self.page, columns[i - 1], columns[i]
        lo = page.flows[i - 1] + _extents(prev, page.arrangements[i - 1], i == 1)[1]
        hi = page.flows[i] - _extents(col, page.arrangements[i], False)[0]
        f = page.sizes.font
        along = min(max(0.3 * (hi - lo), 1.6 * f), 3.5 * f)
        across = min(max(page.cross_len * 0.45, 3 * f), 9 * f)
        mid = (lo + hi) / 2
        (x0, y0), (x1, y1) = self.at(mid - along / 2, self.centre - across / 2), \
            self.at(mid + along / 2, self.centre + across / 2)
        box = _lookup_box(x0, y0, x1 - x0, y1 - y0, col.layer.name)
        self.tables[i] = mid - along / 2  # where the table starts along the flow (a frame holds it)
        self.scene.boxes.append(box)
        k = len(src)
        rows = (np.arange(k) + 0.5) / max(k, 1) * across - across / 2 + self.centre
        ends_in = np.array([self.at(mid - along / 2, r) for r in rows]).reshape(-1, 2)
        ends_out = np.tile(np.array(self.at(mid + along / 2, self.centre)), (len(dst), 1))
        into = np.stack([src, ends_in], axis=1) if k else np.zeros((0, 2, 2))
        out = np.stack([ends_out, dst], axis=1) if len(dst) else np.zeros((0, 2, 2))
        return [LinkSet(prev.layer.name, col.layer.name, into, "dropped", col.role),
                LinkSet(prev.layer.name, col.layer.name, out, "dropped", col.role)]

    def frames(self, columns: list[Column]) -> None:
        """A labelled frame around the columns of each nested model: its name and parameter total.

        A frame spans its first column's reach to its last one's (and an Embedding's table before
        it), widened for its title where the gaps beside it allow, and encloses the frames inside
        it; across the flow it runs from its title line (one per level of nesting, above the
        captions) to past the neurons.
        """
        levels = max(len(c.frames) for c in columns)
        if not levels:
            return
        page, f = self.page, self.page.sizes.font
        line = _FRAME_LINE * f
        end = page.caption_band + _CAPTION_GAP + page.cross_len
        spans: dict[int, list[tuple[Layer, int, int, float, float, str]]] = {}
        for level in range(levels - 1, -1, -1):  # the innermost first: an outer frame encloses them
            pad = _FRAME_PAD * f * (levels - level)
            spans[level] = []
            for layer, a, b in _runs(columns, level):
                lo = page.flows[a] - max(_extents(columns[a], page.arrangements[a], a == 0)[0],
                                         self._half_caption(columns[a])) - pad
                hi = page.flows[b] + max(_extents(columns[b], page.arrangements[b], b == 0)[1],
                                         self._half_caption(columns[b])) + pad
                if a in self.tables:
                    lo = min(lo, self.tables[a] - pad)
                inner = [(x0, x1) for _, a2, b2, x0, x1, _ in spans.get(level + 1, []) if a <= a2 and b2 <= b]
                lo = min([lo] + [x0 - _FRAME_PAD * f for x0, _ in inner])
                hi = max([hi] + [x1 + _FRAME_PAD * f for _, x1 in inner])
                left = (page.flows[a - 1] + page.flows[a]) / 2 if a else lo
                right = (page.flows[b] + page.flows[b + 1]) / 2 if b + 1 < len(columns) else hi
                left, right = min(left, lo), max(right, hi)
                text = _frame_title(layer, right - left - 0.5 * f, f)
                need = text_size(text, f)[0] * 1.05 + 0.5 * f - (hi - lo)
                if need > 0:  # widen for the title, no further than half-way to the next columns
                    grow_lo = min(lo - left, max(need / 2, need - (right - hi)))
                    lo, hi = lo - grow_lo, min(right, hi + need - grow_lo)
                spans[level].append((layer, a, b, lo, hi, text))
        for level in range(levels):
            pad = _FRAME_PAD * f * (levels - level)
            for layer, _, _, lo, hi, text in spans[level]:
                top, bottom = level * line, end + pad
                (x0, y0), (x1, y1) = self.at(lo, top), self.at(hi, bottom)
                self.scene.clusters.append(Cluster(f"frame/{layer.name}", min(x0, x1), min(y0, y1),
                                                   abs(x1 - x0), abs(y1 - y0), text))
                x, y = self.at((lo + hi) / 2, top + line / 2)
                self.scene.labels.append(Label(x, y, text, f, "center", "center", "frame",
                                               90.0 if self.d == "TB" else 0.0))

    def _half_caption(self, col: Column) -> float:
        w, h, _ = _caption_sizes(col, self.page.sizes.font)
        return (w if self.d == "LR" else h) / 2

    def caption(self, flow: float, col: Column) -> None:
        f = self.page.sizes.font
        _, h, name_h = _caption_sizes(col, f)
        if self.d == "LR":
            (x, y), ha = self.at(flow, self.page.frame_band), "center"
        else:
            (x, y), ha = self.at(flow - h / 2, self.page.caption_band), "right"
        self.scene.labels.append(Label(x, y, col.caption[0], f, ha, "top", "caption-name"))
        if col.caption[1]:
            self.scene.labels.append(Label(x, y + name_h + 2, col.caption[1], f, ha, "top", "caption"))


LOOKUP_ROWS = 5  # the table icon of an Embedding: rows drawn, and a narrow index column on its left
LOOKUP_INDEX = 0.3


def _lookup_box(x: float, y: float, w: float, h: float, layer: str) -> Box:
    return Box(f"lookup/{layer}", x, y, w, h, family="embedding", layer=layer)


def lookup_grid(box: Box) -> list[tuple[tuple[float, float], tuple[float, float]]]:
    """The inner lines of an Embedding's table icon: row rules, and the rule of its index column."""
    rows = [((box.x, box.y + box.h * k / LOOKUP_ROWS), (box.x + box.w, box.y + box.h * k / LOOKUP_ROWS))
            for k in range(1, LOOKUP_ROWS)]
    return rows + [((box.x + box.w * LOOKUP_INDEX, box.y), (box.x + box.w * LOOKUP_INDEX, box.y + box.h))]


def _links(prev: Column, col: Column, src: "numpy.ndarray", dst: "numpy.ndarray",
           weights: Any) -> LinkSet:
    """All-to-all links into a layer with neurons; one-to-one (unit j from unit j mod n) into one without."""
    import numpy as np

    if col.passive:
        where = {index: k for k, index in enumerate(prev.shown)}
        source = [(j // col.stride) % prev.n for j in col.shown]
        pairs = [(where[i], k) for k, i in enumerate(source) if i in where]
        a, b = (np.array(v, dtype=int) for v in zip(*pairs)) if pairs else (np.zeros(0, int),) * 2
        segments = np.stack([src[a], dst[b]], axis=1) if pairs else np.zeros((0, 2, 2))
        return LinkSet(prev.layer.name, col.layer.name, segments, "dropped", col.role)
    segments = np.stack([np.repeat(src, len(dst), axis=0), np.tile(dst, (len(src), 1))], axis=1)
    w = None if weights is None else np.asarray(weights, dtype=float).ravel()
    dense = w is None and len(segments) > DENSE_LINKS
    return LinkSet(prev.layer.name, col.layer.name, segments, "link", col.role, w, dense)


def _runs(columns: list[Column], level: int) -> list[tuple[Layer, int, int]]:
    """The nested models at one level of nesting, each with the first and last column it holds."""
    runs: list[tuple[Layer, int, int]] = []
    for i, col in enumerate(columns):
        if len(col.frames) <= level:
            continue
        layer = col.frames[level]
        if runs and runs[-1][0] is layer and runs[-1][2] == i - 1:
            runs[-1] = (layer, runs[-1][1], i)
        else:
            runs.append((layer, i, i))
    return runs


def _frame_title(layer: Layer, room: float, f: float) -> str:
    """``name · N params``; where that is longer than the frame, the name alone, cut to fit if it must."""
    name = display(layer.name, _MAX_NAME)
    full = f"{name} · {format_params(layer.params)} params"
    if text_size(full, f)[0] * 1.05 <= room:
        return full
    while len(name) > 4 and text_size(name, f)[0] * 1.05 > room:
        name = display(layer.name, len(name) - 2)
    return name


def _title(graph: LayerGraph, options: NodeOptions) -> str:
    if options.title is not None:
        return display(options.title, _MAX_TITLE)
    return f"{display(graph.name, _MAX_TITLE)} · {graph.params_text('parameters')}"


def _weight_scale(weights: dict[int, tuple[Any, Any]]) -> float:
    """The largest |weight| or |bias| shown: the ends of the colour bar."""
    import numpy as np

    peaks = [float(np.abs(a).max()) for pair in weights.values() for a in pair if a is not None and a.size]
    return max(peaks + [0.0]) or 1.0


def layout_nodes(graph: LayerGraph, options: NodeOptions | None = None, *, paint: Any = None) -> Scene:
    """Lay a model out as columns of neurons and the links between them.

    Args:
        graph: the layer graph (a chain of layers; nested models are opened).
        options: the node options (defaults when ``None``).
        paint: a :class:`nnviz.view.paint.Painting` (``color_by``): neurons coloured by their
            layer's bin, whose colours ``options.theme.role_colors`` holds.

    Returns:
        The positioned :class:`~nnviz.scene.Scene`: neurons, links as :class:`~nnviz.scene.LinkSet`
        arrays, labels (title, captions, neuron labels, ellipses, counts), the legend, and in
        ``meta`` the legend's and colour bar's places.

    Raises:
        OptionError: a model that is not a chain, or options that do not fit the model.
        ReadError: stored weights that do not fit the architecture.
    """
    import numpy as np

    options = options or NodeOptions()
    try:
        columns = plan_columns(graph, options)
    except OptionError as err:  # a nested model's graph has no source: name the file all the same
        raise err.with_context(path=graph.source)
    weights = _link_weights(columns, graph) if options.weights else {}
    title = _title(graph, options)
    if paint is not None:  # neurons take their layer's colour key; links keep their roles
        columns = [replace(c, paint=paint.key(paint.values.get(c.layer.name))) for c in columns]
    legend = _legend_entries(columns, options.theme)
    width = parse_width(options.width) if options.figsize is None else None
    if width is not None:
        options = _at_width(columns, options, title, legend, bool(weights), width)
    page = next((p for p in (_fit(columns, options, title, legend, bool(weights), s) for s in _SCALES)
                 if p.fits or options.figsize is None), None)
    if page is None:  # nothing fits the requested size: draw at the smallest fonts, on a larger page
        page = _fit(columns, options, title, legend, bool(weights), _SCALES[-1])
    if options.figsize is None and options.page is not None and not _on_page(page.width, page.height, options):
        wrapped = _wrap(columns, options, title, legend, bool(weights))
        if wrapped is not None:
            return wrapped.draw(weights)
    scene = _emit(page, options, columns, list(range(len(columns))), weights)
    return _finish(scene, page, columns, title, legend, weights, options)


def _emit(page: _Page, options: NodeOptions, columns: list[Column], index: list[int],
          weights: dict[int, tuple[Any, Any]]) -> Scene:
    """The columns of one page (or row) as a Scene: neurons, labels, links, tables and frames.

    ``index`` maps each column to its place in the whole chain (the key of ``weights``).
    """
    import numpy as np

    out = _Emitter(page, options)
    points = [np.array(out.column(i, c, weights.get(index[i], (None, None))[1]), dtype=float).reshape(-1, 2)
              for i, c in enumerate(columns)]
    for i in range(1, len(columns)):
        if columns[i].lookup:
            out.scene.links.extend(out.lookup(i, columns, points[i - 1], points[i]))
            continue
        out.scene.links.append(_links(columns[i - 1], columns[i], points[i - 1], points[i],
                                      weights.get(index[i], (None, None))[0]))
    out.frames(columns)
    return out.scene


def _on_page(width: float, height: float, options: NodeOptions) -> bool:
    """Whether a drawing of this size fits the options' page, upright or turned (landscape)."""
    pw, ph = PAGES[options.page]
    return (width <= pw + 0.01 and height <= ph + 0.01) or (width <= ph + 0.01 and height <= pw + 0.01)


def _overflow(width: float, height: float, options: NodeOptions) -> float:
    """How many times too big for the page the drawing is, in its better orientation (<= 1: fits)."""
    pw, ph = PAGES[options.page]
    return min(max(width / pw, height / ph), max(width / ph, height / pw))


def _ghost(col: Column) -> Column:
    """The previous row's last column, repeated at the start of a row so that its links can be drawn."""
    return replace(col, labels=[""] * len(col.labels), caption=(f"↪ {col.caption[0]}", "(continued)"),
                   more="", lift=False, lookup=False, ghost=True)


def _rows(columns: list[Column], n_rows: int) -> list[tuple[list[Column], list[int]]]:
    """Split the chain into ``n_rows`` rows of about equal length; each row after the first starts
    with a ghost of the column before it. Returns (columns, their index in the chain) per row."""
    per = math.ceil(len(columns) / n_rows)
    rows = []
    for start in range(0, len(columns), per):
        idx = list(range(start, min(start + per, len(columns))))
        if start:
            rows.append(([_ghost(columns[start - 1])] + [columns[i] for i in idx], [start - 1] + idx))
        else:
            rows.append(([columns[i] for i in idx], idx))
    return rows


@dataclass
class _Wrapped:
    """A page of several rows (``LR``; side by side for ``TB``), each fitted on its own."""

    options: NodeOptions
    columns: list[Column]
    title: str
    legend: list[tuple[str, str]]
    rows: list[tuple[list[Column], list[int]]]
    pages: list[_Page]
    page: _Page  # the whole page: its size, fonts, legend rows and foot

    def draw(self, weights: dict[int, tuple[Any, Any]]) -> Scene:
        scene = Scene(self.page.width, self.page.height)
        d, f = self.options.direction, self.page.sizes.font
        cursor = _MARGIN + _top_height(self.title, self.page.sizes)
        if d == "TB":
            cursor = _MARGIN
        for (cols, index), page in zip(self.rows, self.pages):
            part = _emit(page, self.options, cols, index, weights)
            core_w, core_h = _core_size(page)
            if d == "LR":
                _shift_into(scene, part, 0.0, cursor - _MARGIN)
                cursor += core_h + _ROW_GAP * f
            else:
                _shift_into(scene, part, cursor - _MARGIN, _top_height(self.title, self.page.sizes))
                cursor += core_w + _ROW_GAP * f
        scene.meta["rows"] = len(self.rows)
        return _finish(scene, self.page, self.columns, self.title, self.legend, weights, self.options)


def _top_height(title: str, sizes: _Sizes) -> float:
    return (sizes.title + 10) if title else 0.0


def _core_size(page: _Page) -> tuple[float, float]:
    """The size of a row page without its margins and foot (it has no title)."""
    return page.width - 2 * _MARGIN, page.height - 2 * _MARGIN - page.bottom_h


def _shift_into(scene: Scene, part: Scene, dx: float, dy: float) -> None:
    """Move everything of ``part`` by (dx, dy) into ``scene``."""
    scene.neurons.extend(replace(n, x=n.x + dx, y=n.y + dy) for n in part.neurons)
    scene.labels.extend(replace(lb, x=lb.x + dx, y=lb.y + dy) for lb in part.labels)
    scene.boxes.extend(replace(b, x=b.x + dx, y=b.y + dy) for b in part.boxes)
    scene.clusters.extend(replace(c, x=c.x + dx, y=c.y + dy) for c in part.clusters)
    for ls in part.links:
        scene.links.append(LinkSet(ls.src, ls.dst, ls.segments + (dx, dy), ls.kind, ls.role, ls.weights, ls.dense))


def _wrap(columns: list[Column], options: NodeOptions, title: str, legend: list[tuple[str, str]],
          has_colorbar: bool) -> _Wrapped | None:
    """The first wrapping that fits the page: the largest text (not under 6 pt), then the roomiest
    pitch, then the fewest rows; else the one that comes closest. ``None`` for a single column."""
    if len(columns) < 2:
        return None
    best: tuple[float, _Wrapped] | None = None
    base = options.theme.font_size
    scales = [s for s in _SCALES if base * s >= _MIN_FONT - 1e-9] or [_SCALES[0]]
    for scale in scales:
        f = base * scale
        for cap in (None, 2.2 * f, 1.8 * f):
            for n_rows in range(1, len(columns) // 2 + 1):
                wrapped = _wrapped(columns, options, title, legend, has_colorbar, scale, cap, n_rows)
                over = _overflow(wrapped.page.width, wrapped.page.height, options)
                if over <= 1.0:
                    return wrapped
                if best is None or over < best[0] - 1e-9:
                    best = (over, wrapped)
    return None if best is None else best[1]


def _wrapped(columns: list[Column], options: NodeOptions, title: str, legend: list[tuple[str, str]],
             has_colorbar: bool, scale: float, cap: float | None, n_rows: int) -> _Wrapped:
    rows = _rows(columns, n_rows)
    pages = [_fit(cols, options, "", [], False, scale, pitch_cap=cap) for cols, _ in rows]
    sizes = pages[0].sizes
    f = sizes.font
    gap = _ROW_GAP * f * (len(rows) - 1)
    cores = [_core_size(p) for p in pages]
    top_h = _top_height(title, sizes)
    others_w = max([text_size(title, sizes.title)[0] * 1.05 if title else 0.0,
                    _colorbar_label(f)[1] + 8 + _COLORBAR_W + 15 if has_colorbar else 0.0]
                   + [_legend_entry_w(t, f) for t, _ in legend])
    if options.direction == "LR":
        inner_w, inner_h = max(w for w, _ in cores), sum(h for _, h in cores) + gap
    else:
        inner_w, inner_h = sum(w for w, _ in cores) + gap, max(h for _, h in cores)
    width = 2 * _MARGIN + max(inner_w, others_w)
    legend_rows = _legend_rows(legend, f, width - 2 * _MARGIN)
    bottom_h = _bottom_height(len(legend_rows), f, has_colorbar)
    height = 2 * _MARGIN + top_h + inner_h + bottom_h
    page = replace(pages[0], width=width, height=height, bottom_h=bottom_h, legend_rows=legend_rows)
    return _Wrapped(options, columns, title, legend, rows, pages, page)


def _finish(scene: Scene, page: _Page, columns: list[Column], title: str, legend: list[tuple[str, str]],
            weights: dict[int, tuple[Any, Any]], options: NodeOptions) -> Scene:
    """Title, legend and colour bar, and what the renderer needs to know in ``meta``."""
    f = page.sizes.font
    scene.title = title
    if title:
        scene.labels.append(Label(page.width / 2, _MARGIN, title, page.sizes.title, "center", "top", "title"))
    scene.legend = legend
    top = page.height - _MARGIN - page.bottom_h + 10
    scene.meta.update(style="node", direction=options.direction, pitch=page.pitch, font=f,
                      font_scale=page.sizes.font / options.theme.font_size, fits=page.fits, dpi=options.dpi,
                      legend={"x": page.width / 2, "y": top, "rows": page.legend_rows, "font": f},
                      colorbar=None, columns=[(c.layer.name, c.role, c.n, len(c.shown)) for c in columns])
    dense = [s for s in scene.links if s.dense]
    if dense:  # say what the density images stand for, on a line of its own at the foot
        n = sum(len(s) for s in dense)
        bundles = "one bundle" if len(dense) == 1 else f"{len(dense)} bundles"
        scene.labels.append(Label(page.width / 2, page.height - _MARGIN / 2, f"{n:,} links ({bundles} of more than "
                                  f"{DENSE_LINKS:,}) drawn as density: the darker, the more links", f,
                                  "center", "top", "note"))
        scene.height = page.height + 1.2 * f
    if weights:
        text, text_w = _colorbar_label(f)
        y = top + len(page.legend_rows) * 1.6 * f + 12
        x = (page.width - (text_w + 8 + _COLORBAR_W)) / 2 + text_w + 8
        scene.labels.append(Label(x - 8, y + 4, text, f, "right", "center", "colorbar"))
        scene.meta["colorbar"] = {"x": x, "y": y, "w": _COLORBAR_W, "h": 8.0, "vmax": options.weight_scale or _weight_scale(weights),
                                  "font": 0.9 * f}
    return scene
