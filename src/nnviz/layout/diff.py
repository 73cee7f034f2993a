"""The layout of a model diff: the union of both models as one block Scene, each model apart.

The views come from :mod:`nnviz.view.diff` (the union, blocks coloured by status, one-sided links
marked); :func:`diff_scene` lays out the least folded view of the union that fits the page,
:func:`side_scenes` each model by itself, unfolded (the HTML page shows them side by side).
:mod:`nnviz.modeldiff` runs these and hands the Scenes to :mod:`nnviz.render.diffview`.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Any

from ..errors import OptionError
from ..view.diff import StatusColoring, diff_title, side_status, union_graph

if TYPE_CHECKING:  # pragma: no cover
    from ..graph import LayerGraph
    from ..modeldiff import ModelDiff
    from ..scene import Scene
    from ..theme import Theme
    from ..view import View
    from .layered import BlockOptions

__all__ = ["diff_scene", "side_scenes"]


def diff_scene(d: "ModelDiff", **options: Any) -> tuple["Scene", "BlockOptions", "View"]:
    """The union's block Scene, coloured by status, the options used and the view drawn."""
    from .blocks import candidate_views, compose
    from .layered import BlockOptions

    if options.get("engine", "matplotlib") != "matplotlib":
        raise OptionError("a diff is drawn with the matplotlib engine")
    union, status, links = union_graph(d)
    title, sub = diff_title(d)
    opts = BlockOptions(**{**options, "title": title, "subtitle": sub})
    coloring = StatusColoring(status, links, opts.theme)  # blocks by status, painted before folding too
    opts = replace(opts, theme=coloring.theme(opts.theme))
    composed = None
    for level, view in candidate_views(union, opts, paint=coloring.before_folding):
        composed = compose(union, coloring.paint(view), level, opts)
        if composed.fits or opts.target is None:
            break
    assert composed is not None
    scene = composed.scene
    scene.level = composed.level
    return scene, opts, composed.view


def _side_scene(g: LayerGraph, status: dict[str, str], links: dict[tuple[str, str], str],
                options: dict[str, Any]) -> tuple["Scene", "Theme"]:
    from .blocks import candidate_views, compose
    from .layered import BlockOptions

    opts = BlockOptions(**{**options, "page": None, "collapse": False})
    coloring = StatusColoring(status, links, opts.theme)
    opts = replace(opts, theme=coloring.theme(opts.theme))
    level, view = next(candidate_views(g, opts, paint=coloring.before_folding))
    scene = compose(g, coloring.paint(view), level, opts).scene
    scene.labels[:] = [lb for lb in scene.labels if not lb.role.startswith("legend:")]
    return scene, opts.theme


def side_scenes(d: "ModelDiff", **options: Any) -> tuple["Scene", "Scene", "Theme"]:
    """A's and B's block Scenes, each coloured by its status, its one-sided links dashed (the HTML
    page shows them side by side), and their theme."""
    (status_a, links_a), (status_b, links_b) = side_status(d)
    scene_a, theme = _side_scene(d.a, status_a, links_a, options)
    scene_b, _ = _side_scene(d.b, status_b, links_b, options)
    return scene_a, scene_b, theme
