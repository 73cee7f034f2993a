"""The pipeline: ``draw``, the two styles' drawing functions and ``visualize_nn``, read as their stages.

read and infer (:func:`nnviz.load`) → view (the blocks or neurons shown: selection, folding,
expansion) → layout (a :class:`~nnviz.scene.Scene`) → render (a
:class:`~nnviz.render.diagram.Diagram` that draws the Scene with matplotlib, or with ``dot``
for the graphviz engine). This module is the only one that runs the stages in order; each
stage is a plain function of its own package and never calls a later one (the renderers lay
nothing out: the HTML page gets its expanded drawing, and the graphviz figure its layout, from here).
"""

from __future__ import annotations

from dataclasses import fields, replace
from functools import partial
from typing import TYPE_CHECKING, Any

from .errors import OptionError
from .external import have_dot, require_dot
from .loading import load

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from .graph import LayerGraph
    from .render.diagram import Diagram
    from .scene import Scene

__all__ = ["draw", "draw_blocks", "draw_nodes", "draw_volumes", "visualize_nn", "resolve_engine", "STYLES"]

STYLES = ("block", "node", "volume")


def draw(source: Any, *, style: str = "block", weights_file: Any = None, input_shape: Any = None,
         build: bool = False, **options: Any) -> "Diagram":
    """Draw a model as a block or node-and-link diagram.

    Args:
        source: anything :func:`nnviz.load` reads (path, dict, keras.Model, LayerGraph).
        style: ``block`` (a box per layer), ``node`` (neurons and links) or ``volume`` (each
            layer's output as a 3-D box sized by its shape, the classic CNN figure).
        weights_file: weights for a JSON architecture.
        input_shape: the input shape of a live subclassed model never built (see :func:`nnviz.load`).
        build: build a file that stores no graph from its config (opt-in, see :func:`nnviz.load`).
        **options: the fields of the style's options (``BlockOptions``, ``NodeOptions`` or ``VolumeOptions``).

    Returns:
        A :class:`~nnviz.render.diagram.Diagram`.

    Raises:
        OptionError: an unknown style or option.
    """
    if style not in STYLES:
        raise OptionError(f"unknown style {style!r} (must be one of {list(STYLES)})")
    if options.get("color_by") is not None and options.get("weights"):
        raise OptionError("weights=True colours links and neurons by weight: it cannot go with color_by")
    font = options.get("font")
    if isinstance(font, str) and font.strip():  # text measured with the font file while laying out
        from .layout.metrics import measuring

        with measuring(font.strip()):  # an uninstalled family: OptionError before anything is read
            return _draw(source, style, weights_file, input_shape, build, options)
    return _draw(source, style, weights_file, input_shape, build, options)


def _draw(source: Any, style: str, weights_file: Any, input_shape: Any, build: bool,
          options: dict[str, Any]) -> "Diagram":
    graph = load(source, weights_file=weights_file, input_shape=input_shape, build=build)  # read, infer
    if style == "node":
        return draw_nodes(graph, **options)
    if style == "volume":
        return draw_volumes(graph, **options)
    return draw_blocks(graph, **options)


# -- the block style -------------------------------------------------------------------------

def resolve_engine(engine: str) -> str:
    """``auto`` becomes ``graphviz`` when the ``dot`` program is on PATH, else ``matplotlib``.

    Raises:
        MissingDependencyError: ``graphviz`` was asked for and ``dot`` is missing.
    """
    if engine == "auto":
        return "graphviz" if have_dot() else "matplotlib"
    if engine == "graphviz":
        require_dot()
    return engine


def draw_blocks(graph: "LayerGraph", *, ax: "Axes | None" = None, **options: Any) -> "Diagram":
    """Draw ``graph`` as a block diagram: a box per layer (or group), arrows for the data flow.

    Args:
        graph: the layer graph.
        ax: a matplotlib Axes to draw into at once (the layout fits the Axes' size, as ``figsize``
            would; ``figure`` is then the Axes' figure); ``None`` draws on a figure of its own, on
            first use.
        **options: the fields of :class:`~nnviz.layout.layered.BlockOptions`.

    Returns:
        A :class:`~nnviz.render.block.BlockDiagram` (matplotlib) or a
        :class:`~nnviz.render.dot.DotDiagram` (graphviz).

    Raises:
        OptionError: an unknown option or value.
        MissingDependencyError: ``engine="graphviz"`` without the ``dot`` program.

    >>> import nnviz
    >>> d = draw_blocks(nnviz.load({"input_shape": [4], "layers": [{"type": "Dense", "units": 2}]}))
    >>> d.style, d.engine, len(d.scene.boxes)
    ('block', 'matplotlib', 2)
    """
    from .layout.layered import BlockOptions

    opts = BlockOptions(**options)
    if ax is not None:
        opts = replace(opts, figsize=_axes_size(_check_axes(ax)))  # the page is the Axes
    diagram = _block_diagram(graph, opts)
    if ax is not None:
        diagram.draw_into(ax)  # render, at once
    return diagram


