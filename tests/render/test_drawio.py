"""draw.io output (render/drawio.py): every block a vertex, every arrow an edge joined to its blocks."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from click.testing import CliRunner

import nnviz
from nnviz.cli import cli
from nnviz.errors import OptionError
from nnviz.render.drawio import scene_drawio

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def _cells(xml: str) -> dict[str, ET.Element]:
    root = ET.fromstring(xml)
    assert root.tag == "mxfile"
    return {c.get("id"): c for c in root.iter("mxCell")}


@pytest.mark.parametrize("example, theme", [("residual_block", "paper"), ("inception_module", "colorblind"),
                                            ("lenet5", "default"), ("transformer_encoder", "dark")])
def test_blocks_and_arrows_are_cells_at_the_scenes_places(example, theme):
    d = nnviz.draw(EXAMPLES / f"{example}.json", theme=theme)
    xml = scene_drawio(d.scene, d.options.theme)
    assert xml == scene_drawio(d.scene, d.options.theme)  # deterministic
    cells = _cells(xml)
    blocks = [c for i, c in cells.items() if i.startswith("block-")]
    assert len(blocks) == len(d.scene.boxes)
    for box, cell in zip(d.scene.boxes, blocks):
        g = cell.find("mxGeometry")
        assert [float(g.get(k)) for k in ("x", "y", "width", "height")] == pytest.approx([box.x, box.y, box.w, box.h],
                                                                                          abs=0.01)
        assert f"<b>{box.lines[0]}</b>" in cell.get("value") and f"fillColor={d.options.theme.color(box.family)}" \
            in cell.get("style")
        pattern = d.options.theme.pattern(box.family)
        assert ("fillStyle=" in cell.get("style")) == (pattern is not None)
    ids = {b.id: f"block-{i}" for i, b in enumerate(d.scene.boxes)}
    edges = [c for i, c in cells.items() if i.startswith("edge-")]
    assert len(edges) == len(d.scene.edges) > 0
    for e, cell in zip(d.scene.edges, edges):  # joined to its blocks: moving one drags the arrow
        assert cell.get("source") == ids.get(e.src) and cell.get("target") == ids.get(e.dst)
        points = cell.find("mxGeometry").find("Array")
        assert (0 if points is None else len(points)) == len(e.points) - 2
    labels = [c for i, c in cells.items() if i.startswith("label-")]
    assert len(labels) == len(d.scene.labels)
    model = ET.fromstring(xml).find("diagram/mxGraphModel")
    assert float(model.get("pageWidth")) == pytest.approx(d.scene.width, abs=0.01)


def test_names_from_files_stay_text():
    spec = {"name": "m<script>", "input_shape": [3],
            "layers": [{"type": "Dense", "units": 2, "name": 'a"<b>&x\x1b[2J'}]}
    d = nnviz.draw(spec)
    cells = _cells(scene_drawio(d.scene, d.options.theme))
    value = cells["block-1"].get("value")
    assert value.startswith("<b>a\"&lt;b&gt;&amp;x\\x1b[2J</b>")  # markup as text, escape shown


def test_node_style_and_cli(tmp_path):
    for style in ("node", "volume"):
        with pytest.raises(OptionError, match="draw.io output draws block diagrams"):
            nnviz.draw(EXAMPLES / "lenet5.json", style=style).save(tmp_path / "n.drawio")
        assert not (tmp_path / "n.drawio").exists()
    out = tmp_path / "f.drawio"
    r = CliRunner().invoke(cli, ["draw", str(EXAMPLES / "vgg.json"), "--theme", "paper", "-o", str(out)])
    assert r.exit_code == 0, r.output
    assert len([i for i in _cells(out.read_text()) if i.startswith("block-")]) == 15
