"""stage: make the working configs the candidate, at weight 0."""

from __future__ import annotations

from datetime import datetime

from hybridctl.errors import RefusedError
from hybridctl.rollout import next_state
from hybridctl.rollout.eval_gate import EVAL_SUMMARY, has_suites, require_passing_run
from hybridctl.rollout.machine import Action, check
from hybridctl.rollout.revisions import strategy_of
from hybridctl.rollout.state import CanaryStep, Snapshot
from hybridctl.rollout.transaction import Transaction, TransitionResult, state_untouched, validated
from hybridctl.routing.buckets import NEW_ROLLOUTS as BUCKETING
from hybridctl.store.records import digest_files
from hybridctl.store.setup import Setup, settle_races
from hybridctl.times import utc_now


def stage(setup: Setup, *, reason: str, force: bool = False, now: datetime | None = None) -> TransitionResult:
    """The working configs, validated (and their eval run, when the quality
    gate is at stage), recorded as the candidate of a new rollout (``force``:
    replacing one in flight, or overriding the quality gate)."""
    with setup.mutation("stage") as store:
        txn = Transaction(setup, store, Action.STAGE, reason, now or utc_now())
        check(txn.before, Action.STAGE, force=force)
        if txn.before.in_flight:
            replaced = txn.before.candidate.revision if txn.before.candidate else "?"
            txn.forced.append(f"replaced candidate r{replaced}")
        configs = setup.read_configs()
        validation = validated(setup, configs, setup.config_dir.name, force=False, forced=txn.forced)
        _, digest = digest_files(configs)
        stable = txn.before.stable
        assert stable is not None  # load_state always knows what runs
        if digest == stable.digest:
            raise RefusedError(
                f"the working configs are identical to stable (r{stable.revision}); nothing to stage",
                hint="edit configs/ first, then stage the change",
            )
        strategy = strategy_of(configs, "the working configs")
        if strategy.evals.gate == "stage" and has_suites(setup.config_dir):
            run = require_passing_run(store, digest, force=force, forced=txn.forced)
            txn.details["eval"] = None if run is None else {k: run.get(k) for k in EVAL_SUMMARY}
        head = store.head()
        revision = (head.revision if head else 0) + 1
        plan = tuple(CanaryStep(w, h) for w, h in strategy.rollout_steps)
        candidate = Snapshot(revision, digest)
        after = next_state.staged(txn.before, candidate, plan=plan, bucketing=BUCKETING, now=txn.now)
        return txn.record(
            after,
            kind="stage",
            summary=f"staged r{revision} (stable r{stable.revision})",
            configs=configs,
            validation=validation,
        )


stage = settle_races(stage, on_top=state_untouched)