def _block_diagram(graph: "LayerGraph", opts: Any) -> "Diagram":
    """view → layout → the diagram that renders it (on first use)."""
    from .layout.blocks import block_view, choose_view, to_width
    from .render.block import BlockDiagram, render_scene

    if not graph.has_graph:  # a layer tree (a file that stores no graph): nested boxes, matplotlib
        from .layout.tree import tree_scene

        if opts.engine == "graphviz":  # asked for by name: say why not, as DOT output does ("auto" may pick)
            graph.require_graph("the graphviz engine")
        scene = to_width(tree_scene(graph, opts), opts)
        return BlockDiagram(graph, view=None, scene=scene, engine="matplotlib", dpi=opts.dpi, options=opts,
                            render=partial(render_scene, scene, opts.theme), redraw=_redraw)
    if opts.fixed_width is not None:  # dot sizes its own drawings: a width is nnviz's layout's
        if opts.engine == "graphviz":
            raise OptionError("width draws with the matplotlib engine (graphviz sizes its own drawings)",
                              hint="leave --engine out, or give --engine matplotlib")
        opts = replace(opts, engine="matplotlib")
    engine = resolve_engine(opts.engine)
    from .view.coloring import resolve_coloring

    coloring = resolve_coloring(graph, opts.color_by, opts.theme)  # view: what the blocks are coloured by
    painter = None
    if opts.color_by is not None:
        if opts.engine == "auto":
            engine = "matplotlib"
        if engine != "matplotlib":
            raise OptionError("color_by draws with the matplotlib engine (graphviz keeps the family colours)")
        opts = replace(opts, theme=coloring.theme(opts.theme))
        painter = coloring
    if engine == "graphviz" and opts.target is None:
        return _dot_diagram(graph, choose_view(graph, opts), opts, None)  # view; dot lays it out
    # view and layout: the least folded view that fits (a cost paints folded groups by their sums)
    view, scene = block_view(graph, opts, paint=coloring.before_folding, annotate=coloring.after_folding)
    if engine == "graphviz":  # dot draws the same columns, each its own component
        return _dot_diagram(graph, view, opts, scene.column_of)
    return BlockDiagram(graph, view=view, scene=scene, engine="matplotlib", dpi=opts.dpi, options=opts,
                        render=partial(render_scene, scene, opts.theme), redraw=_redraw, painting=painter)


def _dot_diagram(graph: "LayerGraph", view: Any, opts: Any, columns: dict[str, int] | None) -> "Diagram":
    """The graphviz engine's diagram; its figure shows dot's own layout, asked for on first use."""
    from .layout.blockheader import title_lines
    from .layout.dot import layout_dot
    from .render.dot import DotDiagram

    def layout() -> "Scene":
        return layout_dot(view, opts, title=title_lines(graph, view, opts), columns=columns)

    return DotDiagram(graph, view=view, options=opts, columns=columns, layout=layout, redraw=_redraw)


def _redraw(diagram: "Diagram", **changes: Any) -> "Diagram":
    """``diagram``'s model drawn again by the matplotlib layout with some options changed (what the
    interactive page shows expanded, and the graphviz engine's page in the matplotlib layout)."""
    opts = {f.name: getattr(diagram.options, f.name) for f in fields(diagram.options)}
    opts.update(engine="matplotlib", **changes)
    return draw_blocks(diagram.graph, **opts)


# -- the volume style ----------------------------------------------------------------------------

