"""Text from a file, as nnviz shows it: control characters escaped, long lines shortened.

Names, types, activations and descriptions come from files anyone can write. Shown raw,
an escape sequence in a layer name would reach the terminal (clearing it, writing the
clipboard with OSC 52, hiding text with CR and BS), break XML and DOT, or change a
Mermaid label. Bidirectional overrides and isolates (U+202A-U+202E, U+2066-U+2069) make text
read in another order than it is stored ("Trojan Source"): a name could show as something it
is not. Every text output shows C0 and C1 control characters (and DEL) as ``\\xNN`` and those
bidi controls as ``\\uNNNN`` instead; JSON output keeps the exact name (JSON escapes them itself).

>>> printable("evil\\x1b]52;c;aGk=\\x07 name\\x00")
'evil\\\\x1b]52;c;aGk=\\\\x07 name\\\\x00'
>>> printable("dense\\u202egnp.exe")
'dense\\\\u202egnp.exe'
>>> printable("conv1_relu") == "conv1_relu"
True
>>> shorten("a" * 50, 11)
'aaaaa…aaaaa'
"""

from __future__ import annotations

import re

__all__ = ["printable", "printable_lines", "shorten", "display", "has_control", "CONTROL_CHARS"]

#: a regular-expression character class of what is never shown raw: C0, DEL, C1, bidi overrides and isolates
CONTROL_CHARS = "[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]"
_CONTROL = re.compile(CONTROL_CHARS)


def _escape(match: "re.Match[str]") -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def has_control(text: str) -> bool:
    """Whether ``text`` holds a C0 or C1 control character (or DEL), or a bidi override or isolate."""
    return _CONTROL.search(text) is not None


def printable(text: object) -> str:
    """``str(text)`` with every C0/C1 control character (newline and tab too) shown as ``\\xNN``,
    and every bidi override or isolate as ``\\uNNNN``."""
    text = str(text)
    # every character escaped is one that str.isprintable() rejects: most names need no search
    return text if text.isprintable() else _CONTROL.sub(_escape, text)


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
