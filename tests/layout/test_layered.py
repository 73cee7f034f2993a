"""The layered layout on its own: layers, order, coordinates, routes, and how it scales."""

from __future__ import annotations

import itertools

import pytest

from nnviz.layout.layered import _inversions, _isotonic, layered_layout


def _specs(edges):
    return [(u, v, None, None) for u, v in edges]


def _no_overlap(place, gap=0.0):
    for r in range(len(place.row_top)):
        nodes = sorted((v for v in range(len(place.rank)) if place.rank[v] == r), key=lambda v: place.x[v])
        for a, b in zip(nodes, nodes[1:]):
            assert place.x[b] - place.x[a] >= (place.sizes[a][0] + place.sizes[b][0]) / 2 + gap - 1e-6


def test_isotonic_keeps_gaps_and_stays_near_targets():
    assert _isotonic([5.0], [1.0], []) == [5.0]
    assert _isotonic([0.0, 100.0], [1.0, 1.0], [10.0]) == [0.0, 100.0]
    assert _isotonic([0.0, 0.0], [1.0, 3.0], [8.0]) == [-6.0, 2.0]


def test_inversions_count_crossings():
    assert _inversions([0, 1, 2]) == 0
    assert _inversions([2, 1, 0]) == 3
    assert _inversions([1, 0, 1, 0]) == 3


def test_chain_is_straight_and_layered():
    p = layered_layout([(40, 20)] * 5, _specs([(i, i + 1) for i in range(4)]))
    assert p.rank[:5] == [0, 1, 2, 3, 4]
    assert len({round(p.x[v], 6) for v in range(5)}) == 1


def test_skip_connections_run_in_a_lane_and_the_chain_does_not_drift():
    # blocks a -> b -> c -> add, with a -> add skipping; repeated 30 times
    edges, n = [], 1
    for _ in range(30):
        a = n - 1
        edges += [(a, n), (n, n + 1), (n + 1, n + 2), (a, n + 2)]
        n += 3
    p = layered_layout([(60, 20)] * n, _specs(edges))
    joins = {v for _, v in edges[3::4]}
    chain = {round(p.x[v], 3) for v in range(n) if v not in joins and v}
    assert len(chain) == 1  # the chain stays in one column, 30 blocks down
    lane = {round(p.x[d], 3) for e in range(3, len(edges), 4) for d in p.chains[e][1:-1]}
    assert len(lane) == 1  # and so does the lane of the skip edges
    assert all(min(chain) <= p.x[v] <= max(lane) for v in joins)  # joins sit between the two
    _no_overlap(p)
    assert min(lane) - max(chain) >= 30  # beside the blocks (half a block's width and more)


def test_branches_side_by_side_without_crossings():
    # an Inception-like fan-out and fan-in
    edges = [(0, 1), (0, 2), (0, 3), (1, 4), (2, 5), (5, 6), (3, 6), (4, 6)]
    p = layered_layout([(50, 20)] * 7, _specs(edges))
    assert p.rank[1] == p.rank[2] == p.rank[3] == 1
    _no_overlap(p)
    pos = sorted(range(1, 4), key=lambda v: p.x[v])
    assert len(set(round(p.x[v]) for v in pos)) == 3


def test_cycles_and_self_loops_are_drawn():
    p = layered_layout([(30, 20)] * 3, _specs([(0, 1), (1, 2), (2, 1), (1, 1)]))
    assert p.flipped == [False, False, True, False]  # the edge back up, 2 -> 1, is the one reversed
    assert p.chains[3] is None and len(p.route(3)) == 4
    back = p.route(2)
    # it leaves its source (2, below) at the top and enters its target (1) at the bottom: upwards
    assert back[0] == (pytest.approx(p.x[2]), pytest.approx(p.top(2)))
    assert back[-1] == (pytest.approx(p.x[1]), pytest.approx(p.bottom(1)))
    assert all(a[1] >= b[1] for a, b in zip(back, back[1:]))


