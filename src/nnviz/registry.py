"""Functions keyed by Keras class name: the one registry pattern of inference and counting.

>>> reg = ClassRegistry()
>>> @reg.register("Dense", "Linear")
... def _f(): return 1
>>> reg.lookup("Linear") is _f, reg.registered()
(True, ['Dense', 'Linear'])
"""

from __future__ import annotations

from typing import Any, Callable, Generic, TypeVar

__all__ = ["ClassRegistry"]

F = TypeVar("F", bound=Callable[..., Any])


class ClassRegistry(Generic[F]):
    """Functions keyed by Keras class name, registered by a decorator: inference in
    :mod:`nnviz.layers.registry`, counting rules in :mod:`nnviz.costs.registry`."""

    def __init__(self) -> None:
        self._fns: dict[str, F] = {}

    def register(self, *class_names: str) -> Callable[[F], F]:
        """A decorator registering its function for the classes ``class_names``."""

        def deco(fn: F) -> F:
            for name in class_names:
                self._fns[name] = fn
            return fn

        return deco

    def lookup(self, class_name: str) -> F | None:
        return self._fns.get(class_name)

    def unregister(self, class_name: str) -> None:
        self._fns.pop(class_name, None)

    def registered(self) -> list[str]:
        return sorted(self._fns)
