"""The one error type of nnviz and its subclasses.

Every failure nnviz expects (bad input, a missing program or package) is an
:class:`NnvizError`. It says what failed, where (``path``, ``layer``) and what
to do next (``hint``). The CLI prints it on one line and exits with status 2.

>>> str(ReadError("unknown layer type 'Dens'", path="net.json", layer="dense"))
"net.json: layer 'dense': unknown layer type 'Dens'"
"""

from __future__ import annotations

import re

from .text import printable

__all__ = ["NnvizError", "ReadError", "ShapeError", "OptionError", "MissingDependencyError"]


_SPACE = re.compile("[ \t\n]+")


class NnvizError(Exception):
    """Base class of every error nnviz raises on purpose.

    Args:
        message: what went wrong, in one line.
        path: the file the problem is in, if any.
        layer: the layer the problem is in, if any.
        hint: what the user can do about it.
    """

    def __init__(self, message: str, *, path: object = None, layer: str | None = None,
                 hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.path = None if path is None else str(path)
        self.layer = layer
        self.hint = hint

    def with_context(self, *, path: object = None, layer: str | None = None) -> "NnvizError":
        """Fill in ``path``/``layer`` where they are still unknown; returns self."""
        if self.path is None and path is not None:
            self.path = str(path)
        if self.layer is None and layer is not None:
            self.layer = layer
        return self

    def __str__(self) -> str:
        parts = []
        if self.path:
            parts.append(f"{self.path}:")
        if self.layer:
            parts.append(f"layer {self.layer!r}:")
        parts.append(self.message)
        text = " ".join(parts)
        if self.hint:
            text += f" ({self.hint})"
        # always one line; a control character from a file (an escape sequence in a layer
        # name) is shown escaped, never sent to the terminal
        return printable(" ".join(_SPACE.split(text.strip())))


class ReadError(NnvizError, ValueError):
    """A source could not be read: missing, corrupt, hostile or of another kind."""


class ShapeError(ReadError):
    """Shapes that do not fit, e.g. ``Add`` of tensors with different shapes."""


class OptionError(NnvizError, ValueError):
    """An option has a value nnviz does not accept."""


class MissingDependencyError(NnvizError, ImportError):
    """A package or program nnviz needs for this request is not installed."""
