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

__all__ = ["strict_options", "check_choice"]

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
