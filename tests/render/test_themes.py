"""Named themes: ``theme="paper"|"colorblind"|"dark"``, and legends that stay apart for readers who
see colours differently (simulated deuteranopia/protanopia) or print in greyscale."""

from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from nnviz import load
from nnviz.cli import cli
from nnviz.errors import OptionError
from nnviz.layout.blockheader import legend_entries
from nnviz.layout.blocks import block_view
from nnviz.layout.layered import BlockOptions
from nnviz.layout.neurons.nodeoptions import NodeOptions
from nnviz.render.theme import THEMES, Theme, resolve_theme

colorspacious = pytest.importorskip("colorspacious")  # in the test extra

EXAMPLES = sorted(Path(__file__).resolve().parents[2].joinpath("examples").glob("*.json"))


def _rgb(color: str) -> np.ndarray:
    return np.array([int(color[i:i + 2], 16) for i in (1, 3, 5)], dtype=float) / 255.0


def _lab(rgb: np.ndarray, cvd: str | None) -> np.ndarray:
    if cvd is not None:
        rgb = np.clip(colorspacious.cspace_convert(rgb, {"name": "sRGB1+CVD", "cvd_type": cvd, "severity": 100},
                                                   "sRGB1"), 0, 1)
    return colorspacious.cspace_convert(rgb, "sRGB1", "CIELab")


def _grey_lab(rgb: np.ndarray) -> np.ndarray:
    lab = colorspacious.cspace_convert(rgb, "sRGB1", "CIELab")
    return np.array([lab[0], 0.0, 0.0])  # a greyscale print keeps lightness only


def _de2000(lab1: np.ndarray, lab2: np.ndarray) -> float:
    """CIEDE2000 (Sharma, Wu & Dalal 2005)."""
    L1, a1, b1 = lab1
    L2, a2, b2 = lab2
    C1, C2 = np.hypot(a1, b1), np.hypot(a2, b2)
    Cm = (C1 + C2) / 2
    G = 0.5 * (1 - np.sqrt(Cm ** 7 / (Cm ** 7 + 25 ** 7)))
    a1p, a2p = (1 + G) * a1, (1 + G) * a2
    C1p, C2p = np.hypot(a1p, b1), np.hypot(a2p, b2)
    h1p = np.degrees(np.arctan2(b1, a1p)) % 360
    h2p = np.degrees(np.arctan2(b2, a2p)) % 360
    dLp, dCp = L2 - L1, C2p - C1p
    dh = h2p - h1p
    if C1p * C2p == 0:
        dh = 0.0
    elif dh > 180:
        dh -= 360
    elif dh < -180:
        dh += 360
    dHp = 2 * np.sqrt(C1p * C2p) * np.sin(np.radians(dh / 2))
    Lm, Cmp = (L1 + L2) / 2, (C1p + C2p) / 2
    if C1p * C2p == 0:
        hm = h1p + h2p
    elif abs(h1p - h2p) <= 180:
        hm = (h1p + h2p) / 2
    else:
        hm = (h1p + h2p + 360) / 2 if h1p + h2p < 360 else (h1p + h2p - 360) / 2
    T = (1 - 0.17 * np.cos(np.radians(hm - 30)) + 0.24 * np.cos(np.radians(2 * hm))
         + 0.32 * np.cos(np.radians(3 * hm + 6)) - 0.20 * np.cos(np.radians(4 * hm - 63)))
    dtheta = 30 * np.exp(-(((hm - 275) / 25) ** 2))
    Rc = 2 * np.sqrt(Cmp ** 7 / (Cmp ** 7 + 25 ** 7))
    Sl = 1 + 0.015 * (Lm - 50) ** 2 / np.sqrt(20 + (Lm - 50) ** 2)
    Sc, Sh = 1 + 0.045 * Cmp, 1 + 0.015 * Cmp * T
    Rt = -np.sin(np.radians(2 * dtheta)) * Rc
    return float(np.sqrt((dLp / Sl) ** 2 + (dCp / Sc) ** 2 + (dHp / Sh) ** 2 + Rt * (dCp / Sc) * (dHp / Sh)))


def test_de2000_matches_published_pairs():
    # Sharma et al. (2005), table 1: pairs 1, 7 and 17
    assert _de2000(np.array([50, 2.6772, -79.7751]), np.array([50, 0, -82.7485])) == pytest.approx(2.0425, abs=1e-4)
    assert _de2000(np.array([50, 0, 0]), np.array([50, -1, 2])) == pytest.approx(2.3669, abs=1e-4)
    assert _de2000(np.array([50, 2.5, 0]), np.array([73, 25, -18])) == pytest.approx(27.1492, abs=1e-4)


