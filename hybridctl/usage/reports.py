"""The reports: usage, savings, budget and rollout, computed from the cube."""

from __future__ import annotations

import calendar
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any, NamedTuple

from hybridctl.config.catalog import Catalog
from hybridctl.config.model import Pricing, Strategy
from hybridctl.errors import UsageError
from hybridctl.text import did_you_mean, money, show_name
from hybridctl.usage.cache import cached_scan
from hybridctl.usage.cube import (
    REQUESTS,
    CellKey,
    Cube,
    Priced,
    add_cell,
    cell_cost,
)
from hybridctl.usage.reader import available_reader
from hybridctl.usage.scan import ScanSpec, ScanStats, Source
from hybridctl.usage.stats import Totals, same_workload_savings

DIMENSION = {"day": 1, "role": 2, "model": 3, "provider": 4, "variant": 5, "escalated": 6}


class UsageData(NamedTuple):
    cube: Cube
    stats: ScanStats
    sources: list[str]
    reads: list[str]  # per source: cache, appended, scan or uncached

    @property
    def reader(self) -> str:
        return available_reader()  # compiled, or msgspec where no C compiler was found

    def to_dict(self) -> dict[str, Any]:
        return {
            "sources": self.sources,
            "reads": self.reads,
            "reader": self.reader,
            **self.stats.to_dict(),
        }


def read_usage(
    sources: Sequence[Source],
    spec: ScanSpec,
    cache_directory: Path | None,
    progress: Callable[[int], None] | None = None,
) -> UsageData:

    cube = Cube.empty()
    stats = ScanStats()
    reads = []
    for source in sources:
        scanned, how = cached_scan(source, spec, cache_directory, progress)
        if scanned.stats.lines and not scanned.stats.events:
            first = scanned.stats.first_bad[0] if scanned.stats.first_bad else None
            raise UsageError(
                f"{source.label} holds no usage events ({scanned.stats.lines:,} records, none of them "
                "a request to a model)" + (f"; line {first[1]}: {first[2]}" if first else ""),
                hint="pass a usage log (JSON lines, CSV, OpenRouter or LiteLLM exports); "
                "--input-format picks the reader",
            )
        cube.merge(scanned.cube)
        stats.merge(scanned.stats)
        reads.append(how)
    return UsageData(cube, stats, [s.label for s in sources], reads)


class Window(NamedTuple):
    """--since / --until, as segment cut points."""

    since: datetime | None = None
    until: datetime | None = None

    def boundaries(self) -> tuple[datetime, ...]:
        if self.since and self.until and self.until <= self.since:
            raise UsageError("--until must be after --since")
        return tuple(m for m in (self.since, self.until) if m is not None)

    def inside(self, segment: int) -> bool:
        return segment == (1 if self.since else 0)

    def to_dict(self) -> dict[str, str | None]:
        return {
            "since": self.since.isoformat() if self.since else None,
            "until": self.until.isoformat() if self.until else None,
        }


def _filter(
    window: Window, filters: dict[str, frozenset[str]], catalog: Catalog
) -> Callable[[CellKey], bool]:
    checks = [(dim, values) for dim, values in filters.items() if values]
    models = frozenset(catalog.canonical(m) for m in filters.get("model", frozenset()))

    def keep(key: CellKey) -> bool:
        if not window.inside(key[0]):
            return False
        for dim, values in checks:
            if dim == "model":
                if catalog.canonical(key[3]) not in models:
                    return False
            elif str(key[DIMENSION[dim]]) not in values:
                return False
        return True

    return keep


def _unmatched(
    data: UsageData,
    window: Window,
    filters: dict[str, frozenset[str]],
    catalog: Catalog,
    known: Mapping[str, Iterable[str]],
) -> tuple[str, ...]:
    """Filter values that match no request; a value nobody knows is refused."""
    asked = {dim: values for dim, values in filters.items() if values}
    present: dict[str, set[str]] = {dim: set() for dim in asked}
    for key in data.cube.cells:
        if window.inside(key[0]):
            for dim, seen in present.items():
                seen.add(_label(key, dim, catalog))
    said: list[str] = []
    for dim, values in asked.items():
        names = set(known.get(dim, ()))
        for value in sorted(values):
            shown = catalog.canonical(value) if dim == "model" else value
            if shown in present[dim]:
                continue
            if shown not in names:
                choices = sorted(present[dim] | names)
                raise UsageError(
                    f"--{dim} {show_name(value)} matches no request read and no {dim} the config names",
                    hint=did_you_mean(value, choices)
                    or f"{dim}s seen: " + (", ".join(choices[:10]) or "none"),
                )
            said.append(f"--{dim} {value} matched no request")
    return tuple(said)


