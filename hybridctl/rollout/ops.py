"""Rollout transitions. Each one runs under the workspace lock, checks that it
is legal, validates what it is about to serve, and leaves one store commit
(configs, state, actor, reason, gate results) written all-or-none together
with the config files and the rollout.json mirror."""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from dataclasses import asdict
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from hybridctl import fsutil
from hybridctl.analysis.gates import GateReport, GatesFailed, GatesInconclusive
from hybridctl.analysis.source import NO_USAGE_HINT, Measuring
from hybridctl.config.snapshot import ConfigFiles
from hybridctl.config.validate import InvalidConfig, validate_snapshot
from hybridctl.errors import RefusedError, UsageError
from hybridctl.rollout.machine import Action, check, describe
from hybridctl.rollout.revisions import FULL, next_weight, step_of, strategy_of, trusted, variants_of
from hybridctl.rollout.state import (
    STATE_FILE,
    CanaryStep,
    LastAction,
    RolloutState,
    Snapshot,
    Stage,
    StepAnalysis,
)
from hybridctl.routing.buckets import NEW_ROLLOUTS as BUCKETING
from hybridctl.store.records import Record, digest_files
from hybridctl.store.setup import Setup, settle_races
from hybridctl.text import checked_reason
from hybridctl.times import format_utc, utc_now

if TYPE_CHECKING:
    from hybridctl.store.repo import Store


class TransitionResult(NamedTuple):
    action: str
    status: str  # "applied" or "unchanged"
    before: RolloutState
    after: RolloutState
    record: Record | None
    gates: GateReport | None
    forced: list[str]
    summary: str
    saved: Record | None = None  # unsaved working edits, kept as a backup before a rollback

    def to_dict(self) -> dict[str, Any]:
        return {
            "version": 1,
            "action": self.action,
            "status": self.status,
            "summary": self.summary,
            "before": self.before.to_dict(),
            "after": self.after.to_dict(),
            "revision": self.record.revision if self.record else None,
            "gates": self.gates.to_dict() if self.gates else None,
            "forced": self.forced,
            "saved_backup": self.saved.revision if self.saved else None,
        }


def load_state(store: Store) -> RolloutState:
    """The state as the last transition recorded it (the store is authoritative)."""
    head = store.head()
    if head is None:
        return RolloutState()
    raw = store.state_at(head).get(STATE_FILE)
    state = RolloutState() if raw is None else RolloutState.from_bytes(raw)
    if state.stable is None:
        # A store from before init recorded a state: its first revision is what
        # runs. A backup made since is not a deployment.
        first = store.first()
        state = state.with_(stable=Snapshot(first.revision, first.digest))
    return state


def _working(workspace: Setup) -> dict[str, bytes]:
    try:
        return workspace.read_configs()
    except UsageError:  # missing files must not stop a rollback
        return {}


def _snapshot_files(store: Store, snapshot: Snapshot) -> dict[str, bytes]:
    return store.configs_at(store.at(snapshot.revision))


def _validate(
    workspace: Setup, files: dict[str, bytes], label: str, *, force: bool, forced: list[str]
) -> dict[str, Any]:
    """Validate what is about to be served; refuse errors (exit 1) unless forced."""
    result = validate_snapshot(files, label, schema_dir=workspace.schema_dir)
    if result.errors:
        if not force:
            raise InvalidConfig(f"{label} does not validate; refused", result, hint="fix it and stage again")
        forced.append(f"{label} does not validate")
    return result.summary()


