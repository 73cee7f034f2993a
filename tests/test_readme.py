"""README's examples work as written."""

import json
import re
from pathlib import Path

import nnviz

README = Path(__file__).resolve().parent.parent / "README.md"


def _json_blocks():
    return [json.loads(b) for b in re.findall(r"```json\n(.*?)```", README.read_text(), re.S)]


def test_every_json_spec_in_readme_loads():
    blocks = _json_blocks()
    assert len(blocks) >= 4
    for spec in blocks:
        g = nnviz.load(spec)
        assert g.total_params > 0


def test_three_layer_net_first_layer_has_140_parameters():
    spec = next(b for b in _json_blocks() if b["name"] == "three-layer")
    g = nnviz.load(spec)
    assert g.layers[1].params == 140


def test_residual_block_reads_the_skip_connection():
    spec = next(b for b in _json_blocks() if b["name"] == "residual")
    g = nnviz.load(spec)
    assert g.inbound("skip") == [["input", "conv_b"]]
    assert g.layer("skip").output_shape == (None, 32, 32, 16)
