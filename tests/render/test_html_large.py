"""The HTML view of large models (issue 18): the page builds its expanded view itself, on demand.

Above ``INLINE_LIMIT`` layers the page carries the collapsed drawing and the layer data, not the
expanded drawing; the browser lays the expanded view out when asked and draws what is on screen.
Timings are printed by benchmarks/bench_html.py, not asserted here.
"""

from __future__ import annotations

import base64
import gzip
import json
import re
from pathlib import Path

import pytest
from benchmodules import bench_large

import nnviz
from nnviz.render import html as page_html
from nnviz.render.html import flat_data, layer_count, layer_details, to_html
from nnviz.render.theme import Theme

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"
N = 2_500  # above INLINE_LIMIT: the page builds its expanded view
AFTER_PAINT = "() => new Promise(r => requestAnimationFrame(() => setTimeout(r, 0)))"




@pytest.fixture(scope="module")
def chain():
    return nnviz.load(bench_large().large_spec(N))


@pytest.fixture(scope="module")
def chain_page(chain, tmp_path_factory):
    out = tmp_path_factory.mktemp("large") / "chain.html"
    nnviz.draw(chain).save(out)
    return out


def _data(text: str) -> dict:
    return json.loads(re.search(r'id="nnviz-data">(.*?)</script>', text, re.S).group(1))


@pytest.mark.slow
def test_large_page_carries_the_layer_data_not_the_expanded_drawing(chain, chain_page):
    assert layer_count(chain) == N + 1 > page_html.INLINE_LIMIT
    text = chain_page.read_text()
    assert 'id="view-expanded"' not in text and 'id="view-default"' in text
    assert text.count('class="nnviz-block"') < 10  # the collapsed drawing only (repeats folded)
    data = _data(text)
    scope = data["flat"]["scopes"][""]
    assert scope["n"] == [layer.name for layer in chain.layers]  # the spec's order is its data flow
    add = scope["n"].index("l9")  # l9 = Add(l8, l5)
    assert [scope["n"][i] for i in scope["i"][add]] == ["l8", "l5"]
    assert sum(scope["p"]) == chain.total_params
    # a repeat block of the collapsed drawing opens at its first and last layer
    assert data["groups"]["repeat:l10"] == ["l10", f"l{N - 1}"]
    # the table of 2,500 rows is built when asked, not parsed with the page
    assert 'id="show-summary"' in text and "<tbody>" not in text.split('id="nnviz-summary"')[0]
    packed = re.search(r'id="nnviz-summary">(.*?)</script>', text, re.S).group(1)
    assert f"l{N - 1} (Add)" in gzip.decompress(base64.b64decode(packed)).decode("utf-8")


def test_small_pages_still_inline_the_expanded_drawing():
    g = nnviz.load(EXAMPLES / "conv_autoencoder.json")
    text = to_html(nnviz.draw(g))
    assert 'id="view-expanded"' in text and '"flat"' not in text
    assert set(_data(text)["layers"]) == set(layer_details(g))


def test_flat_data_covers_every_layer_of_nested_and_shared_models():
    g = nnviz.load(EXAMPLES / "siamese.json")
    flat = flat_data(g, Theme())
    keys = {prefix + name for prefix, scope in flat["scopes"].items() for name in scope["n"]}
    assert keys == set(layer_details(g))
    assert set(flat["scopes"]) == {"", "embedding/"}
    top = flat["scopes"][""]
    cosine = top["n"].index("cosine")
    # a merge reading two calls of the shared model: the text says so, and the page is told
    assert layer_details(g)["cosine"]["inbound"] == "embedding, embedding"
    assert top["x"][str(cosine)]["inbound"] == "embedding, embedding"


# -- in Chromium ------------------------------------------------------------------------------------

def _open(browser, path: Path):
    page = browser.new_page(viewport={"width": 1280, "height": 860})
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(path.resolve().as_uri())
    page.evaluate(AFTER_PAINT)
    return page, requests, errors


def _state(page) -> dict:
    page.evaluate(AFTER_PAINT)
    return page.evaluate("nnviz.state()")


def _inside_canvas(page, point: dict | None) -> bool:
    box = page.locator("#canvas").bounding_box()
    return point is not None and (box["x"] <= point["x"] <= box["x"] + box["width"]
                                  and box["y"] <= point["y"] <= box["y"] + box["height"])


