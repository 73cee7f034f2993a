"""SVG files written from the Scene (render/svgfile.py): no matplotlib, and the same look as matplotlib's PNG.

The look is checked by rasterising the SVG in headless Chromium and comparing it with the
matplotlib PNG of the same scene at the same size: both are averaged over 4 × 4 pixel cells
(text is anti-aliased differently by the two rasterisers) and must agree within a tolerance
that a picture shifted by a few points, or one missing its links, exceeds.
"""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import nnviz
from nnviz.render.svgfile import scene_svg, weight_rgba
from nnviz.render.theme import Theme

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"
sys.path.insert(0, str(Path(__file__).parent))
from test_node import MNIST, fixed_weights, mlp  # noqa: E402

DPI = 96  # CSS pixels per inch: an SVG of W pt shows W * 96 / 72 pixels wide, as the PNG at 96 dpi


def _frozen() -> dict:
    return {"name": "frozen", "input_shape": [8], "layers": [
        {"type": "Dense", "units": 4, "name": "kept", "trainable": False},
        {"type": "Dense", "units": 3, "name": "tuned"}]}


def _transformer(blocks: int) -> dict:
    sys.path.insert(0, str(ROOT / "benchmarks"))
    from bench_large import large_transformer_spec

    return large_transformer_spec(10 * blocks)


CASES = {
    "lenet5 block": lambda: nnviz.draw(EXAMPLES / "lenet5.json"),
    "repeats and clusters": lambda: nnviz.draw(_transformer(8)),
    "frozen, LR": lambda: nnviz.draw(_frozen(), direction="LR"),
    "paper patterns": lambda: nnviz.draw(EXAMPLES / "transformer_encoder.json", theme="paper"),
    "colorblind patterns": lambda: nnviz.draw(EXAMPLES / "alexnet.json", theme="colorblind", width="ieee-page"),
    "deepnn node": lambda: nnviz.draw(EXAMPLES / "deepnn.json", style="node"),
    "mnist node TB": lambda: nnviz.draw(MNIST, style="node", direction="TB", description=True),
    "weights node": lambda: nnviz.draw(fixed_weights(nnviz.load(mlp(5, 12, 4, name="w", dropout=0.2)))[0],
                                       style="node", weights=True),
    "vgg volume, kernels": lambda: nnviz.draw(EXAMPLES / "vgg.json", style="volume", kernels=True),
}


def _pixels(png: bytes) -> np.ndarray:
    from PIL import Image

    return np.asarray(Image.open(io.BytesIO(png)).convert("RGB"), dtype=float)


