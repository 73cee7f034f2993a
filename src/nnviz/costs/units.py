"""Numbers as people read them: 4.09 G, 312.5 M, 12 k."""

from __future__ import annotations

__all__ = ["humanize"]


def humanize(n: float | None, unit: str = "") -> str:
    """Three significant digits and an SI prefix; ``None`` is ``"?"``.

    >>> humanize(4_090_000_000), humanize(312_500_000, "B"), humanize(950), humanize(None), humanize(0)
    ('4.09 G', '312 MB', '950', '?', '0')
    """
    if n is None:
        return "?"
    value = float(n)
    for prefix in ("", "k", "M", "G", "T", "P"):
        if abs(value) < 999.5 or prefix == "P":
            break
        value /= 1000
    if prefix == "":
        text = f"{value:.0f}" if float(value).is_integer() else f"{value:.3g}"
        return f"{text} {unit}".rstrip() if unit else text
    return f"{value:.3g} {prefix}{unit}"
