"""retry: an aborted candidate back at the plan's first step, its configs back
in the working directory."""

from __future__ import annotations

from datetime import datetime

from hybridctl.rollout import next_state
from hybridctl.rollout.machine import Action, check
from hybridctl.rollout.transaction import Transaction, TransitionResult, candidate_files, state_untouched
from hybridctl.store.setup import Setup, settle_races
from hybridctl.times import utc_now


def retry(setup: Setup, *, reason: str | None = None, now: datetime | None = None) -> TransitionResult:
    with setup.mutation("retry") as store:
        txn = Transaction(setup, store, Action.RETRY, "retry" if reason is None else reason, now or utc_now())
        state = txn.before
        check(state, Action.RETRY)
        assert state.candidate is not None
        files, validation = candidate_files(txn)
        after = next_state.retried(state, txn.now)
        return txn.record(
            after,
            kind="retry",
            summary=f"retrying r{state.candidate.revision} at {after.weight}%",
            configs=files,
            validation=validation,
        )


retry = settle_races(retry, on_top=state_untouched)
