"""Colours and fonts, shared by every renderer and engine."""

from __future__ import annotations

import dataclasses

from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Mapping

from .errors import OptionError

__all__ = ["Theme", "contrast", "family_of", "FAMILIES", "THEMES", "PATTERNS", "resolve_theme"]

FAMILIES = ("input", "output", "dense", "convolution", "pooling", "recurrent", "normalization",
            "attention", "merge", "reshape", "activation", "regularization", "embedding", "model",
            "group", "other")

_FAMILY_COLORS = MappingProxyType({
    "input": "#a8e6a3", "output": "#fdae6b", "dense": "#9cc3e6", "convolution": "#f4a6a6",
    "pooling": "#c9b3e6", "recurrent": "#f2d98d", "normalization": "#d9d9d9", "attention": "#e6a8d7",
    "merge": "#a8dcd9", "reshape": "#e8e2c8", "activation": "#f0f0f0", "regularization": "#eeeeee",
    "embedding": "#c5c97a", "model": "#ffffff", "group": "#f7f7f7", "other": "#e0e0e0",
})
_ROLE_COLORS = MappingProxyType({
    "input": "#7fc97f", "hidden": "#6baed6", "output": "#7fc97f", "passive": "#ef6f6c",
})

# The colourings' palettes (nnviz.view.coloring: what blocks and neurons are coloured by besides their
# family), each a few named roles; a colouring names its keys and takes their colours from here.
_PALETTES = MappingProxyType({
    # numbers (a cost, a profile's times): six bins light to dark on which black text stays readable
    # (ColorBrewer YlOrRd), then zero, unknown, and past every single layer (a folded group's sum;
    # black text still 5.3:1)
    "scale": MappingProxyType({"1": "#ffffcc", "2": "#ffeda0", "3": "#fed976", "4": "#feb24c", "5": "#fd8d3c",
                               "6": "#fc6c4e", "zero": "#f2f2f2", "unknown": "#ffffff", "over": "#f03b20"}),
    # a diff: each layer's status, and the links present in one model only (darker than the blocks)
    "status": MappingProxyType({"added": "#7fc97f", "removed": "#f4a6a6", "changed": "#fdb863",
                                "unchanged": "#e8e8e8", "edge:only_a": "#c0392b", "edge:only_b": "#238b45"}),
    # a diff's weights that moved (relative change, four bins), light to dark purple: the blocks'
    # dark text stays legible on the darkest
    "weights": MappingProxyType({"1": "#f2f0f7", "2": "#dadaeb", "3": "#bcbddc", "4": "#9e9ac8"}),
})

_FAMILY_OF = {
    "InputLayer": "input",
    "Dense": "dense", "EinsumDense": "dense",
    "Embedding": "embedding",
    "Add": "merge", "Subtract": "merge", "Multiply": "merge", "Average": "merge", "Maximum": "merge",
    "Minimum": "merge", "Concatenate": "merge", "Dot": "merge",
    "Flatten": "reshape", "Reshape": "reshape", "Permute": "reshape", "RepeatVector": "reshape",
    "Cropping1D": "reshape", "Cropping2D": "reshape", "Cropping3D": "reshape",
    "ZeroPadding1D": "reshape", "ZeroPadding2D": "reshape", "ZeroPadding3D": "reshape",
    "UpSampling1D": "reshape", "UpSampling2D": "reshape", "UpSampling3D": "reshape",
    "Resizing": "reshape", "CenterCrop": "reshape", "Rescaling": "reshape",
    "Sequential": "model", "Functional": "model",
}


def family_of(layer_type: str) -> str:
    """The family a Keras class is coloured by.

    >>> family_of("Conv2D"), family_of("MaxPooling2D"), family_of("LSTM"), family_of("MyLayer")
    ('convolution', 'pooling', 'recurrent', 'other')
    """
    if layer_type in _FAMILY_OF:
        return _FAMILY_OF[layer_type]
    t = layer_type
    if "Conv" in t:
        return "recurrent" if "LSTM" in t or "GRU" in t else "convolution"
    if "Pool" in t:
        return "pooling"
    if any(k in t for k in ("LSTM", "GRU", "RNN", "Bidirectional")):
        return "recurrent"
    if "Normalization" in t:
        return "normalization"
    if "Attention" in t:
        return "attention"
    if "Dropout" in t or "Noise" in t or t in ("ActivityRegularization", "Masking"):
        return "regularization"
    if t in ("Activation", "ReLU", "LeakyReLU", "PReLU", "ELU", "Softmax", "ThresholdedReLU"):
        return "activation"
    if t == "TimeDistributed":
        return "dense"
    return "other"