class Transition:
    """One transition in progress, under the lock."""

    def __init__(self, workspace: Setup, store: Store, action: Action, reason: str, now: datetime) -> None:
        self.workspace = workspace
        self.store = store
        self.action = action
        self.reason = checked_reason(reason)
        self.now = now
        self.actor = workspace.actor()
        self.before = load_state(store)
        self.forced: list[str] = []
        self.details: dict[str, Any] = {}  # added to the record (reconcile: the measurement behind it)
        self.measuring = Measuring()  # where gates read figures, for a transition that judges them

    def commit(
        self,
        after: RolloutState,
        *,
        kind: str,
        summary: str,
        configs: dict[str, bytes] | None = None,
        validation: dict[str, Any] | None = None,
        gates: GateReport | None = None,
        details: dict[str, Any] | None = None,
        saved: Record | None = None,
    ) -> TransitionResult:
        """Write the new state (and configs, if they change) with the record of it.
        A measurement (kind "analysis") leaves ``last`` to the last transition."""
        head = self.store.head()
        revision = (head.revision if head else 0) + 1
        if after.step_started != self.before.step_started or after.stage is not self.before.stage:
            after = after.with_(analysis=StepAnalysis())  # a new step: its measurements start over
        if kind != "analysis":
            after = after.with_(
                last=LastAction(self.action.value, self.actor, self.now, self.reason, revision)
            )
        working = _working(self.workspace)
        recorded = working if configs is None else configs
        files: dict[str, bytes | None] = {}
        if configs is not None:
            files.update({name: None for name in working if name not in configs})
            files.update(configs)
        state_bytes = after.to_bytes()
        files[STATE_FILE] = state_bytes
        record_details = {
            **self.details,
            **(details or {}),
            "action": self.action.value,
            "from": {
                "stage": self.before.stage.value,
                "weight": self.before.weight,
                "paused": self.before.paused,
            },
            "to": {"stage": after.stage.value, "weight": after.weight, "paused": after.paused},
            "stable": None if after.stable is None else asdict(after.stable),
            "candidate": None if after.candidate is None else asdict(after.candidate),
            "gates": gates.to_dict() if gates else None,
            "forced": self.forced,
            "operation": uuid.uuid4().hex,
        }
        note = {
            "kind": kind,
            "actor": self.actor,
            "reason": self.reason,
            "time": self.now.isoformat(),
            "validation": validation,
            "details": record_details,
            "state": {STATE_FILE: state_bytes.decode()},
        }
        made: list[Record] = []

        def record() -> None:
            made.append(
                self.store.commit(
                    kind,
                    actor=self.actor,
                    reason=self.reason,
                    now=self.now,
                    configs=recorded,
                    state={STATE_FILE: state_bytes},
                    validation=validation,
                    details=record_details,
                )
            )

        fsutil.write_file_set(self.workspace.config_dir, files, before_commit=record, note=note)
        return TransitionResult(
            self.action.value, "applied", self.before, after, made[0], gates, self.forced, summary, saved
        )

    def unchanged(self, summary: str) -> TransitionResult:
        return TransitionResult(
            self.action.value, "unchanged", self.before, self.before, None, None, [], summary
        )

    def save_unsaved(self) -> Record | None:
        """Record working edits that no revision holds as a backup, so that
        what is about to overwrite them loses nothing."""
        working = _working(self.workspace)
        if not working:
            return None
        _, digest = digest_files(working)
        head = self.store.head()
        if (head is not None and head.digest == digest) or self.store.holds(digest):
            return None
        validation = validate_snapshot(working, "working", schema_dir=self.workspace.schema_dir)
        return self.store.commit(
            "backup",
            actor=self.actor,
            reason=f"saved before {self.action.value}: {self.reason}",
            now=self.now,
            configs=working,
            validation=validation.summary(),
            details={"saved_before": self.action.value},
            tag=True,
        )


def gate_report(
    store: Store,
    state: RolloutState,
    usage: Sequence[Path],
    *,
    setup: Setup,
    measuring: Measuring,
    now: datetime | None = None,
) -> GateReport:
    """Gates on the current step, candidate against stable: on ``usage`` when
    given, else on the metrics provider or the usage files in settings."""
    from hybridctl.analysis.measure import measure  # usage logs and metrics: only a promotion judges

    variants = variants_of(store, state, setup)
    return measure(measuring, step_of(state), variants, now or utc_now(), usage).report


def soak_until(state: RolloutState) -> datetime | None:
    """When the current step may be left, by its minimum soak time."""
    if (
        state.stage is not Stage.CANARY
        or state.step_started is None
        or not (0 <= state.step < len(state.plan))
    ):
        return None
    return state.step_started + timedelta(hours=state.plan[state.step].min_soak_hours)


