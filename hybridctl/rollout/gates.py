"""Gates: may the candidate take more traffic? Judged on usage of the candidate
against the stable variant since the current step began."""

from __future__ import annotations

import operator
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, NamedTuple

from hybridctl.config.catalog import Catalog
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
    stable_usage: VariantUsage, candidate_usage: VariantUsage, gates: dict[str, Any], since: datetime | None
) -> GateReport:
    stable, candidate = stable_usage.total, candidate_usage.total
    minimum = int(gates.get("minRequests", 1))
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
    checks: list[tuple[str, float | None, str, Callable[[float, float], bool], str]] = [
        ("error rate", error_rate, "maxErrorRate", operator.le, "candidate errors / requests"),
        (
            "error rate vs stable",
            delta,
            "maxErrorRateDelta",
            operator.le,
            "candidate error rate minus stable's, in points",
        ),
        (
            "p95 latency",
            candidate.latency.quantile(0.95),
            "maxP95LatencySeconds",
            operator.le,
            "candidate 95th percentile, seconds",
        ),
        (
            "cost savings",
            savings,
            "minCostSavings",
            operator.ge,
            "1 - candidate cost / stable's for the same mix of roles and escalations",
        ),
        (
            "escalation rate",
            candidate.escalation_rate,
            "maxEscalationRate",
            operator.le,
            "candidate escalated requests / requests",
        ),
    ]
    for name, observed, setting, within, detail in checks:
        threshold = gates.get(setting)
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


def rollback_reasons(report: GateReport, triggers: dict[str, Any]) -> list[str]:
    """The seed's immediate rollback triggers that the candidate's usage meets."""
    reasons: list[str] = []
    candidate, stable = report.candidate, report.stable
    if not candidate.requests:
        return reasons
    error_rate = candidate.error_rate or 0.0
    if "maxErrorRate" in triggers and error_rate > triggers["maxErrorRate"]:
        reasons.append(f"error rate {error_rate:.1%} > {triggers['maxErrorRate']:.1%}")
    if "minAvailability" in triggers and 1 - error_rate < triggers["minAvailability"]:
        reasons.append(f"availability {1 - error_rate:.2%} < {triggers['minAvailability']:.2%}")
    savings = next((r.observed for r in report.results if r.name == "cost savings"), None)
    if "minCostSavings" in triggers and savings is not None and savings < triggers["minCostSavings"]:
        reasons.append(f"cost savings {savings:.1%} < {triggers['minCostSavings']:.1%}")
    if "maxSatisfactionDrop" in triggers and candidate.quality is not None and stable.quality:
        drop = 1 - candidate.quality / stable.quality
        if drop > triggers["maxSatisfactionDrop"]:
            reasons.append(f"satisfaction down {drop:.1%} > {triggers['maxSatisfactionDrop']:.1%}")
    return reasons
