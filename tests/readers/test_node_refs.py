"""The tensors an inbound node reads, for every era's node format: the usual nodes (read without the
recursive walk) and the unusual ones (walked) give the references Keras wrote, in order."""

from __future__ import annotations

import pytest

from nnviz.errors import ReadError
from nnviz.graph import TensorRef
from nnviz.readers.keras_config import _node_refs


def _t(name: str, node: int = 0, tensor: int = 0, shape: list | None = None) -> dict:
    return {"class_name": "__keras_tensor__",
            "config": {"shape": shape or [None, 4], "dtype": "float32", "keras_history": [name, node, tensor]}}


@pytest.mark.parametrize("node, expected", [
    # Keras 3
    ({"args": [_t("a")], "kwargs": {}}, [("a", 0, 0)]),
    ({"args": [[_t("a"), _t("b", 1, 2)]], "kwargs": {}}, [("a", 0, 0), ("b", 1, 2)]),
    ({"args": [_t("a"), _t("b")], "kwargs": {}}, [("a", 0, 0), ("b", 0, 0)]),
    ({"args": [_t("q")], "kwargs": {"value": _t("v"), "training": False}}, [("q", 0, 0), ("v", 0, 0)]),
    ({"args": [_t("a"), 3.0], "kwargs": {}}, [("a", 0, 0)]),
    ({"args": [[_t("a"), [_t("b")]]], "kwargs": {}}, [("a", 0, 0), ("b", 0, 0)]),
    ({"args": [], "kwargs": {}}, []),
    # Keras 1 / 2
    ([["a", 0, 0, {}], ["b", 1, 0]], [("a", 0, 0), ("b", 1, 0)]),
    ([["a", 0, 0, {"mask": ["m", 0, 0]}]], [("a", 0, 0), ("m", 0, 0)]),
    ([["_CONSTANT_VALUE", 0, 0], ["a", 0, 1, {}]], [("a", 0, 1)]),
    ([["a", 0, 0, {"training": True}]], [("a", 0, 0)]),
    (["a", 2, 0], [("a", 2, 0)]),
    ([], []),
])
def test_every_node_format_reads_its_tensors_in_order(node, expected):
    recorded: dict = {}
    refs = _node_refs(node, recorded)
    assert refs == [TensorRef(*e) for e in expected]
    keras3 = isinstance(node, dict)
    assert set(recorded) == (set(refs) if keras3 else set())
    assert all(shape == (None, 4) for shape in recorded.values())


@pytest.mark.parametrize("node, problem", [
    ([["a", True, 0, {}]], "not integers"),
    ([["a", 0, -1]], "negative"),
    ({"args": [_t("a", -2)], "kwargs": {}}, "negative"),
    ({"args": [_t("a", 1.5)], "kwargs": {}}, "not integers"),
])
def test_bad_indices_are_refused_on_either_path(node, problem):
    with pytest.raises(ReadError, match=problem):
        _node_refs(node, {})
