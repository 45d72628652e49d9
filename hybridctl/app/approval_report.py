"""``hybridctl report escalations``: how the review of escalations goes
(approval time per team, breaches of the 30-minute target, approval rate)
from the store, and what escalated requests cost against the budget from
usage, when usage is given."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import TYPE_CHECKING, Any, NamedTuple

from hybridctl.escalations.queue import APPROVED, Request
from hybridctl.escalations.stats import ReviewSummary, summarize
from hybridctl.times import format_utc

if TYPE_CHECKING:
    from hybridctl.usage.reports import UsageReport


class PremiumSpend(NamedTuple):
    requests: int  # escalated requests in the window
    cost: float
    approvals: int  # requests approved in the window
    budget: float | None  # budgets.monthly

    @property
    def per_approval(self) -> float | None:
        return self.cost / self.approvals if self.approvals else None

    @property
    def share(self) -> float | None:
        return self.cost / self.budget if self.budget else None

    def to_dict(self) -> dict[str, Any]:
        return {
            "escalated_requests": self.requests,
            "cost": round(self.cost, 6),
            "approved_requests": self.approvals,
            "cost_per_approval": None if self.per_approval is None else round(self.per_approval, 6),
            "monthly_budget": self.budget,
            "share_of_monthly_budget": None if self.share is None else round(self.share, 6),
        }


class EscalationReport(NamedTuple):
    time: datetime
    since: datetime | None
    until: datetime | None
    review: ReviewSummary
    spend: PremiumSpend | None

    @property
    def window(self) -> str:
        start = "the first request" if self.since is None else format_utc(self.since)
        return f"{start} to {format_utc(self.until or self.time)}"

    def to_dict(self) -> dict[str, Any]:
        return {
            "version": 1,
            "report": "escalations",
            "time": format_utc(self.time),
            "since": None if self.since is None else format_utc(self.since),
            "until": None if self.until is None else format_utc(self.until),
            "review": self.review.to_dict(),
            "premium_spend": None if self.spend is None else self.spend.to_dict(),
        }


def within(requests: Iterable[Request], since: datetime | None, until: datetime | None) -> list[Request]:
    """The requests created in the window."""
    return [
        r for r in requests if (since is None or r.created >= since) and (until is None or r.created < until)
    ]


def premium_spend(usage: UsageReport, requests: list[Request], budget: float | None) -> PremiumSpend:
    """Escalated requests' spend in a usage report grouped by ``escalated``."""
    escalated = next((row for row in usage.rows if row.group == ("escalated",)), None)
    approvals = sum(1 for r in requests if r.decision is not None and r.decision.verdict == APPROVED)
    if escalated is None:
        return PremiumSpend(0, 0.0, approvals, budget)
    return PremiumSpend(escalated.totals.requests, escalated.totals.cost, approvals, budget)


def escalation_report(
    requests: Iterable[Request],
    now: datetime,
    *,
    since: datetime | None = None,
    until: datetime | None = None,
    usage: UsageReport | None = None,
    budget: float | None = None,
) -> EscalationReport:
    chosen = within(requests, since, until)
    moment = min(now, until) if until is not None else now
    spend = None if usage is None else premium_spend(usage, chosen, budget)
    return EscalationReport(now, since, until, summarize(chosen, moment), spend)
