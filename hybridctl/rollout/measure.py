"""Measuring a canary step: the gates and the rollback triggers, judged on
usage events or on a metrics server's figures, for people (gate check,
promote, status) and for the automated analysis (rollout reconcile)."""

from __future__ import annotations

import contextlib
import tempfile
from collections.abc import Iterator, Sequence
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from hybridctl.config.model import Strategy
from hybridctl.errors import UsageError
from hybridctl.remote.prometheus import MetricsSource, Readings, Sample, read
from hybridctl.rollout.gates import (
    BudgetProjection,
    Figures,
    GateReport,
    collect,
    evaluate,
    month_spend,
    project_month_end,
    rollback_reasons,
    usage_figures,
)
from hybridctl.rollout.sides import NO_USAGE_HINT, Sides, next_weight
from hybridctl.store.state import RolloutState
from hybridctl.store.workspace import Workspace
from hybridctl.times import format_utc
from hybridctl.urls import shown_url
from hybridctl.usage.cube import Cube
from hybridctl.usage.stats import Totals, same_workload_savings

if TYPE_CHECKING:
    pass


def usage_since(paths: Sequence[Path], since: datetime | None) -> Cube:
    from hybridctl.usage.reports import read_usage
    from hybridctl.usage.scan import ScanSpec, resolve_sources

    spec = ScanSpec(() if since is None else (since,))
    return read_usage(resolve_sources([str(p) for p in paths]), spec, None).cube


def budget_projection(
    month_to_date: float | None,
    stable: Figures,
    candidate: Figures,
    state: RolloutState,
    strategy: Strategy,
    now: datetime,
) -> BudgetProjection | None:
    """The monthly-budget gate's input, when that gate is configured."""
    monthly = strategy.budgets.monthly
    if strategy.gates.max_monthly_budget_share is None or not monthly:
        return None
    window = (now - state.step_started).total_seconds() / 3600 if state.step_started else 0.0
    start = month_start(now)
    end = (start + timedelta(days=32)).replace(day=1)
    weight = next_weight(state)
    projected = project_month_end(
        month_to_date, stable, candidate, window, weight, (end - now).total_seconds() / 3600
    )
    return BudgetProjection(month_to_date, projected, monthly, weight)


def month_start(now: datetime) -> datetime:
    return now.replace(day=1, hour=0, minute=0, second=0, microsecond=0)


def gates_on_usage(cube: Cube, state: RolloutState, sides: Sides, now: datetime) -> GateReport:
    """The gates judged on usage events read into ``cube`` (cut at the step's start)."""
    stable_book, candidate_book = sides.stable.catalog(), sides.candidate.catalog()
    stable_usage, candidate_usage = collect(cube, state.step_started, stable_book, candidate_book)
    stable, candidate, savings = usage_figures(stable_usage, candidate_usage)
    spent = month_spend(cube, month_start(now), stable_book, candidate_book)
    budget = budget_projection(spent, stable, candidate, state, sides.strategy, now)
    return evaluate(
        stable, candidate, sides.strategy.gates, state.step_started, savings=savings, budget=budget
    )


