"""JSON Schema (Draft 2020-12) validation by the ``jsonschema`` package, with
findings a person can act on.

``jsonschema`` judges; this module turns each of its errors into an issue at
the offending key or value (so the caller can give its line and column), in
words of its own: jsonschema's messages quote whole instances, which may be
huge or hold a secret. Unknown keys get "did you mean", one misspelling is
one finding (not also a "missing key"), and an ``anyOf``/``oneOf`` failure
names the branch the value was closest to.

``uniqueItems`` is checked by hashing (jsonschema compares every pair), so a
long list costs linear time.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from hybridctl.errors import UsageError
from hybridctl.resources import schema_path
from hybridctl.text import did_you_mean, show_name, show_value

if TYPE_CHECKING:
    from jsonschema.exceptions import ValidationError
    from jsonschema.protocols import Validator

    from hybridctl.config.document import JsonPath


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


def _canonical(value: Any, memo: dict[int, Any]) -> Any:
    """A hashable form in which two values are equal exactly when JSON Schema
    calls them equal (1 == 1.0, true != 1). Containers are memoised by identity:
    YAML aliases share one object many times."""
    if isinstance(value, bool) or value is None:
        return ("b", value)
    if isinstance(value, (int, float)):
        return ("n", int(value) if isinstance(value, float) and value.is_integer() else value)
    if isinstance(value, str):
        return ("s", value)
    known = memo.get(id(value))
    if known is not None:
        return known
    if isinstance(value, list):
        form: Any = ("l", tuple(_canonical(item, memo) for item in value))
    elif isinstance(value, dict):
        form = ("d", frozenset((key, _canonical(item, memo)) for key, item in value.items()))
    else:
        form = ("?", id(value))
    memo[id(value)] = form
    return form


def _unique_items(validator: Validator, unique: Any, instance: Any, schema: Any) -> Iterator[ValidationError]:
    from jsonschema.exceptions import ValidationError  # jsonschema: ~37 ms, only when a schema judges

    if not unique or not isinstance(instance, list):
        return
    seen: dict[Any, int] = {}
    memo: dict[int, Any] = {}
    for index, item in enumerate(instance):
        form = _canonical(item, memo)
        if form in seen:
            yield ValidationError(f"item {index} repeats item {seen[form]}", path=[index])
        else:
            seen[form] = index


class Schema:
    """A JSON Schema and the validator built from it."""

    def __init__(self, root: dict[str, Any], *, trusted: bool = False) -> None:
        # jsonschema costs ~37 ms to import; a transition that trusts a recorded verdict never needs it
        from jsonschema import Draft202012Validator
        from jsonschema.validators import extend

        if not trusted:  # checking against the metaschema costs ~120 ms; the shipped ones are tested
            Draft202012Validator.check_schema(root)
        cls = extend(Draft202012Validator, {"uniqueItems": _unique_items})
        self.root = root
        # Local $refs inlined: resolving one through `referencing` costs more than
        # checking the value it points to, for every value of a long list.
        self.validator: Validator = cls(_inline_refs(root, root, ()))

    @classmethod
    def from_file(cls, path: Path, *, trusted: bool = False) -> Schema:
        return cls(json.loads(path.read_text(encoding="utf-8")), trusted=trusted)

    def resolve(self, node: Any) -> dict[str, Any]:
        """A schema node with its local ``$ref`` followed (for titles and types)."""
        seen = 0
        while isinstance(node, dict) and isinstance(node.get("$ref"), str) and node["$ref"].startswith("#"):
            target: Any = self.root
            for part in filter(None, node["$ref"][1:].split("/")):
                target = target.get(part.replace("~1", "/").replace("~0", "~"), {})
            node = {**target, **{k: v for k, v in node.items() if k != "$ref"}}
            seen += 1
            if seen > 50:
                break
        return node if isinstance(node, dict) else {}

    def is_valid(self, instance: Any) -> bool:
        return bool(self.validator.is_valid(instance))

    def validate(self, instance: Any, limit: int | None = None) -> list[SchemaIssue]:
        """The issues, in the order found; with ``limit``, the search stops once
        that many are found (a hostile file can hold millions)."""
        issues: list[SchemaIssue] = []
        missing_reported: set[tuple[JsonPath, str]] = set()
        for error in self.validator.iter_errors(instance):
            issues.extend(self._issues(error, missing_reported))
            if limit is not None and len(issues) >= limit:
                break
        return _drop_echoed_missing(issues)

    # -- from jsonschema's errors to issues ------------------------------------------

    def _issues(self, error: ValidationError, missing: set[tuple[JsonPath, str]]) -> list[SchemaIssue]:
        path: JsonPath = tuple(error.absolute_path)
        keyword = str(error.validator)
        value = error.instance
        node = error.schema if isinstance(error.schema, dict) else {}
        if "propertyNames" in error.absolute_schema_path and isinstance(value, str):
            # jsonschema reports a bad key at its object; point at the key itself.
            inner = self._message(keyword, value, error.validator_value, node)
            return [SchemaIssue((*path, value), "schema", f"key '{show_name(value)}': {inner}", at_key=True)]
        if keyword in ("additionalProperties", "unevaluatedProperties") and isinstance(value, dict):
            return self._unknown_keys(path, value, node, keyword)
        if keyword == "required" and isinstance(value, dict):
            out = []
            for name in error.validator_value:
                if name not in value and (path, name) not in missing:
                    missing.add((path, name))
                    out.append(SchemaIssue(path, "missing-key", f"missing required key '{show_name(name)}'"))
            return out
        if keyword == "dependentRequired" and isinstance(value, dict):
            return [
                SchemaIssue(path, "missing-key", f"'{show_name(key)}' needs '{show_name(need)}' alongside it")
                for key, needs in error.validator_value.items()
                if key in value
                for need in needs
                if need not in value
            ]
        if keyword == "items" and error.validator_value is False and isinstance(value, list):
            allowed = len(node.get("prefixItems", []))
            return [SchemaIssue((*path, allowed), "schema", f"at most {allowed} item(s) allowed here")]
        if keyword in ("anyOf", "oneOf"):
            return self._alternatives(error, keyword, missing)
        if keyword == "uniqueItems":
            last = path[-1] if path else None
            instance: Any = error.instance
            item = instance[last] if isinstance(instance, list) and isinstance(last, int) else None
            if item is None and path:
                item = _lookup(error, path)
            return [SchemaIssue(path, "schema", f"{show_value(item)} is listed more than once")]
        hint = None
        if keyword == "enum" and isinstance(value, str):
            hint = did_you_mean(value, [str(c) for c in error.validator_value])
        elif keyword == "pattern":
            hint = node.get("description")
        return [
            SchemaIssue(path, "schema", self._message(keyword, value, error.validator_value, node), hint=hint)
        ]

    def _message(self, keyword: str, value: Any, expected: Any, node: dict[str, Any]) -> str:
        shown = show_value(value)
        if keyword == "type":
            names = expected if isinstance(expected, list) else [expected]
            return f"expected {' or '.join(map(str, names))}, got {json_type(value)} {shown}"
        if keyword == "const":
            return f"must be {show_value(expected)}, got {shown}"
        if keyword == "enum":
            return f"{shown} is not one of: {', '.join(show_value(c, width=40) for c in expected)}"
        if keyword == "pattern":
            return f"{shown} does not match the pattern {show_value(expected, width=120)}"
        if keyword == "minLength":
            return "must not be empty" if expected == 1 else f"needs at least {expected} characters"
        if keyword == "maxLength":
            return f"allows at most {expected} characters"
        if keyword == "minItems":
            return f"needs at least {expected} item(s), has {len(value)}"
        if keyword == "maxItems":
            return f"allows at most {expected} item(s), has {len(value)}"
        if keyword == "minProperties":
            return f"needs at least {expected} key(s), has {len(value)}"
        if keyword == "maxProperties":
            return f"allows at most {expected} key(s), has {len(value)}"
        if keyword == "minimum":
            return f"{shown} is below the minimum {show_value(expected)}"
        if keyword == "maximum":
            return f"{shown} is above the maximum {show_value(expected)}"
        if keyword == "exclusiveMinimum":
            return f"{shown} must be greater than {show_value(expected)}"
        if keyword == "exclusiveMaximum":
            return f"{shown} must be less than {show_value(expected)}"
        if keyword == "multipleOf":
            return f"{shown} is not a multiple of {show_value(expected)}"
        if keyword == "not":
            return "matches a form that is not allowed here"
        if keyword == "format":
            return f"{shown} is not a valid {show_value(expected)}"
        if keyword == "None":  # a `false` subschema
            return "no value is allowed here"
        return f"{shown} fails the schema's '{keyword}' check ({show_value(expected)})"

    def _unknown_keys(
        self, path: JsonPath, value: dict[str, Any], node: dict[str, Any], keyword: str
    ) -> list[SchemaIssue]:
        properties = list(node.get("properties", {}))
        patterns = [re.compile(p) for p in node.get("patternProperties", {})]
        extra = [k for k in value if k not in properties and not any(p.search(k) for p in patterns)]
        out = []
        for key in extra:
            hint = did_you_mean(key, properties)
            if hint is None and properties:
                hint = "allowed keys: " + ", ".join(properties)
            out.append(
                SchemaIssue((*path, key), "unknown-key", f"unknown key '{show_name(key)}'", True, hint)
            )
        if not out:  # keys the schema did not evaluate for another reason
            out.append(SchemaIssue(path, "schema", f"has keys the schema does not allow ({keyword})"))
        return out

    def _alternatives(
        self, error: ValidationError, keyword: str, missing: set[tuple[JsonPath, str]]
    ) -> list[SchemaIssue]:
        path: JsonPath = tuple(error.absolute_path)
        branches: list[Any] = list(error.validator_value)
        value = error.instance
        if keyword == "oneOf" and not error.context:
            passing = [b for b in branches if self.validator.evolve(schema=b).is_valid(value)]
            return [
                SchemaIssue(
                    path,
                    "schema",
                    "matches more than one of the allowed forms: " + "; ".join(map(self._title, passing)),
                )
            ]
        by_branch: dict[int, list[ValidationError]] = {}
        for sub in error.context or ():
            by_branch.setdefault(int(sub.relative_schema_path[0]), []).append(sub)
        # The branch the value was closest to: the only one its type fits, else the one
        # that failed deepest (right shape, wrong detail), then the one with fewest errors.
        fitting = [i for i in range(len(branches)) if self._type_fits(value, branches[i]) and i in by_branch]
        scores = [(-max(len(sub.absolute_path) for sub in by_branch[i]), len(by_branch[i])) for i in fitting]
        if scores and scores.count(min(scores)) == 1:
            chosen = by_branch[fitting[scores.index(min(scores))]]
            return [issue for sub in chosen for issue in self._issues(sub, missing)]
        return [
            SchemaIssue(path, "schema", "expected one of: " + "; ".join(self._title(b) for b in branches))
        ]

    def _type_fits(self, value: Any, branch: Any) -> bool:
        if not isinstance(branch, dict):
            return bool(branch)
        node = self.resolve(branch)
        expected = node.get("type")
        if expected is None:
            if "enum" in node:
                return any(json_type(c) == json_type(value) for c in node["enum"])
            if "const" in node:
                return json_type(node["const"]) == json_type(value)
            return True
        names = expected if isinstance(expected, list) else [expected]
        actual = json_type(value)
        return any(n == actual or (n == "number" and actual == "integer") for n in names)

    def _title(self, branch: Any) -> str:
        node = self.resolve(branch) if isinstance(branch, dict) else {}
        return str(node.get("title") or node.get("type") or "a different form")


def _inline_refs(node: Any, root: dict[str, Any], trail: tuple[str, ...]) -> Any:
    """The schema with each local ``$ref`` replaced by what it points to; a ref
    that would recurse (or that is not local) is left as it is."""
    if isinstance(node, list):
        return [_inline_refs(item, root, trail) for item in node]
    if not isinstance(node, dict):
        return node
    ref = node.get("$ref")
    if isinstance(ref, str) and ref.startswith("#/") and ref not in trail:
        target: Any = root
        for part in ref[2:].split("/"):
            target = (
                target.get(part.replace("~1", "/").replace("~0", "~")) if isinstance(target, dict) else None
            )
        if isinstance(target, dict) and "$id" not in target:
            siblings = {k: v for k, v in node.items() if k != "$ref"}
            merged = {**_inline_refs(target, root, (*trail, ref))}
            if siblings:  # a $ref beside other keywords: both apply
                return {"allOf": [merged, _inline_refs(siblings, root, trail)]}
            return merged
    return {
        key: value if key in ("const", "enum", "default", "examples") else _inline_refs(value, root, trail)
        for key, value in node.items()
    }


def _lookup(error: ValidationError, path: JsonPath) -> Any:
    root = error
    while root.parent is not None:
        root = root.parent
    value = root.instance
    for part in path[len(tuple(root.absolute_path)) :]:
        try:
            value = value[part]
        except (KeyError, IndexError, TypeError):
            return None
    return value


def _drop_echoed_missing(issues: list[SchemaIssue]) -> list[SchemaIssue]:
    """A misspelt key is one finding: its "did you mean 'x'?" already says that 'x' is missing."""
    suggested = {
        (issue.path[:-1], issue.hint) for issue in issues if issue.rule == "unknown-key" and issue.hint
    }
    return [
        issue
        for issue in issues
        if not (
            issue.rule == "missing-key"
            and issue.message.startswith("missing required key ")
            and (issue.path, f"did you mean {issue.message.removeprefix('missing required key ')}?")
            in suggested
        )
    ]


@cache
def load_schema(name: str, directory: Path | None = None) -> Schema:
    """The schema of a kind of file: the shipped one, or the one in ``directory``
    (the ``schema-dir`` setting), for teams that extend the shipped schemas."""

    own = None if directory is None else directory / f"{name}.schema.json"
    if own is not None and own.is_file():
        return _team_schema(own)
    return Schema.from_file(schema_path(name), trusted=True)


def _team_schema(path: Path) -> Schema:
    """A team's own schema: checked against the 2020-12 metaschema; a broken one is a usage error."""
    from jsonschema.exceptions import SchemaError  # ~37 ms; see Schema.__init__

    try:
        return Schema.from_file(path)
    except (OSError, ValueError) as exc:
        raise UsageError(
            f"cannot read the schema {path}: {exc}", hint="fix it, or unset schema-dir"
        ) from None
    except SchemaError as exc:
        raise UsageError(
            f"{path} is not a valid JSON Schema 2020-12: {exc.message[:200]}",
            hint="fix it, or unset schema-dir",
        ) from None
