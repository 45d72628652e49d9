"""JSON loading: standard values, positions of every key and value, duplicate keys."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hybridctl.config.document import Document, LoadFailed, SourceText
from hybridctl.config.jsonload import load_json


def load(text: str) -> Document:
    return load_json(SourceText(path=Path("t.json"), display="t.json", text=text))


def test_positions_of_nested_keys_and_values() -> None:
    doc = load('{\n  "models": {\n    "glm-4.5": {"tier": "primary", "n": [1, 2.5e3]}\n  }\n}\n')

    assert doc.locate(("models", "glm-4.5", "tier")) == (3, 25)
    assert doc.locate(("models", "glm-4.5", "tier"), key=True) == (3, 17)
    assert doc.locate(("models", "glm-4.5", "n", 1)) == (3, 45)
    assert doc.data["models"]["glm-4.5"]["n"] == [1, 2500.0]


def test_string_escapes_do_not_shift_positions() -> None:
    doc = load('{"a": "\\u00e9\\n\\"", "b": 1}')

    assert doc.data == {"a": 'é\n"', "b": 1}
    assert doc.locate(("b",)) == (1, 26)


def test_duplicate_keys_are_found_at_every_depth() -> None:
    doc = load('{"a": {"x": 1, "x": 2}, "a": 3}')

    assert [(f.rule, f.column) for f in doc.findings] == [("duplicate-key", 16), ("duplicate-key", 25)]


@pytest.mark.parametrize(
    "text, rule, line, column",
    [
        ('{"a": 1,}', "json-syntax", 1, 9),
        ('{"a": NaN}', "json-syntax", 1, 7),
        ('{"a": Infinity}', "json-syntax", 1, 7),
        ("", "json-syntax", 1, 1),
        ('{"a": 1}\n{"b": 2}', "json-syntax", 2, 1),
        ("[" * 5000 + "]" * 5000, "nesting-too-deep", 1, 1),
        ('{"a": ' + "[" * 300 + "]" * 300 + "}", "nesting-too-deep", 1, 134),
    ],
)
def test_broken_json_fails_with_a_position(text: str, rule: str, line: int, column: int) -> None:
    with pytest.raises(LoadFailed) as caught:
        load(text)
    [diag] = caught.value.diagnostics
    assert (diag.rule, diag.line, diag.column) == (rule, line, column)


def test_trailing_comma_gets_a_hint() -> None:
    with pytest.raises(LoadFailed) as caught:
        load('{"a": [1, 2,]}')
    assert caught.value.diagnostics[0].hint == "JSON allows no trailing comma; remove it"


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(),
    lambda children: st.lists(children) | st.dictionaries(st.text(), children),
    max_leaves=30,
)


@given(JSON, st.sampled_from([None, 2]))
def test_loads_whatever_json_dumps_writes(value: Any, indent: int | None) -> None:
    text = json.dumps(value, indent=indent)
    doc = load(text)

    assert doc.data == value
    assert doc.locate(()) == (1, 1)
