"""Programs from outside Python: Graphviz's ``dot``, its install hint and the one call that runs it.

One place says how to install what is missing and runs Graphviz's ``dot``, so the
layout (positions from ``dot -Tjson``) and the renderer (SVG/PNG/PDF from ``dot``)
share one call and one not-installed error.
"""

from __future__ import annotations

import shutil

from .errors import MissingDependencyError

__all__ = ["DOT_INSTALL", "have_dot", "require_dot", "run_dot"]

DOT_INSTALL = ("install Graphviz: apt-get install graphviz / brew install graphviz / "
               "conda install graphviz, or use --engine matplotlib")


def have_dot() -> bool:
    """Whether Graphviz's ``dot`` program is on PATH."""
    return shutil.which("dot") is not None


def require_dot() -> None:
    """Raise unless ``dot`` is on PATH.

    Raises:
        MissingDependencyError: ``dot`` is not installed, with the install line.
    """
    if not have_dot():
        raise MissingDependencyError("the graphviz engine needs the Graphviz 'dot' program, "
                                     "which is not on PATH", hint=DOT_INSTALL)


def run_dot(source: str, fmt: str = "json") -> bytes:
    """Run ``dot`` on DOT text and return what it writes in ``fmt`` (``json``, ``svg``, ``png``, ``pdf``).

    Raises:
        MissingDependencyError: the ``dot`` program is not installed.
    """
    import graphviz

    try:
        return graphviz.pipe("dot", fmt, source.encode("utf-8"))
    except graphviz.ExecutableNotFound as err:
        raise MissingDependencyError("the graphviz engine needs the Graphviz 'dot' program",
                                     hint=DOT_INSTALL) from err
