"""Scores of an eval run: pass rates per variant, role and case with their
intervals, and the verdict of candidate against stable.

A pass rate's interval is Wilson's score interval. The verdict compares the
two variants on the same cases and repeats (paired): the difference of pass
rates, candidate minus stable, with a normal interval whose variance comes
from the pairs where they disagree (never zero: (disagreements + 1/2) /
(pairs + 1)). Non-inferiority at the margin: pass when the whole interval is
above minus the margin, fail when it is wholly below, hold otherwise. A run is
one look, so the interval is a fixed-sample one; the gate reads the latest
run of a candidate, never the best of several.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from typing import Any, NamedTuple

from hybridctl.evals.runner import VARIANTS, Attempt

Z95 = 1.959963984540054
METHOD = "paired difference of pass rates, normal interval (non-inferiority)"
PASS, FAIL, HOLD = "pass", "fail", "hold"


class Score(NamedTuple):
    passed: int
    attempts: int
    low: float
    high: float

    @property
    def rate(self) -> float | None:
        return self.passed / self.attempts if self.attempts else None

    def to_dict(self) -> dict[str, Any]:
        return {
            "passed": self.passed,
            "attempts": self.attempts,
            "rate": self.rate,
            "interval": [self.low, self.high],
        }


def wilson(passed: int, attempts: int, z: float = Z95) -> Score:
    if attempts <= 0:
        return Score(0, 0, 0.0, 1.0)
    p, n = passed / attempts, attempts
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return Score(passed, attempts, max(0.0, centre - half), min(1.0, centre + half))


def score(attempts: Iterable[Attempt]) -> Score:
    seen = list(attempts)
    return wilson(sum(a.passed for a in seen), len(seen))


class Comparison(NamedTuple):
    """Candidate's pass rate minus stable's, on the pairs both answered for."""

    pairs: int
    stable_only: int  # pairs stable passed and the candidate failed
    candidate_only: int
    estimate: float
    low: float
    high: float
    margin: float
    verdict: str  # pass, fail, hold
    stable_unanswered: int = 0  # pairs left out: stable got no answer, so there is nothing to compare

    def to_dict(self) -> dict[str, Any]:
        return {**self._asdict(), "method": METHOD, "confidence": 0.95}


def compare(attempts: Sequence[Attempt], margin: float) -> Comparison | None:
    """The paired comparison, or None without pairs (one variant run). A pair
    whose stable call got no answer has no baseline: it is left out, and the
    run cannot pass (missing data holds; it may still fail)."""
    by_key: dict[tuple[str, str, int], dict[str, Attempt]] = {}
    for a in attempts:
        by_key.setdefault((a.suite, a.case, a.repeat), {})[a.variant] = a
    both = [(v["stable"], v["candidate"]) for v in by_key.values() if len(v) == 2]
    if not both:
        return None
    pairs = [(s.passed, c.passed) for s, c in both if s.answered]
    missing, n = len(both) - len(pairs), len(pairs)
    if n == 0:
        return Comparison(0, 0, 0, 0.0, -1.0, 1.0, margin, HOLD, missing)
    stable_only = sum(s and not c for s, c in pairs)
    candidate_only = sum(c and not s for s, c in pairs)
    estimate = (candidate_only - stable_only) / n
    variance = max((stable_only + candidate_only + 0.5) / (n + 1) - estimate * estimate, 1e-12)
    half = Z95 * math.sqrt(variance / n)
    low, high = max(-1.0, estimate - half), min(1.0, estimate + half)
    verdict = PASS if low >= -margin else FAIL if high < -margin else HOLD
    if missing and verdict == PASS:
        verdict = HOLD
    return Comparison(n, stable_only, candidate_only, estimate, low, high, margin, verdict, missing)


class CaseRow(NamedTuple):
    suite: str
    case: str
    role: str
    scores: dict[str, Score]  # variant -> score
    why: dict[str, str]  # variant -> the first reason an attempt failed

    def to_dict(self) -> dict[str, Any]:
        return {
            "suite": self.suite,
            "case": self.case,
            "role": self.role,
            "variants": {v: s.to_dict() for v, s in self.scores.items()},
            "why": self.why,
        }


def case_rows(attempts: Sequence[Attempt]) -> list[CaseRow]:
    grouped: dict[tuple[str, str, str], list[Attempt]] = {}
    for a in attempts:
        grouped.setdefault((a.suite, a.case, a.role), []).append(a)
    rows = []
    for (suite, case, role), found in grouped.items():
        variants = [v for v in VARIANTS if any(a.variant == v for a in found)]
        scores = {v: score(a for a in found if a.variant == v) for v in variants}
        why = {v: next((a.why for a in found if a.variant == v and a.why), "") for v in variants}
        rows.append(CaseRow(suite, case, role, scores, {v: w for v, w in why.items() if w}))
    return rows


def role_scores(attempts: Sequence[Attempt]) -> dict[str, dict[str, Score]]:
    """role -> variant -> score."""
    roles = sorted({a.role for a in attempts})
    return {
        role: {
            v: score(a for a in attempts if a.role == role and a.variant == v)
            for v in VARIANTS
            if any(a.role == role and a.variant == v for a in attempts)
        }
        for role in roles
    }
