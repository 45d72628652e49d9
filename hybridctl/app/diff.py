"""A diff between two snapshots, and with usage given, what each side would
cost per 1,000 requests of that workload: the store's diff priced by usage."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from hybridctl.config.diff import DiffResult
from hybridctl.config.snapshot import ConfigFiles
from hybridctl.store import history
from hybridctl.store.setup import Setup

if TYPE_CHECKING:
    from hybridctl.usage.profile import CostEffect
    from hybridctl.usage.scan import ScanStats


class DiffReport(NamedTuple):
    """A diff, and with usage given, what each side would cost on it."""

    diff: DiffResult
    cost: CostEffect | None = None
    usage: ScanStats | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            **self.diff.to_dict(),
            "cost_per_1k_requests": self.cost.to_dict() if self.cost else None,
            "usage": self.usage.to_dict() if self.usage else None,
        }


def diff(
    setup: Setup,
    before: str | None,
    after: str | None,
    *,
    usage_paths: Sequence[Path] = (),
    raw: bool = False,
) -> DiffReport:
    """Diff two snapshots (default: the latest record against the working configs);
    with usage files, also what each would cost per 1,000 requests of that workload."""
    sides = history.compared(setup, before, after)
    result = sides.diff(raw=raw)
    old_strategy = ConfigFiles.from_mapping(sides.before).strategy()
    new_strategy = ConfigFiles.from_mapping(sides.after).strategy()
    if not usage_paths or old_strategy is None or new_strategy is None:
        return DiffReport(result)
    # Start-up: only `diff --usage` pays for the usage readers.
    from hybridctl.usage.profile import cost_effect
    from hybridctl.usage.reports import read_usage
    from hybridctl.usage.scan import ScanSpec, resolve_sources

    data = read_usage(resolve_sources([str(p) for p in usage_paths]), ScanSpec(), None)
    return DiffReport(result, cost_effect(old_strategy, new_strategy, data.cube), data.stats)
