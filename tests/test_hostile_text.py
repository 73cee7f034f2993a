"""Names, descriptions and activations from a file are text for people, never commands.

Each test builds the hostile input itself: escape sequences (clear screen, OSC 52 clipboard
writes, OSC 8 links), CR, BS, NUL and C1 controls in names; Mermaid directives; HTML ids the
page's script uses; huge titles and specs.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import pytest
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


# -- item 5: Mermaid injection -----------------------------------------------------------------

_DIRECTIVE = "%%{init: {'theme':'dark'}}%%"  # short enough not to be cut on its block


def _mermaid_lines(text: str) -> list[str]:
    return text.rstrip("\n").split("\n")


def test_mermaid_directives_in_names_and_activations_are_text(tmp_path):
    # a Keras config: specs refuse unknown activations, Keras configs keep custom ones (a name)
    spec = {"class_name": "Sequential", "config": {"name": f"m{_DIRECTIVE}", "layers": [
        {"class_name": "InputLayer", "config": {"batch_shape": [None, 3], "name": "x"}},
        {"class_name": "Dense", "config": {"units": 2, "name": "d%%x", "activation": _DIRECTIVE}},
        {"class_name": "Dense", "config": {"units": 1, "name": f"o\n%% comment{EVIL}"}}]}}
    out = tmp_path / "m.mmd"
    nnviz.draw(spec).save(out)
    text = out.read_text()
    assert "%" not in text, text  # no directive, no comment: Mermaid reads "%%" anywhere
    assert "Dense · #37;#37;{init: {'theme':'dark'}}#37;#37;" in text
    assert not CONTROL.search(text)
    # one statement per line: no label spills onto a line of its own
    lines = _mermaid_lines(text)
    assert lines[0] == "flowchart TB"
    stmt = re.compile(r'  (n\d+\["[^"\n]*"\]:::\w+|n\d+ --> n\d+|classDef \w+ .*)$')
    assert all(stmt.match(line) for line in lines[1:]), lines


def test_mermaid_label_text_turns_newlines_into_spaces_and_drops_controls():
    from nnviz.render.mermaid import _text

    assert _text("a\nb\r%%{init}%%\x1b[2J\x00\x85") == "a b #37;#37;{init}#37;#37;[2J"
    assert _text('x"<b>#') == "x#quot;#lt;b#gt;#35;"


def test_mermaid_of_ordinary_names_is_unchanged():
    from nnviz.layout.blocks import block_view
    from nnviz.layout.layered import BlockOptions
    from nnviz.render.mermaid import to_mermaid

    g = nnviz.load({"name": "tiny", "input_shape": [3], "layers": [{"type": "Dense", "units": 2}]})
    opts = BlockOptions()
    assert to_mermaid(block_view(g, opts)[0], opts) == (
        'flowchart TB\n  n0["<b>input</b><br/>InputLayer<br/>(None, 3)"]:::input\n'
        '  n1["<b>dense</b><br/>Dense<br/>(None, 2)<br/>8 params"]:::output\n  n0 --> n1\n'
        "  classDef input fill:#a8e6a3,stroke:#555555,color:#222222\n"
        "  classDef output fill:#fdae6b,stroke:#555555,color:#222222")


# -- item 7: control characters in names, in every output --------------------------------------

def _nested_evil_spec() -> dict:
    spec = _evil_spec()
    spec["layers"].insert(1, {"type": "Sequential", "name": f"inner{EVIL}\\x1b",
                              "layers": [{"type": "Dense", "units": 2, "name": f"deep{EVIL}"}]})
    return spec


def _no_controls(data: bytes, what: str) -> str:
    text = data.decode("utf-8")
    assert not CONTROL.search(text), (what, CONTROL.findall(text)[:5])
    return text


def _well_formed_xml(text: str) -> None:
    import xml.dom.minidom

    xml.dom.minidom.parseString(text.encode("utf-8"))


def test_control_characters_are_escaped_in_matplotlib_outputs():
    spec = _nested_evil_spec()
    for style in ("block", "volume", "node"):
        d = nnviz.draw(_evil_spec() if style == "node" else spec, style=style,
                       **({"expand": ("all",)} if style != "node" else {}))
        svg = _no_controls(d.to_bytes("svg"), style)
        _well_formed_xml(svg)
        # the whole name, escaped (a block's id); a volume's label shows it cut after 40 characters
        assert ("dense\\x1b]52;c;aGk=" if style == "volume" else "dense\\x1b]52;c;aGk=\\x07") in svg
        # what the PNG shows: every text of the scene, escaped
        texts = [lb.text for lb in d.scene.labels] + [t for b in d.scene.boxes for t in b.lines]
        assert not any(CONTROL.search(t) for t in texts), texts
    assert "inner\\x1b]52" in svg or "inner" not in svg


def test_control_characters_are_escaped_in_dot_mermaid_and_html(tmp_path):
    d = nnviz.draw(_nested_evil_spec(), expand=("all",))
    for suffix in ("dot", "mmd", "html"):
        out = tmp_path / f"x.{suffix}"
        d.save(out)
        text = _no_controls(out.read_bytes(), suffix)
        assert "dense\\x1b]52;c;aGk=" in text, suffix


def test_html_page_of_control_characters_is_well_formed_svg(tmp_path):
    from nnviz.render.svg import scene_to_svg

    d = nnviz.draw(_nested_evil_spec(), expand=("all",))
    svg = scene_to_svg(d.scene)
    _well_formed_xml(_no_controls(svg.encode(), "svg.py"))
    # the panel's data is keyed by what the blocks' data-layer attributes say
    from nnviz.render.html import to_html

    html_text = to_html(d)
    data = json.loads(re.search(r'id="nnviz-data">(.*?)</script>', html_text, re.S).group(1))
    attrs = {m.replace("&#x27;", "'") for m in re.findall(r'data-layer="([^"]*)"', html_text)}
    import html as _html

    layers = {_html.unescape(a) for a in attrs}
    assert layers and layers <= set(data["layers"]), (layers - set(data["layers"]))


@pytest.mark.needs_dot
def test_graphviz_engine_draws_control_characters_and_backslashes(tmp_path):
    spec = _nested_evil_spec()
    spec["layers"].append({"type": "Dense", "units": 1, "name": "back\\\\slash\\\\x1b\"q"})
    spec["layers"].append({"type": "Dense", "units": 1, "name": "%lead"})  # dot's anonymous names start with %
    d = nnviz.draw(spec, engine="graphviz", expand=("all",))
    svg = _no_controls(d.to_bytes("svg"), "graphviz svg")
    _well_formed_xml(svg)
    assert "dense\\x1b]52;c;aGk=\\x07" in svg
    assert d.to_bytes("png").startswith(b"\x89PNG")
    # dot's layout read back: every block found again, names with backslashes and escapes too
    assert {b.id for b in d.scene.boxes} == set(d.view.blocks)
    assert len(d.scene.clusters) == len(d.view.clusters)


def test_dollar_signs_in_names_are_not_mathtext():
    spec = {"name": "m$\\frac{$x", "input_shape": [3],
            "layers": [{"type": "Dense", "units": 2, "name": "a$\\undefinedcmd{$b"}]}
    for style in ("block", "node", "volume"):
        svg = nnviz.draw(spec, style=style).to_bytes("svg").decode()
        assert "a$\\undefinedcmd{$b" in svg


def _cut_depth(page: str) -> int:
    data = json.loads(re.search(r'id="nnviz-data">(.*?)</script>', page, re.S).group(1))
    cut = data["layers"]["dense"]["config"]["kernel_initializer"]
    depth = 0
    while isinstance(cut, dict):
        cut, depth = cut["a"], depth + 1
    assert cut == "…"
    return depth


def test_html_of_a_config_nested_980_deep(tmp_path):
    from nnviz.readers.keras_config import MAX_NESTING
    from nnviz.render.html import to_html

    # a file: as deep as the readers take (their own limit, 500 levels), then drawn as HTML
    n = MAX_NESTING - 5
    src = tmp_path / "deep.json"
    src.write_text('{"name": "deep", "input_shape": [3], "layers": [{"type": "Dense", "units": 2, '
                   '"kernel_initializer": ' + '{"a": ' * n + "1" + "}" * n + "}]}")
    out = tmp_path / "deep.html"
    r = CliRunner().invoke(cli, ["draw", str(src), "-o", str(out)])
    assert r.exit_code == 0, r.output
    assert 16 <= _cut_depth(out.read_text()) <= 64
    # a dict from Python, 980 deep (no file limit applies): json.dumps would run out of stack
    deep: object = 1
    for _ in range(980):
        deep = {"a": deep}
    spec = {"name": "deep", "input_shape": [3],
            "layers": [{"type": "Dense", "units": 2, "kernel_initializer": deep}]}
    assert 16 <= _cut_depth(to_html(nnviz.draw(spec))) <= 64


# -- item 8: DOM clobbering in the HTML view ---------------------------------------------------

_PAGE_IDS = ("nnviz-data", "panel-body", "panel", "canvas", "search", "hits", "fit", "toggle", "summary",
             "view-default", "view-expanded", "open-nested", "totals", "nnviz-arrow")


def _clobbering_spec() -> dict:
    layers = [{"type": "Dense", "units": 2, "name": name} for name in _PAGE_IDS]
    return {"name": "clobber", "input_shape": [3],
            "layers": [*layers, {"type": "Sequential", "name": "sub",  # so that the page has its expanded view
                                 "layers": [{"type": "Dense", "units": 2, "name": "cluster-sub"}]}]}


def test_block_ids_never_take_the_page_s_ids():
    from nnviz.render.html import to_html

    text = to_html(nnviz.draw(_clobbering_spec()))
    ids = re.findall(r'\bid="([^"]*)"', text)
    for page_id in _PAGE_IDS:
        assert ids.count(page_id) <= 1, page_id  # only the page's own element
    assert 'id="nnviz-block-panel-body"' in text and 'data-layer="panel-body"' in text


@pytest.mark.needs_browser
def test_page_with_clobbering_names_works_in_the_browser(tmp_path):
    playwright = pytest.importorskip("playwright.sync_api")
    out = tmp_path / "clobber.html"
    nnviz.draw(_clobbering_spec()).save(out)
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium",
                                    args=["--no-sandbox", "--disable-gpu", "--no-first-run"])
        try:
            page = browser.new_page()
            errors: list[str] = []
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.goto(out.resolve().as_uri())
            page.locator('.view.active [data-layer="panel-body"]').click()
            params = nnviz.load(_clobbering_spec()).layer("panel-body").params
            assert page.text_content("#panel .v-params") == f"{params:,}"
            page.fill("#search", "nnviz-data")
            page.press("#search", "Enter")
            assert page.text_content("#hits") == "1 match"
            assert errors == []
        finally:
            browser.close()


# -- item 6: unbounded titles ----------------------------------------------------------------

def test_huge_names_are_cut_like_block_lines():
    from nnviz.layout.blocktext import MAX_TITLE

    long = 300_000
    spec = {"name": "N" * long, "input_shape": [3],
            "layers": [{"type": "Dense", "units": 2, "name": "L" * long},
                       {"type": "Sequential", "name": "S" * long,
                        "layers": [{"type": "Dense", "units": 2, "name": "I" * long}]}]}
    for style, opts in (("block", {"expand": ("all",)}), ("block", {}), ("volume", {"expand": ("all",)}),
                        ("node", {})):
        if style == "node":
            spec = {**spec, "layers": spec["layers"][:1]}
        scene = nnviz.draw(spec, style=style, **opts).scene
        texts = [lb.text for lb in scene.labels] + [t for b in scene.boxes for t in b.lines]
        assert max(len(t) for t in texts) <= MAX_TITLE + 20, (style, sorted(len(t) for t in texts)[-3:])
        assert len(scene.title) <= MAX_TITLE + 20 and "…" in scene.title


# -- item 6: the documented layer limit in every reader, checked before anything is built ----------

def _too_many(form: str, tmp_path: Path) -> Path:
    from nnviz.readers.keras_config import MAX_LAYERS

    n = MAX_LAYERS + 1
    if form == "spec":
        path = tmp_path / "big.json"
        path.write_text(json.dumps({"input_shape": [3], "layers": [{"type": "Dropout", "rate": 0.1}] * n}))
        return path
    # a Keras config whose only nested model holds the layers: nested ones count too
    inner = {"class_name": "Sequential", "config": {"name": "inner", "layers": [
        {"class_name": "Dropout", "config": {"rate": 0.1}}] * n}}
    config = {"class_name": "Sequential", "config": {"name": "outer", "layers": [inner]}}
    text = json.dumps(config)
    if form == "config":
        path = tmp_path / "big_config.json"
        path.write_text(text)
    elif form == "h5":
        from h5files import write_h5_model

        path = tmp_path / "big.h5"
        write_h5_model(path, text, {})
    elif form == "keras":
        import zipfile

        path = tmp_path / "big.keras"
        with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as zf:  # repetitive: deflated it looks a bomb
            zf.writestr("config.json", text)
            zf.writestr("metadata.json", '{"keras_version": "3.5.0"}')
    else:
        from nnviz.readers.savedmodel import varint_bytes

        def field(number: int, payload: bytes) -> bytes:
            return varint_bytes(number << 3 | 2) + varint_bytes(len(payload)) + payload

        path = tmp_path / "big_savedmodel"
        path.mkdir()
        node = field(3, b"root") + field(4, b"_tf_keras_sequential") + field(5, text.encode())
        (path / "saved_model.pb").write_bytes(b"")
        (path / "keras_metadata.pb").write_bytes(field(1, node))
    return path


@pytest.mark.parametrize("form", ["spec", "config", "h5", "keras", "savedmodel"])
@pytest.mark.slow
def test_more_layers_than_the_limit_are_refused_before_building(form, tmp_path, monkeypatch):
    from nnviz.readers import keras_config, spec

    path = _too_many(form, tmp_path)

    def no_build(*args, **kwargs):
        raise AssertionError("built a model of more layers than the limit")

    monkeypatch.setattr(spec, "_build", no_build)
    monkeypatch.setattr(keras_config._Builder, "model", no_build)
    monkeypatch.setenv("NNVIZ_ISOLATE", "0")  # the h5 read in-process, where the patch holds
    with pytest.raises(nnviz.ReadError, match="more than 200,000 layers"):
        nnviz.load(path)
    r = CliRunner().invoke(cli, ["summary", str(path)])
    assert r.exit_code == 2 and "more than 200,000 layers" in r.output


def test_live_models_count_their_config_too(monkeypatch):
    from nnviz.readers import keras_config

    calls = []
    real = keras_config.check_layer_count
    monkeypatch.setattr(keras_config, "check_layer_count", lambda c, **k: calls.append(1) or real(c, **k))
    nnviz.load({"class_name": "Sequential", "config": {"layers": [
        {"class_name": "InputLayer", "config": {"batch_shape": [None, 3], "name": "x"}},
        {"class_name": "Dense", "config": {"units": 2, "name": "d"}}]}})
    assert calls  # read_model_config, which live models go through (model.get_config()), counts first


# -- the fuzzer's names mode -----------------------------------------------------------------

def test_fuzzer_names_mode_runs_clean():
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tools"))
    import fuzz_files

    report = fuzz_files.fuzz(8, seed=3, names=True, time_limit=120.0)
    assert report.cases == 8 and report.cases - report.read_errors >= 4  # most hostile names read
    assert report.bugs == [], [(b.signature, b.error) for b in report.bugs]


def test_fuzzer_names_mode_catches_a_raw_name(monkeypatch):
    """The check is not vacuous: with the escaping undone in the summary, it reports a bug."""
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tools"))
    import fuzz_files

    import nnviz.summary

    monkeypatch.setattr(nnviz.summary, "printable", lambda text: str(text))
    spec = Path(fuzz_files.tempfile.mkdtemp()) / "s.json"
    spec.write_text(json.dumps(_evil_spec()))
    with pytest.raises(AssertionError, match="summary: control characters"):
        fuzz_files.check_name_outputs(spec)


def test_diff_lines_show_control_characters_escaped(tmp_path):
    a = _write(tmp_path / "a.json", _evil_spec())
    changed = _evil_spec()
    changed["layers"][0]["units"] = 3
    b = _write(tmp_path / "b.json", changed)
    r = CliRunner().invoke(cli, ["diff", str(a), str(b)])
    assert "dense\\x1b]52" in r.output and not CONTROL.search(r.output), repr(r.output)


@pytest.mark.slow
def test_h5_layer_limit_is_checked_before_the_weight_shapes_are_read(tmp_path, monkeypatch):
    """A .h5 of a million layers with weights took 46 s before refusal: every weight group was walked first."""
    from h5files import write_h5_model

    from nnviz.readers import h5
    from nnviz.readers.keras_config import MAX_LAYERS

    config = {"class_name": "Sequential", "config": {"name": "big", "layers": [
        {"class_name": "Dense", "config": {"units": 1}}] * (MAX_LAYERS + 1)}}
    path = tmp_path / "big.h5"
    write_h5_model(path, config, {f"dense_{i}": {f"dense_{i}/kernel:0": (1, 1)} for i in range(3)})

    def walked(*args, **kwargs):
        raise AssertionError("the weight shapes were read before the layer limit was checked")

    monkeypatch.setattr(h5, "_stored_shapes", walked)
    monkeypatch.setenv("NNVIZ_ISOLATE", "0")  # the read in-process, where the patch holds
    with pytest.raises(nnviz.ReadError, match="more than 200,000 layers"):
        nnviz.load(path)


# bidi overrides and isolates reorder what a reader sees ("Trojan Source"): escaped like controls
BIDI = re.compile("[\u202a-\u202e\u2066-\u2069]")


def test_bidi_overrides_in_names_are_escaped_in_every_text_output(tmp_path):
    from nnviz.text import display, has_control, printable

    for ch in "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069":
        assert printable(f"a{ch}b") == f"a\\u{ord(ch):04x}b" and has_control(ch)
    assert display("x\u202ey", 20) == "x\\u202ey" and not BIDI.search(display("x\u202e" * 40, 12))
    assert printable("r\u00e9sum\u00e9 \u05e9\u05dc\u05d5\u05dd") == "r\u00e9sum\u00e9 \u05e9\u05dc\u05d5\u05dd"  # letters stay
    spec = {"name": "m\u2066odel", "input_shape": [3], "layers": [
        {"type": "Dense", "units": 2, "name": "head\u202egnp.exe", "activation": "relu"},
        {"type": "Dense", "units": 1, "name": "out\u2067"}]}
    src = _write(tmp_path / "bidi.json", spec)
    r = CliRunner().invoke(cli, ["summary", str(src)])
    assert r.exit_code == 0 and not BIDI.search(r.output) and "head\\u202egnp.exe" in r.output
    d = nnviz.draw(src)
    for suffix in ("svg", "dot", "mmd", "html"):
        out = tmp_path / f"x.{suffix}"
        d.save(out)
        text = out.read_text(encoding="utf-8")
        if suffix != "html":  # the page's JSON data keeps exact names (\u escapes of JSON)
            assert not BIDI.search(text), suffix
        assert "head\\u202egnp.exe" in text, suffix
    texts = [lb.text for lb in d.scene.labels] + [t for b in d.scene.boxes for t in b.lines]
    assert not any(BIDI.search(t) for t in texts), texts
    other = _write(tmp_path / "other.json", {**spec, "layers": [spec["layers"][0]]})
    r = CliRunner().invoke(cli, ["diff", str(src), str(other)])
    assert r.exit_code == 0 and not BIDI.search(r.output)