def _cells(a: np.ndarray, k: int = 4) -> np.ndarray:
    h, w = a.shape[0] // k * k, a.shape[1] // k * k
    return a[:h, :w].reshape(h // k, k, w // k, k, 3).mean(axis=(1, 3))


def _difference(a: np.ndarray, b: np.ndarray) -> tuple[float, float]:
    """Mean absolute difference of 4 × 4 cell averages (0-255), and the share of cells off by more than 48."""
    d = np.abs(_cells(a) - _cells(b)).mean(axis=2)
    return float(d.mean()), float((d > 48).mean())


@pytest.fixture(scope="module")
def chromium():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox"])
        yield browser
        browser.close()


def _rasterise(browser, svg: str, size: tuple[int, int]) -> np.ndarray:
    page = browser.new_page(viewport={"width": size[0], "height": size[1]})
    try:
        page.set_content('<html><body style="margin:0">' + svg[svg.find("<svg"):] + "</body></html>")
        return _pixels(page.screenshot(clip={"x": 0, "y": 0, "width": size[0], "height": size[1]}))
    finally:
        page.close()


@pytest.mark.needs_browser
@pytest.mark.parametrize("case", list(CASES))
def test_svg_looks_like_the_matplotlib_png(chromium, case):
    d = CASES[case]()
    png = _pixels(d.to_bytes("png", dpi=DPI))
    size = (png.shape[1], png.shape[0])
    svg = d.to_bytes("svg").decode("utf-8")
    drawn = _rasterise(chromium, svg, size)
    assert drawn.shape == png.shape
    mean, off = _difference(png, drawn)
    assert mean < 4.0 and off < 0.01, (case, mean, off)
    # the tolerance tells pictures apart: the same drawing shifted by 3 points, or without its text
    shift = round(3 * DPI / 72)
    moved = np.full_like(drawn, 255.0)
    moved[shift:, shift:] = drawn[:-shift, :-shift]
    mean, off = _difference(png, moved)
    assert mean > 4.0 or off > 0.01, (case, mean, off)
    mute = svg.replace("<text ", '<text visibility="hidden" ')
    mean, off = _difference(png, _rasterise(chromium, mute, size))
    assert mean > 4.0 or off > 0.01, (case, mean, off)


_NO_MATPLOTLIB = """
import sys, nnviz
from pathlib import Path
out = Path(sys.argv[1])
spec = {"name": "m", "input_shape": [6], "layers": [{"type": "Dense", "units": 4}, {"type": "Dropout", "rate": 0.1},
        {"type": "Dense", "units": 2}]}
for style in ("block", "node"):
    d = nnviz.draw(spec, style=style)
    d.save(out / f"{style}.svg")
    d._repr_svg_()
block = nnviz.draw(spec)
for suffix in ("dot", "mmd", "html"):
    block.save(out / f"m.{suffix}")
print("matplotlib" in sys.modules, sorted(p.name for p in out.iterdir()))
"""


def test_svg_dot_mermaid_and_html_never_import_matplotlib(tmp_path):
    r = subprocess.run([sys.executable, "-c", _NO_MATPLOTLIB, str(tmp_path)], capture_output=True, text=True,
                       cwd=ROOT, timeout=300)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "False ['block.svg', 'm.dot', 'm.html', 'm.mmd', 'node.svg']"
    for name in ("block.svg", "node.svg"):
        text = (tmp_path / name).read_text()
        assert text.startswith("<?xml") and text.rstrip().endswith("</svg>")


_CLI_DRAW = """
import runpy, sys
sys.argv = ["nnviz", "draw", sys.argv[1], "-o", sys.argv[2]]
try:
    runpy.run_module("nnviz.cli", run_name="__main__")
except SystemExit as e:
    assert not e.code, e.code
print(",".join(m for m in ("matplotlib", "PIL.Image", "tensorflow", "keras", "tf_keras") if m in sys.modules) or "-")
"""


def test_the_draw_command_writes_svg_of_an_h5_without_matplotlib(real_models, tmp_path):
    """What benchmarks/bench_cold.py times (a cold `nnviz draw model.h5 -o r.svg`) imports neither matplotlib
    (the budget is 0.85x a process that only imports matplotlib) nor TensorFlow, nor Pillow's image module."""
    out = tmp_path / "r.svg"
    r = subprocess.run([sys.executable, "-c", _CLI_DRAW, str(real_models / "k2_fer2013_mini_XCEPTION.102-0.66.hdf5"),
                        str(out)], capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip().splitlines()[-1] == "-"
    text = out.read_text()
    assert text.startswith("<?xml") and text.rstrip().endswith("</svg>") and 'id="block-' in text


def test_text_stays_text_and_output_is_deterministic():
    a = nnviz.draw(EXAMPLES / "lenet5.json").to_bytes("svg")
    assert a == nnviz.draw(EXAMPLES / "lenet5.json").to_bytes("svg")
    text = a.decode()
    assert ">C1</text>" in text and ">Conv2D · tanh</text>" in text and 'id="block-C1"' in text
    node = nnviz.draw(EXAMPLES / "deepnn.json", style="node").to_bytes("svg").decode()
    assert '<tspan font-style="oblique">X</tspan><tspan font-size=' in node  # $X_{1}$ as matplotlib sets it
    assert node.count("<circle ") == len(nnviz.draw(EXAMPLES / "deepnn.json", style="node").scene.neurons) + 3


def test_links_are_one_element_each_so_crowds_add_up():
    d = nnviz.draw(mlp(3, 4, 2), style="node")
    svg = d.to_bytes("svg").decode()
    assert svg.count('<path d="M') == sum(len(s) for s in d.scene.links) == 3 * 4 + 4 * 2


def test_weight_colours_match_the_matplotlib_colormap():
    from nnviz.render.node import weight_colormap

    theme = Theme()
    values = np.linspace(-2.0, 2.0, 41)
    ours = weight_rgba(values, 2.0, theme)
    cmap = weight_colormap(theme)
    theirs = cmap((values + 2.0) / 4.0)
    assert np.abs(ours - theirs).max() < 1e-6


def test_a_figure_drawn_into_given_axes_saves_that_figure():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(4, 3))
    ax.set_title("mine")
    d = nnviz.draw(EXAMPLES / "deepnn.json", style="node", ax=ax)
    svg = d.to_bytes("svg")
    assert b"<!DOCTYPE svg" in svg and b"nnviz-neurons" in svg  # the user's figure, by matplotlib's SVG backend


def test_polygons_are_drawn_in_order_with_their_shade_by_both_writers():
    from matplotlib.collections import PolyCollection
    from matplotlib.colors import to_hex

    from nnviz.render.block import render_scene
    from nnviz.scene import Polygon, Scene

    theme = Theme()
    faces = [Polygon(((10, 10), (40, 10), (40, 40), (10, 40)), "convolution", shade=0.0),
             Polygon(((10, 10), (20, 0), (50, 0), (40, 10)), "convolution", shade=0.3),
             Polygon(((40, 10), (50, 0), (50, 30), (40, 40)), "convolution", shade=-0.25),
             Polygon(((0, 0), (5, 0), (5, 5)), None, line_width=0.0, role="kernel")]
    scene = Scene(60, 50, polygons=faces)
    fig = render_scene(scene, theme)
    (coll,) = [c for c in fig.axes[0].collections if isinstance(c, PolyCollection) and len(c.get_paths()) == 4]
    colours = [to_hex(c) for c in coll.get_facecolors()[:3]]
    assert colours == ["#f4a6a6", theme.shaded("convolution", 0.3), theme.shaded("convolution", -0.25)]
    assert colours[1] > colours[0] and coll.get_facecolors()[3][3] == 0.0  # lighter top; no fill for None
    svg = scene_svg(scene, theme, style="volume")
    fills = [part.split('fill="')[1].split('"')[0] for part in svg.split("<polygon")[1:]]
    assert fills == [*colours, "none"]
    assert 'class="nnviz-kernel"' in svg and svg.count("stroke-width") == 3
