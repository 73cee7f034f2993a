"""The layer graph is frozen once built (issue 11): copies share no mutable state."""

from __future__ import annotations

from pathlib import Path

import pytest

import nnviz
from nnviz.graph import LayerGraph, TensorRef

DEEPNN = Path(__file__).resolve().parent.parent / "examples" / "deepnn.json"


def test_a_graph_cannot_be_changed_after_it_is_built():
    g = nnviz.load(DEEPNN)
    for name, value in [("source", "elsewhere"), ("weights_loader", None), ("warnings", ()),
                        ("recorded_shapes", {}), ("has_graph", False), ("name", "x")]:
        with pytest.raises(AttributeError, match="frozen"):
            setattr(g, name, value)
    assert g.source == str(DEEPNN) and g.has_graph and g.name == "DeepNN"


def test_replace_and_with_layers_make_independent_copies():
    g = nnviz.load(DEEPNN)
    h = g.replace(source="other.json", warnings=("a note",), hyperparameters={"a": 1})
    assert (g.source, h.source) == (str(DEEPNN), "other.json")
    assert h.warnings == ("a note",) and g.warnings == ()
    assert h.layers == g.layers and h.calls == g.calls and h.name == g.name
    ref = TensorRef(g.layers[0].name)
    for copy in (g.with_layers(g.layers), g.replace()):
        copy.recorded_shapes[ref] = (None, 7)  # the dict of a copy is its own
        assert ref not in g.recorded_shapes
    k = h.replace()
    k.hyperparameters["a"] = 2
    assert h.hyperparameters == {"a": 1}
    with pytest.raises(TypeError, match="no field 'colour'"):
        g.replace(colour="red")


def test_every_constructor_field_survives_a_copy():
    g = LayerGraph("m", [], [], [], [], class_name="Tree", source="s", keras_version="3.1", warnings=("w",),
                   description="d", has_graph=False, model_class="Gemma", hyperparameters={"h": 1},
                   metadata={"m": 2}, recorded_shapes={TensorRef("x"): (None, 1)})
    h = g.with_layers([])
    assert {f: getattr(h, f) for f in LayerGraph._FIELDS} == {f: getattr(g, f) for f in LayerGraph._FIELDS}
