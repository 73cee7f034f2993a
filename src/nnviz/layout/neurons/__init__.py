"""Node-and-link layout: a column of neurons per layer, wide layers elided, every label placed so none overlap.

The stages, each a small function in a module of its own: :func:`~.chain.node_chain` finds the
chain of layers (nested models opened), :func:`~.columns.plan_columns` decides what each column
shows (roles, elided neurons, labels, captions), :mod:`~.linkweights` cuts the kernels down to
the drawn neurons, :func:`~.pagefit.fit_columns` sizes the page (shrinking fonts when a fixed
``figsize`` is too small), :mod:`~.wrap` wraps a page too large into rows, and
:func:`~.emitter.emit` writes the positioned :class:`~nnviz.scene.Scene`. The options are
:class:`~.nodeoptions.NodeOptions`. No drawing library is imported; text sizes come from
:mod:`nnviz.layout.metrics`.

>>> from nnviz import load
>>> scene = layout_nodes(load({"input_shape": [8], "layers": [
...     {"type": "Dense", "units": 16, "activation": "relu"}, {"type": "Dense", "units": 1}]}))
>>> len(scene.neurons), sum(len(s) for s in scene.links)   # 8 + 8 shown of 16 + 1
(17, 72)
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from ...errors import OptionError
from ...graph import LayerGraph
from ...options import parse_width
from ...scene import Scene
from ...text import display
from .nodeoptions import NodeOptions
from .columns import plan_columns
from .linkweights import link_weights
from .pagefit import SCALES, legend_entries, fit_columns, at_width
from .emitter import emit, finish
from .wrap import on_page, wrap_rows

__all__ = ["layout_nodes"]

_MAX_TITLE = 80


def _title(graph: LayerGraph, options: NodeOptions) -> str:
    if options.title is not None:
        return display(options.title, _MAX_TITLE)
    return f"{display(graph.name, _MAX_TITLE)} · {graph.params_text('parameters')}"


def layout_nodes(graph: LayerGraph, options: NodeOptions | None = None, *, paint: Any = None) -> Scene:
    """Lay a model out as columns of neurons and the links between them.

    Args:
        graph: the layer graph (a chain of layers; nested models are opened).
        options: the node options (defaults when ``None``).
        paint: a :class:`nnviz.view.coloring.Coloring` (``color_by``): neurons coloured by their
            layer's bin, whose colours ``options.theme.role_colors`` holds.

    Returns:
        The positioned :class:`~nnviz.scene.Scene`: neurons, links as :class:`~nnviz.scene.LinkSet`
        arrays, labels (title, captions, neuron labels, ellipses, counts), the legend, and in
        its node-style fields how the page was fitted (see :class:`~nnviz.scene.Scene`).

    Raises:
        OptionError: a model that is not a chain, or options that do not fit the model.
        ReadError: stored weights that do not fit the architecture.
    """
    import numpy as np

    options = options or NodeOptions()
    try:
        columns = plan_columns(graph, options)
    except OptionError as err:  # a nested model's graph has no source: name the file all the same
        raise err.with_context(path=graph.source)
    weights = link_weights(columns, graph) if options.weights else {}
    title = _title(graph, options)
    if paint is not None:  # neurons take their layer's colour key; links keep their roles
        columns = [replace(c, paint=paint.neuron_key(c.layer.name)) for c in columns]
    legend = legend_entries(columns, options.theme)
    width = parse_width(options.width) if options.figsize is None else None
    if width is not None:
        options = at_width(columns, options, title, legend, bool(weights), width)
    page = next((p for p in (fit_columns(columns, options, title, legend, bool(weights), s) for s in SCALES)
                 if p.fits or options.figsize is None), None)
    if page is None:  # nothing fits the requested size: draw at the smallest fonts, on a larger page
        page = fit_columns(columns, options, title, legend, bool(weights), SCALES[-1])
    if options.figsize is None and options.page is not None and not on_page(page.width, page.height, options):
        wrapped = wrap_rows(columns, options, title, legend, bool(weights))
        if wrapped is not None:
            return wrapped.draw(weights)
    scene = emit(page, options, columns, list(range(len(columns))), weights)
    return finish(scene, page, columns, title, legend, weights, options)
