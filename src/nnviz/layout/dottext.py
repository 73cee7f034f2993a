"""DOT text of a block view: the same blocks as the matplotlib engine (lines of text, family
colours, repeat groups, clusters for opened nested models) with HTML-like labels.

The graphviz engine's two halves read it: ``layout/dot.py`` asks ``dot -Tjson`` where it puts
the blocks (a Scene), and ``render/dot.py`` has ``dot`` draw it (SVG, PNG, PDF) and writes
``.dot`` files. It lies in the layout stage, below both, so neither imports the other.

>>> import nnviz
>>> from nnviz.layout.blocks import block_view
>>> from nnviz.layout.layered import BlockOptions
>>> g = nnviz.load({"name": "tiny", "input_shape": [3], "layers": [{"type": "Dense", "units": 2}]})
>>> opts = BlockOptions(title="")
>>> print(to_dot(block_view(g, opts)[0], opts))  # doctest: +ELLIPSIS
digraph "tiny" {
  graph [rankdir="TB", ...];
  ...
  "input" [label=<<TABLE ...><TR><TD HEIGHT="10"><B>input</B></TD></TR>...</TABLE>>, fillcolor="#a8e6a3"];
  "dense" [label=<<TABLE ...><TR><TD HEIGHT="10"><B>dense</B></TD></TR>...</TABLE>>, fillcolor="#fdae6b", penwidth="1.6"];
  "input" -> "dense";
}
"""

from __future__ import annotations

import html
from typing import TYPE_CHECKING, Any, Iterator

from ..text import printable
from .blockheader import legend_entries
from .blocktext import FROZEN_BAND, LINE_HEIGHT, block_lines, block_size
from .layered import BlockOptions
from .ushape import UPlan, u_plan

if TYPE_CHECKING:  # pragma: no cover
    from ..view import Block, View

__all__ = ["to_dot", "dot_name"]

_BIG = 300  # blocks above which dot's network simplex is cut short


def dot_name(text: str) -> str:
    """An ID as ``dot`` reads it back from :func:`_q`'s string (``dot -Tjson`` reports this name).

    Backslashes doubled, then control characters (and a leading ``%``) shown as ``\\xNN``: a
    NUL would cut the input short, a control character makes ``dot`` fail; no two names meet
    (``\\\\x1b`` is a backslash, ``\\x1b`` an ESC).
    """
    name = printable(str(text).replace("\\", "\\\\"))
    # dot takes an ID that starts with "%" for one of its anonymous names ("%3"): say it as \x25
    return "\\x25" + name[1:] if name.startswith("%") else name


def _q(text: str) -> str:
    """A DOT double-quoted string."""
    return '"' + dot_name(text).replace('"', '\\"') + '"'


def _h(text: str) -> str:
    return html.escape(printable(text), quote=False)


def _attrs(pairs: dict[str, Any]) -> str:
    return ", ".join(f"{k}={v if str(v).startswith('<') else _q(v)}" for k, v in pairs.items())


def _node_label(node: "Block", options: BlockOptions) -> str:
    """The block's lines as rows of a table, each a line high, as the matplotlib engine spaces them."""
    lines = [_h(line) for line in block_lines(node, options)]
    lines[0] = f"<B>{lines[0]}</B>"
    if node.repeat > 1:
        lines[0] += f"  <B>×{node.repeat}</B>"
    height = f"{LINE_HEIGHT * options.theme.font_size:g}"
    rows = "".join(f'<TR><TD HEIGHT="{height}">{line}</TD></TR>' for line in lines)
    return f'<<TABLE BORDER="0" CELLBORDER="0" CELLSPACING="0" CELLPADDING="0">{rows}</TABLE>>'


def _node_stmt(node: "Block", options: BlockOptions) -> str:
    theme = options.theme
    fill = theme.color(node.family)
    attrs: dict[str, Any] = {"label": _node_label(node, options), "fillcolor": fill}
    if node.frozen and options.show_trainable:
        # the band along the left side, as the matplotlib engine draws it: a narrow first stripe
        fs = theme.font_size
        width = block_size(block_lines(node, options), "", fs)[0] + 2 * 0.08 * 72
        attrs["style"] = "striped"
        attrs["fillcolor"] = f"{theme.frozen_color};{FROZEN_BAND * fs / width:.3f}:{fill}"
    if theme.text_on(fill) != theme.text_color:  # the theme's text reads poorly on this fill
        attrs["fontcolor"] = theme.text_on(fill)
    if node.repeat > 1:
        attrs["peripheries"] = "2"
    if node.family == "output":
        attrs["penwidth"] = "1.6"
    return f"{_q(node.id)} [{_attrs(attrs)}];"


