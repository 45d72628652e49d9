"""YAML loading: YAML 1.2 values, positions of every node, and the limits that
keep hostile files from hurting anyone."""

from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from hybridctl.config.document import MAX_DEPTH, Document, LoadFailed, SourceText, read_source
from hybridctl.config.yamlload import (
    MAX_ALIAS_NODES,
    PurePythonParser,
    event_parser,
    load_yaml,
    resolve_plain,
)
from tests.helpers import CORPUS


def load(text: str) -> Document:
    return load_yaml(SourceText(path=Path("t.yml"), display="t.yml", text=text))


def failure(text: str) -> tuple[str, int | None, int | None]:
    with pytest.raises(LoadFailed) as caught:
        load(text)
    first = caught.value.diagnostics[-1]
    return first.rule, first.line, first.column


@pytest.mark.parametrize(
    "text, value",
    [
        ("~", None),
        ("null", None),
        ("", None),
        ("true", True),
        ("False", False),
        ("yes", "yes"),
        ("off", "off"),
        ("12", 12),
        ("-3", -3),
        ("0o17", 15),
        ("0x1F", 31),
        ("1.5", 1.5),
        ("1e3", 1000.0),
        (".inf", math.inf),
        ("-.Inf", -math.inf),
        ("2024-01-01", "2024-01-01"),
        ("1:30", "1:30"),
        ("glm-4.5", "glm-4.5"),
        ("012", 12),
    ],
)
def test_plain_scalars_resolve_by_yaml_1_2_core_schema(text: str, value: Any) -> None:
    assert resolve_plain(text) == value


def test_quoted_and_block_scalars_stay_strings_and_tags_are_honoured() -> None:
    doc = load("a: '12'\nb: \"true\"\nc: |\n  x\nd: !!str 12\ne: !!int '7'\nf: !!float 1\n")

    assert doc.data == {"a": "12", "b": "true", "c": "x\n", "d": "12", "e": 7, "f": 1.0}


def test_every_key_and_value_has_its_line_and_column() -> None:
    doc = load("customModes:\n  - slug: a\n    groups:\n      - read\n      - [edit, {fileRegex: x}]\n")

    assert doc.locate(("customModes", 0, "slug")) == (2, 11)
    assert doc.locate(("customModes", 0, "slug"), key=True) == (2, 5)
    assert doc.locate(("customModes", 0, "groups", 1, 1, "fileRegex")) == (5, 28)
    assert doc.locate(("customModes", 0, "missing", "deeper")) == (2, 5)  # nearest ancestor


def test_columns_count_characters_not_bytes() -> None:
    doc = load("name: 😀😀 x\nnext: 1\n")

    assert doc.locate(("next",)) == (2, 7)
    assert doc.source.position(doc.value_spans[("name",)][1]) == (1, 11)


def test_alias_copies_the_anchor_value_and_positions() -> None:
    doc = load("a: &g [read, edit]\nb: *g\n")

    assert doc.data == {"a": ["read", "edit"], "b": ["read", "edit"]}
    assert doc.locate(("b", 1)) == (1, 14)  # shown where the anchored value is written


def test_duplicate_keys_are_reported_at_the_second_one() -> None:
    doc = load("a: 1\nb: 2\na: 3\n")

    [dup] = doc.findings
    assert (dup.rule, dup.line, dup.column) == ("duplicate-key", 3, 1)
    assert "first defined on line 1" in dup.message


def test_yaml_1_1_booleans_used_as_values_are_warned_about() -> None:
    doc = load("a: yes\nb: 'no'\non: x\nc: [off]\n")

    assert [(f.rule, f.line, f.column) for f in doc.findings] == [
        ("yaml11-boolean", 1, 4),
        ("yaml11-boolean", 4, 5),
    ]
    assert doc.data == {"a": "yes", "b": "no", "on": "x", "c": ["off"]}


