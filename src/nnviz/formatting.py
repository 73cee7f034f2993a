"""Plain values as short text and as JSON-ready data, for reports (``nnviz diff``) and drawings;
shapes and parameter counts the way Keras writes them.

A module of its own below both the pipeline and the renderers, so that neither imports the other
for it.

>>> short_value([1, 2]), short_value(1234567), jsonable((1, None))
('[1, 2]', '1,234,567', [1, None])
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, Iterable

__all__ = ["jsonable", "short_value", "short_repr", "format_shape", "format_params", "sum_params"]


def jsonable(value: Any) -> Any:
    """``value`` as JSON-ready data: tuples become lists, unknown objects their text."""
    if isinstance(value, tuple):
        return [jsonable(v) for v in value]
    if isinstance(value, list):
        return [jsonable(v) for v in value]
    if isinstance(value, Mapping):
        return {str(k): jsonable(v) for k, v in value.items()}
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    return str(value)


def short_value(value: Any) -> str:
    """``value`` as at most 60 characters of text (numbers with thousands separators)."""
    if isinstance(value, (dict, list, tuple)):
        text = json.dumps(jsonable(value), sort_keys=True)
    elif isinstance(value, int) and not isinstance(value, bool):
        text = f"{value:,}"
    else:
        text = str(value)
    return text if len(text) <= 60 else text[:57] + "..."


def short_repr(value: Any) -> str:
    """``repr(value)`` for a message, short: a 5,000-digit integer has no repr (Python's int-string limit).

    >>> short_repr(-3), short_repr("x" * 100)[-5:], short_repr(10**5000)
    ('-3', 'xx...', 'an integer of about 5,000 digits')
    """
    try:
        text = repr(value)
    except ValueError:
        return f"an integer of about {int(value.bit_length() * 0.30103):,} digits"
    return text if len(text) <= 80 else text[:77] + "..."


def sum_params(counts: Iterable[int | None]) -> int | None:
    """The sum of parameter counts; ``None`` (unknown) when one of them is unknown.

    >>> sum_params([1, 2]), sum_params([1, None])
    (3, None)
    """
    total = 0
    for n in counts:
        if n is None:
            return None
        total += n
    return total


def format_params(n: int | None) -> str:
    """A parameter count with thousands separators, ``?`` when unknown.

    >>> format_params(1234567), format_params(None)
    ('1,234,567', '?')
    """
    return "?" if n is None else f"{n:,}"


def format_shape(shape: Any, *, partial: bool = False) -> str:
    """Keras's way of printing a shape: ``(None, 10)``; several shapes joined by commas.

    ``partial`` marks a shape nnviz knows only in part (after a ``Lambda``): its unknown
    sizes print as ``?``, the batch dimension stays ``None``.

    >>> format_shape((None, 28, 28, 1)), format_shape(None), format_shape(((None, 2), (None, 3)))
    ('(None, 28, 28, 1)', '?', '[(None, 2), (None, 3)]')
    >>> format_shape((None, None, None, 24), partial=True)
    '(None, ?, ?, 24)'
    """
    if shape is None:
        return "?"
    if shape and isinstance(shape[0], tuple):
        return "[" + ", ".join(format_shape(s, partial=partial) for s in shape) + "]"
    unknown = "?" if partial else "None"
    inner = ", ".join(("None" if i == 0 else unknown) if d is None else str(d) for i, d in enumerate(shape))
    return f"({inner},)" if len(shape) == 1 else f"({inner})"
