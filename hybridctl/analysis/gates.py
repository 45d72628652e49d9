"""Gates: may the candidate take more traffic? Each gate judges one figure of
the candidate against its threshold (or against stable), once both variants
have the minimum sample; the rollback triggers judge the same figures."""

from __future__ import annotations

import operator
from collections.abc import Callable
from datetime import datetime
from typing import Any, NamedTuple

from hybridctl.analysis.figures import Figures
from hybridctl.config.model import Gates, RollbackTriggers
from hybridctl.errors import CheckFailed, Inconclusive
from hybridctl.text import money

PASS, FAIL, INCONCLUSIVE = "pass", "fail", "inconclusive"


class GateResult(NamedTuple):
    name: str
    status: str  # pass, fail, inconclusive
    observed: float | None
    threshold: float | None
    detail: str


class BudgetProjection(NamedTuple):
    """Month-end spend if the next weight held for the rest of the month."""

    month_to_date: float | None
    projected: float | None  # None: not enough data to project
    monthly_budget: float
    next_weight: int


class GateReport(NamedTuple):
    verdict: str  # go, no-go, inconclusive
    results: list[GateResult]
    stable: Figures
    candidate: Figures
    since: datetime | None
    source: str = "usage"  # where the figures came from
    problems: tuple[str, ...] = ()  # why data is missing: an unreachable server, a failed query
    savings: float | None = None  # 1 - candidate cost / stable's, for the same workload

    def to_dict(self) -> dict[str, Any]:
        return {
            "verdict": self.verdict,
            "savings": self.savings,
            "since": None if self.since is None else self.since.isoformat(),
            "source": self.source,
            "problems": list(self.problems),
            "gates": [r._asdict() for r in self.results],
            "stable": self.stable.to_dict(),
            "candidate": self.candidate.to_dict(),
        }

    def failing(self) -> list[GateResult]:
        return [r for r in self.results if r.status == FAIL]


class GatesFailed(CheckFailed):
    """Promotion refused: a gate failed (exit 1)."""

    def __init__(self, message: str, report: GateReport, *, hint: str | None = None) -> None:
        super().__init__(message, hint=hint)
        self.report = report


class GatesInconclusive(Inconclusive):
    """Promotion refused: the gates gave no verdict yet (exit 5)."""

    def __init__(self, message: str, report: GateReport, *, hint: str | None = None) -> None:
        super().__init__(message, hint=hint)
        self.report = report


def project_month_end(
    month_to_date: float | None,
    stable: Figures,
    candidate: Figures,
    window_hours: float,
    next_weight: int,
    hours_left: float,
) -> float | None:
    """Month-to-date spend plus the rest of the month at the step's request rate,
    each request costing what its variant's cost at ``next_weight`` percent."""
    requests = [stable.requests, candidate.requests]
    costs = [stable.cost_per_request, candidate.cost_per_request]
    if month_to_date is None or window_hours <= 0 or None in requests or None in costs:
        return None
    per_hour = sum(r for r in requests if r is not None) / window_hours
    share = next_weight / 100
    per_request = (1 - share) * (costs[0] or 0.0) + share * (costs[1] or 0.0)
    return month_to_date + per_hour * per_request * max(hours_left, 0.0)


Check = tuple[str, float | None, float | None, Callable[[float, float], bool], str]


def _checks(
    stable: Figures, candidate: Figures, gates: Gates, savings: float | None, budget: BudgetProjection | None
) -> list[Check]:
    """Every gate after the sample size: name, observed, threshold, comparison, detail."""
    error_rate = candidate.error_rate
    delta = None if error_rate is None or stable.error_rate is None else error_rate - stable.error_rate
    checks: list[Check] = [
        ("error rate", error_rate, gates.max_error_rate, operator.le, "candidate errors / requests"),
        (
            "error rate vs stable",
            delta,
            gates.max_error_rate_delta,
            operator.le,
            "candidate error rate minus stable's, in points",
        ),
        (
            "p95 latency",
            candidate.p95_latency_s,
            gates.max_p95_latency_s,
            operator.le,
            "candidate 95th percentile, seconds",
        ),
        (
            "cost savings",
            savings,
            gates.min_cost_savings,
            operator.ge,
            "1 - candidate cost / stable's for the same mix of roles and escalations",
        ),
        (
            "escalation rate",
            candidate.escalation_rate,
            gates.max_escalation_rate,
            operator.le,
            "candidate escalated requests / requests",
        ),
    ]
    if budget is not None and gates.max_monthly_budget_share is not None:
        projected = budget.projected
        detail = (
            f"month-end spend at {budget.next_weight}%: "
            + ("too little data to project" if projected is None else money(projected))
            + f" of {money(budget.monthly_budget)}"
        )
        share = None if projected is None else projected / budget.monthly_budget
        checks.append(("monthly budget", share, gates.max_monthly_budget_share, operator.le, detail))
    return checks