class Measurement(NamedTuple):
    time: datetime
    report: GateReport
    triggers: list[str]  # rollback triggers that hold

    @property
    def verdict(self) -> str:
        return "no-go" if self.triggers else self.report.verdict

    def why(self) -> str:
        """The failing gates and triggers with their values, or what is missing."""
        failing = [
            f"{r.name} {_shown(r.name, r.observed)} (limit {_shown(r.name, r.threshold)})"
            for r in self.report.failing()
        ]
        if failing or self.triggers:
            return "; ".join([*failing, *(f"trigger: {t}" for t in self.triggers)])
        if self.report.verdict == "inconclusive":
            if self.report.problems:
                return "; ".join(self.report.problems[:3])
            waiting = next((r for r in self.report.results if r.status == "inconclusive"), None)
            return f"{waiting.name}: {waiting.detail}" if waiting else "no verdict"
        return "every gate passes"

    def to_dict(self) -> dict[str, Any]:
        return {
            "time": format_utc(self.time),
            "verdict": self.verdict,
            "triggers": self.triggers,
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
    return f"{value:.2%}"


def measure(
    workspace: Workspace, state: RolloutState, sides: Sides, now: datetime, usage: Sequence[Path] = ()
) -> Measurement:
    """The gates and the rollback triggers on the current step: on ``usage``
    when given, else on the metrics provider in settings, else on the usage
    files in settings."""
    source = workspace.metrics
    if not usage and source is not None and source.provider == "prometheus":
        report = _prometheus_report(workspace, source, state, sides, now)
    else:
        with _usage_inputs(workspace, None if usage else source, usage) as paths:
            report = gates_on_usage(usage_since(paths, state.step_started), state, sides, now)
    return Measurement(now, report, rollback_reasons(report, sides.strategy.rollback_triggers))


@contextlib.contextmanager
def _usage_inputs(
    workspace: Workspace, source: MetricsSource | None, usage: Sequence[Path]
) -> Iterator[Sequence[Path]]:
    """The usage files given, or a JSON-lines URL ([metrics] provider = "usage")
    fetched for this measurement, or the usage files in settings."""
    if source is None or source.url is None:
        paths = usage or workspace.usage
        if not paths:
            raise UsageError(
                "no usage input was given, so the gates cannot judge the candidate", hint=NO_USAGE_HINT
            )
        yield paths
        return
    from hybridctl.remote.http import download  # httpx: ~68 ms, only for usage at a URL

    with tempfile.TemporaryDirectory(prefix="hybridctl-usage-") as scratch:
        target = Path(scratch) / "usage.jsonl"
        download(source.url, target, token_env=source.token_env, ca_bundle=workspace.remote.ca_bundle)
        yield (target,)


def _figures(samples: dict[str, Sample]) -> Figures:
    def value(name: str) -> float | None:
        sample = samples.get(name)
        return None if sample is None else sample.value

    requests = value("requests")
    return Figures(
        requests=requests,
        errors=value("errors"),
        p95_latency_s=value("latency-p95"),
        cost=value("cost"),
        priced=requests if value("cost") is not None else None,
        escalated=value("escalations"),
        quality=value("satisfaction"),
    )


def _savings(readings: Readings, stable: Figures, candidate: Figures) -> float | None:
    """For the same workload when the queries give one series per role (sum by
    (role)), as for usage events; else cost per request against cost per request."""
    s, c = readings.variants["stable"], readings.variants["candidate"]
    if any(
        value < 0
        for samples in (s, c)
        for name in ("requests", "cost")
        for value in samples[name].by_role.values()
    ):
        return None  # Readings.problems names it; the savings gate has no figure
    roles = set(s["requests"].by_role) & set(c["requests"].by_role)
    roles &= set(s["cost"].by_role) & set(c["cost"].by_role)
    if roles:

        def cells(samples: dict[str, Sample]) -> dict[str, Totals]:
            made = {}
            for role in roles:
                requests = round(samples["requests"].by_role[role])
                made[role] = Totals(requests=requests, priced=requests, cost=samples["cost"].by_role[role])
            return made

        return same_workload_savings(cells(s), cells(c))
    stable_cost, candidate_cost = stable.cost_per_request, candidate.cost_per_request
    if stable_cost is None or candidate_cost is None or stable_cost <= 0:
        return None
    return 1 - candidate_cost / stable_cost


def _prometheus_report(
    workspace: Workspace, source: MetricsSource, state: RolloutState, sides: Sides, now: datetime
) -> GateReport:
    started = state.step_started or now
    readings = read(
        source,
        window=now - started,
        month=now - month_start(now),
        at=now,
        rollout=state.rollout_id or "",
        ca_bundle=workspace.remote.ca_bundle,
    )
    stable, candidate = _figures(readings.variants["stable"]), _figures(readings.variants["candidate"])
    budget = budget_projection(readings.spend_month.value, stable, candidate, state, sides.strategy, now)
    return evaluate(
        stable,
        candidate,
        sides.strategy.gates,
        state.step_started,
        savings=_savings(readings, stable, candidate),
        budget=budget,
        source=f"prometheus {shown_url(source.url or '')}",
        problems=readings.problems(),
    )
