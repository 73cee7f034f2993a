"""Text from a file, as nnviz shows it: control characters escaped, long lines shortened.

Names, types, activations and descriptions come from files anyone can write. Shown raw,
an escape sequence in a layer name would reach the terminal (clearing it, writing the
clipboard with OSC 52, hiding text with CR and BS), break XML and DOT, or change a
Mermaid label. Every text output shows C0 and C1 control characters (and DEL) as
``\\xNN`` instead; JSON output keeps the exact name (JSON escapes them itself).

>>> printable("evil\\x1b]52;c;aGk=\\x07 name\\x00")
'evil\\\\x1b]52;c;aGk=\\\\x07 name\\\\x00'
>>> printable("conv1_relu") == "conv1_relu"
True
>>> shorten("a" * 50, 11)
'aaaaa…aaaaa'
"""

from __future__ import annotations

import re

__all__ = ["printable", "printable_lines", "shorten", "display", "has_control"]

_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f]")


def _escape(match: "re.Match[str]") -> str:
    return f"\\x{ord(match.group()):02x}"


def has_control(text: str) -> bool:
    """Whether ``text`` holds a C0 or C1 control character (or DEL)."""
    return _CONTROL.search(text) is not None


def printable(text: object) -> str:
    """``str(text)`` with every C0/C1 control character (newline and tab too) shown as ``\\xNN``."""
    return _CONTROL.sub(_escape, str(text))


def printable_lines(text: object) -> str:
    """Like :func:`printable`, keeping the newlines between lines (for multi-line terminal output).

    >>> printable_lines("a\\x1b[2J\\nb\\r")
    'a\\\\x1b[2J\\nb\\\\x0d'
    """
    return "\n".join(printable(line) for line in str(text).split("\n"))


def display(text: object, limit: int) -> str:
    """Text from a file as drawn: control characters escaped, then cut to ``limit`` characters.

    >>> display("a\\x1b" + "b" * 60, 11)
    'a\\\\x1b…bbbbb'
    """
    return shorten(printable(text), limit)


def shorten(text: str, limit: int) -> str:
    """``text`` cut in the middle to at most ``limit`` characters (an ellipsis marks the cut)."""
    if len(text) <= limit:
        return text
    half = (limit - 1) // 2
    return text[:half] + "…" + text[-half:]