def test_ports_go_first_and_last():
    # a cluster's content: entry port 0, exit port 3
    p = layered_layout([(0, 0), (40, 20), (40, 20), (0, 0)], _specs([(0, 1), (1, 2), (0, 2), (2, 3)]),
                       first=[0], last=[3])
    assert p.rank[0] == 0 and p.rank[3] == max(p.rank[:4])


def test_routes_start_and_end_on_boxes():
    edges = [(0, 1), (0, 2), (1, 3), (2, 3), (0, 3)]
    p = layered_layout([(50, 20), (40, 30), (40, 20), (60, 20)], _specs(edges))
    for e, (u, v) in enumerate(edges):
        pts = p.route(e)
        assert pts[0][1] == pytest.approx(p.bottom(u)) and pts[-1][1] == pytest.approx(p.top(v))
        assert abs(pts[0][0] - p.x[u]) <= p.sizes[u][0] / 2 and abs(pts[-1][0] - p.x[v]) <= p.sizes[v][0] / 2


def _resnet_like(blocks: int):
    edges, n = [], 1
    for _ in range(blocks):
        a = n - 1
        edges += [(a, n), (n, n + 1), (n + 1, n + 2), (a, n + 2)]
        n += 3
    return [(60, 20)] * n, _specs(edges)


def test_work_grows_linearly():
    # not a timing test: the layered graph (nodes plus dummies) grows in proportion
    sizes = []
    for blocks in (70, 700):
        s, e = _resnet_like(blocks)
        p = layered_layout(s, e)
        sizes.append(len(p.rank))
    assert sizes[1] / sizes[0] == pytest.approx(10, rel=0.05)


def _random_dag(seed):
    """A seeded random DAG of 40 nodes: its generator (for further draws), edges and node sizes."""
    import random

    rng = random.Random(seed)
    n = 40
    edges = sorted({(a, b) for a, b in ((rng.randrange(n), rng.randrange(n)) for _ in range(70)) if a < b})
    sizes = [(rng.uniform(20, 90), rng.uniform(10, 40)) for _ in range(n)]
    return rng, edges, sizes


@pytest.mark.parametrize("seed", range(5))
def test_random_dags_have_no_overlaps(seed):
    rng, edges, sizes = _random_dag(seed)
    p = layered_layout(sizes, _specs(edges))
    _no_overlap(p)
    for (e, (u, v)) in zip(itertools.count(), edges):
        assert p.rank[v] > p.rank[u]


def test_a_node_lines_up_with_the_port_it_enters_not_with_the_centre():
    """A frame (node 1, wide) whose entry port is off its centre: the block above lines up with the
    port, so the edge runs straight down (cost_cnn's x3 frame was entered by a diagonal), and the
    block below with the exit port; in both directions of the flow, for a long edge too."""
    sizes = [(40, 20), (200, 60), (40, 20)]
    p = layered_layout(sizes, [(0, 1, None, -60.0), (1, 2, 30.0, None)])
    assert p.x[0] == pytest.approx(p.x[1] - 60.0) and p.x[2] == pytest.approx(p.x[1] + 30.0)
    for e in range(2):
        pts = p.route(e)
        assert len({round(b, 6) for b, _ in pts}) == 1, pts  # one straight segment
    # a long edge (through dummies beside a chain) runs straight down to its port as well
    q = layered_layout([(40, 20), (40, 20), (40, 20), (200, 60)],
                       [(0, 1, None, None), (1, 2, None, None), (0, 3, None, 80.0)], last=[3])
    assert q.rank[3] == 3 and len({round(b, 6) for b, _ in q.route(2)[1:]}) == 1, q.route(2)  # below the fork
    assert q.route(2)[-1][0] == pytest.approx(q.x[3] + 80.0)


@pytest.mark.parametrize("seed", range(5))
def test_random_dags_with_ports_have_no_overlaps(seed):
    rng, edges, sizes = _random_dag(seed)
    specs = [(u, v, rng.choice([None, rng.uniform(-9, 9)]), rng.choice([None, rng.uniform(-9, 9)]))
             for u, v in edges]
    _no_overlap(layered_layout(sizes, specs))
