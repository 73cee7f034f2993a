"""The summary table, like Keras's ``model.summary()``, as text and as HTML."""

from __future__ import annotations

import html
import shutil

from .graph import LayerGraph, format_params, format_shape
from .text import printable

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


def _rows(graph: LayerGraph, indent: str = "") -> list[tuple[str, str, str, str]]:
    rows = []
    for layer in graph.layers:
        inbound = graph.inbound(layer.name)
        conn = ", ".join(sorted({n for call in inbound for n in call}, key=lambda n: [
            x for call in inbound for x in call].index(n)))
        params = format_params(layer.params)
        if layer.params is None and layer.subgraph is not None:  # the known part of a nested model
            params = f"≥ {layer.subgraph.total_params:,}"
        if layer.params and layer.non_trainable_params == layer.params:
            params += " (frozen)"
        # names and types come from the file: control characters are shown escaped
        rows.append((printable(f"{indent}{layer.name} ({layer.type})"),
                     format_shape(layer.output_shape, partial=not layer.shape_known), params,
                     printable(conn) or "-"))
        if layer.subgraph is not None:
            rows.extend(_rows(layer.subgraph, indent + "  "))
    return rows


def _totals(graph: LayerGraph) -> list[str]:
    mem = graph.param_memory()
    per_dtype = sum(mem.values())
    size = format_bytes(per_dtype)
    if len(mem) > 1:
        size += " (" + ", ".join(f"{k}: {format_bytes(v)}" for k, v in mem.items()) + ")"
    frac = graph.trainable_params / graph.total_params if graph.total_params else 1.0
    total = f"Total params: {graph.total_params:,} ({size})"
    if graph.total_params_is_lower_bound:
        # "≥ 1,234 params; 1 layer unknown: conv2d_5": a total that is too low says so
        total = f"Total params: {graph.params_text()} ({size} known)"
    return [
        total,
        f"Trainable params: {graph.trainable_params:,} ({format_bytes(round(per_dtype * frac))})",
        f"Non-trainable params: {graph.non_trainable_params:,} "
        f"({format_bytes(per_dtype - round(per_dtype * frac))})",
    ]


def summary_text(graph: LayerGraph, *, width: int | None = None) -> str:
    """The graph as a text table: layer (type), output shape, params, connected to, and totals."""
    header = ("Layer (type)", "Output Shape", "Param #", "Connected to")
    rows = _rows(graph)
    widths = [max(len(header[i]), *(len(r[i]) for r in rows)) if rows else len(header[i]) for i in range(4)]
    if width is None:
        width = shutil.get_terminal_size((120, 20)).columns
    if sum(widths) + 9 > width:  # squeeze the "connected to" column first
        widths[3] = max(len(header[3]), width - sum(widths[:3]) - 9)
    line = "+" + "+".join("-" * (w + 2) for w in widths) + "+"

    def fmt(r: tuple[str, ...]) -> str:
        cells = [(c if len(c) <= w else c[: w - 1] + "…").ljust(w) for c, w in zip(r, widths)]
        cells[2] = cells[2].strip().rjust(widths[2])
        return "| " + " | ".join(cells) + " |"

    title = f'Model: "{printable(graph.name)}"'
    if graph.description:
        title += f" - {printable(graph.description)}"
    out = [title, line, fmt(header), line.replace("-", "=")]
    out.extend(fmt(r) for r in rows)
    out.append(line)
    out.extend(_totals(graph))
    for w in graph.warnings:
        out.append(f"note: {printable(w)}")
    return "\n".join(out)


def summary_html(graph: LayerGraph) -> str:
    """The graph as a compact HTML table, for notebooks."""
    esc = html.escape
    head = "".join(f"<th>{h}</th>" for h in ("Layer (type)", "Output Shape", "Param #", "Connected to"))
    body = "".join(
        "<tr>" + "".join(f'<td style="text-align:{"right" if i == 2 else "left"};white-space:pre">{esc(c)}</td>'
                         for i, c in enumerate(r)) + "</tr>" for r in _rows(graph))
    foot = "<br>".join(esc(t) for t in _totals(graph))
    return (f'<div class="nnviz-summary"><b>Model: {esc(printable(graph.name))}</b>'
            f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table><p>{foot}</p></div>")
