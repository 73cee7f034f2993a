"""The volume style drawn: feature maps as 3-D boxes (laid out by :mod:`nnviz.layout.volume`).

:func:`nnviz.api.draw_volumes` (what ``nnviz.draw(..., style="volume")`` calls) lays the graph
out and makes a :class:`VolumeDiagram` of the Scene; this module lays nothing out. The scene is
made of the generic Scene primitives (polygons, arrows, labels, frames), so the block style's
matplotlib renderer draws it for PNG and PDF and :mod:`nnviz.render.svgfile` writes its SVG.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .block import BlockDiagram

if TYPE_CHECKING:  # pragma: no cover
    from ..graph import LayerGraph

__all__ = ["VolumeDiagram"]


class VolumeDiagram(BlockDiagram):
    """A volume figure; ``view`` is what was drawn (blocks, groups, clusters)."""

    def __init__(self, graph: "LayerGraph", **kwargs: Any) -> None:
        super().__init__(graph, **kwargs)
        self.style = "volume"
