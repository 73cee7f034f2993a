"""The HTML pages stay readable in every named theme: text on each block contrasts at least 4.5:1
(WCAG AA) with the block's fill, in the inline SVG, in the large-model canvas view and in the
diff page; the page around the drawing follows the theme's background and text colours.

Colours are read from the page itself (the SVG's attributes, the page's data and CSS); one test
reads the canvas's pixels in Chromium.
"""

from __future__ import annotations

import io
import json
import re
from pathlib import Path

import pytest
from benchmodules import bench_large

import nnviz
from nnviz.modeldiff import diff_html
from nnviz.render.html import flat_data, to_html
from nnviz.theme import FAMILIES, THEMES, contrast, resolve_theme

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
# together: every family but output/group/other (those are covered by test_text_on_every_fill)
PAGES = ("cost_cnn.json", "transformer_encoder.json", "multi_io.json", "siamese.json")
AA = 4.5


def _attr(tag: str, name: str) -> str | None:
    m = re.search(rf'\s{name}="([^"]*)"', tag)
    return m.group(1) if m else None


def _block_contrasts(page: str) -> list[tuple[str, str, str, float]]:
    """(layer, text colour, fill, contrast) of every block of every inline SVG of ``page``; a text
    colour is the one the SVG's text inherits (the block's fill attribute, else the SVG's, else
    black, SVG's initial fill)."""
    out = []
    for svg in re.findall(r"<svg .*?</svg>", page, re.S):
        root = _attr(svg[:svg.index(">")], "fill") or "#000000"
        for tag, body in re.findall(r'(<g class="nnviz-block"[^>]*>)(.*?)</g>', svg, re.S):
            fill = _attr(re.search(r"<rect [^>]*>", body).group(0), "fill")
            assert "<text" in body
            assert not re.search(r"<text [^>]*fill=", body)  # text takes its colour from the block
            ink = _attr(tag, "fill") or root
            out.append((_attr(tag, "data-layer"), ink, fill, contrast(ink, fill)))
    return out


def _root_vars(page: str) -> dict[str, str]:
    m = re.search(r":root\{([^}]*)\}", page)
    assert m, "the page's colours are not set from the theme"
    return dict(kv.split(":", 1) for kv in m.group(1).split(";"))


@pytest.mark.parametrize("theme", THEMES)
def test_text_on_every_fill(theme):
    t = resolve_theme(theme)
    fills = {t.color(f) for f in FAMILIES} | {c for name in ("scale", "status", "weights")
                                              for role, c in t.palette(name).items() if not role.startswith("edge:")}
    low = {f: round(contrast(t.text_on(f), f), 2) for f in fills if contrast(t.text_on(f), f) < AA}
    assert low == {}
    # the theme's own text colour wherever it reads
    assert all(t.text_on(f) == t.text_color for f in fills if contrast(t.text_color, f) >= AA)


@pytest.mark.parametrize("theme", THEMES)
def test_inline_svg_text_contrasts_with_every_block(theme):
    seen = set()
    for name in PAGES:
        page = to_html(nnviz.draw(nnviz.load(EXAMPLES / name), theme=theme))
        blocks = _block_contrasts(page)
        assert len(blocks) >= 4
        low = [b for b in blocks if b[3] < AA]
        assert low == [], f"{name}: {low[:3]}"
        seen |= {b[2] for b in blocks}
    assert len(seen) >= 4  # many fills were checked (paper has four), not one


def test_a_cost_colouring_in_the_dark_theme_keeps_block_text_readable():
    g = nnviz.load(EXAMPLES / "cost_cnn.json")
    blocks = _block_contrasts(to_html(nnviz.draw(g, theme="dark", color_by="params")))
    assert len({b[2] for b in blocks}) >= 3
    assert [b for b in blocks if b[3] < AA] == []


@pytest.mark.parametrize("theme", THEMES)
def test_the_page_follows_the_theme(theme):
    t = resolve_theme(theme)
    page = to_html(nnviz.draw(nnviz.load(EXAMPLES / "lenet5.json"), theme=theme))
    v = _root_vars(page)
    assert v["--bg"] == t.background and v["--fg"] == t.text_color
    assert v["color-scheme"] == ("dark" if theme == "dark" else "light")
    for surface in ("--bg", "--bar", "--side"):  # header, panel, table: text reads on each
        assert contrast(v["--fg"], v[surface]) >= AA and contrast(v["--soft"], v[surface]) >= AA
    css = page[page.index("<style>"):page.index("</style>")]
    assert not re.search(r"background:#f|color:#222", css)  # no fixed light colours left
    # the title and the legend on the drawing's background
    root = _attr(re.search(r"<svg [^>]*>", page).group(0), "fill")
    assert root and contrast(root, t.background) >= AA


