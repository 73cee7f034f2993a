"""JSON format 2 (schema/graph.v2.json): the schema is valid, outputs follow it, and it refuses what it must.

Every to_dict() of the whole suite is also checked (conftest.py wraps it); these tests make sure
the check itself can fail, and cover the CLI's --json and every example.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

import nnviz
from nnviz.cli import cli
from schema_check import SCHEMA_PATH, validate, validator

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def test_schema_is_draft_2020_12_and_valid():
    schema = json.loads(SCHEMA_PATH.read_text())
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    validator()  # check_schema raises on an invalid schema
    assert schema["properties"]["format_version"] == {"const": nnviz.graph.FORMAT_VERSION} == {"const": 2}


@pytest.mark.parametrize("path", sorted(EXAMPLES.glob("*.json")), ids=lambda p: p.name)
def test_every_example_follows_the_schema(path):
    validate(nnviz.load(path).to_dict())


def test_cli_json_follows_the_schema():
    result = CliRunner().invoke(cli, ["summary", str(EXAMPLES / "deepnn.json"), "--json"])
    assert result.exit_code == 0, result.output
    validate(json.loads(result.output))


def _good() -> dict:
    return nnviz.load({"input_shape": [3], "layers": [{"type": "Dense", "units": 2}]}).to_dict()


@pytest.mark.parametrize("break_it", [
    lambda d: d.update(format_version=1),
    lambda d: d.update(total_params=None),                # the known sum is always a number
    lambda d: d.pop("unknown_params"),
    lambda d: d.update(surprise=1),                       # a new field must be added to the schema first
    lambda d: d["layers"][1].update(params="?"),          # unknown is null, not a string
    lambda d: d["layers"][1].update(params=-1),
    lambda d: d["layers"][1].update(macs="many"),
    lambda d: d["layers"][1].update(output_shape=[None, "2"]),
    lambda d: d["layers"][1].pop("inbound"),
])
def test_schema_refuses_what_it_must(break_it):
    d = copy.deepcopy(_good())
    validate(d)
    break_it(d)
    with pytest.raises(AssertionError, match="breaks schema"):
        validate(d)


def test_schema_has_room_for_costs_and_models_without_a_graph():
    d = _good()
    d["layers"][1].update(macs=6, flops=12, activation_bytes=8, weight_bytes=None)
    tree = {**d, "graph": False, "layers": [{**d["layers"][1], "inbound": [], "layers": [d["layers"][1]]}]}
    validate(d)
    validate(tree)


def test_unknown_counts_are_null_in_valid_json():
    g = nnviz.load({"class_name": "Sequential", "keras_version": "2.4.0", "config": {"name": "s", "layers": [
        {"class_name": "InputLayer", "config": {"name": "x", "batch_input_shape": [None, 5]}},
        {"class_name": "Lambda", "config": {"name": "lam", "function": "code"}},
        {"class_name": "Flatten", "config": {"name": "f"}},
        {"class_name": "Dense", "config": {"name": "d", "units": 2}}]}})
    d = g.to_dict()
    validate(d)
    assert [r["params"] for r in d["layers"]] == [0, 0, 0, None]
    assert d["unknown_params"] == ["d"] and d["total_params_is_lower_bound"] is True