def draw_volumes(graph: "LayerGraph", *, ax: "Axes | None" = None, **options: Any) -> "Diagram":
    """Draw ``graph`` as a volume figure: each layer's output as a box sized by its shape.

    Args:
        graph: the layer graph.
        ax: a matplotlib Axes to draw into at once (as for :func:`draw_blocks`).
        **options: the fields of :class:`~nnviz.layout.volume.VolumeOptions`.

    Returns:
        A :class:`~nnviz.render.volume.VolumeDiagram` (PNG, PDF and SVG).

    Raises:
        OptionError: an unknown option or value.
        OptionError: the model is stored without its graph.

    >>> import nnviz
    >>> d = draw_volumes(nnviz.load({"input_shape": [28, 28, 1], "layers": [
    ...     {"type": "Conv2D", "filters": 4, "kernel_size": 3}, {"type": "Flatten"}]}))
    >>> d.style, len(d.scene.polygons), d.to_bytes("svg").count(b"<polygon")
    ('volume', 9, 9)
    """
    from .layout.volume import VolumeOptions, volume_view
    from .render.block import render_scene
    from .render.volume import VolumeDiagram

    opts = VolumeOptions(**options)
    if ax is not None:
        opts = replace(opts, figsize=_axes_size(_check_axes(ax)))  # the page is the Axes
    paint = annotate = painter = None
    if opts.color_by is not None:  # view: what the volumes are coloured by
        from .view.coloring import resolve_coloring

        painter = resolve_coloring(graph, opts.color_by, opts.theme)
        opts = replace(opts, theme=painter.theme(opts.theme))
        paint, annotate = painter.before_folding, painter.after_folding  # a cost: after folding, by sums
    view, scene = volume_view(graph, opts, paint=paint, annotate=annotate)  # view and layout
    diagram = VolumeDiagram(graph, view=view, scene=scene, engine="matplotlib", dpi=opts.dpi, options=opts,
                            render=partial(render_scene, scene, opts.theme),  # render, on first use
                            painting=painter)
    if ax is not None:
        diagram.draw_into(ax)  # render, at once
    return diagram


# -- the node style ----------------------------------------------------------------------------

def draw_nodes(graph: "LayerGraph", **options: Any) -> "Diagram":
    """Draw a layer graph as neurons and links.

    Args:
        graph: the layer graph.
        **options: the fields of :class:`~nnviz.layout.neurons.nodeoptions.NodeOptions`.

    Returns:
        A :class:`~nnviz.render.diagram.Diagram` (drawn into ``ax`` at once when one is given,
        else on first use).

    Raises:
        OptionError: an unknown option or value, or a model the node style cannot draw.

    >>> from nnviz import load
    >>> draw_nodes(load({"input_shape": [2], "layers": [{"type": "Dense", "units": 1}]}), max_neurons=4)
    <Diagram node of 'model' (matplotlib)>
    """
    from .layout.neurons import layout_nodes
    from .layout.neurons.nodeoptions import NodeOptions
    from .render.diagram import Diagram
    from .render.node import render_nodes

    graph.require_graph("the node style")
    opts = NodeOptions(**options)
    paint = None
    if opts.color_by is not None:  # view: what the neurons are coloured by
        from .view.coloring import resolve_coloring

        paint = resolve_coloring(graph, opts.color_by, opts.theme)
        opts = replace(opts, theme=paint.node_theme(opts.theme))
    if opts.ax is not None:
        opts = replace(opts, figsize=_axes_size(opts.ax))  # the page is the Axes
        scene = layout_nodes(graph, opts, paint=paint)
        figure = render_nodes(scene, opts, ax=opts.ax)
        return Diagram(graph, scene=scene, style="node", figure=figure, dpi=opts.dpi, options=opts,
                       block_view=partial(_default_block_view, graph), painting=paint)
    scene = layout_nodes(graph, opts, paint=paint)
    return Diagram(graph, scene=scene, style="node", render=partial(render_nodes, scene, opts),
                   dpi=opts.dpi, options=opts, block_view=partial(_default_block_view, graph), painting=paint)


def _default_block_view(graph: "LayerGraph") -> tuple[Any, Any]:
    """The block view (default options) of a model drawn in another style: what its ``.dot`` and
    ``.mmd`` files write."""
    from .layout.blocks import block_view
    from .layout.layered import BlockOptions

    options = BlockOptions()
    return block_view(graph, options)[0], options


def _check_axes(ax: Any) -> "Axes":
    if not hasattr(ax, "add_collection"):
        raise OptionError(f"ax must be a matplotlib Axes, got {type(ax).__name__}")
    return ax


def _axes_size(ax: "Axes") -> tuple[float, float]:
    """The size of an Axes in inches (the page the layout fills)."""
    fig_w, fig_h = ax.figure.get_size_inches()
    box = ax.get_position()
    return (max(box.width * fig_w, 0.5), max(box.height * fig_h, 0.5))


def visualize_nn(model: Any, description: bool = False, figsize: tuple[float, float] | None = None,
                 **options: Any) -> "Figure":
    """Draw ``model`` as neurons and links, the familiar notebook way; returns the Figure.

    Args:
        model: a keras.Model, a file path, a spec dict or a layer graph.
        description: caption every layer with its activation and formula.
        figsize: the figure size in inches.
        **options: further ``NodeOptions`` fields (``max_neurons``, ``weights``, ``ax``...).
    """
    diagram = draw(model, style="node", description=description, figsize=figsize, **options)
    if options.get("ax") is not None:
        return diagram.figure
    from .render.node import pyplot_figure

    return pyplot_figure(diagram)  # a pyplot figure, so a notebook shows it as the recipe's did
