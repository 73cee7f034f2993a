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
    (["--width", "3x"], "nnviz: error: --width '3x' is not a length (3.25in, 8cm, 85mm, 252pt) nor a named width "),
    (["--width", "0.1in"], "nnviz: error: --width must be between 0.5 and 200 inches, got '0.1in'"),
    (["--width", "3in", "--engine", "graphviz"], "nnviz: error: --width draws with the matplotlib engine"),
    (["--color-by", "bogus"], "nnviz: error: unknown --color-by: 'bogus'"),
    (["--style", "node", "--weights", "--color-by", "macs"],
     "nnviz: error: --weights colours links and neurons by weight: it cannot go with --color-by"),
    (["--style", "volume", "--engine", "graphviz"],
     "nnviz: error: the volume style is laid out by nnviz, not graphviz (--engine must be 'matplotlib' or 'auto')"),
    (["--font", "No Such Font Family"], "nnviz: error: --font 'No Such Font Family' is not installed"),
])
def test_option_errors_name_flags(tmp_path, args, message):
    result = CliRunner().invoke(cli, ["draw", DEEPNN, *args, "-o", str(tmp_path / "x.svg")])
    assert result.exit_code == 2
    assert result.output.startswith(message), result.output
    assert "max_neurons" not in result.output and "unknown option 'expand'" not in result.output
    assert "color_by" not in result.output and "weights=True" not in result.output
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


def test_engine_help_says_what_each_style_does_with_it(tmp_path):
    """`--engine`'s help is true for every style: checked against what each does with it."""
    import re

    from nnviz.external import have_dot

    text = " ".join(CliRunner().invoke(cli, ["draw", "--help"]).output.split())
    engine_help = re.search(r"--engine \[matplotlib\|graphviz\|auto\] (.*?) --direction", text).group(1)
    for claim in ("Block style", "graphviz", "volume style", "layer tree", "node style takes none"):
        assert claim in engine_help, (claim, engine_help)
    out = str(tmp_path / "x.png")
    node = CliRunner().invoke(cli, ["draw", DEEPNN, "--style", "node", "--engine", "auto", "-o", out])
    assert node.exit_code == 2 and "--engine is a block-style option" in node.output
    volume = CliRunner().invoke(cli, ["draw", DEEPNN, "--style", "volume", "--engine", "graphviz", "-o", out])
    assert volume.exit_code == 2 and "not graphviz" in volume.output
    volume = CliRunner().invoke(cli, ["draw", DEEPNN, "--style", "volume", "--engine", "auto", "-o", out])
    assert volume.exit_code == 0, volume.output
    tree = str(Path(DEEPNN).parent / "keras" / "subclassed_mlp.keras")
    r = CliRunner().invoke(cli, ["draw", tree, "--engine", "graphviz", "-o", out])
    assert r.exit_code == 2 and "the graphviz engine" in r.output
    r = CliRunner().invoke(cli, ["draw", tree, "--engine", "auto", "-o", out])
    assert r.exit_code == 0, r.output
    if have_dot():  # auto picks graphviz for the block style when dot is installed
        import nnviz

        assert nnviz.draw(DEEPNN, engine="auto").engine == "graphviz"
