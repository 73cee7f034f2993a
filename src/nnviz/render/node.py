"""The matplotlib renderer of node-and-link scenes (the node style of ``nnviz.draw``, laid out by
:mod:`nnviz.layout.neurons` and put together by :func:`nnviz.api.draw_nodes`).

Links go into one :class:`~matplotlib.collections.LineCollection` per kind and
neurons into one :class:`~matplotlib.collections.EllipseCollection`, so a
layer pair of 400,000 links costs one artist, not 400,000. The figure is a
plain :class:`~matplotlib.figure.Figure` on the Agg canvas: no pyplot state,
except in :func:`pyplot_figure`, which notebooks use so the inline backend
shows the figure. matplotlib is imported inside the functions, so that
``import nnviz`` stays light.

>>> from nnviz import load
>>> from nnviz.api import draw_nodes
>>> d = draw_nodes(load({"input_shape": [4], "layers": [{"type": "Dense", "units": 3},
...                                                   {"type": "Dropout", "rate": 0.5}]}))
>>> [c.get_gid() for c in d.figure.axes[0].collections]
['nnviz-links', 'nnviz-dropped', 'nnviz-neurons']
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..layout.metrics import register_font
from ..layout.neurons.nodeoptions import NodeOptions
from .diagram import Diagram

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.axes import Axes
    from matplotlib.colors import Colormap, Normalize
    from matplotlib.figure import Figure

    from ..scene import ColorBar, Scene
    from ..theme import Theme

__all__ = ["render_nodes", "pyplot_figure", "weight_colormap"]

_LINK_ALPHA = {"link": 0.55, "dropped": 0.8}
_NEURON_EDGE = "#333333"


def pyplot_figure(diagram: Diagram) -> "Figure":
    """Render a node diagram into a new pyplot figure, so a notebook's inline backend shows it."""
    import matplotlib.pyplot as plt

    scene = diagram.scene
    figure = plt.figure(figsize=(scene.width / 72, scene.height / 72), dpi=diagram.dpi or 100)
    return render_nodes(scene, diagram.options, figure=figure)


def weight_colormap(theme: "Theme") -> "Colormap":
    """Negative weights in the theme's negative colour, through near-white at zero, to positive."""
    from matplotlib.colors import LinearSegmentedColormap

    return LinearSegmentedColormap.from_list("nnviz-weights", [theme.negative, "#f2f2f2", theme.positive])


def render_nodes(scene: "Scene", options: NodeOptions, *, ax: "Axes | None" = None,
                 figure: "Figure | None" = None) -> "Figure":
    """Draw a node scene with matplotlib: into ``ax``, into ``figure``, or into a new Agg figure.

    Returns:
        The Figure drawn into.
    """
    from matplotlib.colors import Normalize

    theme = options.theme
    register_font(theme.font)
    if ax is None:
        ax = _page_axes(scene, options, figure)
    _prepare(ax, scene)
    _draw_frames(ax, scene, theme)
    bar = scene.colorbar
    norm = Normalize(-bar.vmax, bar.vmax) if bar else None
    cmap = weight_colormap(theme)
    _draw_links(ax, scene, theme, norm, cmap)
    _draw_tables(ax, scene, theme)
    _draw_neurons(ax, scene, theme, norm, cmap)
    _draw_labels(ax, scene, theme)
    _draw_legend(ax, scene, theme)
    if bar:
        _draw_colorbar(ax, bar, theme, norm, cmap)
    return ax.figure


def _page_axes(scene: "Scene", options: NodeOptions, figure: "Figure | None") -> "Axes":
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    if figure is None:
        figure = Figure(figsize=(scene.width / 72, scene.height / 72), dpi=options.dpi or 100)
        FigureCanvasAgg(figure)
    figure.set_facecolor(options.theme.background)
    return figure.add_axes((0, 0, 1, 1))


def _prepare(ax: "Axes", scene: "Scene") -> None:
    """One data unit is one point; y grows downwards as in the scene."""
    ax.set_xlim(0, scene.width)
    ax.set_ylim(scene.height, 0)
    ax.set_aspect("equal")
    ax.set_axis_off()