def _legends(theme: str) -> list[tuple[str, list[tuple[str, str]]]]:
    opts = BlockOptions(theme=theme)
    out = []
    for path in EXAMPLES:
        graph = load(path)
        out.append((path.name, legend_entries(block_view(graph, opts)[0], opts)))
    return out


def _min_pair(legend: list[tuple[str, str]], theme: Theme, to_lab) -> tuple[float, str]:
    """The closest two legend colours, of entries that no fill pattern tells apart."""
    colours = [(text, _rgb(theme.color(f)), theme.pattern(f)) for text, f in legend
               if f != "frozen"]  # frozen: a band, own mark
    worst = (float("inf"), "")
    for (ta, ca, pa), (tb, cb, pb) in itertools.combinations(colours, 2):
        if pa != pb:
            continue
        d = _de2000(to_lab(ca), to_lab(cb))
        worst = min(worst, (d, f"{ta} vs {tb}"))
    return worst


@pytest.mark.parametrize("cvd", ["deuteranomaly", "protanomaly"])
def test_colorblind_legends_stay_apart_under_simulated_cvd(cvd):
    theme = resolve_theme("colorblind")
    legends = _legends("colorblind")
    assert len(legends) == len(EXAMPLES) > 20
    assert max(len(legend) for _, legend in legends) >= 6  # the check has something to check
    for name, legend in legends:
        d, pair = _min_pair(legend, theme, lambda c: _lab(c, cvd))
        assert d >= 10, f"{name}: {pair} only ΔE00={d:.1f} apart for {cvd}"


def test_colorblind_uses_at_most_eight_colour_classes():
    theme = resolve_theme("colorblind")
    layer_colours = {c.upper() for f, c in theme.family_colors.items() if f != "group"}
    assert len(layer_colours) <= 8


def test_paper_legends_stay_apart_in_greyscale():
    theme = resolve_theme("paper")
    for name, legend in _legends("paper"):
        d, pair = _min_pair(legend, theme, _grey_lab)
        assert d >= 10, f"{name}: {pair} only ΔE00={d:.1f} apart in greyscale"


def test_default_legend_unchanged_shared_colours_merge_unless_a_pattern_tells_them_apart():
    graph = load(EXAMPLES[0].parent / "transformer_encoder.json")
    default = legend_entries(block_view(graph, BlockOptions())[0], BlockOptions())
    cb = legend_entries(block_view(graph, BlockOptions(theme="colorblind"))[0], BlockOptions(theme="colorblind"))
    assert ("dense", "dense") in default and ("embedding", "embedding") in default
    colorblind = resolve_theme("colorblind")  # one colour class, told apart by the embedding's dots
    assert colorblind.color("dense") == colorblind.color("embedding")
    assert (colorblind.pattern("dense"), colorblind.pattern("embedding")) == (None, "dots")
    assert ("dense", "dense") in cb and ("embedding", "embedding") in cb
    shared = Theme(family_colors={"dense": "#56B4E9", "embedding": "#56B4E9"})  # no pattern: one entry
    opts = BlockOptions(theme=shared)
    assert ("dense / embedding", "dense") in legend_entries(block_view(graph, opts)[0], opts)


@pytest.mark.parametrize("name", ["paper", "colorblind"])
def test_every_family_has_its_own_fill(name):
    """No two layer families of paper or colorblind share both colour and pattern (group: the frames)."""
    from nnviz.render.theme import FAMILIES

    theme = resolve_theme(name)
    fills = [(theme.color(f).upper(), theme.pattern(f)) for f in FAMILIES if f != "group"]
    assert len(set(fills)) == len(fills)
    assert Theme().patterns == {} and resolve_theme("dark").patterns == {}  # the others draw as before


def test_patterns_are_checked():
    with pytest.raises(OptionError, match="unknown fill pattern 'zigzag'"):
        Theme(patterns={"dense": "zigzag"})
    with pytest.raises(OptionError, match="unknown layer family 'dens'"):
        Theme(patterns={"dens": "dots"})


