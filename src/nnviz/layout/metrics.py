"""Text extents estimated without a drawing library, so layouts stay library-free.

The advance widths are DejaVu Sans's (matplotlib's default font), in ems,
measured once with matplotlib's font loader. Other fonts come out close enough
for spacing; :data:`SAFETY` leaves room for the difference and for bold text.

>>> w, h = text_size("Dense(16, relu)", 10)
>>> 70 < w < 90, h
(True, 10.0)
>>> round(text_size("$H_{128}$", 10)[0])  # mathtext subscripts shrink by 0.7
25
"""

from __future__ import annotations

import contextlib
import contextvars
import functools
import re
from collections.abc import Iterator

__all__ = ["text_size", "SAFETY", "LINE_SPACING", "find_font", "measuring", "register_font"]

_ADVANCE = {
    " ": 0.318, "!": 0.401, '"': 0.46, "#": 0.838, "$": 0.636, "%": 0.95, "&": 0.78, "'": 0.275,
    "(": 0.39, ")": 0.39, "*": 0.5, "+": 0.838, ",": 0.318, "-": 0.361, ".": 0.318, "/": 0.337,
    "0": 0.636, "1": 0.636, "2": 0.636, "3": 0.636, "4": 0.636, "5": 0.636, "6": 0.636, "7": 0.636,
    "8": 0.636, "9": 0.636, ":": 0.337, ";": 0.337, "<": 0.838, "=": 0.838, ">": 0.838, "?": 0.531,
    "@": 1.0, "A": 0.684, "B": 0.686, "C": 0.698, "D": 0.77, "E": 0.632, "F": 0.575, "G": 0.775,
    "H": 0.752, "I": 0.295, "J": 0.295, "K": 0.656, "L": 0.557, "M": 0.863, "N": 0.748, "O": 0.787,
    "P": 0.603, "Q": 0.787, "R": 0.695, "S": 0.635, "T": 0.611, "U": 0.732, "V": 0.684, "W": 0.989,
    "X": 0.685, "Y": 0.611, "Z": 0.685, "[": 0.39, "\\": 0.337, "]": 0.39, "^": 0.838, "_": 0.5,
    "`": 0.5, "a": 0.613, "b": 0.635, "c": 0.55, "d": 0.635, "e": 0.615, "f": 0.352, "g": 0.635,
    "h": 0.634, "i": 0.278, "j": 0.278, "k": 0.579, "l": 0.278, "m": 0.974, "n": 0.634, "o": 0.612,
    "p": 0.635, "q": 0.635, "r": 0.411, "s": 0.521, "t": 0.392, "u": 0.634, "v": 0.592, "w": 0.818,
    "x": 0.592, "y": 0.592, "z": 0.525, "{": 0.636, "|": 0.337, "}": 0.636, "~": 0.838,
    "Σ": 0.632, "·": 0.318, "×": 0.838, "⋮": 1.0, "⋯": 1.0, "—": 1.0, "→": 0.838,
}
_WIDE = 1.0       # any other character: assume a full em (CJK, symbols)
SAFETY = 1.1      # bold text is about 10% wider; other fonts differ by as much
LINE_SPACING = 1.2  # matplotlib's default, in ems between baselines
_SHRINK = 0.7     # mathtext's subscript scale
_MATH = re.compile(r"^\$(?P<base>[^_$]*)(?:_\{(?P<sub>[^}]*)\})?\$$")


# the font file text is measured with while a layout runs with ``font=`` (None: the table above)
_FONT_FILE: contextvars.ContextVar[str | None] = contextvars.ContextVar("nnviz_font_file", default=None)
_EM = 1000.0  # the size, in pixels, fonts are measured at (widths are kept in ems)


@functools.lru_cache(maxsize=32)
def find_font(family: str) -> tuple[str, str]:
    """The (family name, font file) of an installed font family, without importing matplotlib.

    Looked up with fontconfig (``fc-list``), then among matplotlib's bundled fonts (its
    ``mpl-data/fonts`` folder, found without importing it), and only then with matplotlib's font
    manager (fonts it knows that fontconfig does not). The file is read with Pillow; matplotlib
    is told of it when it draws (:func:`register_font`).

    Raises:
        OptionError: no installed font has that family.
    """
    from ..errors import OptionError

    files = _fontconfig_files(family) or _bundled_files(family)
    if files:
        return _family_name(files[0]), files[0]
    known = _matplotlib_file(family)
    if known is not None:
        return family, known
    raise OptionError(f"font {family!r} is not installed (see `fc-list : family`)")


def _fontconfig_files(family: str) -> list[str]:
    """The TrueType/OpenType files fontconfig has for ``family``, upright regular first."""
    import shutil

    if not shutil.which("fc-list"):
        return []
    return list(_fc_list(family))


