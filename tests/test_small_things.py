"""Small things a user notices (issue 16.15): summaries in notebooks, `nnviz view` without a browser."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

import nnviz
from nnviz.cli import cli

DEEPNN = Path(__file__).resolve().parent.parent / "examples" / "deepnn.json"


def test_summary_shows_as_a_table_in_a_notebook():
    from IPython.lib.pretty import pretty

    g = nnviz.load(DEEPNN)
    text = g.summary(width=120)
    assert isinstance(text, str) and text.startswith('Model: "DeepNN"')
    assert repr(text) == text and "\\n" not in repr(text)   # not a quoted string with \n
    assert pretty(text) == text                              # what IPython shows for g.summary()
    assert str(g) == str(g.summary()) and "Total params: 91" in str(g)   # print(g)


def test_view_says_when_no_browser_opened(tmp_path, monkeypatch):
    import webbrowser

    monkeypatch.setattr(webbrowser, "open", lambda url: False)
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    result = CliRunner().invoke(cli, ["view", str(DEEPNN)])
    assert result.exit_code == 0, result.output
    assert "nnviz: no browser could be opened; open file://" in result.stderr
    assert "deepnn_json.html yourself" in result.stderr


def test_view_is_quiet_when_a_browser_opened(tmp_path, monkeypatch):
    import webbrowser

    monkeypatch.setattr(webbrowser, "open", lambda url: True)
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    result = CliRunner().invoke(cli, ["view", str(DEEPNN)])
    assert result.exit_code == 0 and "no browser" not in result.output


SMALL = {"input_shape": [4], "layers": [{"type": "Dense", "units": 3, "activation": "relu"},
                                        {"type": "Dense", "units": 2}]}


def _png_size(data: bytes) -> tuple[int, int]:
    import io

    from PIL import Image

    with Image.open(io.BytesIO(data)) as image:
        return image.size


@pytest.mark.parametrize("options", [{"style": "node"}, {"style": "node", "direction": "TB"},
                                     {"style": "block", "engine": "matplotlib"},
                                     {"style": "block", "engine": "matplotlib", "direction": "LR"}])
def test_default_png_of_a_small_model_is_slide_wide(options, tmp_path):
    d = nnviz.draw(SMALL, **options)
    assert d.scene.width / 72 * 150 < 1200          # the fixed 100/150 dpi gave a narrower picture
    width, _ = _png_size(d.save(tmp_path / "small.png").read_bytes())
    assert 1200 <= width <= 1205


@pytest.mark.needs_dot
def test_default_png_of_the_graphviz_engine_is_slide_wide(tmp_path):
    d = nnviz.draw(SMALL, style="block", engine="graphviz")
    assert 1200 <= _png_size(d.to_bytes("png"))[0] <= 1260   # dot rounds its page to whole points


def test_an_explicit_dpi_is_kept(tmp_path):
    d = nnviz.draw(SMALL, style="node", dpi=50)
    assert _png_size(d.to_bytes("png"))[0] == int(d.scene.width / 72 * 50)   # matplotlib truncates
    result = CliRunner().invoke(cli, ["draw", str(DEEPNN), "--style", "node", "--dpi", "72",
                                      "-o", str(tmp_path / "n.png")])
    assert result.exit_code == 0, result.output
    assert _png_size((tmp_path / "n.png").read_bytes())[0] < 1200


def test_a_wide_model_keeps_the_base_dpi():
    from nnviz.render.diagram import png_dpi

    assert png_dpi(72 * 20, 72 * 5, 100) == 100        # 2,000 px at 100 dpi already
    assert png_dpi(72 * 2, 72 * 400, 100) == 100       # 40,000 px long at 100 dpi: not blown up further
    assert png_dpi(72 * 2, 72 * 40, 100) == 400        # the long side stops at 16,000 px
