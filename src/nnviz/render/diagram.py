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

__all__ = ["Diagram", "IMAGE_FORMATS", "SAVE_RC", "MIN_PNG_WIDTH", "png_dpi"]

IMAGE_FORMATS = ("png", "svg", "pdf")
SAVE_RC = {"svg.hashsalt": "nnviz"}
MIN_PNG_WIDTH = 1200  # pixels: a default PNG is wide enough for a slide or a screen
_MAX_PNG_SIDE = 16000  # pixels: a long narrow drawing is not blown up past this
BASE_DPI = {"block": 150.0, "node": 100.0}


def png_dpi(width: float, height: float, base: float) -> float:
    """The resolution of a default PNG of ``width`` x ``height`` points.

    At least ``base`` dpi, and enough for the PNG to be :data:`MIN_PNG_WIDTH` pixels wide, unless
    that would make its long side more than 16,000 pixels (then as much as that allows).

    >>> png_dpi(300, 200, 100)    # a small model: 4.2 inches wide
    288.0
    >>> png_dpi(2000, 500, 100)   # already 2,778 px wide at 100 dpi
    100.0
    """
    width_in, long_in = max(width, 1.0) / 72, max(width, height, 1.0) / 72
    want = max(base, MIN_PNG_WIDTH / width_in)
    return float(min(want, max(base, _MAX_PNG_SIDE / long_in)))


class Diagram:
    """A drawn model.

    Attributes:
        graph: the layer graph that was drawn.
        scene: the positioned scene (for the matplotlib engine).
        style: ``node`` or ``block``.
        engine: ``matplotlib`` or ``graphviz``.
        redraw: ``redraw(diagram, **changes)`` draws the same model again with some options changed
            (the interactive page's expanded view); the pipeline (nnviz.api) supplies it.
        block_view: for a diagram of another style, ``block_view()`` gives the model's block view and
            its options (what the ``.dot`` and ``.mmd`` writers write); the pipeline supplies it.
        painting: what the blocks or neurons are coloured by (``color_by``: a
            :class:`~nnviz.view.coloring.Coloring`; ``panel()`` its label and values per layer), from
            the view stage;
            the HTML page lists the values in its panel.

    Extra output formats register in ``writers`` (suffix -> function(diagram, path, dpi)).
    """

    writers: dict[str, Callable[["Diagram", Path, float | None], None]] = {
        "html": lambda diagram, path, dpi: diagram.to_html(path) and None,
    }

    def __init__(self, graph: "LayerGraph", *, scene: "Scene | None" = None, style: str = "block",
                 engine: str = "matplotlib", render: Callable[[], "Figure"] | None = None,
                 figure: "Figure | None" = None, dpi: float | None = None, options: Any = None,
                 redraw: "Callable[..., Diagram] | None" = None,
                 block_view: "Callable[[], tuple[Any, Any]] | None" = None, painting: Any = None) -> None:
        self.graph = graph
        self.scene = scene
        self.style = style
        self.engine = engine
        self.options = options
        self.dpi = dpi
        self._render = render
        self._figure = figure
        self._redraw = redraw
        self._block_view = block_view
        self.painting = painting

    def variant(self, **changes: Any) -> "Diagram":
        """The same model drawn again by the matplotlib layout with some options changed (the
        interactive page's expanded view), by the pipeline that drew this one.

        Raises:
            OptionError: this diagram was not drawn by :mod:`nnviz.api`, which knows how to redraw it.
        """
        if self._redraw is None:
            raise OptionError(f"a {self.style} diagram made without nnviz.api cannot be drawn again with other options")
        return self._redraw(self, **changes)

    def block_view(self) -> tuple[Any, Any]:
        """The model's block view and its ``BlockOptions``, for the writers of block text (DOT,
        Mermaid) of a diagram of another style, as the pipeline laid it out.

        Raises:
            OptionError: this diagram was not drawn by :mod:`nnviz.api`, which supplies it.
        """
        if self._block_view is None:
            raise OptionError(f"a {self.style} diagram made without nnviz.api has no block view (DOT, Mermaid)")
        return self._block_view()

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
        """The diagram as PNG, SVG or PDF bytes (text measured in the options' ``font``, if any)."""
        font = getattr(self.options, "font", None)
        if font is None:
            return self._bytes(fmt, dpi=dpi)
        from ..layout.metrics import measuring

        with measuring(font):
            return self._bytes(fmt, dpi=dpi)

    def _bytes(self, fmt: str, *, dpi: float | None = None) -> bytes:
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
            self.figure.savefig(buf, format=fmt, dpi=dpi or self.png_dpi(), metadata=meta,
                                facecolor=self.figure.get_facecolor())
        return buf.getvalue()

    def png_dpi(self) -> float:
        """The resolution PNG output gets without a ``dpi``: the option's, or one chosen from the size.

        The size is the scene's (or, drawn into a given ``ax``, its figure's), so that a default
        PNG is at least :data:`MIN_PNG_WIDTH` pixels wide (see :func:`png_dpi`).
        """
        if self.dpi:
            return float(self.dpi)
        base = BASE_DPI.get(self.style, 100.0)
        if self._figure is not None and self._render is None:  # drawn into a figure it does not own
            w, h = self._figure.get_size_inches()
            return png_dpi(w * 72, h * 72, base)
        scene = self.scene
        return base if scene is None else png_dpi(scene.width, scene.height, base)

    def to_html(self, path: str | Path | None = None) -> str:
        """A self-contained interactive HTML page; written atomically to ``path`` when given."""
        from .html import to_html

        text = to_html(self)
        if path is not None:
            write_atomic(path, text)
        return text

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, Any]:
        """What a notebook shows: the picture drawn once, as SVG and as the same SVG inline in HTML.

        IPython asks this first and skips the ``_repr_*_`` methods of the types it returns, so the
        diagram is drawn once (with ``_repr_html_``, ``_repr_svg_`` and ``_repr_png_`` alone a
        notebook drew it three times: two SVGs and a PNG).
        """
        svg = self._repr_svg_()
        if svg is None:
            return {"text/plain": repr(self)}
        # notebooks prefer HTML: keep it to the picture (the interactive page is .to_html())
        return {"text/html": svg[svg.find("<svg"):], "image/svg+xml": svg, "text/plain": repr(self)}

    def _repr_html_(self) -> str | None:
        svg = self._repr_svg_()
        return None if svg is None else svg[svg.find("<svg"):]

    def _repr_svg_(self) -> str | None:
        try:
            return self.to_bytes("svg").decode("utf-8")
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
Diagram.writers.setdefault("drawio", _lazy_writer("nnviz.render.drawio", "write_drawio"))  # diagrams.net
