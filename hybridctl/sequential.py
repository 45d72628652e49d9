"""Always-valid confidence sequences: intervals that stay valid however often
the same rollout is measured.

A fixed-sample interval (estimate +- 1.96 standard errors) is wrong about 5%
of the time at one look; looked at every five minutes it is eventually wrong
for almost every rollout. The normal-mixture confidence sequence (Robbins
1970; Howard, Ramdas, McAuliffe and Sekhon 2021; its asymptotic form in
Waudby-Smith et al. 2023, which Eppo and Statsig use) widens the interval
just enough that the chance it ever misses the true value, at any of any
number of looks, is at most alpha:

    estimate +- se * sqrt((1 + x) / x * (log(1 + x) + 2 log(1 / alpha)))

where x = I * tau^2, I = 1 / se^2 is the information gathered so far and
tau^2 the mixture's variance. Tau is tuned so that the interval is tightest
when each variant has ``planned`` requests; it is valid at every other size.
Proportions use a variance that is never zero ((k + 1/2) / (n + 1) in place
of k / n), so a variant with no errors yet is not judged certain.
"""

from __future__ import annotations

import math
from functools import lru_cache
from typing import Any, NamedTuple

METHOD = "normal-mixture confidence sequence"


class Interval(NamedTuple):
    """An estimate and its always-valid interval at ``confidence``."""

    estimate: float
    low: float
    high: float
    confidence: float
    method: str = METHOD

    def to_dict(self) -> dict[str, Any]:
        return {
            "estimate": self.estimate,
            "low": self.low,
            "high": self.high,
            "confidence": self.confidence,
            "method": self.method,
        }


class Design(NamedTuple):
    """How sure a verdict must be, and the sample the intervals are tuned for."""

    confidence: float = 0.95
    planned: int = 2000  # requests per variant where the interval is tightest


def _width_factor(x: float, alpha: float) -> float:
    return math.sqrt((1 + x) / x * (math.log1p(x) + 2 * math.log(1 / alpha)))


@lru_cache(maxsize=64)
def best_mixture(alpha: float) -> float:
    """The x = I * tau^2 where the boundary is narrowest (golden-section search;
    the factor is unimodal in log x)."""
    low, high = math.log(1e-3), math.log(1e4)
    ratio = (math.sqrt(5) - 1) / 2
    for _ in range(80):
        a, b = high - ratio * (high - low), low + ratio * (high - low)
        if _width_factor(math.exp(a), alpha) < _width_factor(math.exp(b), alpha):
            high = b
        else:
            low = a
    return math.exp((low + high) / 2)


def half_width(se: float, information_share: float, alpha: float) -> float:
    """The interval's half width for standard error ``se`` when the information
    gathered is ``information_share`` of the planned sample's."""
    if se <= 0:
        return 0.0
    x = best_mixture(alpha) * max(information_share, 1e-12)
    return se * _width_factor(x, alpha)


def _variance(events: float, trials: float) -> float:
    """One trial's variance, never zero: (k + 1/2) / (n + 1) for the rate."""
    rate = (events + 0.5) / (trials + 1)
    return rate * (1 - rate)


def proportion(events: float, trials: float, design: Design) -> Interval | None:
    """A rate (errors per request) and its interval; None without trials."""
    if trials <= 0:
        return None
    alpha = 1 - design.confidence
    estimate = events / trials
    se = math.sqrt(_variance(events, trials) / trials)
    width = half_width(se, trials / design.planned, alpha)
    return Interval(estimate, max(0.0, estimate - width), min(1.0, estimate + width), design.confidence)


def difference(
    candidate: tuple[float, float], stable: tuple[float, float], design: Design
) -> Interval | None:
    """Candidate's rate minus stable's, each given as (events, trials)."""
    (k_c, n_c), (k_s, n_s) = candidate, stable
    if n_c <= 0 or n_s <= 0:
        return None
    alpha = 1 - design.confidence
    var_c, var_s = _variance(k_c, n_c), _variance(k_s, n_s)
    se = math.sqrt(var_c / n_c + var_s / n_s)
    share = (var_c + var_s) / design.planned / (se * se)  # information now / at the planned sample
    estimate = k_c / n_c - k_s / n_s
    width = half_width(se, share, alpha)
    return Interval(estimate, max(-1.0, estimate - width), min(1.0, estimate + width), design.confidence)


# Verdicts of one comparison.
PASS, FAIL, HOLD = "pass", "fail", "hold"


def at_most(interval: Interval, limit: float) -> str:
    """An absolute limit (error rate <= 5%): pass once the whole interval is
    within it, fail once the whole interval is beyond it, else hold."""
    if interval.high <= limit:
        return PASS
    if interval.low > limit:
        return FAIL
    return HOLD


def no_worse_than_stable(interval: Interval, margin: float) -> str:
    """A difference from stable (error rate <= stable's + 2 points): pass once
    the interval shows the candidate within the margin; fail once it shows the
    candidate worse than stable and the estimate is beyond the margin (as
    Kayenta's judge fails a metric: a significant difference of a size beyond
    the tolerance); else hold."""
    if interval.high <= margin:
        return PASS
    if interval.low > 0 and interval.estimate > margin:
        return FAIL
    return HOLD
