"""The usage reports and the price list of a workspace: its priced strategy,
usage read for a report's window (cached, with progress), and each report
built from them. The commands only choose the options and print."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from hybridctl import times
from hybridctl.errors import UsageError
from hybridctl.times import parse_user_time, utc_now

if TYPE_CHECKING:
    from hybridctl.app.approval_report import EscalationReport
    from hybridctl.app.rollout_report import RolloutReport
    from hybridctl.app.settings import Settings
    from hybridctl.app.workspace import Workspace
    from hybridctl.usage.costcheck import CostCheck
    from hybridctl.usage.litellm import ImportResult
    from hybridctl.usage.prices import PricedStrategy
    from hybridctl.usage.reports import BudgetReport, SavingsReport, UsageData, UsageReport, Window
    from hybridctl.usage.scan import Source

# (total bytes, description) -> a context giving the callback that advances it
Progress = Callable[[int, str], AbstractContextManager[Callable[[int], None]]]
FILTERED = ("role", "model", "provider", "variant")


def parse_when(value: str | None, option: str) -> datetime | None:
    """A user's --since/--until/--as-of, or a usage error saying what is expected."""
    if value is None:
        return None
    moment = parse_user_time(value)
    if moment is None:
        raise UsageError(
            f"{option} {value!r} is not an ISO 8601 date or time", hint="e.g. 2026-11-01 or 2026-11-01T14:00Z"
        )
    return moment


class UsageInput(NamedTuple):
    """Which usage to read, and how."""

    inputs: tuple[str, ...] = ()  # paths, globs or '-'; none: the settings' usage files
    input_format: str = "auto"
    strict: bool = False
    use_cache: bool = True
    databases: tuple[str, ...] = ()  # --source: database URLs and globs their engine aggregates


