"""TikZ output (render/tikz.py): compiles with pdflatex as it is, looks like the other outputs, text as text.

The look is checked as the SVG writer's is (test_svgfile.py): the compiled PDF rasterised by
poppler's pdftoppm and the matplotlib PNG of the same scene, averaged over 4 × 4 pixel cells, agree
within a tolerance that the same picture shifted by 3 points, or one without its text, exceeds.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

import nnviz
from nnviz.cli import cli
from nnviz.errors import OptionError
from nnviz.render.tikz import scene_tikz, tex_escape

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"
sys.path.insert(0, str(Path(__file__).parent))
from test_node import MNIST, fixed_weights, mlp  # noqa: E402
from test_svgfile import _difference, _frozen, _pixels, _transformer  # noqa: E402

DPI = 96
LM = Path("/usr/share/texmf/fonts/opentype/public/lm")


def _tree() -> "nnviz.LayerGraph":
    from nnviz.readers.tree import tree_graph

    layer = lambda k: {"key": k, "name": k, "vars": {"0": (4, 2), "1": (2,)}, "children": []}  # noqa: E731
    return tree_graph({"key": "", "name": "m", "vars": {}, "children": [
        {"key": "layers", "name": None, "vars": None, "children": [layer("dense"), layer("dense_1")]}]},
        source="m.h5")


CASES = {
    "lenet5 block": lambda: nnviz.draw(EXAMPLES / "lenet5.json"),
    "residual block paper": lambda: nnviz.draw(EXAMPLES / "residual_block.json", theme="paper"),
    "vgg at a column's width": lambda: nnviz.draw(EXAMPLES / "vgg.json", width="ieee-column", theme="paper"),
    "repeats and clusters": lambda: nnviz.draw(_transformer(8)),
    "frozen, LR, colorblind": lambda: nnviz.draw(_frozen(), direction="LR", theme="colorblind"),
    "layer tree": lambda: nnviz.draw(_tree()),
    "deepnn node": lambda: nnviz.draw(EXAMPLES / "deepnn.json", style="node"),
    "mnist node TB dark": lambda: nnviz.draw(MNIST, style="node", direction="TB", description=True, theme="dark"),
    "weights node": lambda: nnviz.draw(fixed_weights(nnviz.load(mlp(5, 12, 4, name="w", dropout=0.2)))[0],
                                       style="node", weights=True),
    "named features, rotated": lambda: nnviz.draw(mlp(4, 6, 3), style="node", direction="TB",
                                                  feature_names=["sepal length", "sepal width", "petal_length",
                                                                 "petal width"]),
    "vgg volume, kernels": lambda: nnviz.draw(EXAMPLES / "vgg.json", style="volume", kernels=True),
    "resnet50 volume paper": lambda: nnviz.draw(EXAMPLES / "keras" / "resnet50.json", style="volume", theme="paper"),
}


def _compile(tex: Path) -> Path:
    r = subprocess.run(["pdflatex", "-interaction=nonstopmode", "-halt-on-error", "-no-shell-escape", tex.name],
                       cwd=tex.parent, capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stdout[-3000:]
    log = tex.with_suffix(".log").read_text(errors="replace")
    assert "Missing character" not in log and "Overfull" not in log, log[-3000:]
    return tex.with_suffix(".pdf")


def _raster(pdf: Path, dpi: int = DPI) -> np.ndarray:
    out = pdf.with_suffix("")
    subprocess.run(["pdftoppm", "-png", "-r", str(dpi), "-singlefile", pdf.name, out.name], cwd=pdf.parent,
                   check=True, timeout=120)
    return _pixels(out.with_suffix(".png").read_bytes())


def _page_size(pdf: Path) -> tuple[float, float]:
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    size = re.search(r"Page size:\s*([\d.]+) x ([\d.]+) pts", info)
    assert size, info
    return float(size[1]), float(size[2])


def _mute(tex: Path) -> Path:
    """The picture without its text (and the badges and backings that go with text)."""
    mute = tex.with_name("mute.tex")
    mute.write_text(re.sub(r"^(\\node\[font=|.*rounded corners|.*fill opacity=0\.7).*$", "", tex.read_text(),
                           flags=re.M))
    return mute


def _ink(full: np.ndarray, bare: np.ndarray, k: int = 8) -> np.ndarray:
    """Where text is: how much the picture with text differs from it without, over k × k cells."""
    g = np.abs(full - bare).mean(axis=2)
    h, w = g.shape[0] // k * k, g.shape[1] // k * k
    return g[:h, :w].reshape(h // k, k, w // k, k).mean(axis=(1, 3))


@pytest.mark.needs_latex
@pytest.mark.parametrize("case", list(CASES))
def test_tikz_compiles_and_looks_like_the_matplotlib_png(tmp_path, case):
    """Shapes match matplotlib's closely; text (another font) lies where matplotlib's does."""
    import matplotlib.text

    d = CASES[case]()
    tex = d.save(tmp_path / "fig.tex")
    pdf = _compile(tex)
    w, h = _page_size(pdf)  # the page is the scene, in points
    assert abs(w - d.scene.width) < 0.1 and abs(h - d.scene.height) < 0.1, (w, h, d.scene.width, d.scene.height)
    full_t, bare_t = _raster(pdf), _raster(_compile(_mute(tex)))
    full_m = _pixels(d.to_bytes("png", dpi=DPI))
    for text in d.figure.findobj(matplotlib.text.Text):
        text.set_visible(False)
    bare_m = _pixels(d.to_bytes("png", dpi=DPI))
    pictures = (full_t, bare_t, full_m, bare_m)
    assert max(p.shape[0] for p in pictures) - min(p.shape[0] for p in pictures) <= 1
    rows, cols = min(p.shape[0] for p in pictures), min(p.shape[1] for p in pictures)
    full_t, bare_t, full_m, bare_m = (p[:rows, :cols] for p in pictures)
    mean, off = _difference(bare_m, bare_t)  # boxes, lines, neurons, links: nearly the same pixels
    assert mean < 2.5 and off < 0.01, (case, mean, off)
    shift = round(3 * DPI / 72)  # which the same shapes shifted by 3 points are not
    moved = np.full_like(bare_t, 255.0)
    moved[shift:, shift:] = bare_t[:-shift, :-shift]
    mean, off = _difference(bare_m, moved)
    assert mean > 2.5 or off > 0.01, (case, mean, off)
    ink_t, ink_m = _ink(full_t, bare_t), _ink(full_m, bare_m)
    assert ink_t.mean() > 0.2 * ink_m.mean()  # text is drawn...
    assert np.corrcoef(ink_t.ravel(), ink_m.ravel())[0, 1] > 0.75, case  # ...where matplotlib draws it
    assert np.corrcoef(np.roll(ink_t, 1, axis=0).ravel(), ink_m.ravel())[0, 1] < 0.6  # (8 px lower is not)
    mean, off = _difference(full_m, full_t)  # and the whole picture, text and all, stays close
    assert mean < 6.0 and off < 0.03, (case, mean, off)


@pytest.mark.needs_latex
def test_snippet_pastes_into_a_paper(tmp_path):
    """The bare tikzpicture compiles inside an article that loads only tikz (and patterns for patterned themes)."""
    body = []
    for i, (style, theme) in enumerate((("block", "paper"), ("node", "default"), ("block", "colorblind"))):
        d = nnviz.draw(EXAMPLES / "lenet5.json", style=style, theme=theme)
        snippet = d.save(tmp_path / f"fig{i}.tex", tex_snippet=True).read_text()
        assert snippet.startswith("% LeNet-5") and "drawn by nnviz; needs \\usepackage{tikz}" in snippet.split("\n")[0]
        assert snippet.split("\n", 1)[1].startswith("\\begin{tikzpicture}") and "\\documentclass" not in snippet
        assert snippet.rstrip().endswith("\\end{tikzpicture}")
        body.append(f"\\begin{{figure}}\\resizebox{{\\linewidth}}{{!}}{{\\input{{fig{i}.tex}}}}"
                    f"\\caption{{LeNet-5}}\\end{{figure}}")
    paper = tmp_path / "paper.tex"
    paper.write_text("\\documentclass{article}\n\\usepackage{tikz}\n\\usetikzlibrary{patterns.meta}\n"
                     "\\begin{document}\nText.\n" + "\n".join(body) + "\n\\end{document}\n")
    assert _compile(paper).stat().st_size > 1000


HOSTILE = ["\\input{/etc/hostname}", "50% & #1 $x$ ^_~", "{unbalanced", "a--b,,c<<d>>``e''", "tab\there",
           "emoji 🤖 ∑ 中文", "crème_brûlée", "\\\\", "\\csname relax\\endcsname"]


def test_escape_leaves_no_tex_command_from_a_file():
    for text in HOSTILE:
        escaped = tex_escape(text)
        # every backslash starts one of the writer's own macros, never one from the text
        for macro in re.findall(r"\\([A-Za-z]+|.)", escaped):
            assert macro in {"textbackslash", "{", "}", "$", "&", "#", "_", "%", "textasciicircum",
                             "textasciitilde", "textless", "textgreater", "textquotesingle", "textasciigrave",
                             "textquotedbl", "textbar"}, (text, macro, escaped)
        assert escaped.count("{") - escaped.count("\\{") == escaped.count("}") - escaped.count("\\}")
    assert tex_escape("a--b") == "a-{}-b" and tex_escape("x\ty") == "x\\textbackslash{}x09y"
    assert tex_escape("🤖") == "[U+1F916]"


@pytest.mark.needs_latex
def test_hostile_names_compile_as_their_text(tmp_path):
    spec = {"name": "x\\input{/etc/hostname}", "input_shape": [3],
            "layers": [{"type": "Dense", "units": 2, "name": name} for name in HOSTILE]}
    for style in ("block", "node"):
        d = nnviz.draw(spec, style=style)
        pdf = _compile(d.save(tmp_path / f"{style}.tex"))
        text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
        assert "/etc/hostname" in text and "50% & #1 $x$" in text, text  # printed, not run
        assert "(/etc/hostname" not in tmp_path.joinpath(f"{style}.log").read_text(errors="replace")  # never opened


def test_colours_are_defined_once_by_name_and_all_used_ones_are_defined():
    d = nnviz.draw(EXAMPLES / "lenet5.json")
    tex = scene_tikz(d.scene, d.options.theme, snippet=True)
    defined = re.findall(r"\\definecolor\{(\w+)\}\{HTML\}\{([0-9A-F]{6})\}", tex)
    names = [n for n, _ in defined]
    assert len(names) == len(set(names)) and {"nnvizConvolution", "nnvizEdge", "nnvizText"} <= set(names)
    assert dict(defined)["nnvizConvolution"] == d.options.theme.color("convolution").lstrip("#").upper()
    used = set(re.findall(r"(?:fill|draw|text|color)=(nnviz\w+)", tex))
    assert used <= set(names), used - set(names)
    assert "#" not in tex.replace("\\#", "")  # no colour written inline


def test_text_stays_latex_text_and_output_is_deterministic():
    a = nnviz.draw(EXAMPLES / "lenet5.json").to_bytes("svg")
    d = nnviz.draw(EXAMPLES / "lenet5.json")
    tex = scene_tikz(d.scene, d.options.theme)
    assert tex == scene_tikz(nnviz.draw(EXAMPLES / "lenet5.json").scene, d.options.theme) and a
    assert "{C1};" in tex and "{Conv2D $\\cdot$ tanh};" in tex
    assert tex.count("\\node[") == sum(len(b.lines) for b in d.scene.boxes) + len(d.scene.labels)
    node = nnviz.draw(EXAMPLES / "deepnn.json", style="node")
    ntex = scene_tikz(node.scene, node.options.theme)
    assert "{$X_{1}$};" in ntex  # neuron labels are LaTeX maths
    assert ntex.count("circle[radius=") == len(node.scene.neurons) + len(node.scene.legend)


def _lm(size: float, bold: bool) -> Path:
    """The Latin Modern design size LaTeX's lmodern picks for ``size`` (its .fd file's ranges)."""
    design = next(d for lo, d in ((15, 17), (11, 12), (9.5, 10), (8.5, 9), (7.5, 8), (6.5, 7), (5.5, 6), (0, 5))
                  if size >= lo)
    if bold:
        design = min(design, 12) if design > 5 else 5
        design = design if design in (5, 6, 7, 8, 9, 10, 12) else 10
    return LM / f"lmroman{design}-{'bold' if bold else 'regular'}.otf"


def _width(font: Path, text: str, size: float) -> float:
    from fontTools.ttLib import TTFont

    f = TTFont(str(font))
    cmap, hmtx, upm = f.getBestCmap(), f["hmtx"], f["head"].unitsPerEm
    return sum(hmtx[cmap.get(ord(c), ".notdef")][0] for c in text) * size / upm


@pytest.mark.skipif(not LM.is_dir(), reason="needs the Latin Modern fonts (apt-get install fonts-lmodern)")
@pytest.mark.parametrize("example", ["lenet5", "vgg", "residual_block", "transformer_encoder", "seq2seq"])
def test_block_text_set_in_latin_modern_stays_inside_its_block(example):
    """Blocks are sized from DejaVu Sans, which is wider than Latin Modern, roman or bold, at every size."""
    d = nnviz.draw(EXAMPLES / f"{example}.json")
    for b in d.scene.boxes:
        for i, line in enumerate(b.lines):
            escaped = tex_escape(line)
            if "\\" in escaped or "$" in escaped:
                line = line.replace("·", ".").replace("×", "x")  # drawn by maths or textcomp glyphs of that size
            w = _width(_lm(b.font_size, bold=i == 0), line, b.font_size)
            assert w <= b.w - 0.5 * b.font_size, (example, b.id, line, w, b.w)


@pytest.mark.needs_dot
@pytest.mark.needs_latex
def test_the_graphviz_engines_layout_is_drawn_too(tmp_path):
    d = nnviz.draw(EXAMPLES / "residual_block.json", engine="graphviz")
    tex = d.save(tmp_path / "g.tex").read_text()
    assert tex.count("\\node[") == sum(len(b.lines) for b in d.scene.boxes) + len(d.scene.labels)
    _compile(tmp_path / "g.tex")


def test_a_snippet_of_another_format_is_a_one_line_error(tmp_path):
    with pytest.raises(OptionError, match="tex_snippet writes a .tex file"):
        nnviz.draw(EXAMPLES / "lenet5.json").save(tmp_path / "x.svg", tex_snippet=True)
    runner = CliRunner()
    r = runner.invoke(cli, ["draw", str(EXAMPLES / "lenet5.json"), "-o", str(tmp_path / "x.png"), "--tex-snippet"])
    assert r.exit_code == 2 and "--tex-snippet writes a .tex file" in r.output and not (tmp_path / "x.png").exists()


def test_cli_writes_a_document_or_a_snippet(tmp_path):
    runner = CliRunner()
    for args, head in (([], "\\documentclass"), (["--tex-snippet"], "% LeNet-5, drawn by nnviz")):
        out = tmp_path / f"f{len(args)}.tex"
        r = runner.invoke(cli, ["draw", str(EXAMPLES / "lenet5.json"), "-o", str(out), *args])
        assert r.exit_code == 0, r.output
        assert out.read_text().startswith(head)


@pytest.mark.needs_latex
def test_density_images_go_beside_the_tex_file(tmp_path):
    d = nnviz.draw(mlp(784, 512, 256, 10), style="node", max_neurons=1000)
    assert any(s.dense for s in d.scene.links)
    tex = d.save(tmp_path / "big.tex")
    assert (tmp_path / "big-density-1.png").is_file() and "\\includegraphics" in tex.read_text()
    _compile(tex)
    with pytest.raises(OptionError, match="write it to a .tex file"):
        scene_tikz(d.scene, d.options.theme)


@pytest.mark.needs_latex
def test_polygons_are_drawn_in_order_with_their_shade(tmp_path):
    """The volume style's faces: xcolor's mix (``nnvizConvolution!70``) gives Theme.shaded's colour."""
    from nnviz.render.theme import Theme
    from nnviz.scene import Polygon, Scene

    theme = Theme()
    faces = [Polygon(((10, 10), (40, 10), (40, 40), (10, 40)), "convolution", shade=0.0),
             Polygon(((10, 10), (20, 0), (50, 0), (40, 10)), "convolution", shade=0.3),
             Polygon(((40, 10), (50, 0), (50, 30), (40, 40)), "convolution", shade=-0.25),
             Polygon(((0, 30), (10, 30), (10, 50), (0, 50)), "dense", alpha=0.5, line_width=0.0),
             Polygon(((0, 0), (5, 0), (5, 5)), None, line_width=0.0, role="kernel")]
    tex = scene_tikz(Scene(60, 50, polygons=faces), theme)
    assert "fill=nnvizConvolution!70]" not in tex and "fill=nnvizConvolution!70, " in tex
    assert "fill=nnvizConvolution!75!black" in tex and tex.count("-- cycle;") == 4  # nothing for the empty one
    (tmp_path / "p.tex").write_text(tex)
    px = _raster(_compile(tmp_path / "p.tex"), dpi=72)

    def rgb(x: int, y: int) -> str:
        return "#" + "".join(f"{int(v):02x}" for v in px[y, x])

    def near(a: str, b: str) -> bool:
        return all(abs(int(a[i:i + 2], 16) - int(b[i:i + 2], 16)) <= 3 for i in (1, 3, 5))

    assert near(rgb(25, 25), theme.shaded("convolution", 0.0))
    assert near(rgb(30, 5), theme.shaded("convolution", 0.3))
    assert near(rgb(46, 20), theme.shaded("convolution", -0.25))
    half = "#" + "".join(f"{(int(theme.color('dense')[i:i + 2], 16) + 255) // 2:02x}" for i in (1, 3, 5))
    assert near(rgb(4, 44), half)  # half opaque over the white page


@pytest.mark.needs_latex
def test_a_diffs_scene_draws_its_one_sided_links_dashed(tmp_path):
    """Any Scene: a diff's (coloured by status, links in one model only dashed in their own colour)."""
    sys.path.insert(0, str(ROOT / "tests"))
    from test_diff import _finetune_pair

    from nnviz.modeldiff import diff
    from nnviz.layout.diff import diff_scene
    from nnviz.scene import ONE_SIDED_EDGES

    scene, opts, _ = diff_scene(diff(*_finetune_pair()))
    kinds = {e.kind for e in scene.edges}
    assert kinds & set(ONE_SIDED_EDGES)
    tex = scene_tikz(scene, opts.theme)
    dashed = tex.count("\\draw[dash pattern=")
    assert dashed == sum(1 for e in scene.edges if e.kind in ONE_SIDED_EDGES)
    assert tex.count("\\draw[nnvizEdgeOnly") == sum(1 for lb in scene.labels if lb.role.startswith("legend:edge:"))
    (tmp_path / "d.tex").write_text(tex)
    _compile(tmp_path / "d.tex")
