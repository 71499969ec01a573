"""JSON from outside is read with a bound on size and depth, never a RecursionError."""

from __future__ import annotations

import json

import pytest

from pledgebook.models.core import jsonsafe


def test_ordinary_json_reads_as_json_does():
    text = json.dumps({"a": [1, {"b": "中文"}], "c": None})
    assert jsonsafe.loads(text) == json.loads(text)
    assert jsonsafe.loads(text.encode("utf-8")) == json.loads(text)


@pytest.mark.parametrize("levels", [33, 3_000, 100_000])
def test_deep_nesting_is_refused_not_a_traceback(levels):
    with pytest.raises(jsonsafe.JsonTooDeep) as err:
        jsonsafe.loads("[" * levels + "]" * levels)
    assert "嵌套超过 32 层" in str(err.value)
    with pytest.raises(ValueError):
        jsonsafe.loads('{"x":' * levels + "1" + "}" * levels)


def test_many_brackets_side_by_side_are_not_deep():
    text = json.dumps([[i] for i in range(5_000)])
    assert len(jsonsafe.loads(text)) == 5_000


def test_depth_bound_and_size_bound_are_the_callers():
    assert jsonsafe.loads("[[[1]]]", max_depth=3) == [[[1]]]
    with pytest.raises(jsonsafe.JsonTooDeep):
        jsonsafe.loads("[[[[1]]]]", max_depth=3)
    with pytest.raises(jsonsafe.JsonTooLarge):
        jsonsafe.loads('"' + "x" * 100 + '"', max_bytes=50)


def test_malformed_json_is_still_a_decode_error():
    with pytest.raises(json.JSONDecodeError):
        jsonsafe.loads('{"a": ')


def test_depth_of_values():
    assert jsonsafe.depth(1) == 0
    assert jsonsafe.depth([]) == 1
    assert jsonsafe.depth({"a": [{"b": []}]}) == 4
