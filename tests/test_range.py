"""--from/--to naming a layer inside a nested model, and the totals of a partial drawing (issue 16.7)."""

from __future__ import annotations

import json

from click.testing import CliRunner

import nnviz
from nnviz.cli import cli

SPEC = {"name": "ae", "input_shape": [8], "layers": [
    {"type": "Sequential", "name": "encoder", "layers": [
        {"type": "Dense", "units": 6, "name": "e1"}, {"type": "Dense", "units": 3, "name": "e2"}]},
    {"type": "Sequential", "name": "decoder", "layers": [
        {"type": "Dense", "units": 6, "name": "d1"}, {"type": "Dense", "units": 8, "name": "d2"}]}]}


def test_from_inside_a_nested_model_opens_what_the_range_needs():
    d = nnviz.draw(SPEC, from_layer="e2", to_layer="d1")
    assert [b.id for b in d.scene.boxes] == ["encoder/e2", "decoder/decoder_input", "decoder/d1"]


def test_a_partial_drawing_shows_its_own_totals_and_the_wholes():
    d = nnviz.draw(SPEC, from_layer="e2", to_layer="d1")
    sub = [lb.text for lb in d.scene.labels if lb.role == "subtitle"]
    # e2: 6*3+3 = 21, d1: 3*6+6 = 24 (and decoder's input layer); the whole: 54 + 21 + 24 + 56 = 155
    assert sub == ["45 params in the 3 layers drawn · whole model: 155 params, 7 layers"]


def test_cli_from_a_layer_that_summary_lists(tmp_path):
    path = tmp_path / "ae.json"
    path.write_text(json.dumps(SPEC))
    runner = CliRunner()
    assert "e2 (Dense)" in runner.invoke(cli, ["summary", str(path)]).output
    result = runner.invoke(cli, ["draw", str(path), "--from", "e2", "-o", str(tmp_path / "part.svg")])
    assert result.exit_code == 0, result.output
    svg = (tmp_path / "part.svg").read_text()
    # the range opens the nested model its end lies in (encoder); the rest stays a closed block
    assert ">e2<" in svg and ">decoder<" in svg and ">e1<" not in svg
