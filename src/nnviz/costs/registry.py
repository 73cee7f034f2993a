"""The registry of counting functions, one per Keras layer class (like :mod:`nnviz.layers.registry`).

A function takes the layer's config and, for one call, the input and output shapes (batch
dimension first) and returns a :class:`Count` for one sample. It raises :class:`Unknown`
when a size it needs is ``None``.

>>> @counts("MyScale")
... def _my_scale(cfg, ins, outs):
...     return Count(0, size(outs[0]))
>>> lookup("MyScale")({}, [(None, 4)], [(None, 4)])
Count(macs=0, flops=4, bias=0)
>>> unregister("MyScale")
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable, Mapping, Sequence

from ..registry import ClassRegistry

if TYPE_CHECKING:  # pragma: no cover
    from ..graph import Shape

__all__ = ["Count", "Unknown", "counts", "lookup", "unregister", "size", "dim", "CountFn"]


class Unknown(Exception):
    """A size the count needs is not known."""


@dataclass(frozen=True)
class Count:
    """One call's work for one sample: ``macs``, and ``flops`` *besides* the 2 per MAC, of
    which ``bias`` are bias additions (profilers count those as an op of their own)."""

    macs: int
    flops: int
    bias: int = 0


CountFn = Callable[[Mapping[str, Any], Sequence["Shape"], Sequence["Shape"]], Count]
_REGISTRY: ClassRegistry[CountFn] = ClassRegistry()


def counts(*class_names: str) -> Callable[[CountFn], CountFn]:
    """Register the decorated function for the Keras classes ``class_names``."""
    return _REGISTRY.register(*class_names)


def lookup(class_name: str) -> CountFn | None:
    """The counting function of a Keras class, or ``None``.

    The built-in rules have registered themselves by then: importing any module of this package
    runs ``nnviz/costs/__init__.py``, which imports ``rules``.
    """
    return _REGISTRY.lookup(class_name)


def unregister(class_name: str) -> None:
    _REGISTRY.unregister(class_name)


def size(shape: Shape | None, skip: int = 1) -> int:
    """Elements of one sample of ``shape`` (the first ``skip`` axes left out).

    >>> size((None, 3, 4)), size((None, 3, 4), 2)
    (12, 4)
    """
    if shape is None:
        raise Unknown("an unknown tensor")
    n = 1
    for d in shape[skip:]:
        if d is None:
            raise Unknown("an unknown dimension")
        n *= int(d)
    return n


def dim(value: Any) -> int:
    """One known size."""
    if value is None:
        raise Unknown("an unknown dimension")
    return int(value)
