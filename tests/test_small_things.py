"""Small things a user notices (issue 16.15): summaries in notebooks, `nnviz view` without a browser."""

from __future__ import annotations

from pathlib import Path

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
