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
    union, status, links, ghosts = union_graph(d)
    title, sub = diff_title(d)
    opts = BlockOptions(**{**options, "title": title, "subtitle": sub})
    coloring = StatusColoring(status, links, opts.theme, ghosts)  # blocks by status, painted before folding too
    opts = replace(opts, theme=coloring.theme(opts.theme))
    if not union.has_graph:  # files that store no graph: the tree of their layers, coloured the same way
        from .blocks import to_width
        from .tree import tree_scene

        return to_width(tree_scene(union, opts, key=coloring.tree_keys(union), note=_notes(union)), opts), opts, None
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

    expand = tuple(options.get("expand", ()))
    if expand:  # each side opens the nested models it has (one named may be in the other model only)
        known = _nested_names(g)
        options = {**options, "expand": tuple(e for e in expand if e == "all" or e in known)}
    opts = BlockOptions(**{**options, "page": None, "collapse": False})
    coloring = StatusColoring(status, links, opts.theme)
    opts = replace(opts, theme=coloring.theme(opts.theme))
    if not g.has_graph:
        from .tree import tree_scene

        scene = tree_scene(g, opts, key=coloring.tree_keys(g))
    else:
        level, view = next(candidate_views(g, opts, paint=coloring.before_folding))
        scene = compose(g, coloring.paint(view), level, opts).scene
    scene.labels[:] = [lb for lb in scene.labels if not lb.role.startswith("legend:")]
    return scene, opts.theme


def _notes(g: LayerGraph) -> dict[str, str]:
    """What changed, by layer path, from the union's notes (``diff: units 8 → 10``)."""
    return {"/".join((*path, layer.name)): n[len("diff: "):] for path, layer in g.walk()
            for n in layer.notes if n.startswith("diff: ")}


def _nested_names(g: LayerGraph) -> set[str]:
    """What ``expand`` may name in ``g``: its nested models' paths and names."""
    from ..view.flatten import nested_models

    paths = nested_models(g)
    return {*paths, *(p.rsplit("/", 1)[-1] for p in paths)}


def side_scenes(d: "ModelDiff", **options: Any) -> tuple["Scene", "Scene", "Theme"]:
    """A's and B's block Scenes, each coloured by its status, its one-sided links dashed (the HTML
    page shows them side by side), and their theme.

    Raises:
        OptionError: ``expand`` names a model neither side nests.
    """
    known = _nested_names(d.a) | _nested_names(d.b)
    unknown = [e for e in options.get("expand", ()) if e != "all" and e not in known]
    if unknown:
        raise OptionError(f"cannot expand {unknown[0]!r}: no nested model of that name in either model "
                          f"(must be one of {sorted(known) + ['all']})")
    (status_a, links_a), (status_b, links_b) = side_status(d)
    scene_a, theme = _side_scene(d.a, status_a, links_a, options)
    scene_b, _ = _side_scene(d.b, status_b, links_b, options)
    return scene_a, scene_b, theme
