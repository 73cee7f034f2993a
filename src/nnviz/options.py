"""Strict option dataclasses: unknown or positional arguments are an :class:`OptionError`, not a TypeError.

Public drawing functions take keyword options that map one to one onto the
fields of a frozen dataclass; a misspelt name should say what the allowed
names are, the way a bad value does.

>>> from dataclasses import dataclass
>>> @strict_options
... @dataclass(frozen=True, kw_only=True)
... class Opts:
...     size: int = 3
>>> Opts(size=4).size
4
>>> Opts(sise=4)
Traceback (most recent call last):
...
nnviz.errors.OptionError: unknown option 'sise' (did you mean 'size'? must be one of ['size'])
"""

from __future__ import annotations

import difflib
import functools
from dataclasses import fields
from typing import Any, TypeVar

from .errors import OptionError

__all__ = ["strict_options", "check_choice", "parse_width", "WIDTHS", "check_figsize", "check_dpi", "DIRECTIONS",
           "PAGES", "check_figure"]

DIRECTIONS = ("LR", "TB")  # data flows left to right, or top to bottom
PAGES = {"a4": (595.3, 841.9), "letter": (612.0, 792.0)}  # portrait, in points

T = TypeVar("T", bound=type)


def strict_options(cls: T) -> T:
    """Make a keyword-only dataclass reject unknown or positional arguments with an OptionError.

    Args:
        cls: a dataclass.

    Returns:
        The same class, its ``__init__`` wrapped.
    """
    init = cls.__init__
    names = [f.name for f in fields(cls) if f.init]

    @functools.wraps(init)
    def __init__(self: Any, *args: Any, **kwargs: Any) -> None:
        if args:
            raise OptionError(f"{cls.__name__} takes keyword arguments only (one of {names})")
        for key in sorted(kwargs):
            if key not in names:
                close = difflib.get_close_matches(key, names, n=1)
                guess = f"did you mean {close[0]!r}? " if close else ""
                raise OptionError(f"unknown option {key!r} ({guess}must be one of {names})")
        init(self, **kwargs)

    cls.__init__ = __init__  # type: ignore[method-assign]
    return cls


def check_choice(name: str, value: Any, allowed: tuple | list) -> None:
    """Raise an OptionError naming the allowed values when ``value`` is not one of them.

    >>> check_choice("direction", "XY", ("LR", "TB"))
    Traceback (most recent call last):
    ...
    nnviz.errors.OptionError: unknown direction: 'XY' (must be one of ['LR', 'TB'])
    """
    if value not in allowed:
        raise OptionError(f"unknown {name}: {value!r} (must be one of {list(allowed)})")


# Figure widths by name, in inches: the text column and page of common paper classes, and slides.
WIDTHS = {
    "ieee-column": 3.5, "ieee-page": 7.16,        # IEEEtran, two columns
    "acm-column": 3.33, "acm-page": 7.0,          # acmart sigconf
    "lncs-text": 12.2 / 2.54,                     # Springer LNCS (llncs), one column
    "neurips-text": 5.5, "icml-column": 3.25, "icml-page": 6.75,
    "a4-text": 6.3, "letter-text": 6.5,           # article on A4 / letter with ordinary margins
    "slide": 160 / 25.4,                          # a 16:9 beamer frame, 160 mm wide
}
_UNITS = {"in": 72.0, "cm": 72.0 / 2.54, "mm": 72.0 / 25.4, "pt": 72.0 / 72.27, "bp": 1.0, "px": 0.75}


def parse_width(value: Any) -> float | None:
    """A figure width in points (1/72 inch) from a name (``WIDTHS``), a length with its unit
    (``"3.25in"``, ``"8.5cm"``, ``"85mm"``, ``"252pt"`` in TeX points, ``"bp"``), or a number of inches.

    >>> parse_width("ieee-column"), parse_width("3.25in"), parse_width("2.54cm"), parse_width(None)
    (252.0, 234.0, 72.0, None)
    >>> parse_width("wide")
    Traceback (most recent call last):
    ...
    nnviz.errors.OptionError: width 'wide' is not a length (3.25in, 8cm, 85mm, 252pt) nor a named width ...
    """
    import re

    if value is None:
        return None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        inches = float(value)
    elif isinstance(value, str) and value.strip().lower() in WIDTHS:
        inches = WIDTHS[value.strip().lower()]
    else:
        m = re.fullmatch(r"\s*(\d+(?:\.\d*)?|\.\d+)\s*(in|cm|mm|pt|bp|px)\s*", str(value).lower())
        if m is None:
            raise OptionError(f"width {value!r} is not a length (3.25in, 8cm, 85mm, 252pt) nor a named width "
                              f"(one of {sorted(WIDTHS)})")
        inches = float(m[1]) * _UNITS[m[2]] / 72.0
    if not 0.5 <= inches <= 200:
        raise OptionError(f"width must be between 0.5 and 200 inches, got {value!r}")
    return round(inches * 72.0, 4)


# -- the checks both styles' options share (one rule, one message) -------------------------------

def check_figsize(value: Any) -> tuple[float, float] | None:
    """A figure size: ``None``, or (width, height) in inches, each from 0.5 to 200, as floats.

    >>> check_figsize([8, 6]), check_figsize(None)
    ((8.0, 6.0), None)
    >>> check_figsize((0, 6))
    Traceback (most recent call last):
    ...
    nnviz.errors.OptionError: figsize must be two positive sizes in inches (each from 0.5 to 200), got (0, 6)
    """
    if value is None:
        return None
    ok = isinstance(value, (tuple, list)) and len(value) == 2 and all(
        isinstance(v, (int, float)) and not isinstance(v, bool) and 0.5 <= v <= 200 for v in value)
    if not ok:
        raise OptionError(f"figsize must be two positive sizes in inches (each from 0.5 to 200), got {value!r}")
    return (float(value[0]), float(value[1]))


def check_dpi(value: Any) -> None:
    """A resolution in dots per inch: a number above 0, at most 2400, or ``None`` (chosen from the
    drawing's size when it is written).

    >>> check_dpi(0)
    Traceback (most recent call last):
    ...
    nnviz.errors.OptionError: dpi must be a number above 0 and at most 2400, got 0
    """
    if value is not None and (isinstance(value, bool) or not isinstance(value, (int, float))
                              or not 0 < value <= 2400):
        raise OptionError(f"dpi must be a number above 0 and at most 2400, got {value!r}")


def check_figure(options: Any) -> None:
    """The checks every drawing's options share, one rule and one message each: ``direction``,
    ``page``, ``figsize``, ``width``, ``dpi``, and ``theme`` with ``font``.

    Normalises, on the frozen ``options``: the page's name to lower case, the figsize to floats,
    the theme (a name or a :class:`~nnviz.theme.Theme`) to a Theme in ``font``.

    Raises:
        OptionError: naming the option and what it may be.
    """
    from .theme import resolve_theme, with_font

    set_ = object.__setattr__
    check_choice("direction", options.direction, DIRECTIONS)
    if options.page is not None:
        set_(options, "page", str(options.page).lower())
        check_choice("page", options.page, [*PAGES, None])
    set_(options, "figsize", check_figsize(options.figsize))
    parse_width(options.width)
    check_dpi(options.dpi)
    set_(options, "theme", with_font(resolve_theme(options.theme), options.font))