def _label(key: CellKey, dimension: str, catalog: Catalog) -> str:
    """A cell's value for a dimension, as reports show it: a model under its
    catalog id whatever name the log used."""
    value = key[DIMENSION[dimension]]
    if dimension == "escalated":
        return "escalated" if value else "primary"
    if dimension == "model" and value:
        return catalog.canonical(str(value))
    return str(value) or "(none)"


class Row(NamedTuple):
    group: tuple[str, ...]
    totals: Totals
    unpriced: dict[str, int]

    def to_dict(self, by: Sequence[str]) -> dict[str, Any]:
        t = self.totals
        return {
            **dict(zip(by, self.group, strict=True)),
            "requests": t.requests,
            "input_tokens": t.input_tokens,
            "output_tokens": t.output_tokens,
            "cached_tokens": t.cached_tokens,
            "cost": round(t.cost, 6),
            "unpriced_requests": sum(self.unpriced.values()),
            "error_rate": t.error_rate,
            "availability": t.availability,
            "availability_basis": t.availability_basis,
            "p50_latency_s": t.latency.quantile(0.50),
            "p95_latency_s": t.latency.quantile(0.95),
            "p99_latency_s": t.latency.quantile(0.99),
            "escalation_rate": t.escalation_rate,
            "premium_share": t.premium / t.requests if t.requests else None,
        }


def _row(group: tuple[str, ...], priced: Priced) -> Row:
    return Row(group, priced.totals, priced.unpriced)


def _total(rows: Sequence[Row]) -> Row:
    totals = Totals()
    unpriced: dict[str, int] = {}
    for row in rows:
        totals.merge(row.totals)
        for model, n in row.unpriced.items():
            unpriced[model] = unpriced.get(model, 0) + n
    return Row(("total",), totals, unpriced)


class UsageReport(NamedTuple):
    by: tuple[str, ...]
    rows: list[Row]
    total: Row
    daily: list[tuple[str, float]]  # day, cost
    window: Window
    filters: dict[str, frozenset[str]]
    data: UsageData
    unmatched: tuple[str, ...] = ()  # "--role critic matched no request"

    def to_dict(self) -> dict[str, Any]:
        return {
            "version": 1,
            "report": "usage",
            "unmatched_filters": list(self.unmatched),
            "by": list(self.by),
            "window": self.window.to_dict(),
            "filters": {k: sorted(v) for k, v in self.filters.items() if v},
            "rows": [row.to_dict(self.by) for row in self.rows],
            "total": {
                "requests": self.total.totals.requests,
                **{k: v for k, v in self.total.to_dict(["_"]).items() if k != "_"},
            },
            "daily_cost": [{"day": d, "cost": round(c, 6)} for d, c in self.daily],
            "unpriced_models": self.total.unpriced,
            "input": self.data.to_dict(),
        }


def usage_report(
    data: UsageData,
    catalog: Catalog,
    *,
    by: Sequence[str] = ("role",),
    window: Window = Window(),
    filters: dict[str, frozenset[str]] | None = None,
    recompute: bool = False,
    known: Mapping[str, Iterable[str]] | None = None,
) -> UsageReport:
    """``known``: the values the config names for a filtered dimension (roles,
    model ids, providers). A filter value neither in the usage read nor known
    is a usage error with the nearest value; a known one that matched no
    request is said in ``unmatched``."""
    unknown = [d for d in by if d not in DIMENSION]
    if unknown:
        raise UsageError(f"cannot group by {', '.join(unknown)}", hint="use any of: " + ", ".join(DIMENSION))
    filters = filters or {}
    unmatched = _unmatched(data, window, filters, catalog, known or {})
    keep = _filter(window, filters, catalog)
    groups = data.cube.rollup(
        catalog, lambda k: tuple(_label(k, d, catalog) for d in by), where=keep, recompute=recompute
    )
    rows = [_row(group, groups[group]) for group in sorted(groups)]
    daily_groups = data.cube.rollup(catalog, lambda k: k[1], where=keep, recompute=recompute)
    daily = [(day, daily_groups[day].totals.cost) for day in sorted(daily_groups) if day]
    return UsageReport(tuple(by), rows, _total(rows), daily, window, filters, data, unmatched)