@dataclass(frozen=True)
class Reporting:
    """A workspace's settings and priced strategy, and how reading shows progress."""

    settings: Settings
    space: Workspace
    priced: PricedStrategy
    progress: Progress | None = None

    @classmethod
    def open(
        cls,
        settings: Settings,
        *,
        config_dir: Path | None = None,
        store: Path | None = None,
        progress: Progress | None = None,
    ) -> Reporting:
        from hybridctl.app.workspace import Workspace
        from hybridctl.usage.prices import load_priced_strategy

        space = Workspace.from_settings(settings, config_dir=config_dir, store=store)
        return cls(settings, space, load_priced_strategy(space.config_dir, space.read_configs()), progress)

    def sources(self, usage: UsageInput) -> list[Source]:
        from hybridctl.usage.scan import resolve_sources
        from hybridctl.usage.sources import Source
        from hybridctl.usage.sql.source import label

        pushed = [Source(None, label(value), value) for value in usage.databases]
        if pushed and not usage.inputs:
            return pushed
        return resolve_sources(usage.inputs, self.settings.usage) + pushed

    def read(
        self, usage: UsageInput, boundaries: tuple[datetime, ...], within: Window | None = None
    ) -> UsageData:
        """The usage cut at ``boundaries`` (a report's window, a rollout's steps);
        ``within``: only that window is wanted (a database filters on it)."""
        from hybridctl.usage.cache import cache_dir
        from hybridctl.usage.reports import read_usage
        from hybridctl.usage.scan import ScanSpec

        sources = self.sources(usage)
        wanted = (None, None) if within is None else (within.since, within.until)
        spec = ScanSpec(boundaries, usage.input_format, usage.strict, wanted)
        cache = cache_dir(self.settings.cache_dir) if usage.use_cache else None
        if self.progress is None:
            return read_usage(sources, spec, cache)
        total = sum(s.path.stat().st_size for s in sources if s.path is not None)
        with self.progress(total, "reading usage") as advance:
            return read_usage(sources, spec, cache, advance)

    def known(self) -> dict[str, set[str]]:
        """The values the config names for each filtered dimension."""
        strategy = self.priced.strategy
        return {
            "role": set(strategy.roles),
            "model": set(strategy.models),
            "provider": {p.id for p in strategy.providers} | {m.provider for m in strategy.models.values()},
            "variant": {"stable", "candidate"},
        }

    def usage_report(
        self,
        usage: UsageInput,
        *,
        by: Sequence[str],
        window: Window,
        filters: dict[str, frozenset[str]],
        recompute: bool,
    ) -> UsageReport:
        from hybridctl.usage.reports import usage_report

        data = self.read(usage, window.boundaries(), window)
        return usage_report(
            data,
            self.priced.catalog,
            by=by,
            window=window,
            filters=filters,
            recompute=recompute,
            known=self.known(),
        )

    def savings_report(
        self, usage: UsageInput, *, baseline: str | None, window: Window, recompute: bool
    ) -> SavingsReport:
        from hybridctl.usage.reports import savings_report

        data = self.read(usage, window.boundaries(), window)
        return savings_report(
            data,
            self.priced.catalog,
            self.priced.strategy,
            baseline_model=baseline,
            window=window,
            recompute=recompute,
        )

    def budget_report(self, usage: UsageInput, *, as_of: datetime | None, recompute: bool) -> BudgetReport:
        from hybridctl.usage.reports import budget_report

        moment = as_of or utc_now()
        # Cut at the moment: what was spent after it does not count, nor in the projection;
        # spend at the moment itself does.
        data = self.read(usage, (moment + timedelta(microseconds=1),))
        return budget_report(
            data, self.priced.catalog, self.priced.strategy, as_of=moment, recompute=recompute
        )

    def rollout_report(self, usage: UsageInput) -> RolloutReport:
        """The latest rollout; with usage (given or in settings) cut at its steps."""
        from hybridctl.app.approval_queue import load_queue
        from hybridctl.app.rollout_report import boundaries_of, rollout_report, rollout_transitions
        from hybridctl.escalations.stats import summarize

        store = self.space.open_store()
        transitions = rollout_transitions(store.iter_records())
        data = None
        if usage.inputs or usage.databases or self.settings.usage:
            data = self.read(usage, boundaries_of(transitions))
        report = rollout_report(transitions, data, self.priced.catalog)
        if not transitions:
            return report
        began = transitions[0].time
        requests = [r for r in load_queue(store).values() if r.created >= began]
        return report._replace(escalations=summarize(requests, times.utc_now()))

    def escalation_report(self, usage: UsageInput, window: Window) -> EscalationReport:
        """Review times and approval rate from the store; with usage, the spend of
        escalated requests in the window against the monthly budget."""
        from hybridctl.app.approval_queue import load_queue
        from hybridctl.app.approval_report import escalation_report
        from hybridctl.usage.reports import usage_report

        requests = load_queue(self.space.open_store()).values()
        spent = None
        if usage.inputs or usage.databases or self.settings.usage:
            data = self.read(usage, window.boundaries(), window)
            spent = usage_report(
                data, self.priced.catalog, by=["escalated"], window=window, filters={}, recompute=False
            )
        return escalation_report(
            requests,
            times.utc_now(),
            since=window.since,
            until=window.until,
            usage=spent,
            budget=self.priced.strategy.budgets.monthly,
        )

    def import_prices(
        self,
        source: Path,
        *,
        out: Path | None,
        only: frozenset[str] | None,
        include_catalog: bool,
        accept_suspicious: bool,
    ) -> tuple[ImportResult, Path]:
        """LiteLLM's price map merged into the overrides file (a config file: under the lock)."""
        from hybridctl.usage.litellm import import_into
        from hybridctl.usage.prices import OVERRIDES_FILE

        target = out or self.space.config_dir / OVERRIDES_FILE
        catalog = frozenset(n.lower() for spec in self.priced.strategy.models.values() for n in spec.names)
        with self.space.mutation("prices import"):
            result = import_into(
                source,
                target,
                catalog=catalog,
                imported_at=utc_now().isoformat(),
                only=only,
                include_catalog=include_catalog,
                accept_suspicious=accept_suspicious,
            )
        return result, target

    def check_prices(self, usage: UsageInput, tolerance: float) -> CostCheck:
        """Each request's recorded cost against the price list's."""
        from hybridctl.usage.costcheck import check_costs
        from hybridctl.usage.scan import ScanSpec

        spec = ScanSpec((), usage.input_format, usage.strict)
        return check_costs(self.sources(usage), spec, self.priced.catalog, tolerance)
