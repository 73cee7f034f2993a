"""Huge link bundles drawn as a density image (render/density.py) instead of millions of lines."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

import nnviz
from nnviz.layout.neurons.emitter import DENSE_LINKS
from nnviz.render.density import PIXELS_PER_POINT, density_counts, density_image
from nnviz.scene import LinkSet

sys.path.insert(0, str(Path(__file__).parent))
from test_node import mlp  # noqa: E402

WIDE = mlp(784, 4096, 4096, 4096, 10, name="wide")


def _bundle(src_y, dst_y, x0=10.0, x1=90.0, lr=True) -> LinkSet:
    src = np.array([(x0, y) if lr else (y, x0) for y in src_y], dtype=float)
    dst = np.array([(x1, y) if lr else (y, x1) for y in dst_y], dtype=float)
    seg = np.stack([np.repeat(src, len(dst), axis=0), np.tile(dst, (len(src), 1))], axis=1)
    return LinkSet("a", "b", seg, dense=True)


@pytest.mark.parametrize("lr", [True, False])
def test_every_link_crosses_every_column_once_where_it_runs(lr):
    rng = np.random.default_rng(0)
    a, b = np.sort(rng.uniform(0, 200, 37)), np.sort(rng.uniform(50, 120, 23))
    counts, (x0, x1, y0, y1) = density_counts(_bundle(a, b, lr=lr))
    steps = counts if not lr else counts.T  # one row per step along the flow
    assert steps.shape[0] == round(80 * PIXELS_PER_POINT)
    assert np.all(steps.sum(axis=1) == len(a) * len(b))  # nothing lost, nothing invented
    lo = (y0 if lr else x0)
    for k in (0, steps.shape[0] // 3, steps.shape[0] - 1):  # the mass sits where the links pass
        t = (k + 0.5) / steps.shape[0]
        expected = ((1 - t) * a.mean() + t * b.mean() - lo) * PIXELS_PER_POINT
        centre = (steps[k] * (np.arange(steps.shape[1]) + 0.5)).sum() / steps[k].sum()
        assert abs(centre - expected) < 1.5


def test_the_shade_grows_with_the_count_and_keeps_the_colour():
    image, _ = density_image(_bundle([0, 100], [0, 1, 2, 3, 100]), "#6baed6")
    assert image.dtype == np.uint8 and image.shape[2] == 4
    assert {tuple(p) for p in image[..., :3].reshape(-1, 3)} == {(0x6b, 0xae, 0xd6)}
    alpha = image[..., 3]
    assert alpha.max() == round(0.85 * 255) and alpha.min() == 0


def test_small_nets_keep_their_lines():
    d = nnviz.draw(mlp(784, 512, 256, 10), style="node")
    assert not any(s.dense for s in d.scene.links)
    assert not any(lb.role == "note" for lb in d.scene.labels)


@pytest.mark.slow
def test_a_wide_mlp_draws_its_bundles_as_density_and_says_so(tmp_path):
    d = nnviz.draw(WIDE, style="node", max_neurons=1000)
    dense = [s for s in d.scene.links if s.dense]
    assert [len(s) for s in dense] == [782_432, 996_004, 996_004] and all(len(s) > DENSE_LINKS for s in dense)
    note = [lb.text for lb in d.scene.labels if lb.role == "note"]
    assert note == ["2,774,440 links (3 bundles of more than 100,000) drawn as density: the darker, the more links"]
    assert max(lb.y for lb in d.scene.labels) < d.scene.height  # the caption is on the page
    fig = d.figure
    images = [im for im in fig.axes[0].images if im.get_gid() == "nnviz-density"]
    assert len(images) == 3
    lines = [c for c in fig.axes[0].collections if c.get_gid() == "nnviz-links"]
    assert sum(len(c.get_segments()) for c in lines) == 9_980  # only the small bundle as lines
    svg = d.save(tmp_path / "wide.svg").read_text()
    assert svg.count('<image class="nnviz-density"') == 3 and svg.count("<path d=") < 20_000
    assert "drawn as density" in svg
    png = d.save(tmp_path / "wide.png")
    assert png.read_bytes()[:4] == b"\x89PNG"