def _graph_label(view: "View", options: BlockOptions, lines: list[str]) -> str | None:
    theme = options.theme
    legend = legend_entries(view, options)
    if not lines and not legend:
        return None
    span = max(2 * len(legend), 1)
    rows = []
    for i, line in enumerate(lines):
        text = f'<FONT POINT-SIZE="{theme.title_size:g}"><B>{_h(line)}</B></FONT>' if i == 0 else _h(line)
        rows.append(f'<TR><TD ALIGN="LEFT" COLSPAN="{span}">{text}</TD></TR>')
    if legend:
        cells = []
        for text, family in legend:
            color = theme.frozen_color if family == "frozen" else theme.color(family)
            cells.append(f'<TD BGCOLOR="{color}" BORDER="1" COLOR="{theme.edge_color}" WIDTH="10" HEIGHT="10" FIXEDSIZE="TRUE"></TD>'
                         f'<TD ALIGN="LEFT">{_h(text)}</TD>')
        rows.append("<TR>" + "".join(cells) + "</TR>")
    return '<<TABLE BORDER="0" CELLBORDER="0" CELLSPACING="2" CELLPADDING="1">' + "".join(rows) + "</TABLE>>"


def _cluster_lines(view: "View", cid: str | None, options: BlockOptions, depth: int,
                   keep: Any = None) -> Iterator[str]:
    """The statements of one cluster level: its blocks and sub-clusters, in the view's order.

    ``keep(node id)`` picks the blocks (and the clusters they open) of one column.
    """
    pad = "  " * depth
    for kind, item in view.level(cid, keep):
        if kind == "block":
            yield pad + _node_stmt(view.blocks[item], options)
            continue
        child = item
        info = view.clusters[child]
        theme = options.theme
        # a narrow, left-aligned label: edges enter a frame at its middle and must not cross the text
        rows = [f"<B>{_h(info.title)}</B>"] + [_h(part.strip()) for part in (info.detail or "").split(", ")
                                                 if part.strip()]
        label = ('<<TABLE BORDER="0" CELLBORDER="0" CELLSPACING="0" CELLPADDING="0">'
                 + "".join(f'<TR><TD ALIGN="LEFT">{r}</TD></TR>' for r in rows) + "</TABLE>>")
        style = "filled" if info.kind == "repeat" else "dashed"
        fill = theme.color("group") if info.kind == "repeat" else theme.background
        yield f"{pad}subgraph {_q('cluster_' + child)} {{"
        yield f'{pad}  graph [label={label}, style="{style}", fillcolor="{fill}", labeljust="l", margin="14"];'
        yield from _cluster_lines(view, child, options, depth + 1)
        yield pad + "}"


def _connectors(view: "View", columns: dict[str, int],
                options: BlockOptions) -> tuple[dict[int, list[str]], list[str], set]:
    """Edges between columns as a pair of small labels, ``▸ v`` at the foot and ``u ▸`` at the head.

    Returns the connectors' statements per column, the edges to and from them, and the
    view's edges they replace.
    """
    style = (f'shape="plaintext", style="", fontcolor="{options.theme.edge_color}", '
             f'fontsize="{options.theme.font_size * 0.9:g}"')
    nodes: dict[int, list[str]] = {}
    edges, cut = [], set()
    for k, (u, v) in enumerate(view.edges):
        if columns.get(u, 0) == columns.get(v, 0):
            continue
        cut.add((u, v))
        to, frm = f"to:{k}", f"from:{k}"
        head, foot = printable(view.target_name(v)), printable(view.source_name(u))  # escString: \\ is \\
        nodes.setdefault(columns[u], []).append(f"    {_q(to)} [label={_q('▸ ' + head)}, {style}];")
        nodes.setdefault(columns[v], []).append(f"    {_q(frm)} [label={_q(foot + ' ▸')}, {style}];")
        edges += [f"  {_q(u)} -> {_q(to)};", f"  {_q(frm)} -> {_q(v)};"]
    return nodes, edges, cut


