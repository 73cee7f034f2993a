"""TikZ output: a Scene as a LaTeX picture, text set in the document's own font.

The writer reads only the Scene's primitives (boxes, clusters, polygons, edges, neurons, links,
labels, the legend), so every style that lays out a Scene draws the same way, placed, sized and coloured as
the SVG writer (:mod:`nnviz.render.svgfile`) places them. One TikZ unit is one PostScript point and y
grows downwards (``x=1bp, y=-1bp``: TeX's ``pt`` is 1/72.27 inch, the Scene's point 1/72), so the
numbers are the Scene's and a figure drawn to a width is that wide in the PDF. Colours are defined once, by name,
at the top of the picture (``nnvizDense``, ``nnvizEdge``...); text stays LaTeX text in the font of
the document the picture is pasted into (special characters escaped, nothing from a file ever
runs as TeX). A ``standalone`` document compiles with ``pdflatex`` as it is; ``snippet=True``
gives the bare ``tikzpicture`` (it needs ``\\usepackage{tikz}``, and ``\\usetikzlibrary{patterns.meta}``
where the theme fills with patterns).

Box sizes come from DejaVu Sans's advance widths (:mod:`nnviz.layout.metrics`), which are wider
than Latin Modern's and Times's, roman or bold, so text set in those stays inside its box
(a test measures the Latin Modern fonts TeX Live installs).

Node diagrams whose link bundles are drawn as a density image write that image beside the
``.tex`` file (``NAME-density-1.png``), included with ``\\includegraphics``.

>>> import nnviz
>>> d = nnviz.draw({"input_shape": [4], "layers": [{"type": "Dense", "units": 8}, {"type": "Dense", "units": 2}]})
>>> tex = scene_tikz(d.scene, d.options.theme)
>>> tex.startswith("\\\\documentclass") and tex.count("\\\\definecolor{nnvizDense}")
1
>>> tex_escape("loss_{x} 100% & #1 ~$")
'loss\\\\_\\\\{x\\\\} 100\\\\% \\\\& \\\\#1 \\\\textasciitilde{}\\\\$'
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING, Callable

from ..errors import OptionError
from ..fileio import write_atomic
from ..layout.blocktext import LEGEND_SWATCH, frozen_band, line_centers, text_plates
from ..scene import arrow_path
from ..text import printable
from .svgfile import NEURON_EDGE, backing_box, link_alpha, text_width, weight_rgba

if TYPE_CHECKING:  # pragma: no cover
    from ..scene import Box, ColorBar, Label, Scene
    from .diagram import Diagram
    from ..theme import Theme

__all__ = ["scene_tikz", "write_tikz", "tex_escape", "PREAMBLE"]

# what the standalone document loads; a paper needs tikz (and patterns when the theme fills with them)
PREAMBLE = ("\\usepackage[T1]{fontenc}\n\\usepackage{lmodern}\n\\usepackage{tikz}\n"
            "\\usetikzlibrary{patterns.meta}\n")

# The baseline below the anchor, in ems, per vertical alignment (as matplotlib and the SVG writer).
_ASCENT, _DESCENT = 0.7597656, 0.2402344
_BASELINE = {"top": _ASCENT, "center": (_ASCENT - _DESCENT) / 2, "center_baseline": 0.0,
             "baseline": 0.0, "bottom": -_DESCENT}
_PITCH = 1.20027  # several lines: their pitch in ems, the first baseline _FIRST below the top
_FIRST = 0.8599
_ANCHOR = {"left": "base west", "center": "base", "right": "base east"}
_MATH = re.compile(r"^\$(?P<base>[^_$]*)(?:_\{(?P<sub>[^}]*)\})?\$$")

_SPECIAL = {"\\": "\\textbackslash{}", "{": "\\{", "}": "\\}", "$": "\\$", "&": "\\&", "#": "\\#",
            "_": "\\_", "%": "\\%", "^": "\\textasciicircum{}", "~": "\\textasciitilde{}",
            "<": "\\textless{}", ">": "\\textgreater{}", "|": "\\textbar{}", '"': "\\textquotedbl{}",
            "'": "\\textquotesingle{}", "`": "\\textasciigrave{}",
            # the few non-ASCII characters nnviz writes itself
            "×": "\\texttimes{}", "·": "$\\cdot$", "…": "\\textellipsis{}",
            "—": "\\textemdash{}", "–": "\\textendash{}", "→": "\\textrightarrow{}", "Σ": "$\\Sigma$",
            "⋮": "$\\vdots$", "⋯": "$\\cdots$", "°": "\\textdegree{}", "µ": "\\textmu{}",
            "²": "\\texttwosuperior{}",
            "³": "\\textthreesuperior{}", "±": "\\textpm{}", "\u00a0": "~"}
_LIGATURE_PAIRS = {"--", ",,", "!`", "?`", "''", "``", "<<", ">>"}


def tex_escape(text: str) -> str:
    """``text`` as LaTeX text that prints it: specials escaped, ligatures (``--``, ``,,``) broken,
    control characters shown as ``\\xNN`` (:func:`nnviz.text.printable`), and characters the T1
    encoding has no glyph for shown as ``[U+XXXX]`` rather than failing to compile.
    """
    out = []
    text = printable(text)
    for i, ch in enumerate(text):
        if ch in _SPECIAL:
            out.append(_SPECIAL[ch])
        elif ord(ch) < 128 or ("\u00c0" <= ch <= "\u00ff" and ch not in "×÷"):
            out.append(ch)  # ASCII, and the accented Latin-1 letters (T1 has them, utf8 input maps them)
        else:
            out.append(f"[U+{ord(ch):04X}]")
        if text[i:i + 2] in _LIGATURE_PAIRS:
            out.append("{}")
    return "".join(out)


def _f(v: float) -> str:
    text = f"{v:.2f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def _p(x: float, y: float) -> str:
    return f"({_f(x)},{_f(y)})"


def _hex6(color: str) -> str:
    c = color.lstrip("#")
    if len(c) == 3:
        c = "".join(ch * 2 for ch in c)
    return c[:6].upper()


class _Colors:
    """The colours a picture uses, each defined once by name (a name per family, role and part)."""

    def __init__(self) -> None:
        self.names: dict[str, str] = {}  # name -> HTML hex
        self.by_hex: dict[str, str] = {}

    def name(self, key: str, color: str) -> str:
        """The name of ``color`` for ``key`` (``dense``, ``edge``...): ``nnvizDense``."""
        name = "nnviz" + "".join(part[:1].upper() + part[1:] for part in re.split(r"[^A-Za-z]+", key) if part)
        hx = _hex6(color)
        if self.names.get(name, hx) != hx:  # the same key in two colours: keep both apart
            return self.anonymous(color)
        self.names[name] = hx
        return name

    def anonymous(self, color: str) -> str:
        """A name for a colour that is no family's (a weight's shade): ``nnvizCa``, ``nnvizCb``..."""
        hx = _hex6(color)
        if hx not in self.by_hex:
            n, letters = len(self.by_hex), ""
            while True:
                letters = chr(97 + n % 26) + letters
                n = n // 26 - 1
                if n < 0:
                    break
            self.by_hex[hx] = "nnvizC" + letters
            self.names[self.by_hex[hx]] = hx
        return self.by_hex[hx]

    def definitions(self) -> list[str]:
        return [f"\\definecolor{{{n}}}{{HTML}}{{{hx}}}" for n, hx in self.names.items()]


class _Writer:
    def __init__(self, scene: "Scene", theme: "Theme", image: Callable[[bytes], str] | None) -> None:
        self.scene, self.theme, self.image = scene, theme, image
        self.colors = _Colors()
        self.out: list[str] = []
        self.s = float(scene.scale)
        self.patterned = False

    # -- helpers ---------------------------------------------------------------------------------
    def c(self, key: str, color: str) -> str:
        return self.colors.name(key, color)

    def family(self, family: str) -> str:
        return self.c(family, self.theme.color(family))

    def rect(self, x: float, y: float, w: float, h: float, opts: str) -> None:
        self.out.append(f"\\path[{opts}] {_p(x, y)} rectangle {_p(x + w, y + h)};")

    def family_rect(self, x: float, y: float, w: float, h: float, family: str, line: float) -> None:
        """A rectangle filled with the family's colour and outlined."""
        self.rect(x, y, w, h, f"fill={self.family(family)}, draw={self.c('edge', self.theme.edge_color)}, "
                              f"line width={_f(line)}bp")

    def pattern_rect(self, x: float, y: float, w: float, h: float, family: str) -> bool:
        """The family's fill pattern over a rectangle, where the theme has one (``patterns.meta``)."""
        pattern = self.theme.pattern(family)
        if pattern is None:
            return False
        self.patterned = True
        color = self.c(family + "Pattern", self.theme.pattern_color(family))
        self.rect(x, y, w, h, f"pattern={{{_TIKZ_PATTERNS[pattern]}}}, pattern color={color}")
        return True

    def font(self, size: float, weight: str = "") -> str:
        return f"font=\\fontsize{{{_f(size)}bp}}{{{_f(size * 1.2)}bp}}\\selectfont{weight}"

    def text(self, x: float, y: float, text: str, size: float, ha: str = "center", va: str = "center",
             rotation: float = 0.0, weight: str = "", color: str | None = None, math: bool = False) -> None:
        """Text placed as matplotlib places it: the baseline computed from the alignment, so that the
        document's font sits where DejaVu Sans would."""
        if "\n" in text and rotation % 360 == 0:
            lines = text.split("\n")
            top = {"top": 0.0, "bottom": -len(lines) * _PITCH}.get(va, -len(lines) * _PITCH / 2)
            for i, line in enumerate(lines):
                self.text(x, y + (top + _FIRST + i * _PITCH) * size, line, size, ha, "baseline", 0.0, weight,
                          color, math)
            return
        m = _MATH.match(text) if math else None
        body = self.math(m) if m else tex_escape(text)
        opts = [self.font(size, weight), "inner sep=0"]
        if color:
            opts.append(f"text={color}")
        if rotation % 360 == 0:
            opts.append(f"anchor={_ANCHOR.get(ha, 'base')}")
            y += _BASELINE.get(va, 0.0) * size
        else:  # a quarter turn: the vertical alignment picks the end, the horizontal the baseline
            side = {"top": "east", "bottom": "west"}.get(va, "")
            opts.append(f"anchor=base{' ' + side if side else ''}")
            opts.append(f"rotate={_f(rotation)}")
            x += {"left": _ASCENT, "right": -_DESCENT}.get(ha, (_ASCENT - _DESCENT) / 2) * size
        self.out.append(f"\\node[{', '.join(opts)}] at {_p(x, y)} {{{body}}};")

    @staticmethod
    def math(m: "re.Match[str]") -> str:
        base = tex_escape(m["base"])
        return f"${base}_{{{tex_escape(m['sub'])}}}$" if m["sub"] else f"${base}$"

    # -- the parts, in the order the other writers draw them ---------------------------------------
    def background(self) -> None:
        sc = self.scene
        self.out.append(f"\\path[fill={self.c('background', self.theme.background)}, use as bounding box] "
                        f"(0,0) rectangle {_p(sc.width, sc.height)};")

    def clusters(self) -> None:
        edge = self.c("edge", self.theme.edge_color)
        for cl in self.scene.clusters:
            repeat = cl.repeat > 1
            face = self.family("group") if repeat else self.c("background", self.theme.background)
            if repeat:
                for k in (2, 1):
                    off = 3.0 * k * self.s
                    self.rect(cl.x + off, cl.y + off, cl.w, cl.h, f"fill={face}, draw={edge}, "
                                                                    f"line width={_f(0.6 * self.s)}bp")
            lw = 0.8 * self.s
            dash = "" if repeat else f", dash pattern=on {_f(4 * lw)}bp off {_f(2 * lw)}bp"
            self.rect(cl.x, cl.y, cl.w, cl.h, f"fill={face}, draw={edge}, line width={_f(lw)}bp{dash}")

    def polygons(self) -> None:
        """Faces of volumes and kernel pyramids, in order; a shade is the family's colour mixed with
        white (``nnvizConvolution!70``) or black (``nnvizConvolution!70!black``), as xcolor mixes."""
        edge = self.c("edge", self.theme.edge_color)
        for pg in self.scene.polygons:
            opts = []
            if pg.family is not None:
                fill = self.family(pg.family)
                keep = _f(100 * (1 - abs(pg.shade)))
                if pg.shade > 0:
                    fill = f"{fill}!{keep}"
                elif pg.shade < 0:
                    fill = f"{fill}!{keep}!black"
                opts.append(f"fill={fill}")
                if pg.alpha < 1:
                    opts.append(f"fill opacity={_f(pg.alpha)}")
            if pg.line_width > 0:
                opts.append(f"draw={edge}, line width={_f(pg.line_width)}bp, line join=round")
            if opts:
                self.out.append(f"\\path[{', '.join(opts)}] " + " -- ".join(_p(x, y) for x, y in pg.points)
                                + " -- cycle;")
            pattern = self.theme.pattern(pg.family) if pg.role == "face" and pg.family is not None else None
            if pattern is not None:
                self.patterned = True
                color = self.c(pg.family + "Pattern", self.theme.pattern_color(pg.family))
                self.out.append(f"\\path[pattern={{{_TIKZ_PATTERNS[pattern]}}}, pattern color={color}] "
                                + " -- ".join(_p(x, y) for x, y in pg.points) + " -- cycle;")

    def edges(self) -> None:
        """Arrows, solid first, then a diff's one-sided links dashed in their own colour (as the SVG writer)."""
        head = 5.0 * self.s
        styles: dict[tuple[str, bool], list] = {}
        for e in self.scene.edges:
            arrow = arrow_path(e.points, head)
            if arrow is not None:
                styles.setdefault(self.theme.edge_style(e.kind), []).append((e.kind, arrow))
        for (color, dashed), arrows in sorted(styles.items(), key=lambda item: item[0][1]):
            name = self.c("edge" if not dashed else "edge " + arrows[0][0], color)
            lw = (1.1 if dashed else 0.8) * self.s
            dash = f", dash pattern=on {_f(4 * lw)}bp off {_f(2.5 * lw)}bp" if dashed else ""
            self.out.append(f"\\begin{{scope}}[draw={name}, fill={name}, line width={_f(lw)}bp, line join=round]")
            for _, (pts, tri) in arrows:
                self.out.append(f"\\draw[{dash.lstrip(', ')}] " if dash else "\\draw ")
                self.out[-1] += " -- ".join(_p(x, y) for x, y in pts) + ";"
                self.out.append("\\fill " + " -- ".join(_p(x, y) for x, y in tri) + " -- cycle;")
            self.out.append("\\end{scope}")

    def boxes(self) -> None:
        for b in self.scene.boxes:  # the cards behind repeated blocks, below every block
            if b.repeat > 1:
                for k in (2, 1):
                    off = 2.5 * k * self.s
                    self.family_rect(b.x + off, b.y + off, b.w, b.h, b.family, 0.6 * self.s)
        for b in self.scene.boxes:
            self.family_rect(b.x, b.y, b.w, b.h, b.family, (1.4 if b.family == "output" else 0.8) * self.s)
        patterned = [b for b in self.scene.boxes if self.pattern_rect(b.x, b.y, b.w, b.h, b.family)]
        for b in patterned:  # the pattern shows around the text, not through it
            for x, y, w, h in text_plates(b):
                self.rect(x, y, w, h, f"fill={self.family(b.family)}")
        for b in self.scene.boxes:
            if b.frozen:
                self.rect(*frozen_band(b), f"fill={self.c('frozen', self.theme.frozen_color)}")
        for b in self.scene.boxes:
            self.box_text(b)

    def box_text(self, b: "Box") -> None:
        ys = line_centers(b)
        cx = b.x + b.w / 2
        ink = self.theme.text_on(self.theme.color(b.family))  # the theme's text unless it reads poorly here
        color = None if ink == self.theme.text_color else self.c("text on " + b.family, ink)
        for i, (line, y) in enumerate(zip(b.lines, ys)):
            self.text(cx, y, line, b.font_size, weight="\\bfseries" if i == 0 else "", color=color)
        if b.repeat > 1:
            fs = b.font_size
            right = b.x + b.w - 0.5 * fs
            pad = 0.15 * fs
            tw = text_width(f"×{b.repeat}", fs, bold=True)
            self.out.append(f"\\path[fill={self.c('badge', '#444444')}, rounded corners={_f(pad)}bp] "
                            f"{_p(right - tw - pad, ys[0] - 0.5 * fs - pad)} rectangle "
                            f"{_p(right + pad, ys[0] + 0.5 * fs + pad)};")
            self.text(right, ys[0], f"×{b.repeat}", fs, ha="right", weight="\\bfseries",
                      color=self.c("badgeText", "#ffffff"))

    def labels(self, style: str) -> None:
        for lb in self.scene.labels:
            if style == "node" and lb.role in ("neuron", "more"):
                self.backing(lb)
            weight, color = _label_style(lb.role, style)
            self.text(lb.x, lb.y, lb.text, lb.size, lb.ha, lb.va, lb.rotation, weight,
                      self.c("muted", color) if color else None, math=lb.role == "neuron")
            if lb.role.startswith("legend:"):
                self.swatch(lb)

    def swatch(self, lb: "Label") -> None:
        family = lb.role.split(":", 1)[1]
        side = LEGEND_SWATCH * lb.size * 0.8
        x = lb.x - (LEGEND_SWATCH + 0.4) * lb.size
        if family.startswith("edge:"):  # a line, dashed as the edges it names
            kind = family.split(":", 1)[1]
            lw = 1.1 * self.s
            name = self.c("edge " + kind, self.theme.edge_style(kind)[0])
            self.out.append(f"\\draw[{name}, line width={_f(lw)}bp, dash pattern=on {_f(2.5 * lw)}bp off "
                            f"{_f(1.5 * lw)}bp] {_p(x - 0.15 * side, lb.y)} -- {_p(x + 1.15 * side, lb.y)};")
        elif family == "frozen":
            self.rect(x, lb.y - side / 2, side, side, f"fill={self.c('background', self.theme.background)}, "
                      f"draw={self.c('edge', self.theme.edge_color)}, line width={_f(0.6 * self.s)}bp")
            self.rect(x, lb.y - side / 2, side * 0.3, side, f"fill={self.c('frozen', self.theme.frozen_color)}")
        else:
            self.family_rect(x, lb.y - side / 2, side, side, family, 0.6 * self.s)
            self.pattern_rect(x, lb.y - side / 2, side, side, family)

    def backing(self, lb: "Label") -> None:
        self.rect(*backing_box(lb), f"fill={self.c('background', self.theme.background)}, fill opacity=0.7")

    def links(self, vmax: float | None) -> None:
        import numpy as np

        for ls in self.scene.links:
            if ls.dense and len(ls):
                from .density import density_image, density_png

                image, (x0, x1, y0, y1) = density_image(ls, self.theme.role_color(ls.role))
                if self.image is None:
                    raise OptionError("this node diagram draws link bundles as density images, which a TikZ "
                                      "picture includes from PNG files beside it: write it to a .tex file")
                name = self.image(density_png(image))
                self.out.append(f"\\node[inner sep=0, anchor=north west] at {_p(x0, y0)} "
                                f"{{\\includegraphics[width={_f(x1 - x0)}bp, height={_f(y1 - y0)}bp]{{{name}}}}};")
        for kind in ("link", "dropped"):
            for ls in (s for s in self.scene.links if s.kind == kind and len(s) and not s.dense):
                seg = np.round(np.asarray(ls.segments, dtype=float), 2)
                if ls.weights is not None and vmax is not None:
                    strength = np.clip(np.abs(ls.weights) / vmax, 0, 1)
                    rgba = weight_rgba(ls.weights, vmax, self.theme)
                    self.out.append("\\begin{scope}[line cap=round]")
                    for ((a, b), (c, d)), rgb, st in zip(seg, rgba, strength):
                        color = self.colors.anonymous("#" + "".join(f"{int(round(v * 255)):02x}" for v in rgb[:3]))
                        self.out.append(f"\\draw[{color}, draw opacity={_f(0.15 + 0.85 * st)}, "
                                        f"line width={_f(0.3 + 2.2 * st)}bp] {_p(a, b)} -- {_p(c, d)};")
                else:  # one path per link, so that crowded links add up as in the other outputs
                    color = self.c(ls.role, self.theme.role_color(ls.role))
                    self.out.append(f"\\begin{{scope}}[draw={color}, draw opacity={_f(link_alpha(kind, len(ls)))}, "
                                    "line width=0.8bp, line cap=round]")
                    self.out.extend(f"\\draw {_p(a, b)} -- {_p(c, d)};" for (a, b), (c, d) in seg)
                self.out.append("\\end{scope}")

    def neurons(self, vmax: float | None) -> None:
        biases = [n.value for n in self.scene.neurons if n.value is not None]
        colors = iter(weight_rgba(biases, vmax, self.theme)) if vmax is not None and biases else iter(())
        for n in self.scene.neurons:
            role = self.c(n.role, self.theme.role_color(n.role))
            if vmax is not None and n.value is not None:
                rgb = next(colors)[:3]
                face = self.colors.anonymous("#" + "".join(f"{int(round(v * 255)):02x}" for v in rgb))
                edge, width = role, 1.8
            else:
                face, edge, width = role, self.c("neuronEdge", NEURON_EDGE), 0.8
            self.out.append(f"\\path[fill={face}, draw={edge}, line width={_f(width)}bp] {_p(n.x, n.y)} "
                            f"circle[radius={_f(n.r)}bp];")

    def node_legend(self) -> None:
        place = self.scene.legend_place
        if not self.scene.legend or not place:
            return
        f = place.font
        rings = self.scene.colorbar is not None
        for row, indices in enumerate(place.rows):
            entries = [self.scene.legend[i] for i in indices]
            widths = [1.5 * f + text_width(text, f) for text, _ in entries]
            x = place.x - (sum(widths) + 1.5 * f * (len(entries) - 1)) / 2
            y = place.y + row * 1.6 * f + 0.55 * f
            for (text, role), w in zip(entries, widths):
                color = self.c(role, self.theme.role_color(role))
                face, edge, lw = ((self.c("white", "#ffffff"), color, 1.8) if rings
                                  else (color, self.c("neuronEdge", NEURON_EDGE), 0.8))
                self.out.append(f"\\path[fill={face}, draw={edge}, line width={_f(lw)}bp] "
                                f"{_p(x + 0.5 * f, y)} circle[radius={_f(f / 2)}bp];")
                self.text(x + 1.5 * f, y, text, f, ha="left")
                x += w + 1.5 * f

    def colorbar(self, bar: "ColorBar") -> None:
        x, y, w, h, vmax, f = bar.x, bar.y, bar.w, bar.h, bar.vmax, bar.font
        neg, pos = self.c("negative", self.theme.negative), self.c("positive", self.theme.positive)
        mid = self.c("zero", "#f2f2f2")
        self.out.append(f"\\shade[left color={neg}, middle color={mid}, right color={pos}, shading angle=90] "
                        f"{_p(x, y)} rectangle {_p(x + w, y + h)};")
        black = self.c("black", "#000000")
        self.rect(x, y, w, h, f"draw={black}, line width=0.5bp")
        for t, text in ((x, f"{-vmax:.2g}"), (x + w / 2, "0"), (x + w, f"{vmax:.2g}")):
            self.out.append(f"\\draw[{black}, line width=0.8bp] {_p(t, y + h)} -- {_p(t, y + h + 2)};")
            self.text(t, y + h + 3.5, text, f, va="top")

    # -- the picture ---------------------------------------------------------------------------------
    def picture(self, style: str) -> str:
        self.background()
        if style == "node":
            bar = self.scene.colorbar
            vmax = bar.vmax if bar else None
            self.links(vmax)
            self.neurons(vmax)
            self.labels(style)
            self.node_legend()
            if bar:
                self.colorbar(bar)
        else:
            self.clusters()
            self.polygons()
            self.edges()
            self.boxes()
            self.labels(style)
        text = self.c("text", self.theme.text_color)
        head = [f"\\begin{{tikzpicture}}[x=1bp, y=-1bp, every node/.style={{text={text}}}]",
                *self.colors.definitions()]
        head.insert(0, f"% {printable(self.scene.title) + ', ' if self.scene.title else ''}drawn by nnviz; "
                       "needs \\usepackage{tikz}" + (" and \\usetikzlibrary{patterns.meta}" if self.patterned else ""))
        return "\n".join([*head, *self.out, "\\end{tikzpicture}"]) + "\n"


