"""Gates: may the candidate take more traffic? Judged on usage of the candidate
against the stable variant since the current step began."""

from __future__ import annotations

import operator
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, NamedTuple

from hybridctl.config.catalog import Catalog
from hybridctl.config.model import Gates, RollbackTriggers
from hybridctl.errors import CheckFailed, Inconclusive
from hybridctl.usage.cube import Cube, Priced, add_cell
from hybridctl.usage.stats import Totals, same_workload_savings

PASS, FAIL, INCONCLUSIVE = "pass", "fail", "inconclusive"


class GateResult(NamedTuple):
    name: str
    status: str  # pass, fail, inconclusive
    observed: float | None
    threshold: float | None
    detail: str


class GateReport(NamedTuple):
    verdict: str  # go, no-go, inconclusive
    results: list[GateResult]
    stable: Totals
    candidate: Totals
    since: datetime | None

    def to_dict(self) -> dict[str, Any]:
        def variant(t: Totals) -> dict[str, Any]:
            return {
                "requests": t.requests,
                "error_rate": t.error_rate,
                "p95_latency_s": t.latency.quantile(0.95),
                "cost_per_request": t.cost_per_request,
                "escalation_rate": t.escalation_rate,
                "availability": None if t.error_rate is None else 1 - t.error_rate,
                "quality": t.quality,
            }

        return {
            "verdict": self.verdict,
            "since": None if self.since is None else self.since.isoformat(),
            "gates": [r._asdict() for r in self.results],
            "stable": variant(self.stable),
            "candidate": variant(self.candidate),
        }


@dataclass
class VariantUsage:
    """One variant's requests since the step began: in total, and per workload
    cell (role, escalated or not)."""

    total: Totals = field(default_factory=Totals)
    cells: dict[tuple[str, bool], Totals] = field(default_factory=dict)


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


def collect(
    cube: Cube, since: datetime | None, stable: Catalog, candidate: Catalog
) -> tuple[VariantUsage, VariantUsage]:
    """Per-variant usage since the step began; each request priced by its own side's
    catalog and price overrides. ``cube`` was read with ``since`` as its one
    boundary (segment 1: after it)."""
    usage = {"stable": VariantUsage(), "candidate": VariantUsage()}
    books = {"stable": stable, "candidate": candidate}
    segment = 0 if since is None else 1
    for key, cell in cube.cells.items():
        side = usage.get(key[5])
        if side is None or key[0] != segment:
            continue
        book = books[key[5]]
        add_cell(Priced(side.total, {}), key, cell, book, False)
        workload = side.cells.setdefault((key[2], key[6]), Totals())
        add_cell(Priced(workload, {}), key, cell, book, False)
    return usage["stable"], usage["candidate"]


def evaluate(
    stable_usage: VariantUsage, candidate_usage: VariantUsage, gates: Gates, since: datetime | None
) -> GateReport:
    stable, candidate = stable_usage.total, candidate_usage.total
    minimum = gates.min_requests
    fewest = min(stable.requests, candidate.requests)
    results = [
        GateResult(
            "sample size",
            PASS if fewest >= minimum else INCONCLUSIVE,
            float(fewest),
            float(minimum),
            f"stable {stable.requests}, candidate {candidate.requests}; {minimum} per variant needed",
        )
    ]
    enough = results[0].status == PASS
    error_rate = candidate.error_rate
    delta = None if error_rate is None or stable.error_rate is None else error_rate - stable.error_rate
    savings = same_workload_savings(stable_usage.cells, candidate_usage.cells)
    checks: list[tuple[str, float | None, float | None, Callable[[float, float], bool], str]] = [
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
            candidate.latency.quantile(0.95),
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
    for name, observed, threshold, within, detail in checks:
        if threshold is None:
            continue  # not configured: no gate
        if not enough or observed is None:
            results.append(GateResult(name, INCONCLUSIVE, observed, threshold, detail))
        else:
            results.append(
                GateResult(name, PASS if within(observed, threshold) else FAIL, observed, threshold, detail)
            )
    statuses = {r.status for r in results}
    verdict = "no-go" if FAIL in statuses else "inconclusive" if INCONCLUSIVE in statuses else "go"
    return GateReport(verdict, results, stable, candidate, since)


def rollback_reasons(report: GateReport, triggers: RollbackTriggers) -> list[str]:
    """The seed's immediate rollback triggers that the candidate's usage meets."""
    reasons: list[str] = []
    candidate, stable = report.candidate, report.stable
    if not candidate.requests:
        return reasons
    error_rate = candidate.error_rate or 0.0
    t = triggers
    if t.max_error_rate is not None and error_rate > t.max_error_rate:
        reasons.append(f"error rate {error_rate:.1%} > {t.max_error_rate:.1%}")
    if t.min_availability is not None and 1 - error_rate < t.min_availability:
        reasons.append(f"availability {1 - error_rate:.2%} < {t.min_availability:.2%}")
    savings = next((r.observed for r in report.results if r.name == "cost savings"), None)
    if t.min_cost_savings is not None and savings is not None and savings < t.min_cost_savings:
        reasons.append(f"cost savings {savings:.1%} < {t.min_cost_savings:.1%}")
    if t.max_satisfaction_drop is not None and candidate.quality is not None and stable.quality:
        drop = 1 - candidate.quality / stable.quality
        if drop > t.max_satisfaction_drop:
            reasons.append(f"satisfaction down {drop:.1%} > {t.max_satisfaction_drop:.1%}")
    return reasons
