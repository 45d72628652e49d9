"""pause and resume: traffic stays where it is; a paused rollout is not
measured, promoted or set until a person resumes it."""

from __future__ import annotations

from datetime import datetime

from hybridctl.rollout import next_state
from hybridctl.rollout.machine import Action, check, describe
from hybridctl.rollout.state import StepAnalysis
from hybridctl.rollout.transaction import Transaction, TransitionResult, state_untouched
from hybridctl.store.setup import Setup, settle_races
from hybridctl.times import utc_now


def set_paused(
    setup: Setup, paused: bool, *, reason: str | None = None, now: datetime | None = None
) -> TransitionResult:
    action = Action.PAUSE if paused else Action.RESUME
    with setup.mutation(action.value) as store:
        txn = Transaction(setup, store, action, action.value if reason is None else reason, now or utc_now())
        return apply_pause(txn, paused)


def apply_pause(txn: Transaction, paused: bool, analysis: StepAnalysis | None = None) -> TransitionResult:
    """Pause or resume within a transaction already open (the automated analysis
    pauses with the counters that made it stop)."""
    check(txn.before, txn.action)
    after = next_state.paused(txn.before, paused, analysis)
    return txn.record(
        after, kind=txn.action.value, summary=f"{txn.action.value}d: the rollout is {describe(after)}"
    )


set_paused = settle_races(set_paused, on_top=state_untouched)
