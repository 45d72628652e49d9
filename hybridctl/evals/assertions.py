"""Whether one answer passes one assertion, and why not."""

from __future__ import annotations

import json
import math
import re
from typing import NamedTuple

from hybridctl.evals.suite import Assertion

_NUMBER = re.compile(r"[-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?")
MAX_PATTERN_INPUT = 100_000  # characters of an answer a pattern is run on


class Reply(NamedTuple):
    """What came back from one call: the answer's text, or why there is none."""

    text: str | None
    latency_s: float
    cost: float | None  # USD at the catalog's prices; None when the model has no price or no usage
    error: str | None = None


def _fold(text: str, assertion: Assertion) -> str:
    return text.casefold() if assertion.ignore_case else text


def check(assertion: Assertion, reply: Reply) -> str | None:
    """None when the reply passes; else why not, in a few words."""
    kind, value = assertion.kind, assertion.value
    if kind == "max-latency":
        return None if reply.latency_s <= value else f"took {reply.latency_s:.2f} s > {value:g} s"
    if kind == "max-cost":
        if reply.cost is None:
            return "no cost: the model has no price or the answer no usage"
        return None if reply.cost <= value else f"cost ${reply.cost:.6f} > ${value:g}"
    text = reply.text or ""
    if kind == "equals":
        return None if _fold(text.strip(), assertion) == _fold(value.strip(), assertion) else "not equal"
    if kind == "contains":
        return (
            None if _fold(value, assertion) in _fold(text, assertion) else f"does not contain {value[:40]!r}"
        )
    if kind == "not-contains":
        return f"contains {value[:40]!r}" if _fold(value, assertion) in _fold(text, assertion) else None
    if kind == "regex":
        flags = re.IGNORECASE if assertion.ignore_case else 0
        return None if re.search(value, text[:MAX_PATTERN_INPUT], flags) else f"no match for /{value[:40]}/"
    if kind == "number":
        return _number(text, float(value), assertion.tolerance)
    if kind == "json-schema":
        return _json_schema(text, value)
    return f"unknown assertion {kind}"


def _number(text: str, expected: float, tolerance: float) -> str | None:
    found = _NUMBER.search(text[:MAX_PATTERN_INPUT])
    if found is None:
        return "no number in the answer"
    got = float(found.group())
    if not math.isfinite(got) or abs(got - expected) > tolerance:
        return f"{got:g} is not {expected:g} +- {tolerance:g}"
    return None


def _json_schema(text: str, schema: dict[str, object]) -> str | None:
    from jsonschema import Draft202012Validator  # ~37 ms: only for suites that use it

    body = text.strip()
    if body.startswith("```"):  # models wrap JSON in a fence
        body = body.strip("`").removeprefix("json").strip()
    try:
        document = json.loads(body)
    except (ValueError, RecursionError):
        return "the answer is not JSON"
    error = next(iter(Draft202012Validator(schema).iter_errors(document)), None)
    return None if error is None else f"not valid: {error.message[:80]}"
