"""One variant's figures over a step, as a metrics provider reads them, and
what makes them impossible (then no gate judges them).

Two failure figures, as the rollout plan means them: an error is a model
call that failed, whether or not a fallback then answered; an unanswered
request got no answer from any model of the fallback chain. Availability is
the share of requests that got an answer. A source that records only one
failure per request (no fallbacks) leaves ``unanswered`` None: each error
then counts as unanswered too, and the figures say so (``availability_basis``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from hybridctl.usage.stats import Totals

_COUNTED = ("requests", "errors", "priced", "escalated", "unanswered")


@dataclass(frozen=True)
class Figures:
    """One variant's figures over the current step, from usage events or a
    metrics server. None: no data, which no gate ever reads as a pass."""

    requests: float | None = None
    errors: float | None = None
    p95_latency_s: float | None = None
    cost: float | None = None  # USD, of the priced requests
    priced: float | None = None  # requests whose cost is known
    escalated: float | None = None
    quality: float | None = None  # mean satisfaction, any scale (only ratios are judged)
    unanswered: float | None = None  # None: the source does not say (see availability_basis)
    # Cumulative latency counts: (upper bound in seconds, requests at most that slow), ascending.
    latency_buckets: tuple[tuple[float, float], ...] = ()

    @classmethod
    def from_totals(cls, totals: Totals) -> Figures:
        return cls(
            float(totals.requests),
            float(totals.errors),
            totals.latency.quantile(0.95),
            totals.cost,
            float(totals.priced),
            float(totals.escalated),
            totals.quality,
            float(totals.errors - totals.recovered) if totals.outcome_known else None,
            totals.latency.cumulative(),
        )

    @staticmethod
    def _share(part: float | None, whole: float | None) -> float | None:
        return None if part is None or not whole else part / whole

    @property
    def error_rate(self) -> float | None:
        return self._share(self.errors, self.requests)

    @property
    def escalation_rate(self) -> float | None:
        return self._share(self.escalated, self.requests)

    @property
    def cost_per_request(self) -> float | None:
        return self._share(self.cost, self.priced)

    @property
    def availability_basis(self) -> str:
        """ "answers" when the source says which requests got an answer, else
        "errors" (every error counted as a request without an answer)."""
        return "answers" if self.unanswered is not None else "errors"

    @property
    def without_answer(self) -> float | None:
        """Requests with no answer: as recorded, else every error."""
        return self.unanswered if self.unanswered is not None else self.errors

    @property
    def availability(self) -> float | None:
        share = self._share(self.without_answer, self.requests)
        return None if share is None else 1 - share

    def slower_than(self, limit_s: float) -> float | None:
        """Requests slower than ``limit_s``, from the latency distribution (linear
        within the bucket that holds the limit, as Prometheus' histogram_quantile
        reads buckets); None without a distribution, or when the limit lies in
        the open last bucket and requests fell there (slower or not, unknown)."""
        buckets = self.latency_buckets
        if not buckets or self.requests is None:
            return None
        total = buckets[-1][1]
        lower_bound, lower_count = 0.0, 0.0
        for bound, count in buckets:
            if bound >= limit_s:
                if math.isinf(bound):
                    return None if count > lower_count else 0.0
                span = bound - lower_bound
                part = (limit_s - lower_bound) / span if span > 0 else 1.0
                return max(0.0, total - (lower_count + (count - lower_count) * part))
            lower_bound, lower_count = bound, count
        return 0.0  # above every bucket, and none is open: nothing is slower

    def impossible(self) -> list[str]:
        """What no real traffic can give: a negative or non-finite figure, or
        more errors, escalations or priced requests than requests. Any of them
        makes the whole measurement invalid (inconclusive, never a pass)."""
        found: list[str] = []
        for name in (*_COUNTED, "p95_latency_s", "cost", "quality"):
            value = getattr(self, name)
            if value is None:
                continue
            if not math.isfinite(value):
                found.append(f"{name.replace('_', ' ')} is {value}")
            elif value < 0 and name != "quality":
                found.append(f"{name.replace('_', ' ')} is negative ({value:g})")
        if found or self.requests is None:
            return found
        for name in ("errors", "escalated", "priced", "unanswered"):
            part = getattr(self, name)
            if part is not None and part > self.requests * (1 + 1e-9) + 1e-9:
                found.append(f"{part:g} {name} but {self.requests:g} requests")
        return found

    def to_dict(self) -> dict[str, Any]:
        error_rate = self.error_rate
        return {
            "requests": self.requests,
            "error_rate": error_rate,
            "p95_latency_s": self.p95_latency_s,
            "cost_per_request": self.cost_per_request,
            "escalation_rate": self.escalation_rate,
            "availability": self.availability,
            "availability_basis": self.availability_basis,
            "unanswered": self.without_answer,
            "quality": self.quality,
        }
