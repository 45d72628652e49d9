"""canary set: the candidate to any weight from 1 to 99; lower is a partial
rollback, higher is judged like a promotion."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

from hybridctl.analysis.source import Measuring
from hybridctl.errors import UsageError
from hybridctl.rollout import next_state
from hybridctl.rollout.judge import guard_increase
from hybridctl.rollout.machine import Action, check
from hybridctl.rollout.transaction import Transaction, TransitionResult, candidate_files, state_untouched
from hybridctl.store.setup import Setup, settle_races
from hybridctl.times import utc_now


def canary_set(
    setup: Setup,
    weight: int,
    *,
    reason: str,
    force: bool = False,
    usage: Sequence[Path] = (),
    measuring: Measuring = Measuring(),
    now: datetime | None = None,
) -> TransitionResult:
    if not 1 <= weight <= 99:
        raise UsageError(
            f"canary weight {weight} is out of range",
            hint="give 1-99; hybridctl promote --full goes to 100%, rollback to 0",
        )
    with setup.mutation("canary set") as store:
        txn = Transaction(setup, store, Action.CANARY_SET, reason, now or utc_now())
        txn.measuring = measuring
        state = txn.before
        check(state, Action.CANARY_SET)
        assert state.candidate is not None
        if weight == state.weight:
            return txn.unchanged(f"the candidate already serves {weight}%")
        _, validation = candidate_files(txn)
        report = guard_increase(txn, usage, force) if weight > state.weight else None
        lowered = weight < state.weight
        summary = f"canary {state.weight}% -> {weight}%" + (" (partial rollback)" if lowered else "")
        return txn.record(
            next_state.weighted(state, weight, txn.now),
            kind="canary-set",
            summary=summary,
            validation=validation,
            gates=report,
            details={"lowered": lowered},
        )


canary_set = settle_races(canary_set, on_top=state_untouched)
