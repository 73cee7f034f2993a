"""What a notebook gets from a Diagram (issue 11: a notebook display draws once)."""

from __future__ import annotations

from pathlib import Path

import pytest

import nnviz
from nnviz.render.diagram import Diagram

DEEPNN = Path(__file__).resolve().parents[2] / "examples" / "deepnn.json"


@pytest.mark.parametrize("style", ["block", "node"])
def test_a_notebook_display_draws_once(style, monkeypatch):
    from IPython.core.formatters import DisplayFormatter

    d = nnviz.draw(DEEPNN, style=style)
    drawn = []
    to_bytes = Diagram.to_bytes

    def counting(self, fmt, **kwargs):
        drawn.append(fmt)
        return to_bytes(self, fmt, **kwargs)

    monkeypatch.setattr(Diagram, "to_bytes", counting)
    data, _ = DisplayFormatter().format(d)  # what IPython does with a cell's result
    assert drawn == ["svg"]
    assert data["image/svg+xml"].lstrip().startswith(("<?xml", "<svg"))
    assert data["text/html"].startswith("<svg") and data["text/html"] in data["image/svg+xml"]
    assert "image/png" not in data
    assert data["text/plain"] == repr(d)
