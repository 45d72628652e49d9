"""Each assertion type on answers that pass it and answers that do not."""

from __future__ import annotations

import pytest

from hybridctl.evals.assertions import Reply, check
from hybridctl.evals.suite import Assertion


def reply(text: str | None, latency: float = 0.5, cost: float | None = 0.001) -> Reply:
    return Reply(text, latency, cost)


@pytest.mark.parametrize(
    "assertion, passing, failing",
    [
        (Assertion("equals", "42"), " 42\n", "42."),
        (Assertion("equals", "Yes", ignore_case=True), "yes", "yes!"),
        (Assertion("contains", "off-by-one"), "an off-by-one error", "an off by one error"),
        (Assertion("not-contains", "I cannot"), "Here it is", "Sorry, I cannot"),
        (Assertion("regex", r"^\d{4}-\d{2}-\d{2}$"), "2026-12-06", "6 Dec 2026"),
        (Assertion("number", 3.14, tolerance=0.01), "pi is 3.141", "pi is 3.2"),
        (Assertion("number", 42), "The answer: 42", "no idea"),
        (
            Assertion(
                "json-schema",
                {"type": "object", "required": ["ok"], "properties": {"ok": {"type": "boolean"}}},
            ),
            '```json\n{"ok": true}\n```',
            '{"ok": "yes"}',
        ),
    ],
)
def test_texts(assertion: Assertion, passing: str, failing: str) -> None:
    assert check(assertion, reply(passing)) is None
    assert check(assertion, reply(failing)) is not None


def test_latency_and_cost() -> None:
    assert check(Assertion("max-latency", 1.0), reply("x", latency=0.9)) is None
    assert check(Assertion("max-latency", 1.0), reply("x", latency=1.2)) == "took 1.20 s > 1 s"
    assert check(Assertion("max-cost", 0.01), reply("x", cost=0.002)) is None
    assert check(Assertion("max-cost", 0.001), reply("x", cost=0.002)) == "cost $0.002000 > $0.001"
    assert check(Assertion("max-cost", 0.01), reply("x", cost=None)) is not None  # unknown is not cheap


def test_a_non_json_answer_and_a_huge_one() -> None:
    schema = {"type": "object"}
    assert check(Assertion("json-schema", schema), reply("not json")) == "the answer is not JSON"
    assert (
        check(Assertion("regex", "needle$"), reply("x" * 200_000 + "needle")) is not None
    )  # only the start is searched