def _draw_links(ax: "Axes", scene: "Scene", theme: "Theme", norm: "Normalize | None", cmap: "Colormap") -> None:
    import numpy as np
    from matplotlib.collections import LineCollection

    for s in scene.links:
        if s.dense and len(s):  # a million links: one image of their density
            from .density import density_image

            image, (x0, x1, y0, y1) = density_image(s, theme.role_color(s.role))
            ax.imshow(image, extent=(x0, x1, y1, y0), origin="upper", interpolation="bilinear", zorder=1,
                      aspect="auto").set_gid("nnviz-density")
    for kind in ("link", "dropped"):
        sets = [s for s in scene.links if s.kind == kind and len(s) and not s.dense]
        if not sets:
            continue
        segments = np.concatenate([s.segments for s in sets])
        colors, widths = _link_style(sets, theme, kind, norm, cmap)
        lines = LineCollection(segments, colors=colors, linewidths=widths, zorder=1, capstyle="round")
        lines.set_gid("nnviz-links" if kind == "link" else "nnviz-dropped")
        ax.add_collection(lines, autolim=False)


def _link_style(sets: list, theme: "Theme", kind: str, norm: "Normalize | None",
                cmap: "Colormap") -> tuple[Any, Any]:
    """Per-segment RGBA colours and widths: by the target's role, or by weight where weights are drawn."""
    import numpy as np
    from matplotlib.colors import to_rgba

    colors, widths = [], []
    for s in sets:
        n = len(s)
        if s.weights is not None and norm is not None:
            strength = np.clip(np.abs(s.weights) / norm.vmax, 0, 1)
            rgba = cmap(norm(s.weights))
            rgba[:, 3] = 0.15 + 0.85 * strength  # faint small weights, solid big ones
            colors.append(rgba)
            widths.append(0.3 + 2.2 * strength)
        else:
            colors.append(np.tile(to_rgba(theme.role_color(s.role), _link_alpha(kind, n)), (n, 1)))
            widths.append(np.full(n, 0.8))
    return np.concatenate(colors), np.concatenate(widths)


def _link_alpha(kind: str, n: int) -> float:
    """Fainter links in bigger bundles, so that where they crowd shows instead of one solid block."""
    return min(_LINK_ALPHA[kind], max(0.03, _LINK_ALPHA[kind] * (1000 / max(n, 1)) ** 0.5))


def _draw_frames(ax: "Axes", scene: "Scene", theme: "Theme") -> None:
    """Nested models: a dashed frame around their columns (below everything)."""
    from matplotlib.patches import Rectangle

    for c in scene.clusters:
        rect = Rectangle((c.x, c.y), c.w, c.h, facecolor="none", edgecolor=theme.edge_color, linewidth=0.8,
                         linestyle=(0, (4, 2)), zorder=0)
        rect.set_gid("nnviz-frame")
        ax.add_patch(rect)


def _draw_tables(ax: "Axes", scene: "Scene", theme: "Theme") -> None:
    """An Embedding's table: a box in the embedding colour with its rows ruled."""
    from matplotlib.collections import LineCollection
    from matplotlib.patches import Rectangle

    from ..layout.neurons.emitter import lookup_grid

    for box in scene.boxes:
        rect = Rectangle((box.x, box.y), box.w, box.h, facecolor=theme.color(box.family),
                         edgecolor=_NEURON_EDGE, linewidth=0.8, zorder=2)
        rect.set_gid("nnviz-lookup")
        ax.add_patch(rect)
        ax.add_collection(LineCollection(lookup_grid(box), colors=_NEURON_EDGE, linewidths=0.5, zorder=2),
                          autolim=False)


def _draw_neurons(ax: "Axes", scene: "Scene", theme: "Theme", norm: "Normalize | None",
                  cmap: "Colormap") -> None:
    import numpy as np
    from matplotlib.collections import EllipseCollection
    from matplotlib.colors import to_rgba

    neurons = scene.neurons
    if not neurons:
        return
    diameters = np.array([2 * n.r for n in neurons])
    role = np.array([to_rgba(theme.role_color(n.role)) for n in neurons])
    face = role.copy()
    edge = np.tile(to_rgba(_NEURON_EDGE), (len(neurons), 1))
    widths = np.full(len(neurons), 0.8)
    if norm is not None:  # biases fill the circle; the role stays visible as a thick ring
        has = np.array([n.value is not None for n in neurons])
        if has.any():
            face[has] = cmap(norm(np.array([n.value for n in neurons if n.value is not None])))
            edge[has], widths[has] = role[has], 1.8
    circles = EllipseCollection(diameters, diameters, np.zeros(len(neurons)), units="xy",
                                offsets=np.array([(n.x, n.y) for n in neurons]), offset_transform=ax.transData,
                                facecolors=face, edgecolors=edge, linewidths=widths, zorder=3)
    circles.set_gid("nnviz-neurons")
    ax.add_collection(circles, autolim=False)


