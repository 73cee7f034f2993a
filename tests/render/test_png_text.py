"""PNGs of large block drawings: the blocks' text drawn by Pillow, not one matplotlib Text per line (issue 18).

Times are printed by benchmarks/bench_large.py (``full png``); here: the picture is the same, and
large drawings take that path.
"""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageFilter

import nnviz
from benchmodules import bench_large
from nnviz.render import block

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"


def _pixels(png: bytes) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(png)).convert("RGB").filter(ImageFilter.GaussianBlur(2))).astype(float)


@pytest.mark.slow
def test_pillow_text_looks_like_matplotlib_text(monkeypatch):
    d = nnviz.draw(EXAMPLES / "residual_block.json", style="block", engine="matplotlib")
    slow = d.to_bytes("png")  # few blocks: matplotlib draws the text
    reference = _pixels(slow)
    no_text = block.render_scene(d.scene, d.options.theme, box_text=False)
    buf = io.BytesIO()
    no_text.savefig(buf, format="png", dpi=d.png_dpi(), facecolor=no_text.get_facecolor())
    monkeypatch.setattr(block, "PIL_TEXT_FROM", 0)
    fast = d.to_bytes("png")
    assert Image.open(io.BytesIO(fast)).info["dpi"] == Image.open(io.BytesIO(slow)).info["dpi"]
    pillow = _pixels(fast)
    assert pillow.shape == reference.shape
    # blurred (anti-aliasing and hinting differ), the text is where matplotlib puts it: far closer to
    # matplotlib's picture than the picture without the text is
    missing = np.abs(_pixels(buf.getvalue()) - reference).mean()
    assert missing > 1.0
    assert np.abs(pillow - reference).mean() < 0.4 * missing




def test_large_block_pngs_draw_no_matplotlib_text_per_block(monkeypatch):
    d = nnviz.draw(bench_large().large_spec(block.PIL_TEXT_FROM), collapse=False)
    assert len(d.scene.boxes) >= block.PIL_TEXT_FROM

    def no_text(*args, **kwargs):
        raise AssertionError("a matplotlib Text per block")

    monkeypatch.setattr(block, "_box_text", no_text)
    png = d.to_bytes("png")
    image = Image.open(io.BytesIO(png))
    k = d.png_dpi() / 72
    assert image.size == (int(d.scene.width * k), int(d.scene.height * k))  # as matplotlib sizes it
    # and the blocks' names are drawn: the name line of a block is dark on the block's colour
    box = d.scene.boxes[-1]
    name = np.asarray(image.convert("L").crop((int(box.x * k), int(box.y * k), int((box.x + box.w) * k),
                                                int((box.y + box.h / 3) * k))))
    assert name.min() < 100
