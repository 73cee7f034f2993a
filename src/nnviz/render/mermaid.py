"""Mermaid flowcharts: a block diagram as text that renders in Markdown on code-hosting sites.

The same blocks, lines, colours and clusters as the other engines, as a
``flowchart`` with one ``classDef`` per layer family.

>>> import nnviz
>>> from nnviz.layout.blocks import block_view
>>> from nnviz.layout.layered import BlockOptions
>>> g = nnviz.load({"name": "tiny", "input_shape": [3], "layers": [{"type": "Dense", "units": 2}]})
>>> opts = BlockOptions()
>>> print(to_mermaid(block_view(g, opts)[0], opts))
flowchart TB
  n0["<b>input</b><br/>InputLayer<br/>(None, 3)"]:::input
  n1["<b>dense</b><br/>Dense<br/>(None, 2)<br/>8 params"]:::output
  n0 --> n1
  classDef input fill:#a8e6a3,stroke:#555555,color:#222222
  classDef output fill:#fdae6b,stroke:#555555,color:#222222
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterator

from ..fileio import write_atomic
from ..text import CONTROL_CHARS
from ..layout.blocktext import block_lines

if TYPE_CHECKING:  # pragma: no cover
    from ..view import View
    from ..layout.layered import BlockOptions

__all__ = ["to_mermaid", "write_mermaid"]

# Mermaid's own entity codes, since a label is in double quotes; "%" because Mermaid reads
# "%%{init: ...}%%" anywhere in the text as a directive and "%%" as a comment to the end of the line
_ESCAPES = {'"': "#quot;", "<": "#lt;", ">": "#gt;", "#": "#35;", "%": "#37;", "\n": " ", "\r": " "}
_CONTROL = re.compile(CONTROL_CHARS)


def _text(text: str) -> str:
    """Mermaid-safe label text: entity codes, a newline as a space, other control characters removed.

    >>> _text('%%{init: {"theme": "dark"}}%%\\nx\\x1b')
    '#37;#37;{init: {#quot;theme#quot;: #quot;dark#quot;}}#37;#37; x'
    """
    return _CONTROL.sub("", "".join(_ESCAPES.get(c, c) for c in text))


def _lines(view: "View", cid: str | None, ids: dict[str, str], options: "BlockOptions",
           depth: int) -> Iterator[str]:
    pad = "  " * depth
    clusters = 0
    for kind, item in view.level(cid):
        if kind == "block":
            node = view.blocks[item]
            lines = [_text(line) for line in block_lines(node, options)]
            lines[0] = f"<b>{lines[0]}</b>" + (f" ×{node.repeat}" if node.repeat > 1 else "")
            yield f'{pad}{ids[item]}["{"<br/>".join(lines)}"]:::{node.family}'
            continue
        child = item
        clusters += 1
        info = view.clusters[child]
        yield f'{pad}subgraph c{len(ids) + clusters}["{_text(info.caption)}"]'
        yield from _lines(view, child, ids, options, depth + 1)
        yield f"{pad}end"


def to_mermaid(view: "View", options: "BlockOptions") -> str:
    """The view as a Mermaid ``flowchart`` (``TB`` or ``LR``)."""
    ids = {nid: f"n{i}" for i, nid in enumerate(view.blocks)}
    out = [f"flowchart {options.direction}"]
    out += list(_lines(view, None, ids, options, 1))
    out += [f"  {ids[u]} --> {ids[v]}" for u, v in view.edges]
    theme = options.theme
    families = dict.fromkeys(n.family for n in view.blocks.values())  # in order of first use
    out += [f"  classDef {f} fill:{theme.color(f)},stroke:{theme.edge_color},color:{theme.text_on(theme.color(f))}"
            for f in families]
    return "\n".join(out)


def write_mermaid(diagram: Any, path: Path, dpi: float | None = None) -> None:
    """Write a diagram as a Mermaid flowchart (the ``.mmd`` writer)."""
    diagram.graph.require_graph(f"Mermaid output ({path.name})")
    from .dot import diagram_view

    view, options = diagram_view(diagram)
    write_atomic(path, (to_mermaid(view, options) + "\n").encode("utf-8"))
