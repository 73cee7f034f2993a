"""Plain values as short text and as JSON-ready data, for reports (``nnviz diff``) and drawings.

A module of its own below both the pipeline and the renderers, so that neither imports the other
for it.

>>> short_value([1, 2]), short_value(1234567), jsonable((1, None))
('[1, 2]', '1,234,567', [1, None])
"""

from __future__ import annotations

import json
from typing import Any, Mapping

__all__ = ["jsonable", "short_value"]


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
