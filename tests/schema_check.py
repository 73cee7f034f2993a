"""JSON format 2: every ``to_dict()`` / ``--json`` output the suite produces is checked against the schema.

``conftest.py`` wraps :meth:`LayerGraph.to_dict` for the whole session with :func:`checking`, so
a field added without its schema entry (or a count that breaks its type) fails the test that
produced it.
"""

from __future__ import annotations

import contextlib
import functools
import json
from pathlib import Path
from typing import Any, Iterator

SCHEMA_PATH = Path(__file__).resolve().parent.parent / "schema" / "graph.v2.json"


@functools.lru_cache(maxsize=1)
def validator() -> Any:
    from jsonschema import Draft202012Validator

    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema)


def validate(data: Any) -> None:
    """Raise ``AssertionError`` naming the first place where ``data`` breaks the schema."""
    errors = sorted(validator().iter_errors(data), key=lambda e: list(e.absolute_path))
    if errors:
        first = errors[0]
        where = "/".join(str(p) for p in first.absolute_path) or "(top)"
        raise AssertionError(f"to_dict() output breaks schema/graph.v2.json at {where}: {first.message}")


@contextlib.contextmanager
def checking() -> Iterator[None]:
    """Within the block, every ``LayerGraph.to_dict()`` result is validated before it is returned."""
    from nnviz.graph import LayerGraph

    original = LayerGraph.to_dict

    @functools.wraps(original)
    def to_dict(self: LayerGraph, **kwargs: object) -> dict:
        data = original(self, **kwargs)
        validate(data)
        return data

    LayerGraph.to_dict = to_dict  # type: ignore[method-assign]
    try:
        yield
    finally:
        LayerGraph.to_dict = original  # type: ignore[method-assign]
