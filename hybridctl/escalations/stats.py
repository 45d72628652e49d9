"""How the review of escalations goes: time to a decision per team (p50,
p95, breaches of the 30-minute target), and how often requests are approved.

Percentiles interpolate linearly between the nearest ranks (numpy's default
"linear"). A breach is a decision later than the target, or a request still
undecided (pending or expired) past it: a queue nobody reads must not look
fast because nothing in it was ever decided.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any, NamedTuple

from hybridctl.escalations.queue import APPROVED, EXPIRED, PENDING, REJECTED, REVIEW_TARGET_S, Request


def quantile(values: Sequence[float], q: float) -> float | None:
    """The q-quantile, linear between closest ranks; None for no values."""
    ordered = sorted(values)
    if not ordered:
        return None
    position = (len(ordered) - 1) * q
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


class TeamReview(NamedTuple):
    team: str
    decided: int
    approved: int
    p50_s: float | None
    p95_s: float | None
    breaches: int  # decided past the target, or undecided past it while this team held it

    def to_dict(self) -> dict[str, Any]:
        return self._asdict()


class ReviewSummary(NamedTuple):
    requests: int
    counts: dict[str, int]  # status -> requests
    approval_rate: float | None  # approved / (approved + rejected + expired)
    teams: list[TeamReview]
    p50_s: float | None  # all decisions
    p95_s: float | None
    breaches: int
    oldest_pending_s: float | None
    target_s: int = REVIEW_TARGET_S

    def to_dict(self) -> dict[str, Any]:
        return {**self._asdict(), "teams": [t.to_dict() for t in self.teams]}


def summarize(requests: Iterable[Request], now: datetime, target_s: int = REVIEW_TARGET_S) -> ReviewSummary:
    chosen = list(requests)
    counts = {status: 0 for status in (PENDING, APPROVED, REJECTED, EXPIRED)}
    times: dict[str, list[float]] = {}
    approved: dict[str, int] = {}
    breaches: dict[str, int] = {}
    pending_ages = []
    for request in chosen:
        status = request.status(now)
        counts[status] += 1
        seconds = request.review_seconds()
        if request.decision is not None and seconds is not None:
            team = request.decision.team
            times.setdefault(team, []).append(seconds)
            approved[team] = approved.get(team, 0) + (status == APPROVED)
            breaches[team] = breaches.get(team, 0) + (seconds > target_s)
            continue
        age = (min(now, request.expires) - request.created).total_seconds()
        if status == PENDING:
            pending_ages.append((now - request.created).total_seconds())
        if age > target_s:
            team = request.holder(min(now, request.expires)).name
            breaches[team] = breaches.get(team, 0) + 1
    teams = [
        TeamReview(
            team,
            len(times.get(team, [])),
            approved.get(team, 0),
            quantile(times.get(team, []), 0.5),
            quantile(times.get(team, []), 0.95),
            breaches.get(team, 0),
        )
        for team in sorted(set(times) | set(breaches))
    ]
    closed = counts[APPROVED] + counts[REJECTED] + counts[EXPIRED]
    every = [s for values in times.values() for s in values]
    return ReviewSummary(
        len(chosen),
        counts,
        counts[APPROVED] / closed if closed else None,
        teams,
        quantile(every, 0.5),
        quantile(every, 0.95),
        sum(breaches.values()),
        max(pending_ages) if pending_ages else None,
        target_s,
    )
