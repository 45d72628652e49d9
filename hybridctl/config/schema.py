"""A JSON Schema 2020-12 validator for the keyword subset hybridctl's schemas use.

Why not the ``jsonschema`` package at run time: importing it costs ~150 ms,
half of the start-up budget that keeps ``hybridctl validate`` cheaper than
check-jsonschema in CI (benchmarks/validate.py). The schemas stick to the
keywords below; ``Schema`` refuses any other, and the test suite checks this
validator against ``jsonschema`` on every corpus file, so the two agree.

Issues carry the path of the offending value and whether the key or the value
is at fault, so the caller can point at the exact line and column.
"""

from __future__ import annotations

import difflib
import json
import re
from functools import cache
from typing import TYPE_CHECKING, Any, NamedTuple

if TYPE_CHECKING:
    from pathlib import Path

    from hybridctl.config.document import JsonPath

ANNOTATIONS = frozenset(
    {
        "$schema",
        "$id",
        "$comment",
        "$defs",
        "title",
        "description",
        "default",
        "examples",
        "deprecated",
        "readOnly",
        "writeOnly",
        "format",
        "markdownDescription",
    }
)
ASSERTIONS = frozenset(
    {
        "type",
        "enum",
        "const",
        "properties",
        "required",
        "additionalProperties",
        "patternProperties",
        "propertyNames",
        "minProperties",
        "items",
        "prefixItems",
        "minItems",
        "maxItems",
        "uniqueItems",
        "minLength",
        "maxLength",
        "pattern",
        "minimum",
        "maximum",
        "exclusiveMinimum",
        "exclusiveMaximum",
        "$ref",
        "anyOf",
        "oneOf",
        "allOf",
        "not",
        "dependentRequired",
    }
)


class SchemaIssue(NamedTuple):
    path: JsonPath
    rule: str  # "schema", "unknown-key" or "missing-key"
    message: str
    at_key: bool = False
    hint: str | None = None


def json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    if isinstance(value, dict):
        return "object"
    return type(value).__name__


def _is_type(value: Any, name: str) -> bool:
    actual = json_type(value)
    if name == "number":
        return actual in ("integer", "number")
    if name == "integer":
        return actual == "integer" or (actual == "number" and float(value).is_integer())
    return actual == name


