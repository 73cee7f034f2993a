"""The block style's layout: a :class:`~nnviz.view.View` placed on a page as a Scene.

Stages, each a plain function:

1. :func:`candidate_views`: the layer graph as views, from every layer drawn to
   the most folded (repeats in clusters, repeats as blocks, chains folded,
   modules folded); ``collapse="auto"`` takes the first that fits the page.
2. :func:`~nnviz.layout.frames.frame_layout`: each cluster (an opened nested model, one copy of a
   repeat) is laid out on its own with :func:`~nnviz.layout.layered.layered_layout`,
   with a *port* node for every tensor that enters or leaves it, and then placed
   in its parent as one big node: frames never overlap other blocks, and an
   edge into a cluster enters through its frame at the port.
3. :func:`~nnviz.layout.pagecolumns.fit_page`: the top level is cut into columns (rows for ``LR``)
   at cuts that few edges cross, as many as make the drawing's aspect nearest the page's,
   and scaled to fit it; an edge that crosses a cut runs round in a lane, or, where more than
   ``MAX_LANES`` edges cross it, becomes an off-column connector: a stub labelled ``▸ target``
   under its source's column and one labelled ``source ▸`` over its target's.
4. :func:`compose`: boxes, edges, cluster frames, title and legend as a Scene.

The text on each block is :mod:`nnviz.layout.blocktext`'s; the title and legend above the
drawing :mod:`nnviz.layout.blockheader`'s. Sizes are in points at the theme's font size; the
Scene is scaled at the end.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Callable, Iterator

from ..graph import LayerGraph
from ..scene import Box, Cluster, Edge, Label, Scene
from ..view import (Block, View, fold_repeats, flatten, fold_chains, fold_modules, repeat_runs,
                    select_range)
from .layered import BlockOptions, dedupe_points
from .ushape import UPlan, u_layout, u_plan
from .blocktext import LINE_HEIGHT, MARGIN, block_lines, badge_text, block_size
from .blockheader import legend_entries, title_lines, Header, place_header
from .frames import Frame, FrameContext, edge_key, frame_layout, xy, box_xy
from .pagecolumns import Columns, route_top, fit_page, stub_texts, split_at_breaks

__all__ = ["layout_blocks", "block_view", "choose_view", "candidate_views", "range_models", "compose", "to_width",
           "Composed", "Measure"]

_LEVELS = (("cluster", False), ("cluster", True), ("block", True))


# -- views ---------------------------------------------------------------------------------

def _base_view(graph: LayerGraph, options: BlockOptions) -> View:
    view = flatten(graph, (*options.expand, *range_models(graph, options.from_layer, options.to_layer)))
    return select_range(view, options.from_layer, options.to_layer)


def range_models(graph: LayerGraph, *names: str | None) -> list[str]:
    """The nested models to open so that ``--from``/``--to`` layers inside them are blocks.

    >>> from nnviz import load
    >>> g = load({"input_shape": [4], "layers": [{"type": "Sequential", "name": "enc", "layers": [
    ...     {"type": "Dense", "units": 3, "name": "e1"}]}, {"type": "Dense", "units": 1}]})
    >>> range_models(g, "e1", None), range_models(g, "dense", None)
    (['enc'], [])
    """
    wanted = {n.rsplit("/", 1)[-1] for n in names if n} - {layer.name for layer in graph.layers}
    out: list[str] = []
    if not wanted:  # no range, or one at the top level: nothing to open (and no walk of every layer)
        return out
    for path, layer in graph.walk():
        if path and layer.name in wanted:
            out += ["/".join(path[:i]) for i in range(1, len(path) + 1) if "/".join(path[:i]) not in out]
    return out


def candidate_views(graph: LayerGraph, options: BlockOptions,
                    paint: Callable[[View], View] | None = None) -> Iterator[tuple[str, View]]:
    """The views to try, least folded first, each with a name for its level.

    Modules are folded after these, as few as it takes (see :func:`block_view`). ``paint``
    recolours (or annotates) the blocks before anything is folded, so that only blocks of one
    colour fold together (a diff's added copies apart from its unchanged ones).
    """
    view = _base_view(graph, options)
    if paint is not None:
        view = paint(view)
    collapse = options.collapse
    if collapse is False or (collapse == "auto" and len(view.blocks) <= options.collapse_threshold):
        yield "full", view
        return
    folded: dict[str, View] = {}
    runs = None
    for repeats, chains in _LEVELS:
        if repeats not in folded:
            if runs is None:  # found once, folded as clusters and, if need be, as blocks
                runs = repeat_runs(view)
            folded[repeats] = fold_repeats(view, as_block=repeats == "block", runs=runs)
        level = fold_chains(folded[repeats]) if chains else folded[repeats]
        yield f"repeats-{repeats}" + ("+chains" if chains else ""), level


# -- composing the scene -------------------------------------------------------------------

@dataclass
class _Out:
    """The scene being composed, in abstract units."""

    boxes: list[tuple[Block, float, float, float, float]] = field(default_factory=list)
    # (cluster id, breadth, depth, their extents, where its title starts, its detail lines)
    clusters: list[tuple[str, float, float, float, float, tuple[float, float], tuple[str, ...]]] = \
        field(default_factory=list)
    edges: list[tuple[str, str, list[tuple[float, float]]]] = field(default_factory=list)
    labels: list[tuple[float, float, str, str]] = field(default_factory=list)  # (b, d, text, ha): connectors


def _place_frame(ctx: FrameContext, frame: Frame, origin: tuple[float, float], out: _Out,
                 offsets: dict[str | None, tuple[float, float]], cols: Columns | None) -> None:
    """Boxes and cluster frames of one level, at absolute positions; recurses into clusters."""
    place = frame.place
    offsets[frame.cid] = origin
    for i, key in enumerate(frame.keys):
        if key.startswith("in:") or key.startswith("out:"):
            continue
        w, h = place.sizes[i]
        b0, d0 = place.x[i] - w / 2, place.top(i)
        if cols is not None:
            sb, sd = cols.shift[cols.column_of(place.rank[i])]
            b0, d0 = b0 + sb, d0 + sd
        b0, d0 = b0 + origin[0], d0 + origin[1]
        if key in frame.children:
            child = frame.children[key]
            out.clusters.append((key, b0, d0, w, h, (b0 + child.title_at[0], d0 + child.title_at[1]), child.detail))
            _place_frame(ctx, child, (b0 + child.origin[0], d0 + child.origin[1]), out, offsets, None)
        else:
            out.boxes.append((ctx.view.blocks[key], b0, d0, w, h))


def _parallel(u: str, v: str, route: list[tuple[float, float]], count: int,
              gap: float) -> list[tuple[str, str, list[tuple[float, float]]]]:
    """``count`` copies of an edge side by side, ``gap`` apart across the flow: one per call
    of a shared layer or model that the target reads."""
    if count <= 1:
        return [(u, v, route)]
    return [(u, v, [(b + (k - (count - 1) / 2) * gap, d) for b, d in route]) for k in range(count)]


def _frames_by_id(frame: Frame) -> dict[str | None, Frame]:
    out = {frame.cid: frame}
    for child in frame.children.values():
        out.update(_frames_by_id(child))
    return out


def _piece(frame: Frame, key: tuple, origin: tuple[float, float],
           cols: Columns | None) -> list[tuple[float, float]]:
    e = frame.edge_index[key]
    pts = route_top(frame.place, e, cols) if cols is not None else frame.place.route(e)
    return [(b + origin[0], d + origin[1]) for b, d in pts]


def _deep_route(ctx: FrameContext, frames: dict[str | None, Frame], offsets: dict, u: str, v: str,
                cols: Columns) -> list[tuple[float, float]]:
    """The whole polyline of a view edge: out of u's clusters, across, into v's."""
    pu, pv = ctx.path(u)[:-1], ctx.path(v)[:-1]
    common = 0
    while common < min(len(pu), len(pv)) and pu[common] == pv[common]:
        common += 1
    lca = pu[common - 1] if common else None
    pts: list[tuple[float, float]] = []
    for cid in reversed(pu[common:]):  # up and out of u's clusters
        frame = frames[cid]
        a = ctx.item_at(u, cid)
        pts += _piece(frame, (a, "out:" + u, u), offsets[cid], None)
        pts.append((pts[-1][0], offsets[cid][1] - frame.origin[1] + frame.size[1]))  # the frame's far side
    frame = frames[lca]
    a, b = ctx.item_at(u, lca), ctx.item_at(v, lca)
    key = edge_key(a, b, u, frame.children)
    pts += _piece(frame, key, offsets[lca], cols if lca is None else None)
    for cid in pv[common:]:  # down into v's clusters
        pts += _piece(frames[cid], ("in:" + u, ctx.item_at(v, cid), u), offsets[cid], None)
    return dedupe_points(pts)


@dataclass
class Composed:
    """A view laid out: the scene at natural size and whether it fits the page."""

    scene: Scene
    scale: float
    fits: bool
    level: str
    view: View


Measure = Callable[[View, BlockOptions], "tuple[dict[str, tuple[str, ...]], dict[str, tuple[float, float]]]"]


def compose(graph: LayerGraph, view: View, level: str, options: BlockOptions,
            measure: Measure | None = None) -> Composed:
    """Lay out one view and build its scene (scaled to the page).

    ``measure`` gives each block's lines and (width, height) in another style's way (the volume
    style: a 3-D volume with its text beside it); the default is a block's text in a box.
    """
    theme = options.theme
    fs = theme.font_size
    lr = options.direction == "LR"
    if measure is not None:
        lines, extents = measure(view, options)
    else:
        lines = {nid: block_lines(n, options) for nid, n in view.blocks.items()}
        extents = {nid: block_size(lines[nid], badge_text(n), fs) for nid, n in view.blocks.items()}
    sizes = {nid: (h, w) if lr else (w, h) for nid, (w, h) in extents.items()}
    legend = legend_entries(view, options)
    title = title_lines(graph, view, options)

    def header_for(width: float) -> Header:
        return place_header(title, legend, width, fs, theme.title_size)

    plan = None if lr else u_plan(view)
    if plan is not None:  # an encoder-decoder with nested skips: drawn as a U
        return _compose_u(graph, view, level, options, plan, sizes, lines, legend, header_for)
    ctx = FrameContext(view, options, sizes)
    top = frame_layout(ctx, None)
    cols, scale, header = fit_page(ctx, top, header_for, options)
    out = _Out()
    offsets: dict[str | None, tuple[float, float]] = {}
    _place_frame(ctx, top, (0.0, 0.0), out, offsets, cols)
    frames = _frames_by_id(top)
    for u, v in view.edges:
        route = _deep_route(ctx, frames, offsets, u, v, cols)
        for piece in split_at_breaks(route):
            out.edges += _parallel(u, v, piece, view.calls_on_edge.get((u, v), 1), fs)
    texts = stub_texts(ctx, top)
    for (e, _), (a, z) in sorted(cols.stub_at.items()):
        foot, head = texts(e)
        out.labels += [(a[0] + 0.3 * fs, a[1], foot, "left"), (z[0] - 0.3 * fs, z[1], head, "right")]
    scene = _scene(graph, view, options, out, header, cols, lines, legend)
    scene.column_of = {nid: cols.column_of(top.place.rank[top.index[ctx.item_at(nid, None)]]) for nid in view.blocks}
    fits = scale * fs >= options.min_font_size - 1e-9
    final = _final_scale(options, scale, scene)
    return Composed(_scaled(scene, final, options), final, fits, level, view)


def _final_scale(options: BlockOptions, scale: float, scene: Scene) -> float:
    """The scale a composed scene is drawn at: the page's, but text no smaller than ``min_font_size``;
    a figsize's as it is; a width's exactly (taller than the page rather than smaller text)."""
    if options.figsize is not None:
        return scale
    if options.width is not None:
        return min(1.0, options.target[0] / scene.width)
    return max(scale, options.min_font_size / options.theme.font_size)


def _page_scale(options: BlockOptions, w: float, h: float) -> float:
    """The scale at which a drawing of ``w`` by ``h`` points fits the page (either way round)."""
    target = options.target
    if target is None:
        return 1.0
    if options.figsize is not None or options.width is not None:
        return min(1.0, target[0] / w, target[1] / h)
    tw, th = target
    return min(1.0, max(min(tw / w, th / h), min(th / w, tw / h)))


def _compose_u(graph: LayerGraph, view: View, level: str, options: BlockOptions, plan: UPlan,
               sizes: dict[str, tuple[float, float]], lines: dict[str, tuple[str, ...]],
               legend: list[tuple[str, str]], header_for) -> Composed:
    """A U-Net's scene: encoder down the left, decoder up the right, skips straight across."""
    fs = options.theme.font_size
    place, edges, size = u_layout(plan, sizes, gap=5.0 * fs, rank_sep=1.25 * fs)
    out = _Out()
    for nid, (x, y) in place.items():
        out.boxes.append((view.blocks[nid], x, y, *sizes[nid]))
    for u, v, pts in edges:
        out.edges += _parallel(u, v, pts, view.calls_on_edge.get((u, v), 1), fs)
    header = header_for(size[0])
    cols = Columns([0, len(plan.left)], [], [], 0.0, [], [], 0.0, size)
    scene = _scene(graph, view, options, out, header, cols, lines, legend)
    right = set(plan.right)
    scene.column_of = {nid: int(nid in right) for nid in view.blocks}
    scene.u_pairs = tuple((a, b) for a, b in plan.pairs)
    margin = MARGIN * fs
    scale = _page_scale(options, max(size[0], header.width) + 2 * margin, size[1] + header.height + 2 * margin)
    fits = scale * fs >= options.min_font_size - 1e-9
    final = _final_scale(options, scale, scene)
    return Composed(_scaled(scene, final, options), final, fits, level, view)


def _scene(graph: LayerGraph, view: View, options: BlockOptions, out: _Out, header: Header, cols: Columns,
           lines: dict[str, tuple[str, ...]], legend: list[tuple[str, str]]) -> Scene:
    lr = options.direction == "LR"
    fs = options.theme.font_size
    margin = MARGIN * fs
    bw, bh = xy(lr, *cols.size)
    ox, oy = margin, margin + header.height
    boxes = []
    for node, b, d, wb, wd in out.boxes:
        x, y, w, h = box_xy(lr, b, d, wb, wd)
        layer = node.layer.name if node.layer is not None and node.kind in ("layer", "model", "chain") else None
        boxes.append(Box(node.id, x + ox, y + oy, w, h, lines[node.id], node.paint or node.family, layer, node.frozen,
                         node.repeat, fs))
    clusters = []
    labels = [Label(lb.x + margin, lb.y + margin, lb.text, lb.size, lb.ha, lb.va, lb.role) for lb in header.labels]
    for cid, b, d, wb, wd, (tb, td), detail in out.clusters:
        x, y, w, h = box_xy(lr, b, d, wb, wd)
        info = view.clusters[cid]
        clusters.append(Cluster(cid, x + ox, y + oy, w, h, info.caption, info.repeat))
        tx, ty = xy(lr, tb, td)
        lh = LINE_HEIGHT * fs
        labels.append(Label(tx + ox, ty + oy + lh / 2, info.title, fs, ha="left", role="cluster"))
        for i, text in enumerate(detail):
            labels.append(Label(tx + ox, ty + oy + (1.5 + i) * lh, text, fs, ha="left", role="cluster-detail"))
    edges = [Edge(tuple((x + ox, y + oy) for x, y in (xy(lr, b, d) for b, d in pts)), u, v,
                  view.edge_kinds.get((u, v), "data")) for u, v, pts in out.edges]
    for b, d, text, ha in out.labels:
        x, y = xy(lr, b, d)
        labels.append(Label(x + ox, y + oy, text, fs, ha=ha, role="connector"))
    width = max(bw, header.width) + 2 * margin
    height = bh + header.height + 2 * margin
    title = header.labels[0].text if header.labels and header.labels[0].role == "title" else ""
    return Scene(width, height, title, boxes, edges=edges, labels=labels, clusters=clusters, legend=legend,
                 page_columns=len(cols.starts))


def _scaled(scene: Scene, s: float, options: BlockOptions) -> Scene:
    """The scene with every length and font size multiplied by ``s`` (and centred in a figsize or width);
    a scene scaled before (a volume scene drawn to a width) keeps its overall scale in ``scale``."""
    dx = dy = 0.0
    width, height = scene.width * s, scene.height * s
    if options.figsize is not None:
        fw, fh = options.figsize[0] * 72.0, options.figsize[1] * 72.0
        dx, dy = max(0.0, (fw - width) / 2), max(0.0, (fh - height) / 2)
        width, height = fw, fh
    elif options.fixed_width is not None:  # exactly that wide: a narrower drawing is centred
        dx, width = max(0.0, (options.fixed_width - width) / 2), options.fixed_width

    def p(x: float, y: float) -> tuple[float, float]:
        return (x * s + dx, y * s + dy)

    boxes = [Box(b.id, *p(b.x, b.y), b.w * s, b.h * s, b.lines, b.family, b.layer, b.frozen, b.repeat,
                 b.font_size * s) for b in scene.boxes]
    clusters = [Cluster(c.id, *p(c.x, c.y), c.w * s, c.h * s, c.title, c.repeat) for c in scene.clusters]
    labels = [Label(*p(lb.x, lb.y), lb.text, lb.size * s, lb.ha, lb.va, lb.role, lb.rotation)
              for lb in scene.labels]
    edges = [Edge(tuple(p(x, y) for x, y in e.points), e.src, e.dst, e.kind, e.weight) for e in scene.edges]
    polygons = [replace(pg, points=tuple(p(x, y) for x, y in pg.points), line_width=pg.line_width * s)
                for pg in scene.polygons]  # a volume scene's faces (drawn to a width afterwards)
    volumes = {nid: (*p(x0, y0), *p(x1, y1)) for nid, (x0, y0, x1, y1) in scene.volumes.items()}
    return replace(scene, width=width, height=height, boxes=boxes, neurons=[], edges=edges, labels=labels,
                   clusters=clusters, links=[], polygons=polygons, volumes=volumes, scale=scene.scale * s,
                   font_size=(scene.font_size or options.theme.font_size) * s)


def to_width(scene: Scene, options: BlockOptions) -> Scene:
    """A scene laid out without regard to ``options.width`` (a layer tree's) drawn exactly that wide:
    shrunk to it when wider, centred in it when narrower."""
    width = options.fixed_width
    if width is None:
        return scene
    return _scaled(scene, min(1.0, width / scene.width), options)


def block_view(graph: LayerGraph, options: BlockOptions,
               paint: Callable[[View], View] | None = None, measure: Measure | None = None,
               annotate: Callable[[View], View] | None = None) -> tuple[View, Scene]:
    """The view drawn and its scene: the least folded view whose text fits the page.

    When folding repeats and chains is not enough, branching modules are folded,
    the biggest first, as few as it takes (a binary search over how many). ``paint``
    recolours every view tried (see :func:`candidate_views`), folded blocks included;
    ``measure`` sizes the blocks (see :func:`compose`). ``annotate`` (instead of ``paint``
    after folding) marks each folded view, once its groups are known: colours and captions
    by the sums of the layers a block or frame stands for.
    A fixed ``width`` that no folding fits top to bottom with text of ``min_font_size`` (a module
    whose branches side by side are too wide for it) is drawn left to right, wrapped into rows,
    when that fits; else that wide all the same, its text smaller.
    """
    view, scene = _block_view(graph, options, paint, measure, annotate)
    small = _smallest_text(scene)
    if options.fixed_width is None or options.direction == "LR" or small >= options.min_font_size - 1e-9:
        return view, scene
    turned = _block_view(graph, replace(options, direction="LR"), paint, measure, annotate)
    return turned if _smallest_text(turned[1]) > small else (view, scene)


def _smallest_text(scene: Scene) -> float:
    return min([b.font_size for b in scene.boxes] + [lb.size for lb in scene.labels], default=float("inf"))


def _block_view(graph: LayerGraph, options: BlockOptions, paint: Callable[[View], View] | None,
                measure: Measure | None, annotate: Callable[[View], View] | None = None) -> tuple[View, Scene]:
    painted = annotate or paint or (lambda v: v)
    last = None
    for level, view in candidate_views(graph, options, paint=paint):
        last = compose(graph, painted(view), level, options, measure)
        if last.fits or options.target is None:
            return _done(last)
    assert last is not None
    if last.level == "full":
        return _done(last)
    base = last.view
    total = sum(1 for _ in _module_count(base))
    if not total:
        return _done(last)

    def attempt(k: int) -> Composed:
        return compose(graph, painted(fold_modules(base, k)), f"{last.level}+modules", options, measure)

    best = attempt(total)
    if not best.fits:
        return _done(best)
    lo, hi = 1, total  # the fewest folded modules that fit lies in [lo, hi]
    while lo < hi:
        mid = (lo + hi) // 2
        trial = attempt(mid)
        if trial.fits:
            best, hi = trial, mid
        else:
            lo = mid + 1
    return _done(best)


def choose_view(graph: LayerGraph, options: BlockOptions) -> View:
    """The view to draw; laid out (to see what fits the page) only when there is a choice."""
    views = candidate_views(graph, options)
    level, view = next(views)
    if level == "full":
        return view
    return block_view(graph, options)[0]


def _module_count(view: View) -> Iterator[list[str]]:
    from ..view import find_modules

    for cid in [None, *view.clusters]:
        yield from find_modules(view, cid)


def _done(composed: Composed) -> tuple[View, Scene]:
    composed.scene.level = composed.level
    return composed.view, composed.scene


def layout_blocks(graph: LayerGraph, options: BlockOptions | None = None) -> Scene:
    """Lay out a block diagram of ``graph`` as a Scene in points.

    >>> import nnviz
    >>> g = nnviz.load({"name": "mlp", "input_shape": [4], "layers": [{"type": "Dense", "units": 3}]})
    >>> scene = layout_blocks(g)
    >>> [b.lines[0] for b in scene.boxes], len(scene.edges)
    (['input', 'dense'], 1)
    """
    return block_view(graph, options or BlockOptions())[1]
