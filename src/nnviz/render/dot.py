"""The graphviz engine: a view's DOT text drawn by ``dot``.

The DOT text (:func:`~nnviz.layout.dottext.to_dot`, re-exported here) writes the same blocks as
the matplotlib engine. :class:`DotDiagram` renders it with the ``dot`` program
(:func:`nnviz.external.run_dot`) to SVG (text stays text), PNG and PDF.
:func:`write_dot` is the ``.dot``/``.gv`` writer every diagram has.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable

from ..external import run_dot
from ..fileio import write_atomic
from ..layout.blockheader import title_lines
from ..layout.dottext import dot_name, to_dot
from ..layout.layered import BlockOptions
from .block import BlockDiagram, render_scene

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.figure import Figure

    from ..graph import LayerGraph
    from ..view import View
    from ..scene import Scene

__all__ = ["to_dot", "dot_name", "DotDiagram", "write_dot", "diagram_view"]


def diagram_view(diagram: Any) -> tuple["View", BlockOptions]:
    """The block view a diagram shows and its block options: a block diagram's own; for a diagram
    of another style, the block view the pipeline supplied with it (:meth:`Diagram.block_view`)."""
    view = getattr(diagram, "view", None)
    if view is None:
        return diagram.block_view()
    return view, diagram.options if isinstance(diagram.options, BlockOptions) else BlockOptions()


def write_dot(diagram: Any, path: Path, dpi: float | None = None) -> None:
    """Write a diagram's DOT source (the ``.dot``/``.gv`` writer)."""
    diagram.graph.require_graph(f"DOT output ({path.name})")
    view, options = diagram_view(diagram)
    text = to_dot(view, options, title=title_lines(diagram.graph, view, options))
    write_atomic(path, (text + "\n").encode("utf-8"))


class DotDiagram(BlockDiagram):
    """A block diagram drawn by Graphviz's ``dot``; ``source`` is its DOT text.

    ``figure`` shows dot's layout drawn by matplotlib (for notebooks and ``ax``);
    files come from ``dot`` itself.
    """

    def __init__(self, graph: "LayerGraph", *, view: "View", options: BlockOptions,
                 columns: dict[str, int] | None = None, layout: "Callable[[], Scene] | None" = None,
                 **kwargs: Any) -> None:
        super().__init__(graph, view=view, engine="graphviz", dpi=options.dpi, options=options,
                         render=self._draw, **kwargs)
        self.columns = columns
        self._layout = layout
        self._dot_scene: "Scene | None" = None

    @property  # type: ignore[override]
    def scene(self) -> "Scene":
        """dot's layout as a Scene, from the layout the pipeline supplied (``dot -Tjson``), on first use."""
        if self._dot_scene is None:
            if self._layout is None:
                raise ValueError("this DotDiagram was made without its layout (nnviz.api.draw_blocks supplies it)")
            self._dot_scene = self._layout()
        return self._dot_scene

    @scene.setter
    def scene(self, value: "Scene | None") -> None:
        self._dot_scene = None  # always dot's own layout

    def _title(self) -> list[str]:
        return title_lines(self.graph, self.view, self.options)

    @property
    def source(self) -> str:
        """The DOT text."""
        return to_dot(self.view, self.options, title=self._title(), columns=self.columns)

    def _draw(self) -> "Figure":
        return render_scene(self.scene, self.options.theme)

    def to_bytes(self, fmt: str, *, dpi: float | None = None) -> bytes:
        """The diagram as SVG, PNG or PDF, drawn by ``dot``."""
        text = to_dot(self.view, self.options, title=self._title(), columns=self.columns,
                      dpi=(dpi or self.png_dpi()) if fmt == "png" else None)
        return run_dot(text, fmt)
