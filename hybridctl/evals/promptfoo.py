"""promptfoo's results (``promptfoo eval -o results.json``) read as hybridctl
eval attempts, so a team that already writes promptfoo suites gets the same
verdict and gate. Each result's provider (its ``label``, else its ``id``) says
the variant; the role comes from the test's ``vars.role`` or
``metadata.role``."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from hybridctl.evals.runner import Attempt
from hybridctl.text import clean

ERROR = 2  # promptfoo's ResultFailureReason.ERROR: no answer, not a failed assertion


class NotPromptfoo(ValueError):
    """The text is not a promptfoo results file; the message says where and why."""


def _results(document: object) -> list[Any]:
    if isinstance(document, dict):
        inner = document.get("results")
        if isinstance(inner, dict):  # the output file: {"evalId", "results": {"version", "results": [...]}}
            inner = inner.get("results")
        if isinstance(inner, list):
            return inner
    raise NotPromptfoo("no results list: expected the file promptfoo eval -o results.json writes")


def _text(value: object, default: str = "") -> str:
    return clean(str(value))[:200] if isinstance(value, (str, int, float)) and value != "" else default


def _object(value: object) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _role(result: Mapping[str, Any]) -> str:
    test = _object(result.get("testCase"))
    for holder in (result.get("vars"), test.get("vars"), test.get("metadata"), result.get("metadata")):
        if isinstance(holder, dict) and holder.get("role"):
            return _text(holder["role"])
    return "all"


def _case(result: Mapping[str, Any]) -> str:
    test = _object(result.get("testCase"))
    named = result.get("description") or test.get("description")
    return _text(named) or f"test {_text(result.get('testIdx'), '?')}"


def _number(value: object) -> float | None:
    if isinstance(value, (int, float)) and not isinstance(value, bool) and value >= 0:
        return float(value)
    return None


def read_promptfoo(text: str, variants: Mapping[str, str], suite: str) -> list[Attempt]:
    """Attempts from a results file; ``variants`` maps a provider label or id
    to stable or candidate (results of other providers are left out)."""
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise NotPromptfoo(f"{exc.lineno}:{exc.colno}: not JSON: {exc.msg}") from None
    except RecursionError:
        raise NotPromptfoo("brackets nested too deep") from None
    attempts: list[Attempt] = []
    repeats: dict[tuple[str, str], int] = {}
    for index, result in enumerate(_results(document)):
        if not isinstance(result, dict):
            raise NotPromptfoo(f"result {index} is not an object")
        provider = _object(result.get("provider"))
        names = [provider.get("label"), provider.get("id")]
        variant = next((variants[n] for n in names if isinstance(n, str) and n in variants), None)
        if variant is None:
            continue
        case, success = _case(result), result.get("success")
        if not isinstance(success, bool):
            raise NotPromptfoo(f"result {index} has no success flag")
        repeat = repeats.get((case, variant), 0)
        repeats[(case, variant)] = repeat + 1
        grading = _object(result.get("gradingResult"))
        why = None if success else (_text(result.get("error")) or _text(grading.get("reason")) or "failed")
        latency = _number(result.get("latencyMs"))
        attempts.append(
            Attempt(
                suite,
                case,
                _role(result),
                variant,
                _text(provider.get("id"), "?"),
                repeat,
                success,
                why,
                0.0 if latency is None else latency / 1000,
                _number(result.get("cost")),
                result.get("failureReason") != ERROR,
            )
        )
    if not attempts:
        raise NotPromptfoo(f"no result of the providers {', '.join(sorted(variants))}")
    return attempts
