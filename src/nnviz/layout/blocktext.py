"""The text on a block of the block style: its lines, its size, and where each line is drawn.

Every writer of block scenes (matplotlib, the SVG writer, TikZ, draw.io, the HTML page) places a
block's lines, its text plates and its frozen band with these functions, so they agree.
"""

from __future__ import annotations

from typing import Sequence

from ..graph import format_params, format_shape
from ..scene import Box
from ..view import Block
from ..view.labels import cut_name
from .layered import BlockOptions
from .metrics import text_size
from ..text import display

__all__ = ["block_lines", "block_size", "line_centers", "text_plates", "frozen_band", "short_line", "badge_text",
           "LINE_HEIGHT", "PAD", "BOLD", "LEGEND_SWATCH", "FROZEN_BAND", "MARGIN", "MAX_LINE", "MAX_TITLE"]

LINE_HEIGHT = 1.25     # ems between lines on a block (DejaVu Sans is 1.16 ems tall)
PAD = 0.5              # ems of padding inside a block
BOLD = 1.08            # bold names are up to 18% wider; text_size already allows 10%
LEGEND_SWATCH = 1.2    # ems: the colour square in front of a legend entry
FROZEN_BAND = 0.3      # ems: the band along a frozen block's left side, inside its padding
MARGIN = 1.5           # ems round the drawing
MAX_LINE = 40         # characters; longer lines are cut between words (labels.cut_name)
MAX_TITLE = 80         # characters of a title (cut in the middle: a name from the file can be huge)
_MAX_CUT = 1000        # a longer line is cut in its middle first, so cut_name's work stays small
_LINEAR = (None, "linear", "")


def short_line(text: str) -> str:
    """A line on a block: control characters from the file escaped, cut between words to ``MAX_LINE``."""
    return cut_name(display(text, _MAX_CUT), MAX_LINE)


def _units_word(node: Block) -> str:
    return {"convolution": "filters", "embedding": "dims"}.get(node.family, "units")


def _type_line(node: Block, show: Sequence[str]) -> str | None:
    layer = node.layer
    kind = node.kind
    parts = []
    if kind == "repeat":
        return f"{node.size} layers each" if node.size > 1 else (node.types[0] if node.types else None)
    if kind == "module":
        return f"module of {node.size} layers"
    if kind == "model" and layer is not None and layer.subgraph is not None:
        count = sum(not inner.is_input for inner in layer.subgraph.layers)  # as Sequential counts them
        if "type" in show:
            parts.append(f"{layer.type}, {count} layers")
        if node.calls > 1:  # a shared model is marked as a shared layer is
            parts.append(f"shared, {node.calls} calls")
        return " · ".join(parts) if parts else None
    if "type" in show:
        parts.append(" + ".join(node.types) if kind == "chain" else (node.types[0] if node.types else kind))
    if layer is not None and "units" in show and layer.units is not None:
        parts.append(f"{layer.units} {_units_word(node)}")
    if (layer is not None and "activations" in show and layer.activation not in _LINEAR
            and not (kind == "chain" and layer.activation in node.types)):
        parts.append(str(layer.activation))
    if node.calls > 1:
        parts.append(f"shared, {node.calls} calls")
    return " · ".join(parts) if parts else None


def block_lines(node: Block, options: BlockOptions) -> tuple[str, ...]:
    """The lines of text on a block, first the name (drawn bold).

    >>> from nnviz.graph import Layer
    >>> from nnviz.view import Block
    >>> layer = Layer("fc", "Dense", units=10, activation="relu", output_shapes=((None, 10),), params=110)
    >>> block_lines(Block("fc", "layer", "fc", layer, types=("Dense",), shape=(None, 10), params=110),
    ...             BlockOptions())
    ('fc', 'Dense · relu', '(None, 10)', '110 params')
    """
    show = options.show
    lines: list[str] = []
    if "name" in show or node.kind in ("repeat", "module"):
        lines.append(node.label)
    type_line = _type_line(node, show)
    if type_line:
        lines.append(type_line)
    if node.note:
        lines.append(node.note)
    if "shapes" in show and (node.shape is not None or node.layer is not None):
        lines.append(format_shape(node.shape, partial=node.layer is not None and not node.layer.shape_known))
    frozen = " (frozen)" if node.frozen and options.show_trainable else ""
    if "params" in show and (node.params or frozen or node.params is None):
        lines.append(f"{format_params(node.params)} params{frozen}")
    elif frozen:
        lines.append("frozen")
    return tuple(short_line(line) for line in lines) or (short_line(node.label),)


def badge_text(node: Block) -> str:
    return f"×{node.repeat}" if node.repeat > 1 else ""


def block_size(lines: Sequence[str], badge: str, font_size: float) -> tuple[float, float]:
    """Width and height of a block with these lines (the first bold) and repeat badge."""
    widths = [text_size(line, font_size)[0] * (BOLD if i == 0 else 1.0) for i, line in enumerate(lines)]
    if badge:
        widths[0] += 2 * (text_size(badge, font_size)[0] * BOLD + font_size)
    w = max(widths) + 2 * PAD * font_size
    h = LINE_HEIGHT * font_size * len(lines) + 2 * PAD * font_size
    return (max(w, 6 * font_size), h)


def line_centers(box: Box) -> list[float]:
    """The y centre of each line of text on a block (the renderer draws them there)."""
    lh = LINE_HEIGHT * box.font_size
    top = box.y + (box.h - lh * len(box.lines)) / 2
    return [top + lh * (i + 0.5) for i in range(len(box.lines))]


def text_plates(box: Box) -> list[tuple[float, float, float, float]]:
    """The (x, y, w, h) behind each line of a block's text, filled with the block's colour over a
    fill pattern (a theme's), so that the pattern shows around the text, never through it."""
    lh = LINE_HEIGHT * box.font_size
    pad = 0.25 * box.font_size
    out = []
    for i, (line, y) in enumerate(zip(box.lines, line_centers(box))):
        w = min(text_size(line, box.font_size)[0] * (BOLD if i == 0 else 1.0) + 2 * pad, box.w)
        out.append((box.x + (box.w - w) / 2, y - lh / 2, w, lh))
    return out


def frozen_band(box: Box) -> tuple[float, float, float, float]:
    """The (x, y, w, h) of the band that marks a frozen block: its left side, clear of the text."""
    return (box.x, box.y, FROZEN_BAND * box.font_size, box.h)
