"""dtypes and dtype policies as they appear in configs of every era."""

from __future__ import annotations

from typing import Any

__all__ = ["variable_dtype", "itemsize"]

_SIZES = {"float16": 2, "bfloat16": 2, "float32": 4, "float64": 8, "int8": 1, "uint8": 1,
          "int16": 2, "int32": 4, "int64": 8, "bool": 1, "float8_e4m3fn": 1, "float8_e5m2": 1}


def variable_dtype(dtype: Any) -> str:
    """The dtype of a layer's variables from its config's ``dtype`` entry.

    >>> variable_dtype("float64"), variable_dtype("mixed_float16"), variable_dtype(None)
    ('float64', 'float32', 'float32')
    >>> variable_dtype({"module": "keras", "class_name": "DTypePolicy", "config": {"name": "bfloat16"}})
    'bfloat16'
    """
    if isinstance(dtype, dict):
        cfg = dtype.get("config") if isinstance(dtype.get("config"), dict) else {}
        dtype = cfg.get("name", "float32")
    if not isinstance(dtype, str):
        return "float32"
    if dtype.startswith("mixed_"):
        return "float32"  # mixed precision keeps its variables in float32
    return dtype if dtype in _SIZES else "float32"


def itemsize(dtype: str) -> int:
    """Bytes per element of ``dtype`` (4 for anything unknown)."""
    return _SIZES.get(dtype, 4)
