"""The summary table, like Keras's ``model.summary()``, as text and as HTML."""

from __future__ import annotations

import html
import json
import shutil
from typing import TYPE_CHECKING, Any

from .formatting import format_params, format_shape
from .text import printable

if TYPE_CHECKING:  # pragma: no cover
    from .costs import CostTable
    from .graph import LayerGraph

__all__ = ["summary_text", "summary_html", "format_bytes"]


def format_bytes(n: int) -> str:
    """Keras 3's way of printing a size.

    >>> format_bytes(560), format_bytes(2945 * 4), format_bytes(102_000_000)
    ('560.00 B', '11.50 KB', '97.27 MB')
    """
    size = float(n)
    for unit in ("B", "KB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            return f"{size:.2f} {unit}"
        size /= 1024
    return f"{size:.2f} GB"  # pragma: no cover


def _tree_rows(graph: LayerGraph, indent: str) -> list[tuple[str, ...]]:
    """A layer tree (a file that stores no graph): repeated siblings folded into one row "×N"."""
    from .layertree import fold_siblings

    rows = []
    for first, n, last in fold_siblings(graph.layers):
        name = first.name if n == 1 else f"{first.name} … {last.name}"
        p = first.params or 0
        params = f"{p:,}" if n == 1 else f"{p * n:,} ({n} × {p:,})"
        rows.append((printable(f"{indent}{name} ({first.type})" + (f" ×{n}" if n > 1 else "")), "?", params,
                     "-", "-", "-"))
        if first.subgraph is not None:
            rows.extend(_tree_rows(first.subgraph, indent + "  "))
    return rows


_HEADER = ("Layer (type)", "Output Shape", "Param #", "MACs", "FLOPs", "Connected to")
_NUMERIC = (2, 3, 4)


def _rows(graph: LayerGraph, indent: str = "", costs: "CostTable | None" = None) -> list[tuple[str, ...]]:
    from .costs import humanize, layer_costs

    if not graph.has_graph:
        return _tree_rows(graph, indent)
    if costs is None:
        costs = layer_costs(graph)
    # shapes and figures repeat from layer to layer: each is formatted once
    shapes: dict[tuple[Any, bool], str] = {}
    figures: dict[Any, str] = {}
    rows = []
    for layer in graph.layers:
        name = layer.name
        # the layers read, each once, in the order first read
        conn = ", ".join(dict.fromkeys([t.layer for call in graph.calls_of(name) for t in call.inputs]))
        params = format_params(layer.params)
        if layer.params is None and layer.subgraph is not None:  # the known part of a nested model
            params = f"≥ {layer.subgraph.total_params:,}"
        if layer.params and layer.non_trainable_params == layer.params:
            params += " (frozen)"
        key = (layer.output_shapes, layer.shape_known)
        try:
            shape = shapes[key]
        except KeyError:
            shape = shapes[key] = format_shape(layer.output_shape, partial=not layer.shape_known)
        except TypeError:  # a shape that is not a tuple
            shape = format_shape(layer.output_shape, partial=not layer.shape_known)
        cost = costs[name]
        macs, flops = cost.macs, cost.flops
        macs_text = figures[macs] if macs in figures else figures.setdefault(macs, humanize(macs))
        flops_text = figures[flops] if flops in figures else figures.setdefault(flops, humanize(flops))
        # names and types come from the file: control characters are shown escaped
        rows.append((printable(f"{indent}{name} ({layer.type})"), shape, params, macs_text, flops_text,
                     printable(conn) or "-"))
        if layer.subgraph is not None and layer.subgraph.class_name != "Traced":  # a layer's call: drawn, not listed
            rows.extend(_rows(layer.subgraph, indent + "  ", costs.nested.get(name)))
    return rows


def _cost_totals(t: "CostTable", optimizer: str | None = None) -> list[str]:
    from .costs import humanize, training_memory

    per = "one sample" if t.batch_size == 1 else f"a batch of {t.batch_size:,}"
    line = f"Total MACs: {humanize(t.total_macs)}, FLOPs: {humanize(t.total_flops)} ({per})"
    if t.unknown:
        line += f"; {len(t.unknown):,} layer{'s' if len(t.unknown) != 1 else ''} of unknown size not counted"
    lines = [line, f"Activation memory: {format_bytes(t.peak_activation_bytes)} at peak, "
                   f"{format_bytes(t.total_activation_bytes)} in all ({per})"]
    if optimizer is not None:
        m = training_memory(t, optimizer=optimizer)
        lines.append(f"Training memory ({per}, {optimizer}): weights {format_bytes(m['weights'])} + gradients "
                     f"{format_bytes(m['gradients'])} + optimizer {format_bytes(m['optimizer'])} + activations "
                     f"{format_bytes(m['activations'])} = {format_bytes(m['total'])}"
                     + (" (known layers only)" if t.unknown else ""))
    return lines


def _totals(graph: LayerGraph, costs: "CostTable", optimizer: str | None = None) -> list[str]:
    mem = graph.param_memory()
    per_dtype = sum(mem.values())
    size = format_bytes(per_dtype)
    if len(mem) > 1:
        size += " (" + ", ".join(f"{k}: {format_bytes(v)}" for k, v in mem.items()) + ")"
    all_params, trainable = graph.total_params, graph.trainable_params  # each a walk over every layer
    frac = trainable / all_params if all_params else 1.0
    total = f"Total params: {all_params:,} ({size})"
    if graph.total_params_is_lower_bound:
        # "≥ 1,234 params; 1 layer unknown: conv2d_5": a total that is too low says so
        total = f"Total params: {graph.params_text()} ({size} known)"
    return [
        total,
        f"Trainable params: {trainable:,} ({format_bytes(round(per_dtype * frac))})",
        f"Non-trainable params: {graph.non_trainable_params:,} "
        f"({format_bytes(per_dtype - round(per_dtype * frac))})",
        # a layer tree has no shapes, so no MACs or activations: unknown, not 0
        *(_cost_totals(costs, optimizer) if graph.has_graph else [TREE_COSTS]),
    ]


TREE_COSTS = "Costs (MACs, FLOPs, activation memory): unknown without the model's graph"


def summary_text(graph: LayerGraph, *, width: int | None = None, batch_size: int = 1, training: bool = False,
                 optimizer: str = "adam") -> str:
    """The graph as a text table: layer (type), output shape, params, connected to, and totals.

    The per-layer costs are for one sample; the totals for ``batch_size`` samples, and with
    ``training`` the memory training needs with ``optimizer`` (see :func:`nnviz.costs.training_memory`).
    """
    from .costs import layer_costs, training_memory

    header = _HEADER
    costs = layer_costs(graph, batch_size=batch_size)
    if training:
        training_memory(costs, optimizer=optimizer)  # an unknown optimizer fails before anything is printed
    rows = _rows(graph, costs=costs)
    n = len(header)
    widths = [max(len(header[i]), *(len(r[i]) for r in rows)) if rows else len(header[i]) for i in range(n)]
    if width is None:
        width = shutil.get_terminal_size((120, 20)).columns
    pad = 3 * n - 3
    if sum(widths) + pad > width:  # squeeze the "connected to" column first
        widths[-1] = max(len(header[-1]), width - sum(widths[:-1]) - pad)
    line = "+" + "+".join("-" * (w + 2) for w in widths) + "+"

    def fmt(r: tuple[str, ...]) -> str:
        cells = [(c if len(c) <= w else c[: w - 1] + "…").ljust(w) for c, w in zip(r, widths)]
        for i in _NUMERIC:
            cells[i] = cells[i].strip().rjust(widths[i])
        return "| " + " | ".join(cells) + " |"

    title = f'Model: "{printable(graph.name)}"'
    if graph.description:
        title += f" - {printable(graph.description)}"
    out = [title, line, fmt(header), line.replace("-", "=")]
    out.extend(fmt(r) for r in rows)
    out.append(line)
    out.extend(_totals(graph, costs, optimizer if training else None))
    if not graph.has_graph or graph.hyperparameters or graph.metadata:  # a tree, or a model built by --build
        out.extend(printable(line) for line in tree_info(graph))
    for w in graph.warnings:
        out.append(f"note: {printable(w)}")
    return "\n".join(out)


def summary_html(graph: LayerGraph, *, costs: "CostTable | None" = None) -> str:
    """The graph as a compact HTML table, for notebooks (``costs``: the graph's
    :func:`~nnviz.costs.layer_costs`, when the caller has them already)."""
    from .costs import layer_costs

    esc = html.escape
    if costs is None:
        costs = layer_costs(graph)
    head = "".join(f"<th>{h}</th>" for h in _HEADER)
    body = _html_rows(_rows(graph, costs=costs))
    extra = []
    if not graph.has_graph or graph.hyperparameters or graph.metadata:
        extra = [*tree_info(graph), *graph.warnings]
    foot = "<br>".join(esc(printable(t)) for t in [*_totals(graph, costs), *extra])
    return (f'<div class="nnviz-summary"><b>Model: {esc(printable(graph.name))}</b>'
            f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table><p>{foot}</p></div>")


_LEFT, _RIGHT = '<td style="text-align:left;white-space:pre">', '<td style="text-align:right;white-space:pre">'
# the cells of a row are joined with these characters (no cell holds one: printable() escapes them), the
# rows escaped in one pass, then the characters replaced by the tags: one escape of 6 cells x 50,000 rows
_ROW_MARKS = {"\x01": "<tr>" + _LEFT, "\x02": "</td>" + _LEFT, "\x03": "</td>" + _RIGHT, "\x04": "</td></tr>"}


def _html_rows(rows: list[tuple[str, ...]]) -> str:
    """The summary table's rows as HTML: every cell escaped, numbers right-aligned."""
    if all(len(r) == 6 for r in rows):  # the marks align columns 2, 3 and 4 (_NUMERIC) right
        text = "".join([f"\x01{a}\x02{b}\x03{c}\x03{d}\x03{e}\x02{f}\x04" for a, b, c, d, e, f in rows])
        if all(text.count(mark) == n * len(rows) for mark, n in zip(_ROW_MARKS, (1, 2, 3, 1))):
            text = html.escape(text)
            for mark, tags in _ROW_MARKS.items():
                text = text.replace(mark, tags)
            return text
    esc = html.escape
    return "".join("<tr>" + "".join(f"{_RIGHT if i in _NUMERIC else _LEFT}{esc(c)}</td>" for i, c in enumerate(r))
                   + "</tr>" for r in rows)


def tree_info(graph: LayerGraph) -> list[str]:
    """Lines about a tree's model: class, hyperparameters and metadata (for the summary)."""
    lines = []
    cls = getattr(graph, "model_class", None)
    if cls:
        lines.append(f"class: {cls}")
    for title, data in (("hyperparameters", getattr(graph, "hyperparameters", None)),
                        ("metadata", getattr(graph, "metadata", None))):
        if data:
            lines.append(f"{title}: " + ", ".join(f"{k}={json.dumps(v)}" for k, v in data.items()))
    return lines