# theme.PATTERNS in patterns.meta, PATTERN_SPACING apart as matplotlib's hatches (diagonals: along a side)
_TIKZ_PATTERNS = {
    "hatch": "Lines[angle=45, distance=4.24bp, line width=0.5bp]",
    "backhatch": "Lines[angle=-45, distance=4.24bp, line width=0.5bp]",
    "crosshatch": "Hatch[angle=45, distance=4.24bp, line width=0.5bp]",
    "horizontal": "Lines[angle=0, distance=6bp, line width=0.5bp]",
    "vertical": "Lines[angle=90, distance=6bp, line width=0.5bp]",
    "grid": "Hatch[angle=0, distance=6bp, line width=0.5bp]",
    "dots": "Dots[distance=6bp, radius=0.6bp]",
}


def _label_style(role: str, style: str) -> tuple[str, str | None]:
    """(weight, colour) of a label's text, as the matplotlib renderers set them."""
    if role in ("title", "cluster") or (style == "node" and role == "caption-name"):
        return "\\bfseries", None
    if style == "node" and role in ("more", "note"):
        return "\\itshape", "#666666"
    if style == "node" and role == "ellipsis":
        return "", "#666666"
    return "", None


def _style_of(scene: "Scene") -> str:
    return "node" if scene.neurons or scene.links else "block"


