"""font= / --font: any installed family, text measured from its font file, in every output."""

import os
import re
import subprocess
import sys

import pytest
from PIL import ImageFont

import nnviz
from nnviz.errors import OptionError
from nnviz.layout.metrics import find_font, measuring, text_size

SPEC = "examples/alexnet.json"
SERIF = "DejaVu Serif"


def _cli(*args):
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path))
    return subprocess.run([sys.executable, "-m", "nnviz.cli", *args], capture_output=True, text=True, env=env)


def _boxes(diagram):
    return {b.id: b for b in diagram.scene.boxes}


def test_serif_blocks_follow_the_serif_widths_and_hold_their_text():
    sans = _boxes(nnviz.draw(SPEC))
    serif_diagram = nnviz.draw(SPEC, font=SERIF)
    serif = _boxes(serif_diagram)
    assert serif_diagram.options.theme.font == SERIF
    assert sans.keys() == serif.keys()
    assert any(abs(serif[k].w - sans[k].w) > 1.0 for k in sans)  # the widths changed with the font
    path = find_font(SERIF)[1]
    assert path.lower().endswith(".ttf") and "serif" in path.lower()
    regular = ImageFont.truetype(path, 1000)
    for b in serif.values():  # every line, measured in the serif font file itself, fits its box
        for i, line in enumerate(b.lines):
            width = regular.getlength(line) / 1000 * b.font_size * (1.1 if i == 0 else 1.0)
            assert width <= b.w, (b.id, line, width, b.w)
        # and the width grows with the serif text, not the sans table
        widest = max(regular.getlength(line) for line in b.lines) / 1000 * b.font_size
        assert b.w >= widest


def test_measuring_reads_the_font_file_only_inside_the_block():
    table = text_size("MaxPooling2D", 10)[0]
    with measuring(SERIF):
        real = text_size("MaxPooling2D", 10)[0]
    assert text_size("MaxPooling2D", 10)[0] == table
    expected = ImageFont.truetype(find_font(SERIF)[1], 1000).getlength("MaxPooling2D") / 100 * 1.1
    assert real == pytest.approx(expected, rel=1e-6)
    assert real != pytest.approx(table, rel=1e-3)


def test_svg_names_the_family_and_png_draws(tmp_path):
    svg = nnviz.draw(SPEC, font=SERIF).to_bytes("svg").decode()
    assert re.search(r'font-family="DejaVu Serif, sans-serif"', svg)
    assert 'font-family="DejaVu Sans' not in svg
    out = tmp_path / "serif.png"
    nnviz.draw(SPEC, font=SERIF).save(out)
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_node_style_takes_the_font_too():
    diagram = nnviz.draw("examples/iris.json", style="node", font=SERIF)
    assert diagram.options.theme.font == SERIF
    assert "DejaVu Serif" in diagram.to_bytes("svg").decode()


def test_unknown_family_is_a_one_line_error(tmp_path):
    with pytest.raises(OptionError, match="not installed"):
        nnviz.draw(SPEC, font="No Such Family 42")
    out = tmp_path / "x.svg"
    result = _cli("draw", SPEC, "-o", str(out), "--font", "No Such Family 42")
    assert result.returncode == 2
    assert len(result.stderr.strip().splitlines()) == 1 and "No Such Family 42" in result.stderr
    assert not out.exists()


def test_cli_font_flag(tmp_path):
    out = tmp_path / "serif.svg"
    result = _cli("draw", SPEC, "-o", str(out), "--font", SERIF)
    assert result.returncode == 0, result.stderr
    assert 'font-family="DejaVu Serif' in out.read_text()


def test_a_font_on_the_svg_path_imports_no_matplotlib(tmp_path):
    """--font measures text from the font file found by fontconfig (or matplotlib's bundled
    fonts, found without importing it): writing SVG with a font still loads no matplotlib."""
    out = tmp_path / "serif.svg"
    code = ("import sys; from nnviz.cli import main\n"
            f"sys.argv = ['nnviz', 'draw', {SPEC!r}, '--font', {SERIF!r}, '-o', {str(out)!r}]\n"
            "try:\n    main()\nexcept SystemExit as e:\n    assert not e.code, e.code\n"
            "print(sorted(m for m in sys.modules if m.split('.')[0] == 'matplotlib'))\n")
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path))
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "[]"
    assert 'font-family="DejaVu Serif, sans-serif"' in out.read_text()


def test_bundled_fonts_are_found_without_fontconfig(monkeypatch):
    """Without fc-list, matplotlib's own DejaVu files are found in its mpl-data folder."""
    import shutil

    from nnviz.layout import metrics

    monkeypatch.setattr(shutil, "which", lambda name: None)
    metrics.find_font.cache_clear()
    try:
        family, path = find_font("DejaVu Sans Mono")
    finally:
        metrics.find_font.cache_clear()
    assert family == "DejaVu Sans Mono"
    assert "mpl-data" in path and path.endswith("DejaVuSansMono.ttf")


def test_font_lookups_run_once_per_process_and_keep_the_measuring_font_cached(monkeypatch):
    """register_font asks fc-list once per family, not on every drawing; looking for a family among
    matplotlib's forty bundled files reads them once, without pushing the measuring font out of
    the 16-entry cache it is read from."""
    import shutil
    import subprocess
    import types

    from PIL import ImageFont

    from nnviz.layout import metrics

    asked = []
    monkeypatch.setattr(shutil, "which", lambda name: "/usr/bin/" + name)
    monkeypatch.setattr(subprocess, "run", lambda args, **kw: asked.append(args) or types.SimpleNamespace(stdout=""))
    monkeypatch.setattr(metrics, "_matplotlib_file", lambda family: None)
    for _ in range(3):
        metrics.register_font("Nnviz Test Family Nobody Has")
    assert asked == [["fc-list", ":family=Nnviz Test Family Nobody Has", "file"]]

    measuring_font = metrics._bundled_files("DejaVu Sans")[0]
    metrics._font.cache_clear()
    metrics._font(measuring_font)
    opened = []
    truetype = ImageFont.truetype
    monkeypatch.setattr(ImageFont, "truetype", lambda *a, **kw: opened.append(a[0]) or truetype(*a, **kw))
    for _ in range(3):
        assert metrics._bundled_files("Nnviz Test Family Nobody Has") == []
    assert metrics._bundled_files("DejaVu Serif")[0].endswith("DejaVuSerif.ttf")
    metrics._font(measuring_font)
    info = metrics._font.cache_info()
    assert (info.hits, info.misses, info.currsize) == (1, 1, 1) and opened == []
