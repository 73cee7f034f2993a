"""Positions from Graphviz's ``dot``: the graphviz engine's layout as a Scene.

``dot -Tjson`` lays out the DOT text that :func:`nnviz.layout.dottext.to_dot`
writes; this module reads back where it put blocks, clusters and edges, so
the graphviz engine's drawing can also be shown by matplotlib (a notebook
figure, an ``ax``) and checked like the matplotlib engine's scene.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from ..external import run_dot
from ..scene import Box, Cluster, Edge, Label, Scene
from .blockheader import legend_entries
from .blocktext import block_lines
from .dottext import dot_name, to_dot

if TYPE_CHECKING:  # pragma: no cover
    from ..view import View
    from .layered import BlockOptions

__all__ = ["layout_dot"]


def _floats(text: str) -> list[float]:
    return [float(v) for v in text.split(",")]


def _edge_points(pos: str, height: float) -> list[tuple[float, float]]:
    """dot's spline (``e,x,y p1 p2 ...``) as a polyline through its control points, y down."""
    start = end = None
    pts = []
    for part in pos.split():
        if part.startswith("e,"):
            end = _floats(part[2:])
        elif part.startswith("s,"):  # an arrow at the tail (an edge drawn with dir=back)
            start = _floats(part[2:])
        else:
            pts.append(_floats(part))
    if start is not None:
        pts.insert(0, start)
    if end is not None:
        pts.append(end)
    return [(x, height - y) for x, y in pts]


def layout_dot(view: "View", options: "BlockOptions", *, title: list[str] | None = None,
               columns: dict[str, int] | None = None) -> Scene:
    """Lay the view out with ``dot`` and return the Scene, in points, y growing downwards.

    Edges between columns run through labelled connectors, which are not blocks: such
    an edge is drawn from its block to the connector's place.
    """
    data: dict[str, Any] = json.loads(run_dot(to_dot(view, options, title=title, columns=columns)))
    # dot reports an ID as written in the DOT text (backslashes doubled, control characters escaped)
    node_of = {dot_name(nid): nid for nid in view.blocks}
    cluster_of = {dot_name("cluster_" + cid): cid for cid in view.clusters}
    x0, y0, x1, y1 = _floats(data["bb"])
    width, height = x1 - x0, y1 - y0
    fs = options.theme.font_size
    boxes, clusters, labels = [], [], []
    gvid = {}
    for obj in data.get("objects", []):
        name = obj.get("name", "")
        if name.startswith("cluster_"):
            info = view.clusters.get(cluster_of.get(name, ""))
            if info is not None:  # not one of the invisible column clusters
                cx0, cy0, cx1, cy1 = _floats(obj["bb"])
                clusters.append(Cluster(info.id, cx0, height - cy1, cx1 - cx0, cy1 - cy0, info.caption,
                                        info.repeat))
            continue
        name = node_of.get(name, "")
        node = view.blocks.get(name)
        if node is None or "pos" not in obj:
            continue
        gvid[obj["_gvid"]] = name
        x, y = _floats(obj["pos"])
        w, h = float(obj["width"]) * 72.0, float(obj["height"]) * 72.0
        layer = node.layer.name if node.layer is not None else None
        boxes.append(Box(name, x - w / 2, height - y - h / 2, w, h, block_lines(node, options), node.family,
                         layer, node.frozen, node.repeat, fs))
    edges = []
    for obj in data.get("edges", []):
        if "pos" in obj and obj["tail"] in gvid and obj["head"] in gvid:
            pts = tuple(_edge_points(obj["pos"], height))
            if obj.get("dir") == "back":  # written reversed (a U-Net's decoder runs upwards)
                edges.append(Edge(pts[::-1], gvid[obj["head"]], gvid[obj["tail"]]))
            else:
                edges.append(Edge(pts, gvid[obj["tail"]], gvid[obj["head"]]))
    for i, line in enumerate(title or []):
        labels.append(Label(4.0, 4.0 + (i + 0.5) * 1.3 * fs, line, fs, ha="left",
                            role="title" if i == 0 else "subtitle"))
    return Scene(width, height, (title or [""])[0], boxes, edges=edges, labels=labels, clusters=clusters,
                 legend=legend_entries(view, options))
