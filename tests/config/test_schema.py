"""Schema findings: every error jsonschema finds becomes a finding at its key
or value (and nothing else does), in hybridctl's words; the schemas
themselves are valid 2020-12 schemas editors can use."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hybridctl.config.document import LoadFailed, read_source
from hybridctl.config.jsonload import load_json
from hybridctl.config.schema import Schema, SchemaIssue
from hybridctl.config.yamlload import load_yaml
from tests.helpers import CONFIGS, CORPUS, REPO

SCHEMAS = {name: REPO / "schemas" / f"{name}.schema.json" for name in ("modes", "model-config", "prices")}


def load_data(path: Path) -> Any:
    source = read_source(path, path.name)
    text_is_json = path.suffix == ".json" or source.text.lstrip().startswith("{")
    return (load_json(source) if text_is_json else load_yaml(source)).data


def reference(name: str) -> jsonschema.Draft202012Validator:
    return jsonschema.Draft202012Validator(json.loads(SCHEMAS[name].read_text()))


def ours(name: str) -> Schema:
    return Schema.from_file(SCHEMAS[name])


def kind_of(path: Path) -> str:
    if "prices" in path.name:
        return "prices"
    return "model-config" if "model-config" in path.name else "modes"


@pytest.mark.parametrize("name", list(SCHEMAS))
def test_schema_is_valid_json_schema_2020_12_with_an_id(name: str) -> None:
    schema = json.loads(SCHEMAS[name].read_text())

    jsonschema.Draft202012Validator.check_schema(schema)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["$id"].endswith(f"/{name}.schema.json")


def _property_nodes(node: Any, where: str) -> list[tuple[str, dict[str, Any]]]:
    found: list[tuple[str, dict[str, Any]]] = []
    if isinstance(node, dict):
        for key, sub in node.get("properties", {}).items():
            found.append((f"{where}.{key}", sub))
        for key, value in node.items():
            if isinstance(value, (dict, list)) and key != "properties":
                found += _property_nodes(value, f"{where}/{key}")
        for sub in node.get("properties", {}).values():
            found += _property_nodes(sub, where)
    elif isinstance(node, list):
        for index, item in enumerate(node):
            found += _property_nodes(item, f"{where}[{index}]")
    return found


@pytest.mark.parametrize("name", list(SCHEMAS))
def test_every_property_has_a_title_and_description_for_editors(name: str) -> None:
    schema = ours(name)
    properties = _property_nodes(schema.root, "#")
    assert len(properties) >= (5 if name == "prices" else 10)
    missing = []
    for where, node in properties:
        resolved = schema.resolve(node)
        if not resolved.get("title") or not resolved.get("description"):
            missing.append(where)
    assert missing == []


_UNPARSABLE = object()


def _load_or_sentinel(path: Path) -> Any:
    try:
        return load_data(path)
    except LoadFailed:
        return _UNPARSABLE


# Files that parse: the ones with a schema verdict to compare.
CORPUS_FILES = [
    path
    for path in (
        *sorted(p for p in CORPUS.rglob("*") if p.is_file() and p.name != "expect"),
        CONFIGS / "modes.yml",
        CONFIGS / "model-config.json",
    )
    if _load_or_sentinel(path) is not _UNPARSABLE
]


@pytest.mark.parametrize("path", CORPUS_FILES, ids=lambda p: str(p.relative_to(REPO)))
def test_validator_agrees_with_jsonschema_on_corpus_file(path: Path) -> None:
    data = load_data(path)
    name = kind_of(path)

    assert (ours(name).validate(data) == []) == reference(name).is_valid(data)


JSON_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-5, 5)
    | st.floats(-2, 2, allow_nan=False)
    | st.sampled_from(["", "read", "glm-4.5", "x y", "primary", "USD"]),
    lambda children: (
        st.lists(children, max_size=3)
        | st.dictionaries(
            st.sampled_from(["slug", "name", "weight", "pricing", "x", "$schema"]), children, max_size=3
        )
    ),
    max_leaves=6,
)


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [prefix]
    if isinstance(value, dict):
        for key, item in value.items():
            found += _paths(item, (*prefix, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found += _paths(item, (*prefix, index))
    return found


@st.composite
def mutated(draw: st.DrawFn, base: Any) -> Any:
    """The default config with one value replaced, one key dropped, or one key added."""
    data = copy.deepcopy(base)
    path = draw(st.sampled_from(_paths(data)))
    action = draw(st.sampled_from(["replace", "drop", "add"]))
    if not path:
        return draw(JSON_VALUES) if action == "replace" else data
    parent = data
    for part in path[:-1]:
        parent = parent[part]
    last = path[-1]
    if action == "replace":
        parent[last] = draw(JSON_VALUES)
    elif action == "drop":
        del parent[last]
    elif isinstance(parent[last], dict):
        parent[last][draw(st.sampled_from(["x", "roleDefiniton", "fallback", "tier"]))] = draw(JSON_VALUES)
    return data


@pytest.mark.parametrize(
    "name, path", [("modes", CONFIGS / "modes.yml"), ("model-config", CONFIGS / "model-config.json")]
)
def test_validator_agrees_with_jsonschema_on_mutated_defaults(name: str, path: Path) -> None:
    base = load_data(path)
    validator, reference_validator = ours(name), reference(name)

    @settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(mutated(base))
    def agree(data: Any) -> None:
        assert (validator.validate(data) == []) == reference_validator.is_valid(data)

    agree()


def test_unique_items_follow_json_schema_equality_not_python() -> None:
    schema = Schema({"type": "array", "uniqueItems": True})

    assert [i.path for i in schema.validate([1, 1.0, True, [True], [1], {"a": 1}, {"a": 1.0}])] == [
        (1,),
        (6,),
    ]
    assert not ours("model-config").is_valid({"version": True, "models": {}, "roles": {}})


def test_unique_items_over_many_aliases_of_one_list_take_linear_time() -> None:
    shared = [{"k": list(range(50))}]
    items = [shared] * 20_000  # what 20,000 YAML aliases of one anchor load as
    issues = Schema({"type": "array", "uniqueItems": True}).validate(items)

    assert len(issues) == 19_999 and issues[0].path == (1,)


def _issues(name: str, data: Any) -> list[SchemaIssue]:
    return ours(name).validate(data)


def test_misspelt_key_gets_a_did_you_mean_and_no_duplicate_missing_key_issue() -> None:
    issues = _issues(
        "modes", {"customModes": [{"slug": "a", "name": "A", "roleDefiniton": "x", "groups": []}]}
    )

    assert [(i.rule, i.path, i.at_key, i.hint) for i in issues] == [
        ("unknown-key", ("customModes", 0, "roleDefiniton"), True, "did you mean 'roleDefinition'?")
    ]


def test_misspelt_enum_value_gets_a_did_you_mean() -> None:
    issues = _issues(
        "modes", {"customModes": [{"slug": "a", "name": "A", "roleDefinition": "x", "groups": ["comand"]}]}
    )

    assert [(i.path, i.hint) for i in issues] == [
        (("customModes", 0, "groups", 0), "did you mean 'command'?")
    ]


def test_half_a_pricing_form_reports_the_missing_half() -> None:
    model = {"provider": "p", "providerModelId": "m", "tier": "primary", "pricing": {"inputPerMillion": 1}}
    issues = _issues("model-config", {"version": 1, "models": {"m": model}, "roles": {"r": {"primary": "m"}}})

    assert [(i.rule, i.message) for i in issues] == [
        ("missing-key", "missing required key 'outputPerMillion'")
    ]


def test_a_team_schema_may_use_every_2020_12_keyword() -> None:
    schema = Schema(
        {
            "type": "object",
            "properties": {"tier": {"type": "string"}, "price": {"type": "number"}},
            "if": {"properties": {"tier": {"const": "premium"}}},
            "then": {"required": ["price"]},
            "unevaluatedProperties": False,
        }
    )

    misspelt = schema.validate({"tier": "premium", "prcie": 3})
    missing = schema.validate({"tier": "premium"})

    # One finding for a misspelt key: its hint already says that 'price' is missing.
    assert [(i.rule, i.path, i.hint) for i in misspelt] == [
        ("unknown-key", ("prcie",), "did you mean 'price'?")
    ]
    assert [(i.rule, i.message) for i in missing] == [("missing-key", "missing required key 'price'")]


def test_an_invalid_schema_is_refused_when_it_loads() -> None:
    import jsonschema

    with pytest.raises(jsonschema.SchemaError):
        Schema({"type": "objekt"})


SECRET = "sk-ant-api03-" + "Zq7_" * 10


@pytest.mark.parametrize(
    "data",
    [
        {"customModes": [{"slug": SECRET, "name": "A", "roleDefinition": "x", "groups": []}]},
        {"customModes": [{"slug": "a", "name": "A", "roleDefinition": "x", "groups": [SECRET]}]},
        {"customModes": [{"slug": "a", "name": "A", "roleDefinition": "x", "groups": [], SECRET: 1}]},
        {"customModes": [{"slug": "a", "name": "A", "roleDefinition": "x", "groups": 3, "source": SECRET}]},
        [SECRET],
    ],
)
def test_no_schema_message_holds_any_part_of_a_secret(data: Any) -> None:
    issues = ours("modes").validate(data)

    assert issues
    for issue in issues:
        text = f"{issue.message} {issue.hint} {issue.path if SECRET not in issue.path else ''}"
        for part in (SECRET[7:20], SECRET[-12:], "Zq7_Zq7"):
            assert part not in text