# -- savings ----------------------------------------------------------------------------


class SavingsRow(NamedTuple):
    role: str
    requests: int  # every request, as report usage counts them
    actual: float  # cost of the priced ones
    baseline: float  # what the priced ones would have cost on the baseline model
    unpriced: int = 0  # requests on models without a price: in neither cost

    @property
    def savings(self) -> float | None:
        return 1 - self.actual / self.baseline if self.baseline else None


class Check(NamedTuple):
    name: str
    observed: float | None
    target: str
    ok: bool | None  # None: no data or no target
    note: str = ""

    def to_dict(self) -> dict[str, Any]:
        return self._asdict()

    @classmethod
    def at_most(cls, name: str, observed: float | None, limit: float | None) -> Check:
        return cls(
            name,
            observed,
            "-" if limit is None else f"<= {limit:.0%}",
            None if observed is None or limit is None else observed <= limit,
        )


class SavingsReport(NamedTuple):
    baseline_model: str
    roles: list[SavingsRow]
    total: SavingsRow
    checks: list[Check]
    variants: dict[str, Any] | None
    unpriced: dict[str, int]
    window: Window
    data: UsageData

    def to_dict(self) -> dict[str, Any]:
        def row(r: SavingsRow) -> dict[str, Any]:
            return {
                "role": r.role,
                "requests": r.requests,
                "unpriced_requests": r.unpriced,
                "actual_cost": round(r.actual, 6),
                "baseline_cost": round(r.baseline, 6),
                "savings": r.savings,
            }

        return {
            "version": 1,
            "report": "savings",
            "baseline_model": self.baseline_model,
            "window": self.window.to_dict(),
            "total": row(self.total),
            "roles": [row(r) for r in self.roles],
            "checks": [c.to_dict() for c in self.checks],
            "variants": self.variants,
            "unpriced_models": self.unpriced,
            "input": self.data.to_dict(),
        }


def _baseline_cost(cell: list[Any], model_priced: bool, baseline: Pricing, recompute: bool) -> float:
    """What the cell's priced requests would have cost on the premium model: the
    requests with a recorded cost always, the others when their model has a price."""
    every = cell_cost(baseline, cell, every_request=True)
    if model_priced:
        return every
    return 0.0 if recompute else every - cell_cost(baseline, cell, every_request=False)


def savings_report(
    data: UsageData,
    catalog: Catalog,
    strategy: Strategy,
    *,
    baseline_model: str | None = None,
    window: Window = Window(),
    recompute: bool = False,
) -> SavingsReport:
    """Actual cost against every request going to the premium model, the
    targets it promises, and (in a rollout) the candidate against stable."""
    model_id, baseline = _baseline(catalog, baseline_model)
    added = _savings_by_role(data, catalog, baseline, window, recompute)
    roles = [SavingsRow(role, int(v[0]), v[1], v[2], int(v[3])) for role, v in sorted(added.per_role.items())]
    total = SavingsRow(
        "total",
        sum(r.requests for r in roles),
        sum(r.actual for r in roles),
        sum(r.baseline for r in roles),
        sum(r.unpriced for r in roles),
    )
    checks = _target_checks(strategy, total.savings, added.overall.totals)
    variants = _variant_savings(added.variants["stable"], added.variants["candidate"])
    return SavingsReport(model_id, roles, total, checks, variants, added.overall.unpriced, window, data)