def json_equal(a: Any, b: Any) -> bool:
    """Equality as JSON Schema defines it: true is not 1, 1.0 is 1."""
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool) and a == b
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(json_equal(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(json_equal(a[k], b[k]) for k in a)
    return bool(a == b)


def did_you_mean(word: str, choices: list[str]) -> str | None:
    close = difflib.get_close_matches(word, choices, n=1, cutoff=0.6)
    return f"did you mean '{close[0]}'?" if close else None


def _short(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 40 else text[:37] + "..."


class Schema:
    def __init__(self, root: dict[str, Any]) -> None:
        self.root = root
        self._check_keywords(root, "#")

    @classmethod
    def from_file(cls, path: Path) -> Schema:
        return cls(json.loads(path.read_text(encoding="utf-8")))

    def _check_keywords(self, node: Any, where: str) -> None:
        if not isinstance(node, dict):
            return
        unknown = set(node) - ANNOTATIONS - ASSERTIONS
        if unknown:
            raise ValueError(f"schema keyword(s) {sorted(unknown)} at {where} are not supported")
        for key in ("properties", "patternProperties", "$defs"):
            for name, sub in node.get(key, {}).items():
                self._check_keywords(sub, f"{where}/{key}/{name}")
        for key in ("items", "additionalProperties", "propertyNames", "not"):
            self._check_keywords(node.get(key), f"{where}/{key}")
        for key in ("anyOf", "oneOf", "allOf", "prefixItems"):
            for i, sub in enumerate(node.get(key, [])):
                self._check_keywords(sub, f"{where}/{key}/{i}")

    def resolve(self, node: dict[str, Any]) -> dict[str, Any]:
        while "$ref" in node:
            ref = node["$ref"]
            if not ref.startswith("#"):
                raise ValueError(f"only local $ref is supported, got {ref}")
            target: Any = self.root
            for part in filter(None, ref[1:].split("/")):
                target = target[part]
            node = {**target, **{k: v for k, v in node.items() if k != "$ref"}}
        return node

    def validate(self, instance: Any) -> list[SchemaIssue]:
        issues: list[SchemaIssue] = []
        self._validate(instance, self.root, (), issues)
        return issues

    def is_valid(self, instance: Any) -> bool:
        return not self.validate(instance)

    # Each keyword appends issues; the order of checks decides nothing.
    def _validate(self, value: Any, node: Any, path: JsonPath, out: list[SchemaIssue]) -> None:
        if node is True:
            return
        if node is False:
            out.append(SchemaIssue(path, "schema", "no value is allowed here"))
            return
        node = self.resolve(node)
        expected = node.get("type")
        if expected is not None:
            names = expected if isinstance(expected, list) else [expected]
            if not any(_is_type(value, n) for n in names):
                out.append(
                    SchemaIssue(
                        path,
                        "schema",
                        f"expected {' or '.join(names)}, got {json_type(value)} {_short(value)}",
                    )
                )
                return
        if "const" in node and not json_equal(value, node["const"]):
            out.append(SchemaIssue(path, "schema", f"must be {_short(node['const'])}, got {_short(value)}"))
        if "enum" in node and not any(json_equal(value, choice) for choice in node["enum"]):
            choices = [str(c) for c in node["enum"]]
            hint = did_you_mean(value, choices) if isinstance(value, str) else None
            out.append(
                SchemaIssue(path, "schema", f"{_short(value)} is not one of: {', '.join(choices)}", hint=hint)
            )
        if isinstance(value, dict):
            self._object(value, node, path, out)
        elif isinstance(value, list):
            self._array(value, node, path, out)
        elif isinstance(value, str):
            self._string(value, node, path, out)
        elif isinstance(value, (int, float)) and not isinstance(value, bool):
            self._number(value, node, path, out)
        for sub in node.get("allOf", []):
            self._validate(value, sub, path, out)
        if "anyOf" in node:
            self._alternatives(value, node["anyOf"], path, out, exactly_one=False)
        if "oneOf" in node:
            self._alternatives(value, node["oneOf"], path, out, exactly_one=True)
        if "not" in node and not self._collect(value, node["not"], path):
            out.append(SchemaIssue(path, "schema", "matches a form that is not allowed here"))

    def _collect(self, value: Any, node: Any, path: JsonPath) -> list[SchemaIssue]:
        issues: list[SchemaIssue] = []
        self._validate(value, node, path, issues)
        return issues

    def _object(
        self, value: dict[str, Any], node: dict[str, Any], path: JsonPath, out: list[SchemaIssue]
    ) -> None:
        properties: dict[str, Any] = node.get("properties", {})
        patterns: dict[str, Any] = node.get("patternProperties", {})
        extra = node.get("additionalProperties", True)
        unknown_hints: dict[str, str | None] = {}
        for key, item in value.items():
            child = (*path, key)
            if "propertyNames" in node:
                for issue in self._collect(key, node["propertyNames"], child):
                    out.append(
                        SchemaIssue(
                            child, "schema", f"key '{key}': {issue.message}", at_key=True, hint=issue.hint
                        )
                    )
            matched = False
            if key in properties:
                matched = True
                self._validate(item, properties[key], child, out)
            for pattern, sub in patterns.items():
                if _compiled(pattern).search(key):
                    matched = True
                    self._validate(item, sub, child, out)
            if matched:
                continue
            if extra is False:
                hint = did_you_mean(key, list(properties))
                if hint is None and properties:
                    hint = "allowed keys: " + ", ".join(properties)
                unknown_hints[key] = hint
                out.append(SchemaIssue(child, "unknown-key", f"unknown key '{key}'", at_key=True, hint=hint))
            elif extra is not True:
                self._validate(item, extra, child, out)
        for key in node.get("required", []):
            if key in value:
                continue
            if any(h == f"did you mean '{key}'?" for h in unknown_hints.values()):
                continue  # the misspelt key's own issue already says it
            out.append(SchemaIssue(path, "missing-key", f"missing required key '{key}'"))
        for key, needs in node.get("dependentRequired", {}).items():
            if key in value:
                for need in needs:
                    if need not in value:
                        out.append(SchemaIssue(path, "missing-key", f"'{key}' needs '{need}' alongside it"))
        if len(value) < node.get("minProperties", 0):
            out.append(
                SchemaIssue(
                    path, "schema", f"needs at least {node['minProperties']} key(s), has {len(value)}"
                )
            )

    def _array(self, value: list[Any], node: dict[str, Any], path: JsonPath, out: list[SchemaIssue]) -> None:
        prefix: list[Any] = node.get("prefixItems", [])
        for index, item in enumerate(value):
            if index < len(prefix):
                self._validate(item, prefix[index], (*path, index), out)
            elif "items" in node:
                if node["items"] is False:
                    out.append(
                        SchemaIssue((*path, index), "schema", f"at most {len(prefix)} item(s) allowed here")
                    )
                    break
                self._validate(item, node["items"], (*path, index), out)
        if len(value) < node.get("minItems", 0):
            out.append(
                SchemaIssue(path, "schema", f"needs at least {node['minItems']} item(s), has {len(value)}")
            )
        if "maxItems" in node and len(value) > node["maxItems"]:
            out.append(
                SchemaIssue(path, "schema", f"allows at most {node['maxItems']} item(s), has {len(value)}")
            )
        if node.get("uniqueItems"):
            seen: list[Any] = []
            for index, item in enumerate(value):
                if any(json_equal(item, earlier) for earlier in seen):
                    out.append(
                        SchemaIssue((*path, index), "schema", f"{_short(item)} is listed more than once")
                    )
                else:
                    seen.append(item)

    def _string(self, value: str, node: dict[str, Any], path: JsonPath, out: list[SchemaIssue]) -> None:
        if len(value) < node.get("minLength", 0):
            out.append(
                SchemaIssue(
                    path,
                    "schema",
                    "must not be empty"
                    if node["minLength"] == 1
                    else f"needs at least {node['minLength']} characters",
                )
            )
        if "maxLength" in node and len(value) > node["maxLength"]:
            out.append(SchemaIssue(path, "schema", f"allows at most {node['maxLength']} characters"))
        if "pattern" in node and not _compiled(node["pattern"]).search(value):
            message = f"{_short(value)} does not match the pattern {node['pattern']}"
            out.append(SchemaIssue(path, "schema", message, hint=node.get("description")))

    def _number(self, value: float, node: dict[str, Any], path: JsonPath, out: list[SchemaIssue]) -> None:
        if "minimum" in node and value < node["minimum"]:
            out.append(SchemaIssue(path, "schema", f"{value} is below the minimum {node['minimum']}"))
        if "maximum" in node and value > node["maximum"]:
            out.append(SchemaIssue(path, "schema", f"{value} is above the maximum {node['maximum']}"))
        if "exclusiveMinimum" in node and value <= node["exclusiveMinimum"]:
            out.append(
                SchemaIssue(path, "schema", f"{value} must be greater than {node['exclusiveMinimum']}")
            )
        if "exclusiveMaximum" in node and value >= node["exclusiveMaximum"]:
            out.append(SchemaIssue(path, "schema", f"{value} must be less than {node['exclusiveMaximum']}"))

    def _alternatives(
        self, value: Any, branches: list[Any], path: JsonPath, out: list[SchemaIssue], *, exactly_one: bool
    ) -> None:
        results = [self._collect(value, branch, path) for branch in branches]
        passing = [i for i, issues in enumerate(results) if not issues]
        if exactly_one and len(passing) > 1:
            out.append(
                SchemaIssue(
                    path,
                    "schema",
                    "matches more than one of the allowed forms: "
                    + "; ".join(self._title(branches[i]) for i in passing),
                )
            )
            return
        if passing:
            return
        # Report the branch the value was closest to: the only one its type fits,
        # else the one that failed deepest (right shape, wrong detail), then the
        # one with fewest issues. With no clear winner, name the allowed forms.
        fitting = [i for i, branch in enumerate(branches) if self._type_fits(value, branch)]
        scores = [(-max(len(issue.path) for issue in results[i]), len(results[i])) for i in fitting]
        if scores and scores.count(min(scores)) == 1:
            out.extend(results[fitting[scores.index(min(scores))]])
            return
        out.append(
            SchemaIssue(
                path, "schema", "expected one of: " + "; ".join(self._title(branch) for branch in branches)
            )
        )

    def _type_fits(self, value: Any, branch: Any) -> bool:
        if not isinstance(branch, dict):
            return bool(branch)
        node = self.resolve(branch)
        expected = node.get("type")
        if expected is None:
            if "enum" in node:
                return any(json_type(c) == json_type(value) for c in node["enum"])
            return True
        names = expected if isinstance(expected, list) else [expected]
        return any(_is_type(value, n) for n in names)

    def _title(self, branch: Any) -> str:
        node = self.resolve(branch) if isinstance(branch, dict) else {}
        return str(node.get("title") or node.get("type") or "a different form")


@cache
def _compiled(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern)


@cache
def load_schema(name: str) -> Schema:
    from hybridctl.resources import schema_path

    return Schema.from_file(schema_path(name))