@pytest.mark.needs_browser
def test_search_inside_a_repeat_pans_to_the_hit_and_shows_it(browser, chain, chain_page):
    page, requests, errors = _open(browser, chain_page)
    assert page.locator(f'.view.active [data-layer="l{N - 7}"]').count() == 0  # folded into the repeat
    page.fill("#search", f"l{N - 7}")
    page.press("#search", "Enter")
    state = _state(page)
    assert state["view"] == "built:" and state["selected"] == f"l{N - 7}"
    assert state["text"] and 0 < state["drawn"] < 200  # zoomed in: only what is on screen, with text
    assert _inside_canvas(page, page.evaluate(f"nnviz.where('l{N - 7}')"))
    assert page.text_content("#panel .v-params") == f"{chain.layer(f'l{N - 7}').params:,}"
    assert page.text_content("#panel .v-inputs") == f"l{N - 8}"
    # a click on a neighbour drawn in the built view shows that one
    at = page.evaluate(f"nnviz.where('l{N - 8}')")
    assert _inside_canvas(page, at)
    page.mouse.click(at["x"], at["y"])
    assert _state(page)["selected"] == f"l{N - 8}"
    assert page.text_content("#panel .v-type") == "Dropout"
    # zooming out far: every layer drawn, no text (level of detail); columns suit the screen
    page.click("#fit")
    state = _state(page)
    assert state["drawn"] == N + 1 and not state["text"]
    canvas = page.locator("#canvas").bounding_box()
    assert state["columns"] > 16  # not a strip of 16 columns
    assert 1 / 3 < (state["width"] / state["height"]) / (canvas["width"] / canvas["height"]) < 3
    page.mouse.move(canvas["x"] + 300, canvas["y"] + 300)
    page.mouse.wheel(0, -300)
    assert _state(page)["k"] > state["k"]
    assert all(u.startswith("file://") for u in requests), requests
    assert errors == []


@pytest.mark.needs_browser
def test_expanding_a_repeat_block_opens_the_built_view_at_its_first_layer(browser, chain, chain_page):
    page, _, errors = _open(browser, chain_page)
    page.locator('.view.active [data-layer="repeat:l10"]').dblclick()
    state = _state(page)
    assert state["view"] == "built:" and state["selected"] == "l10" and state["text"]
    assert _inside_canvas(page, page.evaluate("nnviz.where('l10')"))
    page.click("#toggle")  # back to the collapsed drawing
    assert _state(page)["view"] == "view-default"
    page.click("#show-summary")
    page.wait_for_selector("#summary tbody tr")
    assert page.locator("#summary tbody tr").count() == N + 1
    assert errors == []


@pytest.mark.needs_browser
def test_built_details_equal_the_inlined_ones(browser, tmp_path, monkeypatch):
    """The compact tables decode to exactly what small pages carry, nested and shared layers included."""
    monkeypatch.setattr(page_html, "INLINE_LIMIT", 0)
    for example in ("siamese.json", "conv_autoencoder.json", "transformer_encoder.json"):
        g = nnviz.load(EXAMPLES / example)
        out = tmp_path / (example + ".html")
        out.write_text(to_html(nnviz.draw(g)))
        page, _, errors = _open(browser, out)
        expected = json.loads(json.dumps(layer_details(g), sort_keys=True, default=str))
        got = page.evaluate("keys => Object.fromEntries(keys.map(k => [k, nnviz.info(k)]))", list(expected))
        assert got == expected, example
        assert errors == []
        page.close()


@pytest.mark.needs_browser
def test_nested_model_opens_as_its_own_built_view(browser, tmp_path, monkeypatch):
    monkeypatch.setattr(page_html, "INLINE_LIMIT", 0)
    g = nnviz.load(EXAMPLES / "conv_autoencoder.json")
    out = tmp_path / "ae.html"
    out.write_text(to_html(nnviz.draw(g)))
    page, _, errors = _open(browser, out)
    page.locator('.view.active [data-layer="encoder"]').click()
    page.click("#open-nested")
    assert _state(page)["view"] == "built:encoder/"
    at = page.evaluate("nnviz.where('encoder/enc_conv1')")
    assert _inside_canvas(page, at)
    page.mouse.click(at["x"], at["y"])
    assert page.text_content("#panel .v-params") == f"{g.layer('encoder').subgraph.layer('enc_conv1').params:,}"
    page.fill("#search", "dec_output")  # a layer of the other nested model
    page.press("#search", "Enter")
    assert _state(page)["view"] == "built:decoder/"
    assert page.text_content("#panel h2") == "decoder/dec_output"
    page.screenshot(path=str(tmp_path / "ae-built.png"))
    assert errors == []


@pytest.mark.needs_browser
def test_a_collapsed_drawing_too_big_to_inline_opens_the_built_view(browser, tmp_path, monkeypatch):
    monkeypatch.setattr(page_html, "INLINE_LIMIT", 0)
    monkeypatch.setattr(page_html, "SVG_LIMIT", 0)
    g = nnviz.load(EXAMPLES / "residual_block.json")
    out = tmp_path / "rb.html"
    out.write_text(to_html(nnviz.draw(g)))
    assert 'id="view-default"' not in out.read_text()
    page, _, errors = _open(browser, out)
    state = _state(page)
    assert state["view"] == "built:" and state["drawn"] == len(g.layers)
    at = page.evaluate("nnviz.where('res2_add')")
    page.mouse.click(at["x"], at["y"])
    assert page.text_content("#panel .v-inputs") == ", ".join(c for call in g.inbound("res2_add") for c in call)
    assert errors == []