@dataclass(frozen=True, kw_only=True)
class Theme:
    """Colours and fonts for every renderer.

    Args:
        font: the font family.
        font_size: the base font size in points (labels on blocks and neurons).
        title_size: the title's font size.
        family_colors: fill colour per layer family (see ``FAMILIES``).
        role_colors: fill colour per neuron role (input, hidden, output, passive).
        edge_color: colour of arrows and links.
        text_color: colour of text.
        background: the page colour.
        positive, negative: link colours for positive and negative weights.
        extra_colors: fill colours of keys beyond the layer families, for colourings that are not
            by family (a diff's ``added``/``removed``/``changed``/``unchanged``), in legend order;
            a colouring (:mod:`nnviz.view.coloring`) puts its keys' colours here.
        palettes: the colourings' palettes, by name (``scale``: a number's bins light to dark, then
            ``zero``, ``unknown``, ``over``; ``status``: a diff's statuses and one-sided links;
            ``weights``: a diff's weight changes); roles given here replace the defaults'.
        frozen_color: the band along the left side of a frozen block (no fill pattern:
            fills are the theme's to choose).
        patterns: a fill pattern per layer family, drawn over its colour (one of ``PATTERNS``), so
            that families sharing a colour, or a greyscale print, still tell them apart; drawn in
            the family's colour mixed toward black (:meth:`pattern_color`).
    """

    font: str = "DejaVu Sans"
    font_size: float = 8.0
    title_size: float = 12.0
    family_colors: Mapping[str, str] = field(default_factory=lambda: dict(_FAMILY_COLORS))
    role_colors: Mapping[str, str] = field(default_factory=lambda: dict(_ROLE_COLORS))
    edge_color: str = "#555555"
    text_color: str = "#222222"
    background: str = "#ffffff"
    positive: str = "#2166ac"
    negative: str = "#b2182b"
    extra_colors: Mapping[str, str] = field(default_factory=dict)
    frozen_color: str = "#3b6ea5"
    patterns: Mapping[str, str] = field(default_factory=dict)
    palettes: Mapping[str, Mapping[str, str]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.font_size <= 0 or self.title_size <= 0:
            raise OptionError(f"font sizes must be positive, got {self.font_size} and {self.title_size}")
        unknown = sorted(set(self.family_colors) - set(FAMILIES))
        if unknown:
            raise OptionError(f"unknown layer family {unknown[0]!r} (must be one of {list(FAMILIES)})")
        for family, pattern in sorted(self.patterns.items()):
            if family not in FAMILIES:
                raise OptionError(f"unknown layer family {family!r} in patterns (must be one of {list(FAMILIES)})")
            if pattern not in PATTERNS:
                raise OptionError(f"unknown fill pattern {pattern!r} for {family} (must be one of {list(PATTERNS)})")
        for name, roles in sorted(self.palettes.items()):
            if name not in _PALETTES:
                raise OptionError(f"unknown palette {name!r} (must be one of {list(_PALETTES)})")
            unknown = sorted(set(roles) - set(_PALETTES[name]))
            if unknown:
                raise OptionError(f"unknown colour {unknown[0]!r} in palette {name!r} "
                                  f"(must be one of {list(_PALETTES[name])})")
        clash = sorted(set(self.extra_colors) & set(FAMILIES))
        if clash:
            raise OptionError(f"extra colour key {clash[0]!r} is a layer family; set it in family_colors")

    def palette(self, name: str) -> dict[str, str]:
        """The colours of palette ``name``, role -> colour, in order (the defaults, with this theme's own).

        >>> Theme().palette("scale")["1"], Theme(palettes={"scale": {"1": "#eeeeee"}}).palette("scale")["1"]
        ('#ffffcc', '#eeeeee')
        """
        return {**_PALETTES[name], **self.palettes.get(name, {})}

    def edge_style(self, kind: str) -> tuple[str, bool]:
        """The colour of a block edge of ``kind`` and whether it is dashed.

        Edges of :data:`nnviz.scene.ONE_SIDED_EDGES` kinds (a diff's links in one model only) are
        dashed, in ``extra_colors["edge:" + kind]`` when set; every other edge is solid, in
        ``edge_color``.

        >>> Theme(extra_colors={"edge:only_a": "#c0392b"}).edge_style("only_a"), Theme().edge_style("data")
        (('#c0392b', True), ('#555555', False))
        """
        from .scene import ONE_SIDED_EDGES

        if kind not in ONE_SIDED_EDGES:
            return self.edge_color, False
        return self.extra_colors.get("edge:" + kind, self.edge_color), True

    def color(self, family: str) -> str:
        """The fill colour of a layer family."""
        if family in self.extra_colors:
            return self.extra_colors[family]
        return self.family_colors.get(family, _FAMILY_COLORS.get(family, _FAMILY_COLORS["other"]))

    def shaded(self, family: str, shade: float) -> str:
        """The fill colour of a layer family mixed with white (``shade > 0``) or black (``< 0``),
        as ``#rrggbb``: the lit and shadowed faces of a volume (see :class:`nnviz.scene.Polygon`).

        >>> Theme().shaded("convolution", 0.0), Theme().shaded("convolution", -1.0)
        ('#f4a6a6', '#000000')
        """
        from .scene import shade_rgb

        c = self.color(family).lstrip("#")
        if len(c) == 3:
            c = "".join(ch * 2 for ch in c)
        rgb = shade_rgb((int(c[0:2], 16) / 255, int(c[2:4], 16) / 255, int(c[4:6], 16) / 255), shade)
        return "#" + "".join(f"{round(v * 255):02x}" for v in rgb)

    def pattern(self, family: str) -> str | None:
        """The fill pattern drawn over a family's colour, or ``None`` (a colouring's keys have none).

        >>> resolve_theme("paper").pattern("attention"), Theme().pattern("attention")
        ('hatch', None)
        """
        return None if family in self.extra_colors else self.patterns.get(family)

    def pattern_color(self, family: str) -> str:
        """The colour a family's pattern is drawn in: its fill mixed 45 % toward black, visible on
        any tone and quieter than the text over it."""
        return self.shaded(family, -0.45)

    def text_on(self, fill: str) -> str:
        """The colour of text over ``fill``: the theme's ``text_color`` where it contrasts at least
        4.5:1 with it (WCAG AA), else black or white, whichever contrasts more (a dark theme's light
        text on a cost colouring's light bins, dark text on the colorblind theme's blue).

        >>> Theme().text_on("#ffffff"), resolve_theme("dark").text_on("#ffffcc"), Theme().text_on("#0072B2")
        ('#222222', '#000000', '#ffffff')
        """
        if contrast(self.text_color, fill) >= 4.5:
            return self.text_color
        return "#000000" if contrast("#000000", fill) >= contrast("#ffffff", fill) else "#ffffff"

    def role_color(self, role: str) -> str:
        """The fill colour of a neuron role."""
        return self.role_colors.get(role, _ROLE_COLORS.get(role, "#cccccc"))


def _luminance(color: str) -> float:
    c = color.lstrip("#")
    if len(c) == 3:
        c = "".join(ch * 2 for ch in c)
    v = [int(c[i:i + 2], 16) / 255 for i in (0, 2, 4)]
    v = [x / 12.92 if x <= 0.04045 else ((x + 0.055) / 1.055) ** 2.4 for x in v]
    return 0.2126 * v[0] + 0.7152 * v[1] + 0.0722 * v[2]


def contrast(a: str, b: str) -> float:
    """The WCAG 2 contrast ratio of two ``#rrggbb`` colours, 1 to 21.

    >>> round(contrast("#000000", "#ffffff"), 1), round(contrast("#222222", "#0072B2"), 2)
    (21.0, 3.07)
    """
    lo, hi = sorted((_luminance(a), _luminance(b)))
    return (hi + 0.05) / (lo + 0.05)


def _classes(groups: Mapping[str, tuple[str, ...]]) -> dict[str, str]:
    """family -> colour from colour -> families (a few colour classes shared by several families)."""
    return {f: color for color, fams in groups.items() for f in fams}


# Okabe & Ito (2008), "Color Universal Design": seven hues that stay apart for the common colour-vision
# deficiencies, plus white; families that share a class share a legend entry.
_COLORBLIND = _classes({
    "#009E73": ("input",), "#D55E00": ("output",), "#56B4E9": ("dense", "embedding"),
    "#E69F00": ("convolution",), "#F0E442": ("pooling", "reshape"), "#CC79A7": ("recurrent", "attention"),
    "#0072B2": ("merge",), "#FFFFFF": ("normalization", "activation", "regularization", "model", "other"),
    "#BBBBBB": ("group",),
})
# Four light tones whose lightness steps (CIE L* 100, 82, 66, 50) keep apart in a greyscale print.
_PAPER = _classes({
    "#FFFFFF": ("input", "output", "activation", "regularization", "reshape", "model", "other"),
    "#B5CFE6": ("dense", "embedding", "recurrent", "group"),
    "#C3968F": ("convolution", "attention"),
    "#687988": ("pooling", "merge", "normalization"),
})


# Families that share a colour class are told apart by a pattern (the first of each class, the
# commonest, stays plain): geometry in PATTERN_SPACING, drawn alike by matplotlib, SVG and TikZ.
_PAPER_PATTERNS = {"input": "dots", "output": "crosshatch", "regularization": "horizontal", "reshape": "backhatch",
                   "model": "vertical", "other": "grid", "embedding": "dots", "recurrent": "hatch",
                   "group": "vertical", "attention": "hatch", "merge": "backhatch", "normalization": "dots"}
_COLORBLIND_PATTERNS = {"embedding": "dots", "reshape": "backhatch", "attention": "hatch", "normalization": "dots",
                        "regularization": "horizontal", "model": "vertical", "other": "grid"}


def _darken(color: str, k: float = 0.42) -> str:
    r, g, b = (int(color[i:i + 2], 16) for i in (1, 3, 5))
    return "#" + "".join(f"{round(v * k):02x}" for v in (r, g, b))


def _named(name: str) -> Theme:
    if name == "default":
        return Theme()
    if name == "paper":
        return Theme(family_colors=_PAPER, edge_color="#000000", text_color="#000000", frozen_color="#000000",
                     patterns=_PAPER_PATTERNS, palettes=_PAPER_PALETTES,
                     role_colors={"input": "#ffffff", "hidden": "#b5cfe6", "output": "#ffffff",
                                  "passive": "#687988"})
    if name == "colorblind":
        return Theme(family_colors=_COLORBLIND, frozen_color="#000000", positive="#0072B2", negative="#D55E00",
                     patterns=_COLORBLIND_PATTERNS, palettes=_COLORBLIND_PALETTES,
                     role_colors={"input": "#009E73", "hidden": "#56B4E9", "output": "#E69F00",
                                  "passive": "#D55E00"})
    return Theme(family_colors={f: _darken(c) for f, c in _FAMILY_COLORS.items()},
                 role_colors={r: _darken(c, 0.7) for r, c in _ROLE_COLORS.items()},
                 edge_color="#c8c8c8", text_color="#f2f2f2", background="#1b1e23", frozen_color="#9ecae1",
                 positive="#6baed6", negative="#fb6a4a", palettes=_DARK_PALETTES)


# A diff in the paper theme: its four tones, a status each, apart in a greyscale print; the links of
# one model only black and grey
_PAPER_PALETTES = {"status": {"added": "#B5CFE6", "removed": "#687988", "changed": "#C3968F", "unchanged": "#FFFFFF",
                              "edge:only_a": "#000000", "edge:only_b": "#8c8c8c"}}
# A diff in the colorblind theme: Okabe-Ito hues that stay apart under deuteranopia and protanopia
_COLORBLIND_PALETTES = {"status": {"added": "#56B4E9", "removed": "#D55E00", "changed": "#F0E442",
                                   "unchanged": "#FFFFFF", "edge:only_a": "#D55E00", "edge:only_b": "#0072B2"}}
# A diff on the dark background: dark fills under the light text (at least 5:1), links bright
_DARK_PALETTES = {
    "status": {"added": "#2e6b36", "removed": "#7a2f35", "changed": "#8a5a12", "unchanged": "#3b3f46",
               "edge:only_a": "#ef6f6c", "edge:only_b": "#74c476"},
    "weights": {"1": "#33304a", "2": "#433c63", "3": "#554a85", "4": "#6a5aa6"},
}


THEMES = ("default", "paper", "colorblind", "dark")
# Fill patterns: lines 45° up (hatch) or down (backhatch), both (crosshatch), horizontal, vertical,
# both of those (grid), or dots, PATTERN_SPACING points apart (diagonals: that far along a side).
PATTERNS = ("hatch", "backhatch", "crosshatch", "horizontal", "vertical", "grid", "dots")
PATTERN_SPACING = 6.0
PATTERN_LINE = 0.5


def with_font(theme: Theme, font: str | None) -> Theme:
    """``theme`` drawing its text in the installed family ``font`` (``None``: unchanged).

    Raises:
        OptionError: ``font`` is not a string or not installed.
    """
    if font is None:
        return theme
    if not isinstance(font, str) or not font.strip():
        raise OptionError(f"font must be a font family's name, got {font!r}")
    from .layout.metrics import find_font

    return dataclasses.replace(theme, font=find_font(font.strip())[0])


def resolve_theme(theme: "Theme | str | None") -> Theme:
    """A Theme from a Theme, a theme's name (see ``THEMES``) or ``None`` (the default theme).

    >>> resolve_theme("paper").edge_color, resolve_theme(None) == Theme()
    ('#000000', True)
    """
    if theme is None:
        return Theme()
    if isinstance(theme, Theme):
        return theme
    if isinstance(theme, str) and theme.lower() in THEMES:
        return _named(theme.lower())
    raise OptionError(f"unknown theme {theme!r} (must be a nnviz Theme or one of {list(THEMES)})")
