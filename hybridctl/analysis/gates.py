"""Gates: may the candidate take more traffic? Each gate judges one figure of
the candidate against its limit (or against stable), once both variants have
the minimum sample. A figure counted per request (errors, slow requests,
escalations) is judged on its always-valid confidence sequence
(analysis/sequential.py): pass once the interval is within the limit, fail
once it is beyond, hold while it straddles. A figure without a spread (cost
savings, the budget projection) is judged on its estimate, and says so. The
rollback triggers (analysis/triggers.py) judge the same figures."""

from __future__ import annotations

from datetime import datetime
from typing import Any, NamedTuple

from hybridctl.analysis import judging
from hybridctl.analysis.evidence import GateResult
from hybridctl.analysis.figures import Figures
from hybridctl.analysis.judging import BudgetProjection
from hybridctl.config.model import Gates
from hybridctl.errors import CheckFailed, Inconclusive
from hybridctl.sequential import FAIL, HOLD, PASS, Design

__all__ = ["FAIL", "HOLD", "PASS", "BudgetProjection", "GateReport", "GateResult", "evaluate"]


class GateReport(NamedTuple):
    verdict: str  # go, fail, hold
    results: list[GateResult]
    stable: Figures
    candidate: Figures
    since: datetime | None
    source: str = "usage"  # where the figures came from
    problems: tuple[str, ...] = ()  # why data is missing: an unreachable server, a failed query
    savings: float | None = None  # 1 - candidate cost / stable's, for the same workload
    savings_batches: tuple[float, ...] = ()  # the savings in consecutive slices of the step

    def to_dict(self) -> dict[str, Any]:
        return {
            "verdict": self.verdict,
            "savings": self.savings,
            "since": None if self.since is None else self.since.isoformat(),
            "source": self.source,
            "problems": list(self.problems),
            "gates": [r.to_dict() for r in self.results],
            "stable": self.stable.to_dict(),
            "candidate": self.candidate.to_dict(),
        }

    def failing(self) -> list[GateResult]:
        return [r for r in self.results if r.status == FAIL]

    def missing(self) -> bool:
        """Whether a hold is for lack of data (a source that failed, a figure
        nobody gave, impossible figures), not for lack of evidence yet."""
        return bool(self.problems) or any(r.status == HOLD and r.observed is None for r in self.results)


class GatesFailed(CheckFailed):
    """Promotion refused: a gate failed (exit 1)."""

    def __init__(self, message: str, report: GateReport, *, hint: str | None = None) -> None:
        super().__init__(message, hint=hint)
        self.report = report


class GatesInconclusive(Inconclusive):
    """Promotion refused: the gates hold, no verdict yet (exit 5)."""

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
    savings_batches: tuple[float, ...] = (),
) -> GateReport:
    """Every gate, candidate against stable. Figures that cannot be (a negative
    cost, a non-finite count, more errors than requests) judge nothing: every
    gate holds and the report names them first among its problems."""
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
            PASS if enough else HOLD,
            None if impossible else fewest,
            float(minimum),
            f"stable {shown[0]}, candidate {shown[1]}; {minimum} per variant needed",
        )
    ]
    design = Design(gates.confidence, gates.planned_requests)
    seen = (Figures(), Figures(), None) if impossible else (stable, candidate, savings)  # judge nothing
    batches = () if impossible else savings_batches
    for judged in judge_gates(*seen, gates, design, budget, batches):
        if impossible:
            judged = judged._replace(status=HOLD, observed=None, detail="not judged: impossible figures")
        elif not enough:
            judged = judged._replace(status=HOLD)
        results.append(judged)
    statuses = {r.status for r in results}
    verdict = "fail" if FAIL in statuses else "hold" if HOLD in statuses else "go"
    savings = None if impossible else savings
    problems = (*impossible, *problems)
    return GateReport(verdict, results, stable, candidate, since, source, problems, savings, batches)


def judge_gates(
    stable: Figures,
    candidate: Figures,
    savings: float | None,
    gates: Gates,
    design: Design,
    budget: BudgetProjection | None,
    savings_batches: tuple[float, ...] = (),
) -> list[GateResult]:
    """Every configured gate after the sample size, judged on what the figures hold."""
    fewest = min(stable.requests or 0.0, candidate.requests or 0.0)
    spread = judging.savings_interval(savings, savings_batches, design, fewest)
    made = [
        judging.error_rate(candidate, gates.max_error_rate, design),
        judging.error_rate_vs_stable(stable, candidate, gates.max_error_rate_delta, design),
        judging.latency(candidate, gates.max_p95_latency_s, design),
        judging.cost_savings(savings, gates.min_cost_savings, spread),
        judging.escalation_rate(candidate, gates.max_escalation_rate, design),
    ]
    if gates.max_monthly_budget_share is not None and budget is not None:
        made.append(judging.monthly_budget(budget, gates.max_monthly_budget_share))
    return [result for result in made if result is not None]