_TEXT_STYLE = {
    "title": {"fontweight": "bold"},
    "caption-name": {"fontweight": "bold"},
    "frame": {"fontweight": "bold"},
    "more": {"fontstyle": "italic", "color": "#666666"},
    "ellipsis": {"color": "#666666"},
    "note": {"fontstyle": "italic", "color": "#666666"},
}
_ON_LINKS = ("neuron", "more")  # labels that sit among links get a faint backing to stay readable


def _draw_labels(ax: "Axes", scene: "Scene", theme: "Theme") -> None:
    backing = {"boxstyle": "square,pad=0.05", "facecolor": theme.background, "edgecolor": "none", "alpha": 0.7}
    for label in scene.labels:
        style = {"color": theme.text_color, **_TEXT_STYLE.get(label.role, {})}
        if label.role in _ON_LINKS:
            style["bbox"] = backing
        # only neuron labels are mathtext ($X_{1}$); a "$" in a name from the file is just a "$"
        text = ax.text(label.x, label.y, label.text, fontsize=label.size, ha=label.ha, va=label.va,
                       rotation=label.rotation, family=theme.font, zorder=4, clip_on=False,
                       parse_math=label.role == "neuron", **style)
        text.set_gid(f"nnviz-{label.role}")


def _draw_legend(ax: "Axes", scene: "Scene", theme: "Theme") -> None:
    from matplotlib.legend import Legend

    place = scene.legend_place
    if not scene.legend or not place:
        return
    f = place.font
    rings = scene.colorbar is not None  # with weights, biases fill the neurons: roles are rings
    for row, indices in enumerate(place.rows):  # one legend per row: the layout packed them
        entries = [scene.legend[i] for i in indices]
        handles = [_legend_handle(theme.role_color(role), f, rings) for _, role in entries]
        legend = Legend(ax, handles, [t for t, _ in entries], loc="upper center", ncol=len(entries),
                        bbox_to_anchor=(place.x, place.y + row * 1.6 * f), bbox_transform=ax.transData,
                        frameon=False, borderpad=0, borderaxespad=0, handlelength=1.0, handletextpad=0.5,
                        columnspacing=1.5, prop={"family": theme.font, "size": f}, labelcolor=theme.text_color)
        legend.set_gid("nnviz-legend")
        ax.add_artist(legend)


def _legend_handle(color: str, size: float, ring: bool) -> Any:
    from matplotlib.lines import Line2D

    if ring:
        return Line2D([], [], ls="", marker="o", markersize=size, markerfacecolor="white", markeredgecolor=color,
                      markeredgewidth=1.8)
    return Line2D([], [], ls="", marker="o", markersize=size, markerfacecolor=color,
                  markeredgecolor=_NEURON_EDGE, markeredgewidth=0.8)


def _draw_colorbar(ax: "Axes", bar: "ColorBar", theme: "Theme", norm: "Normalize", cmap: "Colormap") -> None:
    from matplotlib.cm import ScalarMappable

    fig = ax.figure
    to_fig = ax.transData + fig.transFigure.inverted()
    (x0, y0), (x1, y1) = to_fig.transform([(bar.x, bar.y + bar.h), (bar.x + bar.w, bar.y)])
    cax = fig.add_axes((x0, y0, x1 - x0, y1 - y0))
    vmax = bar.vmax
    cb = fig.colorbar(ScalarMappable(norm=norm, cmap=cmap), cax=cax, orientation="horizontal",
                      ticks=[-vmax, 0, vmax])
    cb.ax.set_xticklabels([f"{-vmax:.2g}", "0", f"{vmax:.2g}"])
    cb.ax.tick_params(labelsize=bar.font, length=2, pad=1.5, labelcolor=theme.text_color,
                      labelfontfamily=theme.font)
    cb.outline.set_linewidth(0.5)
    cax.set_gid("nnviz-colorbar")