def _baseline(catalog: Catalog, baseline_model: str | None) -> tuple[str, Pricing]:
    """The all-premium baseline: the model asked for, or the catalog's premium one."""
    premium_ids = catalog.premium_ids()
    model_id = baseline_model or (premium_ids[0] if premium_ids else None)
    baseline = None if model_id is None else catalog.pricing(model_id)
    if model_id is None or baseline is None:
        raise UsageError(
            f"no price for the baseline model {model_id or '(none: no premium-tier model)'}",
            hint="pass --baseline MODEL, a model the catalog or prices.json prices",
        )
    return catalog.canonical(model_id), baseline


class _Added(NamedTuple):
    per_role: dict[str, list[float]]  # requests, actual, baseline, unpriced
    overall: Priced
    variants: dict[str, dict[tuple[str, bool], Totals]]  # variant -> (role, escalated) -> totals


def _savings_by_role(
    data: UsageData, catalog: Catalog, baseline: Pricing, window: Window, recompute: bool
) -> _Added:
    """Each role's requests, actual cost and all-premium cost; the totals; each
    variant's workload cells (for savings on the same mix)."""
    keep = _filter(window, {}, catalog)
    added = _Added({}, Priced(Totals(), {}), {"stable": {}, "candidate": {}})
    overall = added.overall
    for key, cell in data.cube.cells.items():
        if not keep(key):
            continue
        before_cost, before_priced = overall.totals.cost, overall.totals.priced
        add_cell(overall, key, cell, catalog, recompute)
        found = catalog.resolve(key[3], key[4] or None)
        model_priced = found is not None and found.pricing is not None
        entry = added.per_role.setdefault(_label(key, "role", catalog), [0, 0.0, 0.0, 0])
        entry[0] += cell[REQUESTS]
        entry[1] += overall.totals.cost - before_cost
        entry[2] += _baseline_cost(cell, model_priced, baseline, recompute)
        entry[3] += cell[REQUESTS] - (overall.totals.priced - before_priced)
        if key[5] in added.variants:
            workload = added.variants[key[5]].setdefault((key[2], key[6]), Totals())
            add_cell(Priced(workload, {}), key, cell, catalog, recompute)
    return added


def _target_checks(strategy: Strategy, saved: float | None, totals: Totals) -> list[Check]:
    """The strategy's promises: savings in range, premium share and escalation rate at most their limit."""
    low, high = strategy.targets.savings_min, strategy.targets.savings_max
    target_text = (
        f">= {low:.0%}" + (f" and <= {high:.0%}" if high is not None else "") if low is not None else "-"
    )
    above = saved is not None and high is not None and saved > high
    share = totals.premium / totals.requests if totals.requests else None
    rate_limit = strategy.escalation.max_rate if strategy.escalation else None
    return [
        Check(
            "cost savings vs all-premium",
            saved,
            target_text,
            None if saved is None or low is None else saved >= low,
            "above the range: is the premium model used where it should be?" if above else "",
        ),
        Check.at_most("premium share", share, strategy.targets.max_premium_share),
        Check.at_most("escalation rate", totals.escalation_rate, rate_limit),
    ]


def _variant_savings(
    stable: dict[tuple[str, bool], Totals], candidate: dict[tuple[str, bool], Totals]
) -> dict[str, float | None] | None:
    """In a rollout: each variant's cost per request, and the candidate's savings on the same mix."""
    if not stable or not candidate:
        return None

    def per_request(cells: dict[tuple[str, bool], Totals]) -> float | None:
        cost = sum(t.cost for t in cells.values())
        priced = sum(t.priced for t in cells.values())
        return cost / priced if priced else None

    return {
        "stable_cost_per_request": per_request(stable),
        "candidate_cost_per_request": per_request(candidate),
        "savings_same_workload": same_workload_savings(stable, candidate),
    }


# -- budget -----------------------------------------------------------------------------


class Period(NamedTuple):
    name: str  # day, week, month
    start: date
    end: date  # inclusive
    spend: float
    budget: float | None

    @property
    def used(self) -> float | None:
        return self.spend / self.budget if self.budget else None

    @property
    def status(self) -> str:
        if self.budget is None:
            return "no budget"
        used = self.used or 0.0
        return "over" if used > 1 else "warning" if used >= 0.8 else "ok"


