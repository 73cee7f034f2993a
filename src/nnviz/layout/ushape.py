"""Encoder-decoder networks with skip connections (U-Net) drawn as a U.

A chain whose long edges are nested (the first encoder level feeds the last
decoder level, the second the one before, ...) is a U: the encoder runs down the
left column, the bottleneck turns at the bottom, and the decoder runs up the right
column, each decoder level beside the encoder level of the same resolution at the
same height, so every skip connection is one short horizontal arrow and none
crosses another.

:func:`u_plan` recognises the structure in a view; :func:`u_layout` places it, in
points, as (breadth, depth) boxes and polylines for the block layout to compose.

>>> from nnviz.view import Block, View
>>> ids = ["in", "e1", "e2", "mid", "d2", "d1", "out"]
>>> chain = list(zip(ids, ids[1:]))
>>> view = View("u", {i: Block(i, "layer", i) for i in ids}, chain + [("e1", "d1"), ("e2", "d2")])
>>> plan = u_plan(view)
>>> plan.left, plan.right, plan.pairs
(['in', 'e1', 'e2', 'mid'], ['d2', 'd1', 'out'], [('e1', 'd1'), ('e2', 'd2')])
"""

from __future__ import annotations

from dataclasses import dataclass

from ..view import View

__all__ = ["UPlan", "u_plan", "u_layout"]


@dataclass(frozen=True)
class UPlan:
    """The two arms of a U: the blocks of each column in data-flow order, and the skip pairs
    (encoder block, decoder block), outermost first."""

    left: list[str]
    right: list[str]
    pairs: list[tuple[str, str]]


def u_plan(view: View, min_levels: int = 2) -> UPlan | None:
    """The U in a view, or ``None``: a chain of blocks at the top level whose other edges
    are at least ``min_levels`` properly nested skips (and nothing else)."""
    if view.clusters or len(view.blocks) < 2 * min_levels + 1:
        return None
    ids = list(view.blocks)
    pos = {n: i for i, n in enumerate(ids)}
    chain, skips = set(), []
    for u, v in view.edges:
        step = pos[v] - pos[u]
        if step == 1:
            chain.add(u)
        elif step >= 2:
            skips.append((u, v))
        else:
            return None  # a short detour (a residual block) or a backward edge: not a U
    if len(chain) != len(ids) - 1 or len(skips) < min_levels:
        return None
    skips.sort(key=lambda e: pos[e[0]])
    for (a1, b1), (a2, b2) in zip(skips, skips[1:]):
        if not (pos[a1] < pos[a2] and pos[b2] < pos[b1]):
            return None  # crossing or side by side: not nested
    if len({a for a, _ in skips}) != len(skips) or len({b for _, b in skips}) != len(skips):
        return None
    inner_a, inner_b = skips[-1]
    bottom = pos[inner_b] - pos[inner_a] - 1  # blocks between the deepest skip's ends
    split = pos[inner_a] + 1 + (bottom + 1) // 2
    return UPlan(ids[:split], ids[split:], skips)


def _slots(items: list[str], count: int, downwards: bool) -> dict[str, int]:
    """Rows of a segment for one column's blocks: downwards from the top, or upwards from the bottom.

    The left column fills a segment ending at the bottom; the right one (data flowing
    up) starts at the bottom.
    """
    if downwards:
        return {n: count - len(items) + j for j, n in enumerate(items)}
    return {n: count - 1 - j for j, n in enumerate(items)}


def u_layout(plan: UPlan, sizes: dict[str, tuple[float, float]], gap: float, rank_sep: float
             ) -> tuple[dict[str, tuple[float, float]], list[tuple[str, str, list[tuple[float, float]]]],
                        tuple[float, float]]:
    """Place a U: the top-left corner of every block, the polyline of every edge, the size.

    Args:
        plan: the U (:func:`u_plan`).
        sizes: (width, height) of each block.
        gap: the room between the columns, where the skip arrows run.
        rank_sep: the room between rows.
    """
    left, right = plan.left, plan.right
    lpos = {n: i for i, n in enumerate(left)}
    rpos = {n: i for i, n in enumerate(right)}
    # segments between the levels, top to bottom: (left blocks, right blocks in flow order)
    levels = plan.pairs
    segments: list[tuple[list[str], list[str]]] = []
    a0, b0 = levels[0]
    segments.append((left[:lpos[a0]], right[rpos[b0] + 1:]))
    for (a1, b1), (a2, b2) in zip(levels, levels[1:]):
        segments.append((left[lpos[a1] + 1:lpos[a2]], right[rpos[b2] + 1:rpos[b1]]))
    ak, bk = levels[-1]
    segments.append((left[lpos[ak] + 1:], right[:rpos[bk]]))
    rows: list[list[str]] = []
    for i, (ls, rs) in enumerate(segments):
        count = max(len(ls), len(rs))
        slot_l = _slots(ls, count, True)
        slot_r = _slots(rs, count, False)
        seg = [[] for _ in range(count)]
        for n, k in {**slot_l, **slot_r}.items():
            seg[k].append(n)
        rows += seg
        if i < len(levels):
            rows.append(list(levels[i]))
    wl = max(sizes[n][0] for n in left)
    wr = max(sizes[n][0] for n in right)
    xl, xr = wl / 2, wl + gap + wr / 2
    place: dict[str, tuple[float, float]] = {}
    y = 0.0
    for row in rows:
        if not row:
            continue
        h = max(sizes[n][1] for n in row)
        for n in row:
            w, hn = sizes[n]
            x = xl if n in lpos else xr
            place[n] = (x - w / 2, y + (h - hn) / 2)
        y += h + rank_sep
    edges = []
    for u, v in _edges(plan):
        (ux, uy), (vx, vy) = place[u], place[v]
        (uw, uh), (vw, vh) = sizes[u], sizes[v]
        if (u in lpos) != (v in lpos):  # a skip or the turn at the bottom: across, at mid-height
            cy = (uy + uh / 2 + vy + vh / 2) / 2
            edges.append((u, v, [(ux + uw, cy), (vx, cy)]))
        elif u in lpos:  # down the left column
            edges.append((u, v, [(xl, uy + uh), (xl, vy)]))
        else:  # up the right column
            edges.append((u, v, [(xr, uy), (xr, vy + vh)]))
    return place, edges, (wl + gap + wr, y - rank_sep)


def _edges(plan: UPlan) -> list[tuple[str, str]]:
    order = plan.left + plan.right
    return list(zip(order, order[1:])) + list(plan.pairs)
