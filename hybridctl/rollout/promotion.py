"""promote: the candidate to the plan's next weight, or to 100% (then it is
the new stable), once its step has soaked and the gates pass."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

from hybridctl.analysis.gates import GateReport
from hybridctl.analysis.source import Measuring
from hybridctl.rollout import next_state
from hybridctl.rollout.eval_gate import EVAL_SUMMARY, has_suites, require_passing_run
from hybridctl.rollout.judge import guard_increase
from hybridctl.rollout.machine import Action, check
from hybridctl.rollout.revisions import FULL, next_weight, strategy_of
from hybridctl.rollout.state import Stage
from hybridctl.rollout.transaction import Transaction, TransitionResult, candidate_files, state_untouched
from hybridctl.store.setup import Setup, settle_races
from hybridctl.times import utc_now


def promote(
    setup: Setup,
    *,
    full: bool = False,
    force: bool = False,
    reason: str | None = None,
    usage: Sequence[Path] = (),
    measuring: Measuring = Measuring(),
    now: datetime | None = None,
) -> TransitionResult:
    action = Action.PROMOTE_FULL if full else Action.PROMOTE
    with setup.mutation(action.value) as store:
        txn = Transaction(setup, store, action, "promote" if reason is None else reason, now or utc_now())
        txn.measuring = measuring
        return apply_promotion(txn, full=full, force=force, usage=usage, named=reason is not None)


def apply_promotion(
    txn: Transaction,
    *,
    full: bool = False,
    force: bool = False,
    usage: Sequence[Path] = (),
    named: bool = True,
    judged: GateReport | None = None,
) -> TransitionResult:
    """Promote within a transaction already open. ``judged``: gates an analysis
    measured just now (a go), instead of reading ``usage``."""
    state = txn.before
    check(state, txn.action)
    assert state.candidate is not None
    files, validation = candidate_files(txn)
    if state.stage is Stage.STAGED:
        _quality_gate(txn, files, state.candidate.digest, force)
    target = FULL if full else next_weight(state)
    if not named:
        txn.reason = f"promote to {target}%"
    report = judged if judged is not None else guard_increase(txn, usage, force)
    after = next_state.weighted(state, target, txn.now)
    summary = (
        f"r{state.candidate.revision} is the new stable (100%)"
        if target == FULL
        else f"canary {state.weight}% -> {target}%"
    )
    return txn.record(
        after,
        kind="promote",
        summary=summary,
        validation=validation,
        gates=report,
        details={"reached_full": target == FULL},
    )


def _quality_gate(txn: Transaction, files: dict[str, bytes], digest: str, force: bool) -> None:
    """The first promotion needs a passing eval run when ``evals.gate`` is promote."""
    strategy = strategy_of(
        files, f"candidate r{txn.before.candidate.revision if txn.before.candidate else '?'}"
    )
    if strategy.evals.gate == "promote" and has_suites(txn.workspace.config_dir):
        run = require_passing_run(txn.store, digest, force=force, forced=txn.forced)
        txn.details["eval"] = None if run is None else {k: run.get(k) for k in EVAL_SUMMARY}


promote = settle_races(promote, on_top=state_untouched)