class BudgetReport(NamedTuple):
    as_of: datetime
    periods: list[Period]
    projected_month: float
    elapsed_days: float  # of the month, at as_of: a projection needs a day of data
    monthly_budget: float | None
    daily: list[tuple[str, float]]  # this month, day by day
    unpriced: dict[str, int]
    data: UsageData

    @property
    def projection_too_early(self) -> bool:
        return self.elapsed_days < 1

    @property
    def projection_status(self) -> str:
        if self.projection_too_early:
            return "too early"
        return "over" if self.monthly_budget and self.projected_month > self.monthly_budget else "ok"

    @property
    def over(self) -> bool:
        return any(p.status == "over" for p in self.periods)

    @property
    def alerts(self) -> list[str]:
        alerts = [
            f"{p.name} spend {money(p.spend)} is {p.used:.0%} of the {money(p.budget)} budget"
            for p in self.periods
            if p.status in ("over", "warning") and p.budget and p.used is not None
        ]
        if self.projection_too_early:
            alerts.append("the month-end projection needs a day of this month's data; it is not judged yet")
        elif self.monthly_budget and self.projected_month > self.monthly_budget:
            alerts.append(
                f"month-end projection {money(self.projected_month)} exceeds the "
                f"{money(self.monthly_budget)} monthly budget"
            )
        if self.unpriced:
            alerts.append(
                f"{sum(self.unpriced.values()):,} requests on unpriced models are not counted: "
                + ", ".join(sorted(self.unpriced))
            )
        return alerts

    def to_dict(self) -> dict[str, Any]:
        return {
            "version": 1,
            "report": "budget",
            "as_of": self.as_of.isoformat(),
            "over_budget": self.over,
            "periods": [
                {
                    "period": p.name,
                    "start": p.start.isoformat(),
                    "end": p.end.isoformat(),
                    "spend": round(p.spend, 6),
                    "budget": p.budget,
                    "used": p.used,
                    "status": p.status,
                }
                for p in self.periods
            ],
            "projected_month_end": round(self.projected_month, 6),
            "projection_status": self.projection_status,
            "monthly_budget": self.monthly_budget,
            "alerts": self.alerts,
            "daily_cost": [{"day": d, "cost": round(c, 6)} for d, c in self.daily],
            "input": self.data.to_dict(),
        }


def budget_report(
    data: UsageData, catalog: Catalog, strategy: Strategy, *, as_of: datetime, recompute: bool = False
) -> BudgetReport:
    """Spend today, this ISO week and this month (UTC) against the budgets, as it
    stood at ``as_of``: ``data`` was read with ``as_of`` as its one boundary, so
    segment 0 holds what was spent before it and nothing after counts."""
    as_of = as_of.astimezone(timezone.utc)
    today = as_of.date()
    week_start = today - timedelta(days=today.weekday())
    month_start = today.replace(day=1)
    by_day = data.cube.rollup(catalog, lambda k: k[1], where=lambda k: k[0] == 0, recompute=recompute)
    spend = {day: priced.totals.cost for day, priced in by_day.items() if day}
    unpriced: dict[str, int] = {}
    for priced in by_day.values():
        for model, n in priced.unpriced.items():
            unpriced[model] = unpriced.get(model, 0) + n

    def between(start: date) -> float:
        return sum(cost for day, cost in spend.items() if start.isoformat() <= day <= today.isoformat())

    budgets = strategy.budgets
    periods = [
        Period("day", today, today, between(today), budgets.daily),
        Period("week", week_start, today, between(week_start), budgets.weekly),
        Period("month", month_start, today, between(month_start), budgets.monthly),
    ]
    elapsed = max(
        (as_of - datetime.combine(month_start, datetime.min.time(), timezone.utc)).total_seconds() / 86400,
        1 / 24,
    )
    days_in_month = calendar.monthrange(today.year, today.month)[1]
    projected = periods[2].spend / elapsed * days_in_month
    daily = [
        (day, cost)
        for day, cost in sorted(spend.items())
        if month_start.isoformat() <= day <= today.isoformat()
    ]
    return BudgetReport(as_of, periods, projected, elapsed, budgets.monthly, daily, unpriced, data)
