"""The layers between two names (``--from`` / ``--to``)."""

from __future__ import annotations

from ..errors import OptionError
from .model import View

__all__ = ["select_range"]


def _find(view: View, name: str, what: str) -> int:
    ids = list(view.blocks)
    if name in view.blocks:
        return ids.index(name)
    hits = [i for i, n in enumerate(ids) if n.rsplit("/", 1)[-1] == name]
    if len(hits) == 1:
        return hits[0]
    import difflib

    close = difflib.get_close_matches(name, [n.rsplit("/", 1)[-1] for n in ids], n=3)
    hint = f"did you mean {', '.join(map(repr, close))}?" if close else "nnviz summary lists the names"
    raise OptionError(f"unknown {what} layer {name!r}", hint=hint)


def select_range(view: View, from_layer: str | None, to_layer: str | None) -> View:
    """Keep the blocks from ``from_layer`` to ``to_layer`` (inclusive, in topological order).

    Raises:
        OptionError: a name is unknown, or ``to_layer`` comes before ``from_layer``.
    """
    if from_layer is None and to_layer is None:
        return view
    ids = list(view.blocks)
    lo = 0 if from_layer is None else _find(view, from_layer, "--from")
    hi = len(ids) - 1 if to_layer is None else _find(view, to_layer, "--to")
    if hi < lo:
        raise OptionError(f"--to layer {to_layer!r} comes before --from layer {from_layer!r}")
    keep = set(ids[lo:hi + 1])
    return view.with_blocks([view.blocks[i] for i in ids[lo:hi + 1]],
                           [(u, v) for u, v in view.edges if u in keep and v in keep])