def _guard_increase(txn: Transition, usage: Sequence[Path], force: bool) -> GateReport | None:
    """Soak time and gates before more traffic goes to the candidate (only once it has some)."""
    state = txn.before
    if state.weight == 0:
        return None  # staged: no canary traffic to judge yet
    until = soak_until(state)
    if until is not None and txn.now < until:
        if not force:
            raise RefusedError(
                f"step {state.step + 1} must soak until {until:%Y-%m-%d %H:%M} UTC "
                f"({state.plan[state.step].min_soak_hours:g} h from its start)",
                hint="wait (hybridctl rollout plan shows when), or --force --reason '...'",
            )
        txn.forced.append(f"soak time (until {until:%Y-%m-%d %H:%M} UTC)")
    if not txn.measuring.can_measure(usage):
        if not force:
            raise UsageError(
                "no usage input was given, so the gates cannot judge the candidate",
                hint=f"{NO_USAGE_HINT}; or --force --reason '...' to promote without a verdict",
            )
        txn.forced.append("gates (no usage input)")
        return None
    report = gate_report(txn.store, state, usage, setup=txn.workspace, measuring=txn.measuring, now=txn.now)
    if report.verdict != "go":
        if not force:
            refused = GatesFailed if report.verdict == "no-go" else GatesInconclusive
            what = "failed" if report.verdict == "no-go" else "gave no verdict (too little usage yet)"
            raise refused(
                f"the gates {what}; the candidate stays at {state.weight}%",
                report,
                hint="see the gate table; --force --reason '...' overrides, and is recorded",
            )
        txn.forced.append(f"gates ({report.verdict})")
    return report


def _step_for(plan: tuple[CanaryStep, ...], weight: int) -> int:
    """Index of the last plan step at or below a weight (-1 below the first)."""
    return max((i for i, step in enumerate(plan) if step.weight <= weight), default=-1)


def _candidate_files(txn: Transition) -> tuple[dict[str, bytes], dict[str, Any]]:
    """The in-flight candidate's files, validated (refused when invalid). The
    bytes are the ones staged (the digest says so), so this release's verdict
    recorded then is reused rather than computed again."""
    candidate = txn.before.candidate
    assert candidate is not None
    record = txn.store.at(candidate.revision)
    files = txn.store.configs_at(record)
    if trusted(txn.workspace, record) and record.digest == candidate.digest:
        assert record.validation is not None
        return files, record.validation
    label = f"candidate r{candidate.revision}"
    return files, _validate(txn.workspace, files, label, force=False, forced=txn.forced)


# -- the transitions ---------------------------------------------------------------


def stage(
    workspace: Setup, *, reason: str, force: bool = False, now: datetime | None = None
) -> TransitionResult:
    with workspace.mutation("stage") as store:
        txn = Transition(workspace, store, Action.STAGE, reason, now or utc_now())
        check(txn.before, Action.STAGE, force=force)
        if txn.before.in_flight:
            txn.forced.append(
                f"replaced candidate r{txn.before.candidate.revision if txn.before.candidate else '?'}"
            )
        configs = workspace.read_configs()
        validation = _validate(workspace, configs, workspace.config_dir.name, force=False, forced=txn.forced)
        _, digest = digest_files(configs)
        stable = txn.before.stable
        assert stable is not None  # load_state always knows what runs
        if digest == stable.digest:
            raise RefusedError(
                f"the working configs are identical to stable (r{stable.revision}); nothing to stage",
                hint="edit configs/ first, then stage the change",
            )
        head = store.head()
        revision = (head.revision if head else 0) + 1
        plan = tuple(CanaryStep(w, h) for w, h in strategy_of(configs, "the working configs").rollout_steps)
        after = txn.before.with_(
            stage=Stage.STAGED,
            weight=0,
            paused=False,
            rollout_id=f"{txn.now:%Y%m%d}-{digest[7:15]}",
            bucketing=BUCKETING,
            plan=plan,
            step=-1,
            step_started=txn.now,
            candidate=Snapshot(revision, digest),
        )
        return txn.commit(
            after,
            kind="stage",
            summary=f"staged r{revision} (stable r{stable.revision})",
            configs=configs,
            validation=validation,
        )


def _completed(state: RolloutState) -> RolloutState:
    """The candidate at 100%: the new stable; the old one can be rolled back to."""
    assert state.candidate is not None and state.stable is not None
    return RolloutState(
        stage=Stage.STABLE,
        stable=state.candidate,
        plan=state.plan,
        previous=(*state.previous, state.stable),
        rolled_back=state.rolled_back,
    )