@pytest.mark.parametrize("theme", THEMES)
def test_the_diff_page_keeps_text_readable(theme):
    d = nnviz.diff(EXAMPLES / "vgg.json", EXAMPLES / "alexnet.json")
    page = diff_html(d, theme=theme)
    blocks = _block_contrasts(page)
    assert len(blocks) >= 20 and [b for b in blocks if b[3] < AA] == []
    v = _root_vars(page)
    assert v["--bg"] == resolve_theme(theme).background
    assert contrast(v["--fg"], v["--bg"]) >= AA and contrast(v["--soft"], v["--bg"]) >= AA


@pytest.fixture(scope="module")
def chain():
    return nnviz.load(bench_large().large_spec(2_100))  # above INLINE_LIMIT: a built (canvas) view


@pytest.mark.parametrize("theme", THEMES)
def test_canvas_text_colours_contrast_with_every_family(chain, theme):
    flat = flat_data(chain, resolve_theme(theme))
    assert len(flat["colors"]) >= 4 and len(flat["text"]) == len(flat["colors"])
    assert [round(contrast(t, c), 2) for t, c in zip(flat["text"], flat["colors"])
            if contrast(t, c) < AA] == []


# -- in Chromium: the pixels the canvas view draws -----------------------------------------------------

def _ink(png: bytes) -> float:
    """The contrast of the pixel farthest from a box's fill (its commonest colour) against it."""
    from PIL import Image

    im = Image.open(io.BytesIO(png)).convert("RGB")
    counts = sorted(im.getcolors(1 << 20), reverse=True)
    hexes = ["#%02x%02x%02x" % c for _, c in counts]
    return max(contrast(h, hexes[0]) for h in hexes[1:])


@pytest.mark.needs_browser
@pytest.mark.parametrize("theme", ["dark", "colorblind"])
def test_canvas_view_draws_readable_text(browser, chain, theme, tmp_path):
    out = tmp_path / "p.html"
    nnviz.draw(chain, theme=theme).save(out)
    page = browser.new_page(viewport={"width": 1280, "height": 860})
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(out.resolve().as_uri())
    page.fill("#search", "l58")
    page.press("#search", "Enter")
    at = page.evaluate("nnviz.where('l58')")
    page.mouse.move(at["x"], at["y"])
    for _ in range(3):  # zoomed in: the names in bold, as a reader sees them
        page.mouse.wheel(0, -100)
        page.wait_for_timeout(50)
    page.evaluate("() => new Promise(r => requestAnimationFrame(() => setTimeout(r, 0)))")
    state = page.evaluate("nnviz.state()")
    assert state["text"] and state["view"] == "built:"
    k = state["k"]
    for key in ("l56", "l57", "l59"):  # Dense, Dropout, Add (merge: the colorblind theme's dark blue)
        c = page.evaluate(f"nnviz.where('{key}')")
        w, h = 160 * k, 44 * k  # inside the box (170 x 52), clear of its outline
        shot = page.screenshot(clip={"x": c["x"] - w / 2, "y": c["y"] - h / 2, "width": w, "height": h})
        assert _ink(shot) >= AA, (theme, key)
    assert errors == []
    page.close()


# -- the standalone SVG (render/svgfile.py) and the PNG writers take the same text colours ----------------

@pytest.mark.parametrize("theme,source,options", [("colorblind", "residual_block.json", {}),
                                                  ("colorblind", "inception_module.json", {}),
                                                  ("dark", "cost_cnn.json", {"color_by": "params"})])
def test_standalone_svg_text_contrasts_with_every_block(theme, source, options):
    d = nnviz.draw(EXAMPLES / source, theme=theme, engine="matplotlib", **options)
    svg = d.to_bytes("svg").decode("utf-8")
    t = resolve_theme(theme)
    fills = {}
    for b in d.scene.boxes:
        fills[b.id] = t.color(b.family)
    inks = {name: ink or t.text_color
            for name, ink in re.findall(r'<g class="nnviz-block" id="block-([^"]*)"(?: fill="([^"]*)")?>', svg)}
    assert set(inks) == set(fills)
    low = {n: round(contrast(inks[n], fills[n]), 2) for n in fills if contrast(inks[n], fills[n]) < AA}
    assert low == {}


@pytest.mark.parametrize("theme", THEMES)
def test_the_node_style_page_follows_the_theme(theme):
    page = to_html(nnviz.draw(EXAMPLES / "deepnn.json", style="node", theme=theme))
    v = _root_vars(page)
    assert v["--bg"] == resolve_theme(theme).background
    assert contrast(v["--fg"], v["--bar"]) >= AA
    assert "#f4f6f8" not in page
