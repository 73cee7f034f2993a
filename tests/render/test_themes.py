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
from nnviz.layout.blocks import block_view, legend_entries
from nnviz.layout.layered import BlockOptions
from nnviz.layout.neurons import NodeOptions
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
    colours = [(text, _rgb(theme.color(f))) for text, f in legend if f != "frozen"]  # frozen: a band, own mark
    worst = (float("inf"), "")
    for (ta, ca), (tb, cb) in itertools.combinations(colours, 2):
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


def test_default_legend_unchanged_shared_colours_merge():
    graph = load(EXAMPLES[0].parent / "transformer_encoder.json")
    default = legend_entries(block_view(graph, BlockOptions())[0], BlockOptions())
    cb = legend_entries(block_view(graph, BlockOptions(theme="colorblind"))[0], BlockOptions(theme="colorblind"))
    assert ("dense", "dense") in default and ("embedding", "embedding") in default
    assert ("dense / embedding", "dense") in cb
    assert len(cb) < len(default)


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
