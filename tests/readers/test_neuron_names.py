"""Feature and class names stored in a .keras file (issue 16 item 15): read back, checked, drawn."""

from __future__ import annotations

import json
import shutil
import zipfile
from pathlib import Path

import pytest

import nnviz

IRIS = Path(__file__).resolve().parents[2] / "examples" / "keras" / "iris_mlp.keras"


def _with_names(tmp_path: Path, doc: object) -> Path:
    path = tmp_path / "named.keras"
    shutil.copyfile(IRIS, path)
    with zipfile.ZipFile(path, "a") as zf:
        zf.writestr("nnviz.json", doc if isinstance(doc, str) else json.dumps(doc))
    return path


def _neuron_labels(path: Path) -> list[str]:
    return [lb.text for lb in nnviz.draw(path, style="node").scene.labels if lb.role == "neuron"]


def test_a_file_without_names_draws_x_and_y():
    assert nnviz.load(IRIS).neuron_names == {}
    labels = _neuron_labels(IRIS)
    assert labels[0] == "$X_{1}$" and labels[-1] == "$y_{3}$"


def test_stored_names_label_the_inputs_and_outputs(tmp_path):
    features = ["sepal length (cm)", "sepal width (cm)", "petal length (cm)", "petal width (cm)"]
    path = _with_names(tmp_path, {"feature_names": features, "output_names": ["setosa", "versicolor", "virginica"]})
    labels = _neuron_labels(path)
    assert labels[:4] == features and labels[-3:] == ["setosa", "versicolor", "virginica"]


def test_names_that_do_not_fit_the_widths_are_not_used(tmp_path):
    path = _with_names(tmp_path, {"feature_names": ["a", "b"], "output_names": ["p", "q", "r"]})
    labels = _neuron_labels(path)
    assert labels[0] == "$X_{1}$" and labels[-3:] == ["p", "q", "r"]


@pytest.mark.parametrize("doc, kept", [
    ("not json", {}),
    ([1, 2], {}),
    ({"feature_names": "abcd", "output_names": ["a", "b", "c"]}, {"output_names": ("a", "b", "c")}),
    ({"feature_names": ["$\\frac{a}{b}$", "b", "c", "d"]}, {}),          # would be read as mathematics
    ({"feature_names": ["x" * 201, "b", "c", "d"]}, {}),
    ({"feature_names": [1, 2, 3, 4]}, {}),
])
def test_bad_names_are_left_out_with_a_warning(tmp_path, doc, kept):
    graph = nnviz.load(_with_names(tmp_path, doc))
    assert graph.neuron_names == kept
    assert any(w.startswith("nnviz.json: ") for w in graph.warnings)
    assert graph.total_params == 67   # the model itself reads as before


def test_control_characters_in_stored_names_are_escaped(tmp_path):
    path = _with_names(tmp_path, {"output_names": ["set\x1b[31mosa", "b", "c"]})
    assert _neuron_labels(path)[-3] == "set\\x1b[31mosa"