def promote(
    workspace: Setup,
    *,
    full: bool = False,
    force: bool = False,
    reason: str | None = None,
    usage: Sequence[Path] = (),
    measuring: Measuring = Measuring(),
    now: datetime | None = None,
) -> TransitionResult:
    action = Action.PROMOTE_FULL if full else Action.PROMOTE
    with workspace.mutation(action.value) as store:
        txn = Transition(workspace, store, action, "promote" if reason is None else reason, now or utc_now())
        txn.measuring = measuring
        return promote_in(txn, full=full, force=force, usage=usage, named=reason is not None)


def promote_in(
    txn: Transition,
    *,
    full: bool = False,
    force: bool = False,
    usage: Sequence[Path] = (),
    named: bool = True,
    judged: GateReport | None = None,
) -> TransitionResult:
    """Promote within a transition already under the lock. ``judged``: gates an
    analysis measured just now (a go), instead of reading ``usage``."""
    state = txn.before
    check(state, txn.action)
    assert state.candidate is not None
    _, validation = _candidate_files(txn)
    target = FULL if full else next_weight(state)
    if not named:
        txn.reason = f"promote to {target}%"
    report = judged if judged is not None else _guard_increase(txn, usage, force)
    if target == FULL:
        after = _completed(state)
        summary = f"r{state.candidate.revision} is the new stable (100%)"
    else:
        step = _step_for(state.plan, target)
        after = state.with_(stage=Stage.CANARY, weight=target, step=step, step_started=txn.now)
        summary = f"canary {state.weight}% -> {target}%"
    return txn.commit(
        after,
        kind="promote",
        summary=summary,
        validation=validation,
        gates=report,
        details={"reached_full": target == FULL},
    )


