"""One variant's figures over a step, as a metrics provider reads them, and
what makes them impossible (then no gate judges them)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from hybridctl.usage.stats import Totals


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

    def impossible(self) -> list[str]:
        """What no real traffic can give: a negative or non-finite figure, or
        more errors, escalations or priced requests than requests. Any of them
        makes the whole measurement invalid (inconclusive, never a pass)."""
        found: list[str] = []
        for name in ("requests", "errors", "p95_latency_s", "cost", "priced", "escalated", "quality"):
            value = getattr(self, name)
            if value is None:
                continue
            if not math.isfinite(value):
                found.append(f"{name.replace('_', ' ')} is {value}")
            elif value < 0 and name != "quality":
                found.append(f"{name.replace('_', ' ')} is negative ({value:g})")
        if found or self.requests is None:
            return found
        for name in ("errors", "escalated", "priced"):
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
            "availability": None if error_rate is None else 1 - error_rate,
            "quality": self.quality,
        }