def test_billion_laughs_is_refused() -> None:
    text = "a: &a [x, x, x, x, x, x, x, x, x, x]\n"
    for name, prev in zip("bcdefghi", "abcdefgh", strict=True):
        text += f"{name}: &{name} [" + ", ".join([f"*{prev}"] * 10) + "]\n"

    rule, _, _ = failure(text)

    assert rule == "yaml-alias-limit"
    assert MAX_ALIAS_NODES < 10**9


@pytest.mark.parametrize("depth", [MAX_DEPTH + 1, 100_000])
def test_deep_nesting_is_refused_without_crashing(depth: int) -> None:
    # libyaml's own composer overflows the C stack long before 100,000 levels.
    assert failure("a: " + "[" * depth + "]" * depth)[0] == "nesting-too-deep"


def test_nesting_at_the_limit_is_accepted() -> None:
    depth = MAX_DEPTH - 1
    assert load("[" * depth + "]" * depth).data is not None


@pytest.mark.parametrize(
    "text, expected",
    [
        ("a: b: c\n", ("yaml-syntax", 1, 5)),
        ("a:\n\tb: 1\n", ("yaml-tab", 2, 1)),
        ("a: 1\n---\nb: 2\n", ("yaml-multiple-documents", 2, 1)),
        ("a: !!python/object:os.system x\n", ("yaml-tag", 1, 4)),
        ("a: *nowhere\n", ("yaml-syntax", 1, 4)),
        ("a: !!int twelve\n", ("yaml-tag", 1, 4)),
    ],
)
def test_broken_yaml_fails_with_a_position(text: str, expected: tuple[str, int, int]) -> None:
    assert failure(text) == expected


def test_a_collection_used_as_a_key_is_an_error_but_the_rest_loads() -> None:
    doc = load("? [a, b]\n: 1\nc: 2\n")

    assert [f.rule for f in doc.findings] == ["yaml-syntax"]
    assert doc.data["c"] == 2


def test_control_characters_are_an_error_with_a_position() -> None:
    assert failure("a: ok\nb: x\x01y\n") == ("yaml-syntax", 2, 5)


YAML_CORPUS = sorted(
    p for p in CORPUS.rglob("*") if p.suffix in (".yml", ".yaml") and p.read_bytes()[:2] != b"\xff\xfe"
)


@pytest.mark.parametrize("path", YAML_CORPUS, ids=lambda p: str(p.relative_to(CORPUS)))
def test_pure_python_parser_gives_the_same_result_as_libyaml(path: Path) -> None:
    def outcome(factory: Callable[[str], Any]) -> Any:
        try:
            source = read_source(path, path.name)
            doc = load_yaml(source, factory)
        except LoadFailed as failed:
            return [(d.rule, d.line, d.column) for d in failed.diagnostics]
        return doc.data, doc.value_spans, doc.key_spans, [(f.rule, f.line, f.column) for f in doc.findings]

    assert outcome(PurePythonParser) == outcome(event_parser)


def test_billion_laughs_through_mapping_keys_is_stopped() -> None:
    # Each level is ten mappings keyed by an alias of the level before: without
    # counting keys, level 8 would stringify ~10^8 nodes into one key.
    text = "a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n"
    for level in range(1, 9):
        items = ", ".join(f"{{*a{level - 1} : {j}}}" for j in range(10))
        text += f"a{level}: &a{level} [{items}]\n"

    doc = load(text)

    assert {f.rule for f in doc.findings} == {"yaml-syntax"}  # a collection is no key
    assert doc.data["a8"] == [{}] * 10  # the refused keys are left out


def test_an_anchor_inside_a_complex_key_aliased_later_is_a_finding_not_a_crash() -> None:
    # The YAML test suite's case X38W: valid YAML, with collections as keys.
    doc = load("{ &a [a, &b b]: *b, *a : [c, *b, d]}\n")

    assert {f.rule for f in doc.findings} == {"yaml-syntax"}


@pytest.mark.parametrize(
    "value",
    ["9" * 4400, "-" + "1" * 4400, "0x" + "f" * 4400, "0o" + "7" * 4400, "!!int " + "5" * 4400],
)
def test_an_integer_too_long_to_read_is_a_finding(value: str) -> None:
    assert failure(f"a: {value}\n") == ("number-too-large", 1, 4)
