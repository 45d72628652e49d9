"""The always-valid confidence sequences: valid however often they are looked
at (where a fixed-sample interval is not), never certain on zero events, and
the verdicts read from them."""

from __future__ import annotations

import math
import random

import pytest

from hybridctl.sequential import (
    FAIL,
    HOLD,
    PASS,
    Design,
    Interval,
    at_most,
    best_mixture,
    difference,
    no_worse_than_stable,
    proportion,
)


def _misses(interval_at: object, rate: float, looks: int, per_look: int, runs: int, seed: int) -> float:
    """Share of runs where the interval missed the true rate at any look."""
    rng = random.Random(seed)
    missed = 0
    for _ in range(runs):
        events = trials = 0
        for _ in range(looks):
            events += sum(rng.random() < rate for _ in range(per_look))
            trials += per_look
            low, high = interval_at(events, trials)  # type: ignore[operator]
            if not low <= rate <= high:
                missed += 1
                break
    return missed / runs


def test_the_sequence_stays_valid_over_50_looks_where_a_fixed_interval_does_not() -> None:
    design = Design()

    def sequence(k: int, n: int) -> tuple[float, float]:
        made = proportion(k, n, design)
        assert made is not None
        return made.low, made.high

    def fixed(k: int, n: int) -> tuple[float, float]:
        p = k / n
        half = 1.96 * math.sqrt(p * (1 - p) / n)
        return p - half, p + half

    assert _misses(sequence, 0.2, 50, 40, 400, seed=3) <= 0.05
    assert _misses(fixed, 0.2, 50, 40, 400, seed=3) > 0.15  # peeking breaks the fixed-sample interval


def test_no_events_is_not_certainty() -> None:
    interval = proportion(0, 200, Design())

    assert interval is not None and interval.estimate == 0 and interval.high > 0.005


def test_the_mixture_is_where_the_width_is_least() -> None:
    alpha = 0.05

    def width(x: float) -> float:
        return (1 + x) / x * (math.log1p(x) + 2 * math.log(1 / alpha))

    best = best_mixture(alpha)

    assert width(best) <= min(width(best * 0.9), width(best * 1.1))
    assert 7 < best < 10


def test_the_interval_is_narrowest_relative_to_its_error_at_the_planned_size() -> None:
    design = Design(planned=1000)
    ratios = {}
    for n in (250, 1000, 4000):
        made = proportion(n // 10, n, design)
        assert made is not None
        se = math.sqrt(((n // 10 + 0.5) / (n + 1)) * (1 - (n // 10 + 0.5) / (n + 1)) / n)
        ratios[n] = (made.high - made.estimate) / se

    assert ratios[1000] < ratios[250] and ratios[1000] < ratios[4000]


def test_a_difference_needs_both_sides() -> None:
    assert difference((1, 0), (1, 10), Design()) is None
    assert proportion(0, 0, Design()) is None


@pytest.mark.parametrize(
    "low, estimate, high, limit, expected",
    [(0.01, 0.02, 0.04, 0.05, PASS), (0.06, 0.08, 0.1, 0.05, FAIL), (0.03, 0.05, 0.07, 0.05, HOLD)],
)
def test_an_absolute_limit(low: float, estimate: float, high: float, limit: float, expected: str) -> None:
    assert at_most(Interval(estimate, low, high, 0.95), limit) == expected


@pytest.mark.parametrize(
    "low, estimate, high, expected",
    [
        (-0.01, 0.0, 0.015, PASS),  # within the margin, with confidence
        (0.005, 0.03, 0.05, FAIL),  # worse than stable, and by more than the margin
        (0.001, 0.01, 0.025, HOLD),  # worse than stable, but within the margin so far
        (-0.02, 0.03, 0.08, HOLD),  # beyond the margin, but not shown worse than stable
    ],
)
def test_a_margin_against_stable(low: float, estimate: float, high: float, expected: str) -> None:
    assert no_worse_than_stable(Interval(estimate, low, high, 0.95), 0.02) == expected
