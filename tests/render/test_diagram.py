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


def test_the_block_writers_of_a_node_diagram_take_the_pipelines_block_view(tmp_path):
    """A node diagram's .dot/.mmd write the block view the pipeline supplied; the writers lay nothing out."""
    d = nnviz.draw(DEEPNN, style="node")
    view, options = d.block_view()
    assert {n.layer.name for n in view.blocks.values() if n.layer is not None} >= {"h1", "output"}
    blocks = nnviz.draw(DEEPNN, style="block", engine="matplotlib")
    for suffix in ("dot", "mmd"):
        assert d.save(tmp_path / f"n.{suffix}").read_bytes() == blocks.save(tmp_path / f"b.{suffix}").read_bytes()
    bare = Diagram(d.graph, scene=d.scene, style="node")  # made without nnviz.api: no block view to write
    with pytest.raises(nnviz.OptionError, match="has no block view"):
        bare.save(tmp_path / "bare.dot")
    assert not (tmp_path / "bare.dot").exists()