def scene_tikz(scene: "Scene", theme: "Theme", *, snippet: bool = False,
               image: Callable[[bytes], str] | None = None) -> str:
    """The scene as a TikZ picture: a ``standalone`` document, or only the ``tikzpicture`` (``snippet``).

    Args:
        scene: any Scene (block, node, layer tree).
        theme: its colours (and fill patterns, where the theme has them).
        snippet: only the ``tikzpicture``, to paste into a document that loads TikZ.
        image: where density images go: called with PNG bytes, returns the name to include.

    Returns:
        LaTeX source.
    """
    picture = _Writer(scene, theme, image).picture(_style_of(scene))
    if snippet:
        return picture
    return ("\\documentclass[tikz, border=0pt]{standalone}\n" + PREAMBLE + "\\begin{document}\n" + picture
            + "\\end{document}\n")


def write_tikz(diagram: "Diagram", path: Path, dpi: float | None = None, *, snippet: bool = False) -> None:
    """Write ``diagram`` as TikZ to ``path`` (atomically; density images beside it first)."""
    path = Path(path)
    images: list[tuple[Path, bytes]] = []

    def image(data: bytes) -> str:
        target = path.with_name(f"{path.stem}-density-{len(images) + 1}.png")
        images.append((target, data))
        return target.name

    text = scene_tikz(diagram.scene, diagram.options.theme, snippet=snippet, image=image)
    for target, data in images:
        write_atomic(target, data)
    write_atomic(path, text)
