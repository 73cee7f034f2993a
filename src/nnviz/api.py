"""The public drawing functions: ``draw`` and ``visualize_nn``.

``draw`` reads as the stages of the pipeline: load the source into a layer
graph, lay it out for the chosen style, render it with the chosen engine.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .errors import OptionError
from .readers.sniff import load

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.figure import Figure

    from .render.diagram import Diagram

__all__ = ["draw", "visualize_nn", "STYLES"]

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
    graph = load(source, weights_file=weights_file, input_shape=input_shape, build=build)
    if style == "node":
        from .render.node import draw_nodes

        return draw_nodes(graph, **options)
    if style == "volume":
        from .render.volume import draw_volumes

        return draw_volumes(graph, **options)
    from .render.block import draw_blocks

    return draw_blocks(graph, **options)


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