def _column_lines(view: "View", options: BlockOptions, columns: dict[str, int],
                  connectors: dict[int, list[str]]) -> Iterator[str]:
    """Each column as an invisible cluster of its own: dot lays them out apart and packs them in order.

    Apart, because dot's placement costs grow with the square of a connected graph's size;
    as clusters, because dot packs clusters in the order they come (an LR drawing is turned
    round afterwards, so its rows come last first).
    """
    order = sorted(set(columns.values()), reverse=options.direction == "LR")
    for col in order:
        yield f"  subgraph {_q(f'cluster_nnviz_column_{col}')} {{"
        yield '    graph [style="invis", label=""];'
        yield from _cluster_lines(view, None, options, 2, keep=lambda nid, col=col: columns.get(nid) == col)
        yield from connectors.get(col, [])
        yield "  }"


def _u_lines(view: "View", plan: "UPlan") -> Iterator[str]:
    """A U-Net's edges for ``dot``: the decoder's drawn upwards (written reversed, arrows turned
    back), each skip pair and the turn at the bottom on one rank, so skips run straight across."""
    right = set(plan.right)
    for u, v in view.edges:
        if u in right and v in right:
            yield f'  {_q(v)} -> {_q(u)} [dir="back"];'
        else:
            yield f"  {_q(u)} -> {_q(v)};"
    for a, b in [*plan.pairs, (plan.left[-1], plan.right[0])]:
        yield f"  {{rank=same; {_q(a)}; {_q(b)};}}"


def to_dot(view: "View", options: BlockOptions, *, title: list[str] | None = None,
           dpi: float | None = None, columns: dict[str, int] | None = None) -> str:
    """DOT source for a view: HTML-like labels, the theme's colours, clusters, title and legend.

    Args:
        view: what to draw (see :func:`nnviz.layout.blocks.block_view`).
        options: the block options (direction, fields, theme).
        title: the title lines (default: none).
        dpi: a resolution for bitmap output, written as the graph's ``dpi``.
        columns: the column (row for ``LR``) of each block when the drawing wraps to fit
            its page; edges between columns become labelled connectors.
    """
    theme = options.theme
    graph: dict[str, Any] = {"rankdir": options.direction, "fontname": theme.font,
                             "fontsize": f"{theme.font_size:g}", "bgcolor": theme.background,
                             "nodesep": "0.2", "ranksep": "0.3", "labelloc": "t", "labeljust": "l"}
    label = _graph_label(view, options, list(title or []))
    if label:
        graph["label"] = label
    count = max(columns.values(), default=0) + 1 if columns else 1
    if count > 1:
        graph["pack"] = "true"
        graph["packmode"] = f"array_u{count}"  # side by side (dot turns them round for LR)
    if len(view.blocks) > _BIG * count:  # dot's placement costs O(n) per iteration; a few hundred do
        graph["nslimit"] = f"{_BIG * count / len(view.blocks):.3g}"
    if dpi:
        graph["dpi"] = f"{dpi:g}"
    node = {"shape": "box", "style": "filled", "fontname": theme.font,
            "fontsize": f"{theme.font_size:g}", "color": theme.edge_color, "fontcolor": theme.text_color,
            "margin": "0.08,0.04", "penwidth": "0.8"}
    edge = {"color": theme.edge_color, "arrowsize": "0.6", "penwidth": "0.8"}
    out = [f"digraph {_q(view.name)} {{", f"  graph [{_attrs(graph)}];", f"  node [{_attrs(node)}];",
           f"  edge [{_attrs(edge)}];"]
    plan = u_plan(view) if options.direction == "TB" else None
    if plan is not None:  # a U, as the matplotlib engine draws it: no columns
        graph.pop("pack", None)
        graph.pop("packmode", None)
        out[1] = f"  graph [{_attrs(graph)}];"
        out += list(_cluster_lines(view, None, options, 1))
        out += list(_u_lines(view, plan))
        out.append("}")
        return "\n".join(out)
    if count > 1 and columns:
        connectors, links, cut = _connectors(view, columns, options)
        out += list(_column_lines(view, options, columns, connectors))
    else:
        links, cut = [], set()
        out += list(_cluster_lines(view, None, options, 1))
    out += [f"  {_q(u)} -> {_q(v)};" for u, v in view.edges if (u, v) not in cut
            for _ in range(view.calls_on_edge.get((u, v), 1))]  # one edge per call of a shared block
    out += links
    out.append("}")
    return "\n".join(out)