def canary_set(
    workspace: Setup,
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
    with workspace.mutation("canary set") as store:
        txn = Transition(workspace, store, Action.CANARY_SET, reason, now or utc_now())
        txn.measuring = measuring
        state = txn.before
        check(state, Action.CANARY_SET)
        assert state.candidate is not None
        if weight == state.weight:
            return txn.unchanged(f"the candidate already serves {weight}%")
        _, validation = _candidate_files(txn)
        report = _guard_increase(txn, usage, force) if weight > state.weight else None
        after = state.with_(
            stage=Stage.CANARY, weight=weight, step=_step_for(state.plan, weight), step_started=txn.now
        )
        lowered = weight < state.weight
        summary = f"canary {state.weight}% -> {weight}%" + (" (partial rollback)" if lowered else "")
        return txn.commit(
            after,
            kind="canary-set",
            summary=summary,
            validation=validation,
            gates=report,
            details={"lowered": lowered},
        )


def set_paused(
    workspace: Setup, paused: bool, *, reason: str | None = None, now: datetime | None = None
) -> TransitionResult:
    action = Action.PAUSE if paused else Action.RESUME
    with workspace.mutation(action.value) as store:
        txn = Transition(
            workspace, store, action, action.value if reason is None else reason, now or utc_now()
        )
        return set_paused_in(txn, paused)


def set_paused_in(txn: Transition, paused: bool, analysis: StepAnalysis | None = None) -> TransitionResult:
    """Pause or resume within a transition already under the lock. A resume gives
    the step's analysis a fresh start: a person has looked."""
    check(txn.before, txn.action)
    after = txn.before.with_(
        paused=paused, analysis=analysis or (txn.before.analysis if paused else StepAnalysis())
    )
    return txn.commit(
        after, kind=txn.action.value, summary=f"{txn.action.value}d: the rollout is {describe(after)}"
    )


def retry(workspace: Setup, *, reason: str | None = None, now: datetime | None = None) -> TransitionResult:
    with workspace.mutation("retry") as store:
        txn = Transition(
            workspace, store, Action.RETRY, "retry" if reason is None else reason, now or utc_now()
        )
        state = txn.before
        check(state, Action.RETRY)
        assert state.candidate is not None
        files, validation = _candidate_files(txn)
        first = state.plan[0].weight if state.plan else 10
        after = state.with_(
            stage=Stage.CANARY,
            weight=first,
            step=0 if state.plan else -1,
            step_started=txn.now,
            paused=False,
            rolled_back=tuple(r for r in state.rolled_back if r != state.candidate.revision),
        )
        return txn.commit(
            after,
            kind="retry",
            summary=f"retrying r{state.candidate.revision} at {first}%",
            configs=files,
            validation=validation,
        )


def _previous_stables(store: Store, state: RolloutState) -> tuple[Snapshot, ...]:
    """The stables a rollback after 100% may return to, oldest first."""
    if state.known_previous:
        return state.previous
    # A version-1 state: read them from the transitions recorded before.
    assert state.stable is not None
    stables: list[Snapshot] = []
    for record in store.records():  # newest first
        stable = record.details.get("stable")
        if stable and all(s.revision != stable["revision"] for s in stables):
            stables.append(Snapshot(int(stable["revision"]), str(stable["digest"])))
    return tuple(
        s
        for s in reversed(stables)
        if s.revision != state.stable.revision and s.digest != state.stable.digest
    )


def _partial_candidate(
    workspace: Setup, store: Store, state: RolloutState, roles: list[str]
) -> dict[str, bytes]:
    """The candidate's configs with the given roles' models taken back from stable."""
    assert state.stable is not None and state.candidate is not None
    candidate_files = _snapshot_files(store, state.candidate)
    stable_files = _snapshot_files(store, state.stable)
    candidate = ConfigFiles.from_mapping(candidate_files).data("model-config")
    stable = ConfigFiles.from_mapping(stable_files).data("model-config")
    stable_strategy = strategy_of(stable_files, f"stable r{state.stable.revision}")
    strategy_of(candidate_files, f"candidate r{state.candidate.revision}")
    unknown = [r for r in roles if r not in candidate["roles"] or r not in stable["roles"]]
    if unknown:
        raise UsageError(
            f"no role {', '.join(unknown)} on both sides",
            hint="roles: " + ", ".join(sorted(set(candidate["roles"]) & set(stable["roles"]))),
        )
    for role in roles:
        candidate["roles"][role] = stable["roles"][role]
        for model_id in stable_strategy.models_of(role):  # bring along any model the candidate dropped
            spec = stable["models"].get(model_id)
            if spec is not None:
                candidate["models"].setdefault(model_id, spec)
                provider = spec["provider"]
                if "providers" in candidate and provider in stable.get("providers", {}):
                    candidate["providers"].setdefault(provider, stable["providers"][provider])
    name = next(
        n for n in candidate_files if n in ("model-config.json", "model-config.yml", "model-config.yaml")
    )
    if name.endswith(".json"):
        candidate_files[name] = (json.dumps(candidate, indent=2, ensure_ascii=False) + "\n").encode()
    else:
        import yaml  # ~11 ms, only for a partial rollback of a YAML file

        candidate_files[name] = yaml.safe_dump(candidate, sort_keys=False, allow_unicode=True).encode()
    return candidate_files


def _already_rolled_back(state: RolloutState) -> str | None:
    """Why a plain rollback has nothing left to do: the last transition was one.
    Rollback is idempotent: a second on-call engineer, or a retried CI job,
    ends in the same state as the first."""
    last = state.last
    if state.in_flight or last is None or last.action != Action.ROLLBACK.value or state.stable is None:
        return None
    return (
        f"already rolled back: r{state.stable.revision} is serving since {last.actor} rolled back "
        f"at {format_utc(last.time)} (r{last.revision}: {last.reason})"
    )


def _repair_after_rollback(txn: Transition, done: str) -> TransitionResult:
    """A rollback after a rollback changes no state. It only puts the served
    files back when the config directory no longer holds them (its edits are
    kept as a backup first)."""
    serving = txn.before.serving
    assert serving is not None
    working = _working(txn.workspace)
    if working and digest_files(working)[1] == serving.digest:
        return txn.unchanged(done)
    files = _snapshot_files(txn.store, serving)
    validation = _validate(txn.workspace, files, f"r{serving.revision}", force=True, forced=[])
    saved = txn.save_unsaved()
    return txn.commit(
        txn.before,
        kind="rollback",
        configs=files,
        validation=validation,
        summary=f"{done}; r{serving.revision}'s files are back in {txn.workspace.shown}",
        details={"target": serving.revision, "repaired": True},
        saved=saved,
    )


def rollback(
    workspace: Setup,
    *,
    reason: str,
    to_revision: int | None = None,
    roles: Sequence[str] = (),
    force: bool = False,
    now: datetime | None = None,
) -> TransitionResult:
    """Back to safety from any state, even with corrupt working files."""
    with workspace.mutation("rollback") as store:
        txn = Transition(workspace, store, Action.ROLLBACK, reason, now or utc_now())
        return rollback_in(txn, to_revision=to_revision, roles=roles, force=force)


def rollback_in(
    txn: Transition, *, to_revision: int | None = None, roles: Sequence[str] = (), force: bool = False
) -> TransitionResult:
    """Roll back within a transition already under the lock."""
    workspace, store = txn.workspace, txn.store
    state = txn.before
    if roles:
        if not state.in_flight:
            raise RefusedError(
                f"--roles needs a rollout in flight; the rollout is {describe(state)}",
                hint="hybridctl rollback --reason '...' rolls back every role",
            )
        files = _partial_candidate(workspace, store, state, list(roles))
        validation = _validate(
            workspace, files, "the partly rolled back candidate", force=force, forced=txn.forced
        )
        saved = txn.save_unsaved()
        head = store.head()
        revision = (head.revision if head else 0) + 1
        _, digest = digest_files(files)
        after = state.with_(candidate=Snapshot(revision, digest), step_started=txn.now)
        return txn.commit(
            after,
            kind="rollback",
            configs=files,
            validation=validation,
            summary=f"roles {', '.join(roles)} back on stable models; new candidate r{revision}",
            details={"roles": list(roles)},
            saved=saved,
        )
    assert state.stable is not None
    if to_revision is None:
        done = _already_rolled_back(state)
        if done is not None:
            return _repair_after_rollback(txn, done)
    previous = _previous_stables(store, state)
    if to_revision is not None:
        target = store.at(to_revision)
        if to_revision in state.rolled_back and not force:
            raise RefusedError(
                f"r{to_revision} was itself rolled back; rolling back to it would deploy it again",
                hint="pick another revision (hybridctl history), or --force to deploy it anyway",
            )
        if to_revision in state.rolled_back:
            txn.forced.append(f"r{to_revision} had been rolled back")
    elif state.in_flight:
        target = store.at(state.stable.revision)
    else:
        eligible = [s for s in previous if s.revision not in state.rolled_back]
        if not eligible:
            raise RefusedError(
                f"nothing to roll back to: r{state.stable.revision} is serving and no earlier "
                "stable revision is left (none, or each was rolled back)",
                hint="hybridctl rollback --to-revision N picks any revision from hybridctl history",
            )
        target = store.at(eligible[-1].revision)
    files = store.configs_at(target)
    validation = _validate(workspace, files, f"r{target.revision}", force=force, forced=txn.forced)
    snapshot = Snapshot(target.revision, target.digest)
    kept = (
        tuple(previous[: [s.revision for s in previous].index(target.revision)])
        if any(s.revision == target.revision for s in previous)
        else previous
    )
    taken_out = [] if snapshot.revision == state.stable.revision else [state.stable.revision]
    if state.in_flight and state.candidate is not None:
        taken_out.append(state.candidate.revision)
    rolled_back = (*state.rolled_back, *(r for r in taken_out if r not in state.rolled_back))
    if state.in_flight:
        after = state.with_(
            stage=Stage.ABORTED,
            weight=0,
            paused=False,
            stable=snapshot,
            previous=kept,
            rolled_back=rolled_back,
        )
        summary = (
            f"aborted r{state.candidate.revision if state.candidate else '?'}; serving r{target.revision}"
        )
    elif state.stage is Stage.ABORTED:  # the aborted candidate stays available to retry
        after = state.with_(stable=snapshot, previous=kept, rolled_back=rolled_back)
        summary = f"r{target.revision} is stable again (was r{state.stable.revision})"
    else:
        after = RolloutState(
            stage=Stage.STABLE, stable=snapshot, plan=state.plan, previous=kept, rolled_back=rolled_back
        )
        summary = f"r{target.revision} is stable again (was r{state.stable.revision})"
    saved = txn.save_unsaved()
    return txn.commit(
        after,
        kind="rollback",
        configs=files,
        validation=validation,
        summary=summary,
        details={"target": target.revision},
        saved=saved,
    )


# -- emergency controls -------------------------------------------------------------


def set_enabled(
    workspace: Setup, enabled: bool, *, reason: str, now: datetime | None = None
) -> TransitionResult:
    """The kill switch: disabled, everyone goes to stable at once and the rollout
    keeps its position, frozen; enabled, it serves the weight it had."""
    action = Action.ENABLE if enabled else Action.DISABLE
    with workspace.mutation(action.value) as store:
        txn = Transition(workspace, store, action, reason, now or utc_now())
        state = txn.before
        if state.enabled == enabled:
            return txn.unchanged("the kill switch is already " + ("off" if enabled else "on"))
        check(state, action)
        after = state.with_(enabled=enabled)
        summary = (
            f"kill switch off: the candidate serves {state.weight}% again"
            if enabled
            else "kill switch on: every request goes to stable; the rollout is frozen where it is, "
            f"{describe(state.with_(enabled=True))}"
        )
        return txn.commit(after, kind=action.value, summary=summary)


def force(
    workspace: Setup,
    model: str | None,
    *,
    reason: str,
    roles: Sequence[str] = (),
    now: datetime | None = None,
) -> TransitionResult:
    """Route roles (default: all) to one catalog model for everyone, or, with
    ``model`` None, end that. For a provider outage or a test."""
    with workspace.mutation(Action.FORCE.value) as store:
        txn = Transition(workspace, store, Action.FORCE, reason, now or utc_now())
        state = txn.before
        check(state, Action.FORCE)
        assert state.stable is not None
        sides = [state.stable] + ([state.candidate] if state.in_flight and state.candidate else [])
        strategies = []
        for snapshot in sides:
            record = store.at(snapshot.revision)
            files = ConfigFiles.from_mapping(store.configs_at(record))
            strategies.append(
                (
                    files,
                    strategy_of(
                        store.configs_at(record), f"r{snapshot.revision}", trusted=trusted(workspace, record)
                    ),
                )
            )
        known_roles = sorted(set.intersection(*(set(s.roles) for _, s in strategies)))
        unknown = [r for r in roles if r not in known_roles]
        if unknown:
            raise UsageError(f"no role {', '.join(unknown)}", hint="roles: " + ", ".join(known_roles))
        chosen = list(roles) or known_roles
        forced = dict(state.forced)
        if model is None:
            for role in chosen:
                forced.pop(role, None)
            summary = f"roles {', '.join(chosen)} route by their configs again"
        else:
            model_id = strategies[0][0].catalog().canonical(model)
            missing = [
                f"r{s.revision}"
                for s, (_, st) in zip(sides, strategies, strict=True)
                if model_id not in st.models
            ]
            if missing:
                raise UsageError(
                    f"model {model} is not in the catalog of {', '.join(missing)}",
                    hint="force a model both sides know: " + ", ".join(sorted(strategies[0][1].models)),
                )
            forced.update({role: model_id for role in chosen})
            summary = f"roles {', '.join(chosen)} forced to {model_id} for everyone"
        after = state.with_(forced=tuple(sorted(forced.items())))
        if after.forced == state.forced:
            return txn.unchanged("nothing changes: " + summary)
        return txn.commit(
            after, kind=Action.FORCE.value, summary=summary, details={"forced": dict(after.forced)}
        )


# -- a store shared with other machines -------------------------------------------


def _state_untouched(theirs: Record | None) -> bool:
    """Their change was a backup or a restore: the rollout is where ours found it."""
    return theirs is None or theirs.kind in ("backup", "restore")


# When another machine moved first: a transition is applied on top of a change
# that left the rollout where it was, and refused (exit 3, naming theirs) after
# one that moved it; a rollback always runs again, since it is idempotent.
stage = settle_races(stage, on_top=_state_untouched)
promote = settle_races(promote, on_top=_state_untouched)
canary_set = settle_races(canary_set, on_top=_state_untouched)
set_paused = settle_races(set_paused, on_top=_state_untouched)
retry = settle_races(retry, on_top=_state_untouched)
set_enabled = settle_races(set_enabled, on_top=_state_untouched)
force = settle_races(force, on_top=_state_untouched)
rollback = settle_races(rollback)