_PIXEL = """key => { const F = document.querySelector('.view.active canvas'), r = F.getBoundingClientRect();
  const at = nnviz.where(key), dpr = window.devicePixelRatio || 1;
  const d = F.getContext('2d').getImageData(Math.floor((at.x - r.left) * dpr), Math.floor((at.y - r.top) * dpr), 1, 1).data;
  return '#' + Array.from(d.slice(0, 3), v => v.toString(16).padStart(2, '0')).join(''); }"""


@pytest.mark.needs_browser
def test_far_out_every_box_is_drawn_in_its_colour(browser, chain, chain_page):
    """Zoomed far out the built view writes the boxes as pixels: each still lies where the view says, in
    its family's colour, with the background between them."""
    from nnviz.theme import Theme, family_of

    page, _, errors = _open(browser, chain_page)
    page.click("#toggle")
    canvas = page.locator("#canvas").bounding_box()
    page.mouse.move(canvas["x"] + canvas["width"] / 2, canvas["y"] + canvas["height"] / 2)
    for _ in range(4):  # a few steps further out than the whole
        page.mouse.wheel(0, 120)
        page.evaluate(AFTER_PAINT)
    state = _state(page)
    assert state["drawn"] == N + 1 and state["k"] * 52 < 4  # boxes under 4 pixels tall
    theme = Theme()
    for name in ("l0", "l2", "l9", f"l{N - 1}", f"l{N // 2}"):
        assert page.evaluate(_PIXEL, name) == theme.color(family_of(chain.layer(name).type)), name
    # the middle of a gap between two columns: the background
    gap = page.evaluate("""() => { const a = nnviz.where('l0'), s = nnviz.state();
      return {x: a.x + (s.width / s.columns) * s.k / 2, y: a.y}; }""")
    got = page.evaluate("""at => { const F = document.querySelector('.view.active canvas'), r = F.getBoundingClientRect();
      const d = F.getContext('2d').getImageData(Math.floor(at.x - r.left), Math.floor(at.y - r.top), 1, 1).data;
      return Array.from(d.slice(0, 3)); }""", gap)
    assert got == [255, 255, 255]
    # closer, boxes 6-10 px tall: still pixels, with the links between neighbouring rows
    while _state(page)["k"] * 52 < 6:
        page.mouse.wheel(0, -120)
        page.evaluate(AFTER_PAINT)
    assert 6 <= _state(page)["k"] * 52 < 10
    link = page.evaluate("""() => { const a = nnviz.where('l1'), b = nnviz.where('l2'), F = document.querySelector('.view.active canvas');
      const r = F.getBoundingClientRect(), x = Math.floor(a.x - r.left), y = Math.floor((a.y + b.y) / 2 - r.top);
      return Array.from(F.getContext('2d').getImageData(x - 1, y, 3, 1).data.filter((v, i) => i % 4 < 3)); }""")
    edge = [int(theme.edge_color[i:i + 2], 16) for i in (1, 3, 5)]
    assert edge in (link[0:3], link[3:6], link[6:9]), link
    assert errors == []


@pytest.mark.needs_browser
def test_layer_data_waits_for_first_use_or_an_idle_moment(browser, chain, chain_page):
    """The page paints before it parses its layer data; what needs the data gets it on demand, and once
    it is parsed an idle page prepares the expanded layout and the search index beforehand."""
    page = browser.new_page(viewport={"width": 1280, "height": 860})
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.add_init_script("window.requestIdleCallback = () => 0;")  # a page that is never idle
    page.goto(chain_page.resolve().as_uri())
    assert _state(page)["ready"] == {"data": False, "layout": False, "index": False}
    page.fill("#search", f"l{N - 7}")  # on demand: parsed, laid out, indexed, shown
    page.press("#search", "Enter")
    state = _state(page)
    assert state["ready"] == {"data": True, "layout": True, "index": True}
    assert state["selected"] == f"l{N - 7}" and page.text_content("#panel .v-inputs") == f"l{N - 8}"
    page.close()
    page, _, errors2 = _open(browser, chain_page)  # an idle page: its data (130 kB) waits for a first use
    page.wait_for_timeout(300)
    assert _state(page)["ready"]["data"] is False
    page.locator('.view.active [data-layer="l9"]').click()  # the panel needs the data...
    assert page.text_content("#panel .v-inputs") == "l8, l5"
    page.wait_for_function("nnviz.state().ready.index", timeout=30_000)  # ...and the rest follows when idle
    assert _state(page)["ready"] == {"data": True, "layout": True, "index": True}
    page.click("#toggle")
    assert _state(page)["drawn"] == N + 1
    assert errors == [] and errors2 == []
