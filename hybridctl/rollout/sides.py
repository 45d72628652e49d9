"""What a rollout step compares and where it goes next: the two sides of a
rollout, their typed strategies, the next weight. Kept apart from measure.py
(usage logs and metrics servers), which a transition imports only to judge a
promotion: a pause or a rollback should not pay for it."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from hybridctl.config.model import Strategy
from hybridctl.config.snapshot import ConfigFiles
from hybridctl.config.validate import CHECKED_BY
from hybridctl.errors import CheckFailed, RefusedError
from hybridctl.store.records import Record
from hybridctl.store.state import RolloutState
from hybridctl.store.workspace import Workspace

if TYPE_CHECKING:
    from hybridctl.store.repo import Store

FULL = 100
NO_USAGE_HINT = 'pass --usage FILE, set usage in settings, or [metrics] provider = "prometheus"'
# rollout reconcile and rollout run take no --usage: they measure what settings name.
NO_SOURCE_HINT = (
    'in hybridctl.toml: [metrics] provider = "prometheus" and url = "http://prometheus:9090", '
    'or usage = ["usage/*.jsonl"]'
)


def strategy_of(files: dict[str, bytes], label: str, *, trusted: bool = False) -> Strategy:
    """The typed strategy; ``trusted`` skips the schema check of files whose
    record says this release validated them."""
    strategy = ConfigFiles.from_mapping(files).strategy(trusted=trusted)
    if strategy is None:
        raise CheckFailed(
            f"the model config of {label} does not validate", hint=f"hybridctl validate; {label}"
        )
    return strategy


def trusted(workspace: Workspace, record: Record) -> bool:
    """Whether a stored revision's own validation still holds: made by this
    release, passed, and no team schemas (which may have changed since)."""
    checked = record.validation or {}
    return workspace.schema_dir is None and checked.get("ok") is True and record.checked_by == CHECKED_BY


class Sides(NamedTuple):
    """The two revisions a rollout compares: what each serves and prices."""

    stable: ConfigFiles
    candidate: ConfigFiles
    strategy: Strategy  # the candidate's: its gates, triggers, budgets and analysis judge the step


def rollout_sides(store: Store, state: RolloutState, workspace: Workspace | None) -> Sides:
    if state.stable is None or state.candidate is None or not state.in_flight:
        raise RefusedError(
            "no candidate is in flight, so there is nothing to gate",
            hint="hybridctl stage --reason '...' starts a rollout",
        )
    stable_record, candidate_record = store.at(state.stable.revision), store.at(state.candidate.revision)
    stable_files, candidate_files = store.configs_at(stable_record), store.configs_at(candidate_record)
    checked = (
        workspace is not None and trusted(workspace, stable_record) and trusted(workspace, candidate_record)
    )
    strategy_of(stable_files, f"stable r{state.stable.revision}", trusted=checked)
    candidate = strategy_of(candidate_files, f"candidate r{state.candidate.revision}", trusted=checked)
    return Sides(ConfigFiles.from_mapping(stable_files), ConfigFiles.from_mapping(candidate_files), candidate)


def next_weight(state: RolloutState) -> int:
    """The weight a promotion would go to."""
    return next((s.weight for s in state.plan if s.weight > state.weight), FULL)


def has_source(workspace: Workspace, usage: Sequence[Path]) -> bool:
    """Whether anything can measure a step: usage given, a metrics provider, or usage in settings."""
    metrics = workspace.metrics
    return bool(usage) or bool(workspace.usage) or (metrics is not None and metrics.url is not None)