def evaluate(
    stable: Figures,
    candidate: Figures,
    gates: Gates,
    since: datetime | None,
    *,
    savings: float | None,
    budget: BudgetProjection | None = None,
    source: str = "usage",
    problems: tuple[str, ...] = (),
) -> GateReport:
    """Every gate, candidate against stable. Figures that cannot be (a negative
    cost, a non-finite count, more errors than requests) judge nothing: every
    gate is inconclusive and the report names them first among its problems."""
    sides = (("stable", stable), ("candidate", candidate))
    impossible = tuple(f"{side} {what}" for side, figures in sides for what in figures.impossible())
    minimum = gates.min_requests
    counts = [stable.requests, candidate.requests]
    fewest = None if None in counts else min(c for c in counts if c is not None)
    shown = [f"{c:,.0f}" if c is not None else "no data" for c in counts]
    enough = fewest is not None and fewest >= minimum and not impossible
    results = [
        GateResult(
            "sample size",
            PASS if enough else INCONCLUSIVE,
            None if impossible else fewest,
            float(minimum),
            f"stable {shown[0]}, candidate {shown[1]}; {minimum} per variant needed",
        )
    ]
    for name, observed, threshold, within, detail in _checks(stable, candidate, gates, savings, budget):
        if threshold is None:
            continue  # not configured: no gate
        if impossible:
            results.append(GateResult(name, INCONCLUSIVE, None, threshold, "not judged: impossible figures"))
        elif not enough or observed is None:
            results.append(GateResult(name, INCONCLUSIVE, observed, threshold, detail))
        else:
            results.append(
                GateResult(name, PASS if within(observed, threshold) else FAIL, observed, threshold, detail)
            )
    statuses = {r.status for r in results}
    verdict = "no-go" if FAIL in statuses else "inconclusive" if INCONCLUSIVE in statuses else "go"
    savings = None if impossible else savings
    return GateReport(verdict, results, stable, candidate, since, source, (*impossible, *problems), savings)


def rollback_reasons(report: GateReport, triggers: RollbackTriggers) -> list[str]:
    """The seed's immediate rollback triggers that the candidate's figures meet,
    judged once both variants have the gates' minimum sample (a few early
    errors are not an error rate)."""
    reasons: list[str] = []
    if not report.results or report.results[0].status != PASS:
        return reasons
    candidate, stable, t = report.candidate, report.stable, triggers
    error_rate = candidate.error_rate
    if error_rate is not None:
        if t.max_error_rate is not None and error_rate > t.max_error_rate:
            reasons.append(f"error rate {error_rate:.1%} > {t.max_error_rate:.1%}")
        if t.min_availability is not None and 1 - error_rate < t.min_availability:
            reasons.append(f"availability {1 - error_rate:.2%} < {t.min_availability:.2%}")
    savings = report.savings
    if t.min_cost_savings is not None and savings is not None and savings < t.min_cost_savings:
        reasons.append(f"cost savings {savings:.1%} < {t.min_cost_savings:.1%}")
    if t.max_satisfaction_drop is not None and candidate.quality is not None and stable.quality:
        drop = 1 - candidate.quality / stable.quality
        if drop > t.max_satisfaction_drop:
            reasons.append(f"satisfaction down {drop:.1%} > {t.max_satisfaction_drop:.1%}")
    return reasons
