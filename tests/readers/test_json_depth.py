"""The nesting limit of JSON files, measured on the text (``json_text_depth``) rather than by a walk over
the parsed data: the same number as the walk (``check_nesting``) for any JSON, whatever its strings hold,
and the same limit (``MAX_NESTING``) at the same place."""

from __future__ import annotations

import json
from collections import OrderedDict
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nnviz.errors import ReadError
from nnviz.readers.keras_config import MAX_NESTING, check_nesting, config_from_json_text, json_text_depth


def _depth(value: Any) -> int:
    """The reference: containers inside containers, counted by plain recursion."""
    if isinstance(value, dict):
        return 1 + max(map(_depth, value.values()), default=0)
    if isinstance(value, list):
        return 1 + max(map(_depth, value), default=0)
    return 0


# strings that look like JSON structure: brackets, quotes, backslashes, escapes, non-ASCII
_TRICKY = st.text(alphabet=st.sampled_from(list('[]{}"\\/,: ab\n\t\u00e9\u4e2d\U0001f600')), max_size=12)
_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | _TRICKY,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(_TRICKY, inner, max_size=4),
    max_leaves=40)


@settings(max_examples=150, deadline=None)
@given(_JSON, st.booleans(), st.sampled_from([None, 1, "\t"]))
def test_the_depth_read_off_the_text_is_the_depth_of_the_data(value, ascii_only, indent):
    text = json.dumps(value, ensure_ascii=ascii_only, indent=indent)
    assert json_text_depth(text) == _depth(json.loads(text))


@pytest.mark.parametrize("inside", ['"]]]]"', '"[[[[[["', '"\\\\"', '"\\"[["', '{"[": "{{"}', "[]"])
def test_the_limit_sits_where_the_walk_puts_it(inside):
    for n in (MAX_NESTING - 1, MAX_NESTING):
        text = "[" * n + inside + "]" * n
        expected = n + _depth(json.loads(inside))
        assert json_text_depth(text) == expected
        if expected <= MAX_NESTING:
            data = config_from_json_text(text)
            assert check_nesting(data) is data
        else:
            with pytest.raises(ReadError, match="nested too deeply"):
                check_nesting(json.loads(text))
            with pytest.raises(ReadError, match=f"nested too deeply \\(over {MAX_NESTING} levels\\)"):
                config_from_json_text(text)


def test_exactly_at_the_limit_and_one_past_it():
    ok = '{"a": ' * MAX_NESTING + "1" + "}" * MAX_NESTING
    assert json_text_depth(ok) == MAX_NESTING
    assert config_from_json_text(ok)["a"]["a"]["a"]
    deep = "[" * (MAX_NESTING + 1) + "]" * (MAX_NESTING + 1)
    with pytest.raises(ReadError, match="nested too deeply") as err:
        config_from_json_text(deep, path="deep.json")
    assert "deep.json" in str(err.value)


def test_brackets_in_strings_count_for_nothing():
    text = json.dumps({"name": "[" * 5000, "other": "{" * 5000 + '"' + "\\"})
    assert json_text_depth(text) == 1
    assert config_from_json_text(text)["name"] == "[" * 5000


def test_the_walk_counts_mapping_subclasses_and_stops_at_the_limit():
    deep: Any = 1
    for _ in range(MAX_NESTING // 2):  # two levels a step: exactly at the limit
        deep = OrderedDict(a=[deep])
    assert check_nesting(deep) is deep
    deep = [deep]
    with pytest.raises(ReadError, match="nested too deeply"):
        check_nesting(deep)
    assert check_nesting([OrderedDict(a=[1])]) == [OrderedDict(a=[1])]
    assert check_nesting(3) == 3
