"""One gate each: the figure it reads, how it is judged, and the evidence it
keeps. A gate that is not configured gives None (no gate)."""

from __future__ import annotations

import math
from typing import NamedTuple

from hybridctl.analysis.evidence import ESTIMATE, Evidence, GateResult
from hybridctl.analysis.figures import Figures
from hybridctl.sequential import (
    FAIL,
    HOLD,
    METHOD,
    PASS,
    Design,
    Interval,
    at_most,
    difference,
    half_width,
    no_worse_than_stable,
    proportion,
)
from hybridctl.text import money

# A p95 latency limit is "at most 5% of requests slower than it".
P95_SHARE = 0.05


class BudgetProjection(NamedTuple):
    """Month-end spend if the next weight held for the rest of the month."""

    month_to_date: float | None
    projected: float | None  # None: not enough data to project
    monthly_budget: float
    next_weight: int


def shown(interval: Interval | None) -> str:
    """'1.20% [0.40%, 3.10%] at 95%': an estimate and its interval."""
    if interval is None:
        return "no data"
    return f"{interval.estimate:.2%} [{interval.low:.2%}, {interval.high:.2%}] at {interval.confidence:.0%}"


def _counts(figures: Figures, events: float | None) -> tuple[float, float] | None:
    requests = figures.requests
    return None if events is None or requests is None else (events, requests)


def rate_gate(
    name: str, candidate: Figures, events: float | None, limit: float, design: Design, what: str
) -> GateResult:
    """A share of the candidate's requests (errors, escalations) at most ``limit``."""
    counts = _counts(candidate, events)
    interval = None if counts is None else proportion(counts[0], counts[1], design)
    if interval is None or counts is None:
        return GateResult(name, HOLD, None, limit, f"{what}: no data")
    return GateResult(
        name,
        at_most(interval, limit),
        interval.estimate,
        limit,
        f"{what}: {shown(interval)}",
        Evidence(METHOD, interval, {"candidate": counts}),
    )


def error_rate(candidate: Figures, limit: float | None, design: Design) -> GateResult | None:
    if limit is None:
        return None
    return rate_gate(
        "error rate", candidate, candidate.errors, limit, design, "failed model calls / requests"
    )


def escalation_rate(candidate: Figures, limit: float | None, design: Design) -> GateResult | None:
    if limit is None:
        return None
    what = "escalated requests / requests"
    return rate_gate("escalation rate", candidate, candidate.escalated, limit, design, what)


def error_rate_vs_stable(
    stable: Figures, candidate: Figures, margin: float | None, design: Design
) -> GateResult | None:
    """Candidate's error rate minus stable's, at most ``margin`` points."""
    if margin is None:
        return None
    name, what = "error rate vs stable", "candidate error rate minus stable's"
    ours, theirs = _counts(candidate, candidate.errors), _counts(stable, stable.errors)
    interval = None if ours is None or theirs is None else difference(ours, theirs, design)
    if interval is None or ours is None or theirs is None:
        return GateResult(name, HOLD, None, margin, f"{what}: no data")
    detail = (
        f"{what}: {interval.estimate * 100:+.2f} points "
        f"[{interval.low * 100:+.2f}, {interval.high * 100:+.2f}] at {interval.confidence:.0%}"
    )
    evidence = Evidence(METHOD, interval, {"candidate": ours, "stable": theirs})
    return GateResult(
        name, no_worse_than_stable(interval, margin), interval.estimate, margin, detail, evidence
    )


def latency(candidate: Figures, limit: float | None, design: Design) -> GateResult | None:
    """p95 at most ``limit`` seconds: at most 5% of requests slower than it, on
    the latency distribution; on the p95 estimate when the source has none."""
    if limit is None:
        return None
    p95 = candidate.p95_latency_s
    slow = candidate.slower_than(limit)
    counts = _counts(candidate, slow)
    interval = None if counts is None else proportion(counts[0], counts[1], design)
    if interval is not None and counts is not None:
        detail = f"requests slower than {limit:g} s: {shown(interval)}; at most {P95_SHARE:.0%} allowed"
        evidence = Evidence(METHOD, interval, {"candidate": counts})
        return GateResult("p95 latency", at_most(interval, P95_SHARE), p95, limit, detail, evidence)
    if p95 is None:
        return GateResult("p95 latency", HOLD, None, limit, "candidate 95th percentile: no data")
    detail = "candidate 95th percentile, seconds (the source gives no latency distribution: its estimate)"
    return GateResult("p95 latency", PASS if p95 <= limit else FAIL, p95, limit, detail, Evidence(ESTIMATE))


MIN_BATCHES = 3  # slices of the step with both variants' cost, before the savings has a spread


def savings_interval(
    savings: float | None, batches: tuple[float, ...], design: Design, requests: float | None
) -> Interval | None:
    """The savings' interval by batch means: the spread of the savings measured
    in consecutive slices of the step gives its standard error (no source keeps a
    per-request spread of cost); None with fewer than MIN_BATCHES slices."""
    k = len(batches)
    if savings is None or k < MIN_BATCHES or not requests:
        return None
    mean = sum(batches) / k
    se = math.sqrt(sum((b - mean) ** 2 for b in batches) / (k - 1) / k)
    half = half_width(se, requests / design.planned, 1 - design.confidence)
    method = f"{METHOD} (batch means over {k} slices of the step)"
    return Interval(savings, savings - half, savings + half, design.confidence, method)


def cost_savings(
    savings: float | None, limit: float | None, interval: Interval | None = None
) -> GateResult | None:
    if limit is None:
        return None
    what = "1 - candidate cost / stable's for the same mix of roles and escalations"
    if interval is not None:
        status = PASS if interval.low >= limit else FAIL if interval.high < limit else HOLD
        detail = f"{what}: {shown(interval)}"
        return GateResult(
            "cost savings", status, interval.estimate, limit, detail, Evidence(interval.method, interval)
        )
    detail = f"{what} (estimate: too few slices of the step for a spread)"
    if savings is None:
        return GateResult("cost savings", HOLD, None, limit, detail)
    return GateResult(
        "cost savings", PASS if savings >= limit else FAIL, savings, limit, detail, Evidence(ESTIMATE)
    )


def monthly_budget(budget: BudgetProjection, limit: float) -> GateResult:
    projected = budget.projected
    detail = (
        f"month-end spend at {budget.next_weight}%: "
        + ("too little data to project" if projected is None else money(projected))
        + f" of {money(budget.monthly_budget)}"
    )
    if projected is None:
        return GateResult("monthly budget", HOLD, None, limit, detail)
    share = projected / budget.monthly_budget
    return GateResult(
        "monthly budget", PASS if share <= limit else FAIL, share, limit, detail, Evidence(ESTIMATE)
    )