@functools.lru_cache(maxsize=64)
def _fc_list(family: str) -> tuple[str, ...]:
    """``fc-list``'s answer for ``family``, asked once per process."""
    import subprocess

    out = subprocess.run(["fc-list", f":family={family}", "file"], capture_output=True, text=True,
                         timeout=30).stdout
    return tuple(sorted((f.strip().rstrip(":") for f in out.splitlines()
                         if f.strip().lower().rstrip(":").endswith((".ttf", ".otf"))), key=_regular_first))


def _bundled_files(family: str) -> list[str]:
    """matplotlib's own font files of ``family`` (it ships DejaVu and STIX), found without importing it."""
    wanted = family.casefold()
    return sorted((path for path, name in _bundled_families() if name.casefold() == wanted), key=_regular_first)


@functools.lru_cache(maxsize=1)
def _bundled_families() -> tuple[tuple[str, str], ...]:
    """(file, family) of each of matplotlib's bundled fonts, read once per process, each file opened
    outside :func:`_font`'s cache (forty files would push out the font text is measured with)."""
    import importlib.util
    from pathlib import Path

    from PIL import ImageFont

    spec = importlib.util.find_spec("matplotlib")
    if spec is None or not spec.submodule_search_locations:
        return ()
    folder = Path(next(iter(spec.submodule_search_locations))) / "mpl-data" / "fonts" / "ttf"
    return tuple((str(f), ImageFont.truetype(str(f), 10).getname()[0] or str(f)) for f in sorted(folder.glob("*.ttf")))


def _family_name(path: str) -> str:
    """The family a font file declares (what matplotlib and browsers know it by)."""
    return _font(path).getname()[0] or path


def _matplotlib_file(family: str) -> str | None:
    """The file matplotlib's font manager draws ``family`` with, or ``None`` if it knows no such family."""
    from matplotlib import font_manager as fm

    try:
        return fm.findfont(fm.FontProperties(family=family), fallback_to_default=False)
    except ValueError:
        return None


def register_font(family: str) -> None:
    """Tell matplotlib of ``family``'s files when fontconfig found them and matplotlib does not know them.

    Called by the matplotlib writers before they draw text in a theme's font; a family matplotlib
    already finds (its bundled DejaVu, or anything in its font cache) is left as it is.
    """
    if family in _REGISTERED:
        return
    _REGISTERED.add(family)  # asked once per process: matplotlib keeps what it was told
    if _matplotlib_file(family) is not None:
        return
    from matplotlib import font_manager as fm

    for file in _fontconfig_files(family):  # every style, so bold text draws bold
        fm.fontManager.addfont(file)


_REGISTERED: set[str] = set()


def _regular_first(path: str) -> tuple[bool, str]:
    """Upright regular files before bold, italic and other styles of a family."""
    name = path.rsplit("/", 1)[-1].lower()
    return (any(w in name for w in ("bold", "italic", "oblique", "slant", "demi", "caps", "light")), name)


@contextlib.contextmanager
def measuring(family: str | None) -> Iterator[None]:
    """Measure text with the font file of ``family`` inside the block (``None``: DejaVu Sans's table)."""
    token = _FONT_FILE.set(None if family is None else find_font(family)[1])
    try:
        yield
    finally:
        _FONT_FILE.reset(token)


@functools.lru_cache(maxsize=4096)
def _measured(path: str, text: str) -> float:
    """The advance width of ``text`` in ems, read from the font file."""
    return _font(path).getlength(text) / _EM


@functools.lru_cache(maxsize=16)
def _font(path: str):  # noqa: ANN202 - PIL's FreeTypeFont
    from PIL import ImageFont

    return ImageFont.truetype(path, int(_EM))


def _chars(text: str) -> float:
    path = _FONT_FILE.get()
    if path is None:
        return sum(_ADVANCE.get(c, _WIDE) for c in text)
    return _measured(path, text)


def _line_width(line: str) -> float:
    """Width of one line in ems (mathtext of the form ``$A_{12}$`` understood)."""
    m = _MATH.match(line)
    if m:
        base = _chars(m["base"])
        sub = _chars(m["sub"] or "")
        return base + _SHRINK * sub + 0.15  # italic overhang and the gap before the subscript
    return _chars(line)


def text_size(text: str, size: float) -> tuple[float, float]:
    """The (width, height) in points that ``text`` takes at font ``size``, a little generously.

    Args:
        text: the text; ``\\n`` separates lines.
        size: the font size in points.

    Returns:
        Width and height in points, as matplotlib's ``get_window_extent`` would report them.
    """
    lines = text.split("\n")
    width = max(_line_width(line) for line in lines) * size * SAFETY
    if len(lines) > 1:
        height = LINE_SPACING * len(lines) * size
    else:  # a subscript under a letter with a descender reaches a little lower
        height = size * (1.1 if _MATH.match(text) else 1.0)
    return width, height
