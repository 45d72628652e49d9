"""The revisions a rollout compares, read from the store: the two variants
(their configs and typed strategies), the step as analysis sees it, and the
weight a promotion goes to. Kept apart from analysis/measure.py (usage logs
and metrics servers), which a transition imports only to judge a promotion:
a pause or a rollback should not pay for it."""

from __future__ import annotations

from typing import TYPE_CHECKING

from hybridctl.analysis.subject import Step, Variants
from hybridctl.config.model import Strategy
from hybridctl.config.snapshot import ConfigFiles
from hybridctl.config.validate import CHECKED_BY
from hybridctl.errors import CheckFailed, RefusedError
from hybridctl.rollout.state import RolloutState
from hybridctl.store.records import Record
from hybridctl.store.setup import Setup

if TYPE_CHECKING:
    from hybridctl.store.repo import Store

FULL = 100


def strategy_of(files: dict[str, bytes], label: str, *, trusted: bool = False) -> Strategy:
    """The typed strategy; ``trusted`` skips the schema check of files whose
    record says this release validated them."""
    strategy = ConfigFiles.from_mapping(files).strategy(trusted=trusted)
    if strategy is None:
        raise CheckFailed(
            f"the model config of {label} does not validate", hint=f"hybridctl validate; {label}"
        )
    return strategy


def trusted(setup: Setup, record: Record) -> bool:
    """Whether a stored revision's own validation still holds: made by this
    release, passed, and no team schemas (which may have changed since)."""
    checked = record.validation or {}
    return setup.schema_dir is None and checked.get("ok") is True and record.checked_by == CHECKED_BY


def variants_of(store: Store, state: RolloutState, setup: Setup | None) -> Variants:
    """The stable and candidate revisions of the rollout in flight, validated."""
    if state.stable is None or state.candidate is None or not state.in_flight:
        raise RefusedError(
            "no candidate is in flight, so there is nothing to gate",
            hint="hybridctl stage --reason '...' starts a rollout",
        )
    stable_record, candidate_record = store.at(state.stable.revision), store.at(state.candidate.revision)
    stable_files, candidate_files = store.configs_at(stable_record), store.configs_at(candidate_record)
    checked = setup is not None and trusted(setup, stable_record) and trusted(setup, candidate_record)
    strategy_of(stable_files, f"stable r{state.stable.revision}", trusted=checked)
    candidate = strategy_of(candidate_files, f"candidate r{state.candidate.revision}", trusted=checked)
    stable = ConfigFiles.from_mapping(stable_files)
    return Variants(stable, ConfigFiles.from_mapping(candidate_files), candidate)


def next_weight(state: RolloutState) -> int:
    """The weight a promotion would go to."""
    return next((s.weight for s in state.plan if s.weight > state.weight), FULL)


def step_of(state: RolloutState) -> Step:
    """The current step as analysis measures it."""
    return Step(state.step_started, state.weight, next_weight(state), state.rollout_id or "")
