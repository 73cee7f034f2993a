"""The Diagram: what ``nnviz.draw`` returns. Saves itself and shows itself in Jupyter."""

from __future__ import annotations

import io
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable

from ..errors import OptionError
from ..fileio import write_atomic

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.figure import Figure

    from ..graph import LayerGraph
    from ..scene import Scene

__all__ = ["Diagram", "IMAGE_FORMATS", "SAVE_RC"]

IMAGE_FORMATS = ("png", "svg", "pdf")
SAVE_RC = {"svg.hashsalt": "nnviz"}


class Diagram:
    """A drawn model.

    Attributes:
        graph: the layer graph that was drawn.
        scene: the positioned scene (for the matplotlib engine).
        style: ``node`` or ``block``.
        engine: ``matplotlib`` or ``graphviz``.

    Extra output formats register in ``writers`` (suffix -> function(diagram, path, dpi)).
    """

    writers: dict[str, Callable[["Diagram", Path, float | None], None]] = {
        "html": lambda diagram, path, dpi: diagram.to_html(path) and None,
    }

    def __init__(self, graph: "LayerGraph", *, scene: "Scene | None" = None, style: str = "block",
                 engine: str = "matplotlib", render: Callable[[], "Figure"] | None = None,
                 figure: "Figure | None" = None, dpi: float = 100.0, options: Any = None) -> None:
        self.graph = graph
        self.scene = scene
        self.style = style
        self.engine = engine
        self.options = options
        self.dpi = dpi
        self._render = render
        self._figure = figure

    @property
    def figure(self) -> "Figure":
        """The matplotlib Figure (drawn on first use)."""
        if self._figure is None:
            if self._render is None:
                raise OptionError(f"the {self.engine} engine draws no matplotlib figure")
            self._figure = self._render()
        return self._figure

    def save(self, path: str | Path, *, dpi: float | None = None, tex_snippet: bool = False) -> Path:
        """Write the diagram; the format follows the suffix (png, svg, pdf, tex, and more per engine).

        ``tex_snippet=True`` writes only the ``tikzpicture`` of a ``.tex`` file, to paste into a paper
        (by default it is a ``standalone`` document that compiles with ``pdflatex`` as it is).
        The file is written atomically: an existing file is replaced only when the new one is complete.
        """
        path = Path(path)
        fmt = path.suffix.lower().lstrip(".")
        if fmt == "tex" or tex_snippet:
            if fmt != "tex":
                raise OptionError(f"tex_snippet writes a .tex file, not .{fmt}", path=path)
            from .tikz import write_tikz

            write_tikz(self, path, dpi, snippet=tex_snippet)
            return path
        if fmt in self.writers:
            self.writers[fmt](self, path, dpi)
            return path
        if fmt not in IMAGE_FORMATS:
            allowed = sorted({*IMAGE_FORMATS, *self.writers})
            raise OptionError(f"unknown output format {fmt!r} (must be one of {allowed})", path=path)
        data = self.to_bytes(fmt, dpi=dpi)
        write_atomic(path, data)
        return path

    def to_bytes(self, fmt: str, *, dpi: float | None = None) -> bytes:
        """The diagram as PNG, SVG or PDF bytes.

        SVG is written from the scene by :mod:`nnviz.render.svgfile` (no matplotlib), unless the
        diagram was drawn into a figure it does not own (``ax=``): then it is that figure's SVG.
        """
        if fmt == "svg" and self._render is not None and self.scene is not None:
            from .svgfile import scene_svg

            return scene_svg(self.scene, self.options.theme, style=self.style).encode("utf-8")
        buf = io.BytesIO()
        meta: dict[str, Any] = {"svg": {"Date": None}, "pdf": {"CreationDate": None, "ModDate": None},
                                "png": {}}[fmt]
        import matplotlib

        with matplotlib.rc_context(SAVE_RC):  # fixed SVG ids: the same diagram gives the same bytes
            self.figure.savefig(buf, format=fmt, dpi=dpi or self.dpi, metadata=meta,
                                facecolor=self.figure.get_facecolor())
        return buf.getvalue()

    def to_html(self, path: str | Path | None = None) -> str:
        """A self-contained interactive HTML page; written atomically to ``path`` when given."""
        from .html import to_html

        text = to_html(self)
        if path is not None:
            write_atomic(path, text)
        return text

    def _repr_html_(self) -> str | None:
        # notebooks prefer HTML: keep it to the picture (the interactive page is .to_html())
        svg = self._repr_svg_()
        return None if svg is None else svg[svg.find("<svg"):]

    def _repr_svg_(self) -> str | None:
        try:
            return self.to_bytes("svg").decode("utf-8")
        except OptionError:
            return None

    def _repr_png_(self) -> bytes | None:
        try:
            return self.to_bytes("png")
        except OptionError:
            return None

    def __repr__(self) -> str:
        return f"<Diagram {self.style} of {self.graph.name!r} ({self.engine})>"


def _lazy_writer(module: str, name: str) -> Callable[["Diagram", Path, float | None], None]:
    """A writer imported on first use, so that registering it costs nothing."""
    def write(diagram: "Diagram", path: Path, dpi: float | None) -> None:
        import importlib

        getattr(importlib.import_module(module), name)(diagram, path, dpi)

    return write


# DOT source and Mermaid flowcharts, for diagrams of either engine
Diagram.writers.setdefault("dot", _lazy_writer("nnviz.render.dot", "write_dot"))
Diagram.writers.setdefault("gv", _lazy_writer("nnviz.render.dot", "write_dot"))
Diagram.writers.setdefault("mmd", _lazy_writer("nnviz.render.mermaid", "write_mermaid"))
Diagram.writers.setdefault("tex", _lazy_writer("nnviz.render.tikz", "write_tikz"))  # TikZ (a standalone document)
