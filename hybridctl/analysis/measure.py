"""Measuring a canary step: the gates and the rollback triggers, judged on
what a metrics provider reads, for people (gate check, promote, status) and
for the automated analysis (rollout reconcile)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, NamedTuple

from hybridctl.analysis.figures import Figures
from hybridctl.analysis.gates import (
    BudgetProjection,
    GateReport,
    evaluate,
    project_month_end,
)
from hybridctl.analysis.providers import provider_for
from hybridctl.analysis.source import Measuring
from hybridctl.analysis.subject import Step, Variants
from hybridctl.analysis.triggers import judge_triggers
from hybridctl.config.model import Strategy
from hybridctl.times import format_utc


def month_start(now: datetime) -> datetime:
    return now.replace(day=1, hour=0, minute=0, second=0, microsecond=0)


def budget_projection(
    month_to_date: float | None,
    stable: Figures,
    candidate: Figures,
    step: Step,
    strategy: Strategy,
    now: datetime,
) -> BudgetProjection | None:
    """The monthly-budget gate's input, when that gate is configured."""
    monthly = strategy.budgets.monthly
    if strategy.gates.max_monthly_budget_share is None or not monthly:
        return None
    window = (now - step.started).total_seconds() / 3600 if step.started else 0.0
    start = month_start(now)
    end = (start + timedelta(days=32)).replace(day=1)
    projected = project_month_end(
        month_to_date, stable, candidate, window, step.next_weight, (end - now).total_seconds() / 3600
    )
    return BudgetProjection(month_to_date, projected, monthly, step.next_weight)


class Measurement(NamedTuple):
    time: datetime
    report: GateReport
    triggers: list[str]  # rollback triggers the candidate breaks
    incidents: tuple[str, ...] = ()  # absolute triggers stable breaks as well

    @property
    def verdict(self) -> str:
        """fail (a gate or a trigger), hold (no verdict yet, or an incident), or go."""
        if self.triggers or self.report.verdict == "fail":
            return "fail"
        return "hold" if self.incidents else self.report.verdict

    def why(self) -> str:
        """The failing gates and triggers with their values, or what is missing."""
        failing = [
            f"{r.name} {_shown(r.name, r.observed)} (limit {_shown(r.name, r.threshold)})"
            for r in self.report.failing()
        ]
        if failing or self.triggers:
            return "; ".join([*failing, *(f"trigger: {t}" for t in self.triggers)])
        if self.incidents:
            return "both variants break a trigger: " + "; ".join(self.incidents)
        if self.report.verdict == "hold":
            if self.report.problems:
                return "; ".join(self.report.problems[:3])
            waiting = next((r for r in self.report.results if r.status == "hold"), None)
            return f"{waiting.name}: {waiting.detail}" if waiting else "no verdict"
        return "every gate passes"

    def to_dict(self) -> dict[str, Any]:
        return {
            "time": format_utc(self.time),
            "verdict": self.verdict,
            "triggers": self.triggers,
            "incidents": list(self.incidents),
            "why": self.why(),
            "gates": self.report.to_dict(),
        }


def _shown(name: str, value: float | None) -> str:
    if value is None:
        return "no data"
    if name == "p95 latency":
        return f"{value:.3g} s"
    if name == "sample size":
        return f"{value:,.0f}"
    if name == "error rate vs stable":
        return f"{value * 100:+.2f} points"
    return f"{value:.2%}"


def measure(
    measuring: Measuring, step: Step, variants: Variants, now: datetime, usage: Sequence[Path] = ()
) -> Measurement:
    """The gates and the rollback triggers on the current step: on ``usage``
    when given, else on the metrics provider in settings, else on the usage
    files in settings."""
    seen = provider_for(measuring, usage).observe(step, variants, now)
    strategy = variants.strategy
    budget = budget_projection(seen.month_to_date, seen.stable, seen.candidate, step, strategy, now)
    report = evaluate(
        seen.stable,
        seen.candidate,
        strategy.gates,
        step.started,
        savings=seen.savings,
        budget=budget,
        source=seen.source,
        problems=seen.problems,
        savings_batches=seen.savings_batches,
    )
    judged = judge_triggers(
        report.stable,
        report.candidate,
        report.results,
        report.savings,
        strategy.rollback_triggers,
        strategy.gates,
        report.savings_batches,
    )
    return Measurement(now, report, judged.reasons, tuple(judged.incidents))
