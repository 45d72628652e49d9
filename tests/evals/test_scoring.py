"""The paired comparison's verdicts, and what missing answers do to them."""

from __future__ import annotations

import pytest

from hybridctl.evals.runner import Attempt
from hybridctl.evals.scoring import compare, wilson


def attempt(case: int, variant: str, passed: bool, answered: bool = True) -> Attempt:
    return Attempt(
        "s", f"c{case}", "critic", variant, "m", 0, passed, None if passed else "x", 0.1, None, answered
    )


def test_a_candidate_clearly_worse_fails_even_when_some_stable_calls_got_no_answer() -> None:
    attempts = [attempt(n, "stable", True, answered=n != 0) for n in range(60)]
    attempts += [attempt(n, "candidate", n >= 30) for n in range(60)]

    found = compare(attempts, 0.05)

    assert found is not None and found.verdict == "fail"
    assert found.stable_unanswered == 1 and found.pairs == 59


def test_a_candidate_as_good_holds_while_a_stable_call_is_missing() -> None:
    attempts = [attempt(n, "stable", True, answered=n != 0) for n in range(80)]
    attempts += [attempt(n, "candidate", True) for n in range(80)]

    found = compare(attempts, 0.05)

    assert found is not None and found.verdict == "hold" and found.low > -0.05


def test_one_variant_is_no_comparison_and_wilson_is_within_bounds() -> None:
    assert compare([attempt(0, "candidate", True)], 0.05) is None
    assert wilson(0, 10).low == 0.0 and 0 < wilson(0, 10).high < 0.35
    assert wilson(10, 10).high == pytest.approx(1.0) and wilson(0, 0) == (0, 0, 0.0, 1.0)
