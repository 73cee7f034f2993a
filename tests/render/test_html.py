"""The interactive HTML view: one self-contained file, tested in a real browser (headless Chromium)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

import nnviz
from nnviz.render.html import to_html
from truth import app_json

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def _resnet50() -> nnviz.LayerGraph:
    return nnviz.load(json.loads(app_json("ResNet50")))


def test_page_is_self_contained_and_carries_every_layer(tmp_path):
    g = nnviz.load(EXAMPLES / "conv_autoencoder.json")
    out = tmp_path / "ae.html"
    nnviz.draw(g).save(out)
    text = out.read_text()
    assert text.startswith("<!DOCTYPE html>")
    # no external fetches: no src/href to other hosts, no imports
    assert not re.search(r'(src|href)="(https?:)?//', text)
    assert "@import" not in text and "fetch(" not in text
    data = json.loads(re.search(r'id="nnviz-data">(.*?)</script>', text, re.S).group(1))
    assert set(data["layers"]) >= {"encoder", "decoder", "encoder/enc_conv1", "decoder/dec_output"}
    assert data["layers"]["encoder"]["params"] == g.layer("encoder").params
    assert f"{g.total_params:,} params" in text
    assert 'id="view-expanded"' in text  # nested models can be opened
    assert 'id="summary"' in text


def test_page_is_deterministic():
    g = nnviz.load(EXAMPLES / "residual_block.json")
    assert to_html(nnviz.draw(g)) == to_html(nnviz.draw(g))


def test_html_escapes_hostile_names(tmp_path):
    spec = {"name": "<script>alert(1)</script>", "input_shape": [3],
            "layers": [{"type": "Dense", "units": 2, "name": "d</script><b>"}]}
    text = to_html(nnviz.draw(spec))
    assert "<script>alert(1)" not in text
    assert "d</script><b>" not in text


def test_node_diagram_page_embeds_the_picture(tmp_path):
    out = tmp_path / "n.html"
    nnviz.draw(EXAMPLES / "deepnn.json", style="node").save(out)
    text = out.read_text()
    assert "<svg" in text and "DeepNN" in text and 'id="summary"' in text


def test_view_command_writes_to_the_temporary_folder(tmp_path, monkeypatch):
    from click.testing import CliRunner

    from nnviz.cli import cli

    monkeypatch.setenv("TMPDIR", str(tmp_path))
    import tempfile

    monkeypatch.setattr(tempfile, "tempdir", None)
    r = CliRunner().invoke(cli, ["view", str(EXAMPLES / "deepnn.json"), "--no-browser"])
    assert r.exit_code == 0, r.output
    written = Path(r.output.split("wrote ", 1)[1].strip())
    assert written.parent.parent == tmp_path and written.read_text().startswith("<!DOCTYPE html>")


def _open(browser, path: Path):
    page = browser.new_page(viewport={"width": 1280, "height": 860})
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(path.resolve().as_uri())
    return page, requests, errors


@pytest.mark.needs_browser
def test_resnet50_page_search_click_panel(browser, tmp_path):
    g = _resnet50()
    out = tmp_path / "resnet50.html"
    nnviz.draw(g).save(out)
    page, requests, errors = _open(browser, out)
    before = page.locator(".view.active svg").get_attribute("viewBox")
    page.fill("#search", "conv5_block3_3_conv")
    page.press("#search", "Enter")
    hits = page.locator(".view.active .nnviz-block.hit")
    assert hits.count() >= 1
    # Enter brings the hit to the middle of the view and shows it in the panel
    assert page.locator(".view.active svg").get_attribute("viewBox") != before
    hit, canvas = hits.first.bounding_box(), page.locator("#canvas").bounding_box()
    middle = (hit["x"] + hit["width"] / 2, hit["y"] + hit["height"] / 2)
    assert abs(middle[0] - (canvas["x"] + canvas["width"] / 2)) < canvas["width"] / 4
    assert abs(middle[1] - (canvas["y"] + canvas["height"] / 2)) < canvas["height"] / 4
    assert "conv5_block3" in page.text_content("#panel-body")
    hits.first.click()
    assert "conv5_block3" in page.text_content("#panel-body")
    # a plain layer: its parameters in the panel equal nnviz's (and Keras's) numbers
    page.fill("#search", "predictions")
    page.press("#search", "Enter")
    page.locator('.view.active [data-layer="predictions"]').click()
    assert page.text_content("#panel .v-params") == f"{g.layer('predictions').params:,}"
    page.screenshot(path=str(tmp_path / "resnet50.png"))
    assert (tmp_path / "resnet50.png").stat().st_size > 10_000
    assert all(u.startswith("file://") for u in requests), requests
    assert errors == []


@pytest.mark.needs_browser
def test_nested_autoencoder_expands_in_the_browser(browser, tmp_path):
    g = nnviz.load(EXAMPLES / "conv_autoencoder.json")
    out = tmp_path / "ae.html"
    nnviz.draw(g).save(out)
    page, requests, errors = _open(browser, out)
    page.locator('.view.active [data-layer="encoder"]').click()
    panel = page.text_content("#panel-body")
    assert "Sequential" in panel and f"{g.layer('encoder').params:,}" in panel
    assert page.locator('.view.active [data-layer="encoder/enc_conv1"]').count() == 0
    page.click("#open-nested")  # expand the nested model
    assert page.locator('.view.active [data-layer="encoder/enc_conv1"]').count() == 1
    page.locator('.view.active [data-layer="encoder/enc_conv1"]').click()
    assert page.text_content("#panel .v-params") == f"{g.layer('encoder').subgraph.layer('enc_conv1').params:,}"
    # zoom changes the view box; Fit restores it
    svg = page.locator(".view.active svg")
    before = svg.get_attribute("viewBox")
    page.mouse.move(400, 400)
    page.mouse.wheel(0, -300)
    assert svg.get_attribute("viewBox") != before
    page.click("#fit")
    assert svg.get_attribute("viewBox") == before
    page.screenshot(path=str(tmp_path / "ae.png"))
    assert all(u.startswith("file://") for u in requests), requests
    assert errors == []


@pytest.mark.needs_browser
def test_html_panel_shows_costs_in_the_browser(browser, tmp_path):
    from nnviz.costs import layer_costs

    g = nnviz.load(EXAMPLES / "mnist_mlp.json")
    out = tmp_path / "mlp.html"
    nnviz.draw(g, color_by="flops").save(out)
    page, requests, errors = _open(browser, out)
    page.locator('.view.active [data-layer="hidden1"]').click()
    t = layer_costs(g)["hidden1"]
    assert page.text_content("#panel .v-MACs") == f"{t.macs:,}"
    assert page.text_content("#panel .v-FLOPs") == f"{t.flops:,}"
    assert page.text_content("#panel .v-weight-memory") == "1.61 MB"   # 401,920 float32 parameters
    assert errors == []
