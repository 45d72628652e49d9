"""Aggregates every report and gate is built from, in memory bounded by the
number of groups, not the number of events.

Latency percentiles come from a log-bucket sketch (the DDSketch idea): values
fall into buckets whose bounds grow by a factor of (1+a)/(1-a), and a
percentile is read back as its bucket's midpoint, within a relative error a
(1%) of the exact value. A sketch holds at most a few thousand buckets
whatever the number of events.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

RELATIVE_ACCURACY = 0.01
_GAMMA = (1 + RELATIVE_ACCURACY) / (1 - RELATIVE_ACCURACY)
LOG_GAMMA = math.log(_GAMMA)
MIN_LATENCY = 1e-6  # seconds; anything faster is counted as this


def latency_bucket(value: float) -> int:
    return math.ceil(math.log(max(value, MIN_LATENCY)) / LOG_GAMMA)


@dataclass
class LatencySketch:
    buckets: dict[int, int] = field(default_factory=dict)
    count: int = 0

    def add(self, value: float) -> None:
        key = latency_bucket(value)
        self.buckets[key] = self.buckets.get(key, 0) + 1
        self.count += 1

    def merge(self, other: LatencySketch) -> None:
        for key, n in other.buckets.items():
            self.buckets[key] = self.buckets.get(key, 0) + n
        self.count += other.count

    def quantile(self, q: float) -> float | None:
        """The q-quantile (0..1) by the nearest-rank method, within 1%."""
        if not self.count:
            return None
        rank = max(1, math.ceil(q * self.count))
        seen = 0
        for key in sorted(self.buckets):
            seen += self.buckets[key]
            if seen >= rank:
                return 2 * _GAMMA**key / (_GAMMA + 1)  # the bucket's midpoint, by relative error
        raise AssertionError("unreachable: ranks never exceed the count")

    def cumulative(self) -> tuple[tuple[float, float], ...]:
        """(upper bound in seconds, values at most that), ascending: the form
        of a Prometheus histogram, for counting values above a limit."""
        out: list[tuple[float, float]] = []
        seen = 0
        for key in sorted(self.buckets):
            if not out or out[-1][0] < _GAMMA ** (key - 1):  # the empty stretch below this bucket
                out.append((_GAMMA ** (key - 1), float(seen)))
            seen += self.buckets[key]
            out.append((_GAMMA**key, float(seen)))
        return tuple(out)


@dataclass
class Totals:
    """Everything reported about a group of events (a role, a model, a variant, a day)."""

    requests: int = 0
    errors: int = 0
    escalated: int = 0
    premium: int = 0
    input_tokens: int = 0
    output_tokens: int = 0
    cached_tokens: int = 0
    cost: float = 0.0
    priced: int = 0  # requests whose cost is known
    quality_sum: float = 0.0
    quality_count: int = 0
    recovered: int = 0  # errors a fallback answered
    outcome_known: int = 0  # errors whose record says whether a fallback answered
    latency: LatencySketch = field(default_factory=LatencySketch)

    @property
    def error_rate(self) -> float | None:
        return self.errors / self.requests if self.requests else None

    @property
    def escalation_rate(self) -> float | None:
        return self.escalated / self.requests if self.requests else None

    @property
    def cost_per_request(self) -> float | None:
        return self.cost / self.priced if self.priced else None

    @property
    def quality(self) -> float | None:
        return self.quality_sum / self.quality_count if self.quality_count else None

    @property
    def availability(self) -> float | None:
        """Share of requests that got an answer: every error counts as one without,
        unless its record says a fallback answered it."""
        return 1 - (self.errors - self.recovered) / self.requests if self.requests else None

    @property
    def availability_basis(self) -> str:
        """Whether failed requests say if a fallback answered: "answers", else "errors"."""
        return "answers" if self.outcome_known else "errors"

    def merge(self, other: Totals) -> None:
        for name in (
            "requests",
            "errors",
            "escalated",
            "premium",
            "input_tokens",
            "output_tokens",
            "cached_tokens",
            "cost",
            "priced",
            "quality_sum",
            "quality_count",
            "recovered",
            "outcome_known",
        ):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.latency.merge(other.latency)


def same_workload_savings(stable: Mapping[Any, Totals], candidate: Mapping[Any, Totals]) -> float | None:
    """1 - candidate cost / stable cost for the same workload.

    The keys are workload cells, (role, escalated) in hybridctl. Each cell is
    priced per request on each side and weighted by its share of all requests,
    so neither a random difference in the two sides' role mix nor a few rare,
    expensive escalations (their rate is judged on its own) read as savings.
    """
    cells = [c for c, t in stable.items() if t.priced and c in candidate and candidate[c].priced]
    weights = {c: stable[c].requests + candidate[c].requests for c in cells}
    stable_cost = sum(weights[c] * (stable[c].cost_per_request or 0.0) for c in cells)
    candidate_cost = sum(weights[c] * (candidate[c].cost_per_request or 0.0) for c in cells)
    return 1 - candidate_cost / stable_cost if stable_cost else None
