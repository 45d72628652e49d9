"""What a verdict was read from, kept with it so ``history`` and ``report
rollout`` can show why: the counts, the estimate, its interval and the method."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, NamedTuple

from hybridctl.sequential import Interval

ESTIMATE = "estimate"  # a figure without a spread, judged on its value


class Evidence(NamedTuple):
    method: str  # "normal-mixture confidence sequence", or "estimate"
    interval: Interval | None = None
    counts: Mapping[str, tuple[float, float]] = {}  # variant -> (events, requests)

    def to_dict(self) -> dict[str, Any]:
        interval = self.interval
        return {
            "method": self.method,
            "estimate": None if interval is None else interval.estimate,
            "interval": None if interval is None else [interval.low, interval.high],
            "confidence": None if interval is None else interval.confidence,
            "counts": {side: list(pair) for side, pair in self.counts.items()},
        }


class GateResult(NamedTuple):
    name: str
    status: str  # pass, fail, hold
    observed: float | None  # the estimate
    threshold: float | None
    detail: str
    evidence: Evidence | None = None  # counts, interval and method the status was read from

    def to_dict(self) -> dict[str, Any]:
        made = self._asdict()
        made["evidence"] = None if self.evidence is None else self.evidence.to_dict()
        return made
