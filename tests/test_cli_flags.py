"""Option errors of `nnviz draw` name the command's flags, not Python keywords (issue 16.7)."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from nnviz.cli import cli

DEEPNN = str(Path(__file__).resolve().parent.parent / "examples" / "deepnn.json")


@pytest.mark.parametrize("args, message", [
    (["--style", "node", "--max-neurons", "0"], "nnviz: error: --max-neurons must be an integer of at least 4"),
    (["--figsize", "0x3"], "nnviz: error: --figsize must be two positive sizes"),
    (["--style", "node", "--expand", "encoder"],
     "nnviz: error: --expand is a block-style option, and this draws --style node (add --style block"),
    (["--style", "node", "--from", "h1"], "nnviz: error: --from is a block-style option"),
    (["--weights"], "nnviz: error: --weights is a node-style option, and this draws --style block"),
])
def test_option_errors_name_flags(tmp_path, args, message):
    result = CliRunner().invoke(cli, ["draw", DEEPNN, *args, "-o", str(tmp_path / "x.svg")])
    assert result.exit_code == 2
    assert result.output.startswith(message), result.output
    assert "max_neurons" not in result.output and "unknown option 'expand'" not in result.output
    assert not (tmp_path / "x.svg").exists()


def test_draw_input_shape_fixes_a_free_axis(tmp_path):
    spec = tmp_path / "seq.json"
    spec.write_text('{"input_shape": [null, 3], "layers": [{"type": "Dense", "units": 2}]}')
    out = tmp_path / "seq.svg"
    result = CliRunner().invoke(cli, ["draw", str(spec), "--input-shape", "7,3", "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert "(None, 7, 2)" in out.read_text()


@pytest.mark.parametrize("command", ["draw", "summary"])
def test_bad_input_shape_text_names_the_flag(tmp_path, command):
    spec = tmp_path / "seq.json"
    spec.write_text('{"input_shape": [null, 3], "layers": [{"type": "Dense", "units": 2}]}')
    extra = ["-o", str(tmp_path / "x.svg")] if command == "draw" else []
    result = CliRunner().invoke(cli, [command, str(spec), "--input-shape", "7,x", *extra])
    assert result.exit_code == 2
    lines = result.output.strip().splitlines()
    assert lines == ["nnviz: error: --input-shape: input shape '7,x': sizes are integers or None, "
                     "separated by commas"]
    assert not (tmp_path / "x.svg").exists()
