"""Names, descriptions and activations from a file are text for people, never commands.

Each test builds the hostile input itself: escape sequences (clear screen, OSC 52 clipboard
writes, OSC 8 links), CR, BS, NUL and C1 controls in names; Mermaid directives; HTML ids the
page's script uses; huge titles and specs.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from click.testing import CliRunner

import nnviz
from nnviz.cli import cli

# every C0/C1 control character and DEL but newline (the lines of a text output)
CONTROL = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f]")
EVIL = "\x1b]52;c;aGk=\x07\x1b[2J\r\x08\x00\x9b31m\x85\x7f"


def _evil_spec() -> dict:
    return {"name": f"model{EVIL}", "description": f"desc{EVIL}", "input_shape": [3],
            "layers": [{"type": "Dense", "units": 2, "name": f"dense{EVIL}", "activation": "relu"},
                       {"type": "Dense", "units": 1, "name": f"out\nput{EVIL}"}]}


def _write(path: Path, data: dict) -> Path:
    path.write_text(json.dumps(data))
    return path


# -- item 3: terminal escape injection ---------------------------------------------------------

def test_summary_shows_control_characters_escaped(tmp_path):
    src = _write(tmp_path / "evil.json", _evil_spec())
    r = CliRunner().invoke(cli, ["summary", str(src)])
    assert r.exit_code == 0, r.output
    assert not CONTROL.search(r.output), repr(r.output)
    assert "model\\x1b]52;c;aGk=\\x07\\x1b[2J\\x0d\\x08\\x00\\x9b31m\\x85\\x7f" in r.output
    assert "desc\\x1b]52" in r.output and "out\\x0aput\\x1b]52" in r.output
    # the table stays a table: every row as wide as the rule above it
    lines = r.output.splitlines()
    rule = lines[1]
    table = lines[1:next(i for i, line in enumerate(lines) if line.startswith("Total params"))]
    assert all(len(line) == len(rule) for line in table), lines


def test_summary_json_keeps_exact_names(tmp_path):
    src = _write(tmp_path / "evil.json", _evil_spec())
    r = CliRunner().invoke(cli, ["summary", str(src), "--json"])
    assert r.exit_code == 0, r.output
    assert not CONTROL.search(r.output)
    assert json.loads(r.output)["layers"][1]["name"] == f"dense{EVIL}"


def test_error_lines_show_control_characters_escaped(tmp_path):
    bad = tmp_path / f"bad{EVIL.replace(chr(0), '')}.json"  # a file name cannot hold NUL
    bad.write_text('{"layers": [{"type": "Dense"')
    r = CliRunner().invoke(cli, ["summary", str(bad)])
    assert r.exit_code == 2
    assert r.output.startswith("nnviz: error: ") and r.output.count("\n") == 1, repr(r.output)
    assert not CONTROL.search(r.output), repr(r.output)
    assert "bad\\x1b]52;c;aGk=\\x07" in r.output


def test_error_messages_escape_what_the_file_says():
    from nnviz.errors import ReadError

    err = ReadError(f"a {EVIL} layer has no name", path=f"p{EVIL}", layer=f"l{EVIL}")
    assert not CONTROL.search(str(err)) and "\n" not in str(err)
    assert "a \\x1b]52" in str(err) and str(err).startswith("p\\x1b]52")


def test_gallery_messages_show_control_characters_escaped(tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    (src / f"broken{EVIL.replace(chr(0), '')}.json").write_text('{"layers": [')
    r = CliRunner().invoke(cli, ["gallery", str(src), "-o", str(tmp_path / "out"), "--no-progress", "-j", "1"])
    assert r.exit_code == 2, r.output
    assert "broken\\x1b]52" in r.output and not CONTROL.search(r.output), repr(r.output)
