"""How Keras lays out an HDF5 file: attributes it splits over 64 KB, the group holding the weights,
and what h5py raises on a damaged file; shared by every reader of HDF5 files (h5.py, tree.py,
weights.py, keras_zip.py), below all of them.

>>> class Obj:
...     attrs = {"names0": [b"a", b"b"], "names1": [b"c"]}
>>> split_attr(Obj(), "names")
['a', 'b', 'c']
"""

from __future__ import annotations

from typing import Any

__all__ = ["split_attr", "weights_group", "attr_text", "H5_ERRORS", "HDF5_SIGNATURE"]

HDF5_SIGNATURE = b"\x89HDF\r\n\x1a\n"  # the first bytes of an HDF5 file (without a user block)

H5_ERRORS = (OSError, RuntimeError, KeyError, ValueError, TypeError, AttributeError, IndexError,
             UnicodeDecodeError, SystemError, OverflowError)


def attr_text(value: Any) -> str:
    """An HDF5 attribute's value as text (bytes, a fixed-length string array, or anything else)."""
    if isinstance(value, bytes):
        return value.decode("utf-8")
    if hasattr(value, "tobytes") and getattr(value, "dtype", None) is not None and value.dtype.kind == "S":
        return value.tobytes().decode("utf-8")
    return str(value)


def split_attr(obj: Any, name: str) -> list[str]:
    """An attribute that Keras may have split into ``name0``, ``name1``... (over 64 KB)."""
    if name in obj.attrs:
        values = obj.attrs[name]
        return [attr_text(v) for v in values]
    out: list[str] = []
    i = 0
    while f"{name}{i}" in obj.attrs:
        out.extend(attr_text(v) for v in obj.attrs[f"{name}{i}"])
        i += 1
    return out


def weights_group(f: Any) -> Any:
    """The group that holds the layers' weights: ``model_weights``, or the root of a weights file."""
    return f["model_weights"] if "model_weights" in f else f
