"""The volume style drawn: feature maps as 3-D boxes (see :mod:`nnviz.layout.volume`).

:func:`draw_volumes` is what ``nnviz.draw(..., style="volume")`` calls. The scene is made of
the generic Scene primitives (polygons, arrows, labels, frames), so the block style's
matplotlib renderer draws it for PNG and PDF and :mod:`nnviz.render.svgfile` writes its SVG.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..layout.volume import VolumeOptions, volume_view
from .block import BlockDiagram, render_scene

if TYPE_CHECKING:  # pragma: no cover
    from ..graph import LayerGraph

__all__ = ["draw_volumes", "VolumeDiagram"]


class VolumeDiagram(BlockDiagram):
    """A volume figure; ``view`` is what was drawn (blocks, groups, clusters)."""

    def __init__(self, graph: "LayerGraph", **kwargs: Any) -> None:
        super().__init__(graph, **kwargs)
        self.style = "volume"


def draw_volumes(graph: "LayerGraph", **options: Any) -> VolumeDiagram:
    """Draw ``graph`` as a volume figure: each layer's output as a box sized by its shape.

    Args:
        graph: the layer graph.
        **options: the fields of :class:`~nnviz.layout.volume.VolumeOptions`.

    Returns:
        A :class:`VolumeDiagram` (PNG, PDF and SVG).

    Raises:
        OptionError: an unknown option or value.
        OptionError: the model is stored without its graph.

    >>> import nnviz
    >>> d = draw_volumes(nnviz.load({"input_shape": [28, 28, 1], "layers": [
    ...     {"type": "Conv2D", "filters": 4, "kernel_size": 3}, {"type": "Flatten"}]}))
    >>> d.style, len(d.scene.polygons), d.to_bytes("svg").count(b"<polygon")
    ('volume', 9, 9)
    """
    opts = VolumeOptions(**options)
    paint = None
    if opts.color_by is not None:
        from dataclasses import replace

        from ..view.paint import painting

        painter = painting(graph, opts.color_by)
        opts = replace(opts, theme=painter.theme(opts.theme))
        paint = painter.paint
    view, scene = volume_view(graph, opts, paint=paint)
    return VolumeDiagram(graph, view=view, scene=scene, engine="matplotlib", dpi=opts.dpi, options=opts,
                         render=lambda: render_scene(scene, opts.theme))