def test_patterns_are_drawn_around_the_text_by_every_writer():
    from matplotlib.collections import PatchCollection

    from nnviz import draw
    from nnviz.layout.blocktext import text_plates
    from nnviz.layout.metrics import text_size
    from nnviz.render.tikz import scene_tikz

    d = draw(EXAMPLES[0].parent / "transformer_encoder.json", theme="paper")
    theme, scene = d.options.theme, d.scene
    patterned = [b for b in scene.boxes if theme.pattern(b.family)]
    assert {theme.pattern(b.family) for b in patterned} >= {"dots", "hatch", "backhatch", "horizontal"}
    for b in patterned:  # a plate of the block's own colour behind every line, inside the block
        for (x, y, w, h), line in zip(text_plates(b), b.lines):
            assert b.x - 1e-6 <= x and x + w <= b.x + b.w + 1e-6 and b.y <= y and y + h <= b.y + b.h
            assert w >= min(text_size(line, b.font_size)[0], b.w) - 1e-6
    hatched = [c for c in d.figure.axes[0].collections if isinstance(c, PatchCollection) and c.get_hatch()]
    assert sum(len(c.get_paths()) for c in hatched) == len(patterned) + sum(
        1 for lb in scene.labels if lb.role.startswith("legend:") and theme.pattern(lb.role.split(":", 1)[1]))
    svg = d.to_bytes("svg").decode()
    assert svg.count("<pattern ") == len({(theme.pattern(b.family), theme.pattern_color(b.family))
                                          for b in patterned} | {(theme.pattern(lb.role[7:]),
                                                                  theme.pattern_color(lb.role[7:]))
                                                                 for lb in scene.labels
                                                                 if lb.role.startswith("legend:")
                                                                 and theme.pattern(lb.role[7:])})
    tex = scene_tikz(scene, theme)
    assert "pattern={Dots[" in tex and "pattern={Lines[angle=45" in tex and "\\usetikzlibrary{patterns.meta}" in tex
    plain = draw(EXAMPLES[0].parent / "transformer_encoder.json")
    assert "<pattern " not in plain.to_bytes("svg").decode() and "pattern=" not in scene_tikz(plain.scene,
                                                                                            plain.options.theme)


def test_names_resolve_and_unknown_names_are_refused():
    for name in THEMES:
        assert isinstance(BlockOptions(theme=name).theme, Theme)
        assert isinstance(NodeOptions(theme=name).theme, Theme)
    assert BlockOptions(theme="Dark").theme.background == resolve_theme("dark").background != "#ffffff"
    custom = Theme(font_size=9)
    assert BlockOptions(theme=custom).theme is custom
    with pytest.raises(OptionError, match="paper.*colorblind"):
        BlockOptions(theme="sepia")
    with pytest.raises(OptionError, match="unknown theme"):
        NodeOptions(theme=3)


def test_cli_theme(tmp_path):
    out = tmp_path / "t.svg"
    r = CliRunner().invoke(cli, ["draw", str(EXAMPLES[0].parent / "lenet5.json"), "--theme", "dark", "-o", str(out)])
    assert r.exit_code == 0, r.output
    assert resolve_theme("dark").background in out.read_text()
    r = CliRunner().invoke(cli, ["draw", str(EXAMPLES[0].parent / "lenet5.json"), "--theme", "sepia",
                                 "-o", str(tmp_path / "u.svg")])
    assert r.exit_code == 2 and "unknown theme 'sepia'" in r.output and "Traceback" not in r.output
    assert not (tmp_path / "u.svg").exists()


def _diff_legend(theme: str) -> tuple[list[tuple[str, str]], list[tuple[str, str]], Theme]:
    """A diff's legend in ``theme`` (statuses, then the links of one model only) and the theme drawn with."""
    from nnviz.layout.diff import diff_scene
    from nnviz.modeldiff import diff
    from test_diff import _finetune_pair

    scene, opts, _ = diff_scene(diff(*_finetune_pair()), theme=theme)
    legend = [(lb.text, lb.role.split(":", 1)[1]) for lb in scene.labels if lb.role.startswith("legend:")]
    fills = [(t, k) for t, k in legend if not k.startswith("edge:")]
    assert [k for _, k in fills] == ["added", "removed", "changed", "unchanged"]
    return fills, [(t, k) for t, k in legend if k.startswith("edge:")], opts.theme


@pytest.mark.parametrize("cvd", ["deuteranomaly", "protanomaly"])
def test_a_diff_in_the_colorblind_theme_stays_apart_under_simulated_cvd(cvd):
    fills, links, theme = _diff_legend("colorblind")
    for entries in (fills, links):
        d, pair = _min_pair(entries, theme, lambda c: _lab(c, cvd))
        assert d >= 10, f"{pair} only ΔE00={d:.1f} apart for {cvd}"


def test_a_diff_in_the_paper_theme_stays_apart_in_greyscale():
    fills, links, theme = _diff_legend("paper")
    for entries in (fills, links):
        d, pair = _min_pair(entries, theme, _grey_lab)
        assert d >= 10, f"{pair} only ΔE00={d:.1f} apart in greyscale"


def test_a_diff_in_the_dark_theme_keeps_its_text_readable():
    def luminance(color: str) -> float:
        c = _rgb(color)
        c = np.where(c <= 0.03928, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)
        return float(c @ [0.2126, 0.7152, 0.0722])

    fills, _, theme = _diff_legend("dark")
    for text, key in fills:
        hi, lo = sorted((luminance(theme.text_color), luminance(theme.color(key))), reverse=True)
        assert (hi + 0.05) / (lo + 0.05) >= 4.5, f"{text}: text on {theme.color(key)}"
