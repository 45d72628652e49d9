"""rollback: back to safety from any state, even with corrupt working files.
In flight, the candidate is aborted and stable served; after 100%, the
revision that was stable before it (never one that was itself rolled back);
``--to-revision`` picks any; ``--roles`` takes only some roles back to
stable's models. Idempotent: a second rollback changes nothing."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING

from hybridctl.config.snapshot import ConfigFiles
from hybridctl.errors import RefusedError, UsageError
from hybridctl.rollout import next_state
from hybridctl.rollout.machine import Action, describe
from hybridctl.rollout.revisions import strategy_of
from hybridctl.rollout.state import RolloutState, Snapshot
from hybridctl.rollout.transaction import (
    Transaction,
    TransitionResult,
    snapshot_files,
    validated,
    working_files,
)
from hybridctl.store.records import Record, digest_files
from hybridctl.store.setup import Setup, settle_races
from hybridctl.times import format_utc, utc_now

if TYPE_CHECKING:
    from hybridctl.store.repo import Store


def rollback(
    setup: Setup,
    *,
    reason: str,
    to_revision: int | None = None,
    roles: Sequence[str] = (),
    force: bool = False,
    now: datetime | None = None,
) -> TransitionResult:
    with setup.mutation("rollback") as store:
        txn = Transaction(setup, store, Action.ROLLBACK, reason, now or utc_now())
        return apply_rollback(txn, to_revision=to_revision, roles=roles, force=force)


def apply_rollback(
    txn: Transaction, *, to_revision: int | None = None, roles: Sequence[str] = (), force: bool = False
) -> TransitionResult:
    """Roll back within a transaction already open: some roles, or everything."""
    if roles:
        return _roles_back(txn, list(roles), force)
    if to_revision is None:
        done = _already_rolled_back(txn.before)
        if done is not None:
            return _repair_after_rollback(txn, done)
    previous = _previous_stables(txn.store, txn.before)
    return _back_to(txn, _target(txn, previous, to_revision, force), previous, force)


def _back_to(
    txn: Transaction, target: Record, previous: tuple[Snapshot, ...], force: bool
) -> TransitionResult:
    """Serve ``target``'s configs (validated) and the state that goes with it."""
    state = txn.before
    assert state.stable is not None
    files = txn.store.configs_at(target)
    validation = validated(txn.workspace, files, f"r{target.revision}", force=force, forced=txn.forced)
    after = next_state.rolled_back(state, Snapshot(target.revision, target.digest), previous)
    if state.in_flight:
        aborted = state.candidate.revision if state.candidate else "?"
        summary = f"aborted r{aborted}; serving r{target.revision}"
    else:
        summary = f"r{target.revision} is stable again (was r{state.stable.revision})"
    saved = txn.save_unsaved()
    return txn.record(
        after,
        kind="rollback",
        configs=files,
        validation=validation,
        summary=summary,
        details={"target": target.revision},
        saved=saved,
    )


def _target(txn: Transaction, previous: tuple[Snapshot, ...], to_revision: int | None, force: bool) -> Record:
    """What a rollback serves: the revision asked for; in flight, stable; after
    100%, the newest earlier stable that was not itself rolled back."""
    state, store = txn.before, txn.store
    assert state.stable is not None
    if to_revision is not None:
        if to_revision in state.rolled_back and not force:
            raise RefusedError(
                f"r{to_revision} was itself rolled back; rolling back to it would deploy it again",
                hint="pick another revision (hybridctl history), or --force to deploy it anyway",
            )
        if to_revision in state.rolled_back:
            txn.forced.append(f"r{to_revision} had been rolled back")
        return store.at(to_revision)
    if state.in_flight:
        return store.at(state.stable.revision)
    eligible = [s for s in previous if s.revision not in state.rolled_back]
    if not eligible:
        raise RefusedError(
            f"nothing to roll back to: r{state.stable.revision} is serving and no earlier "
            "stable revision is left (none, or each was rolled back)",
            hint="hybridctl rollback --to-revision N picks any revision from hybridctl history",
        )
    return store.at(eligible[-1].revision)


def _roles_back(txn: Transaction, roles: list[str], force: bool) -> TransitionResult:
    """Some roles back on stable's models: a new candidate at the same weight."""
    state, store = txn.before, txn.store
    if not state.in_flight:
        raise RefusedError(
            f"--roles needs a rollout in flight; the rollout is {describe(state)}",
            hint="hybridctl rollback --reason '...' rolls back every role",
        )
    files = _partial_candidate(store, state, roles)
    label = "the partly rolled back candidate"
    validation = validated(txn.workspace, files, label, force=force, forced=txn.forced)
    saved = txn.save_unsaved()
    head = store.head()
    revision = (head.revision if head else 0) + 1
    _, digest = digest_files(files)
    return txn.record(
        next_state.partly_rolled_back(state, Snapshot(revision, digest), txn.now),
        kind="rollback",
        configs=files,
        validation=validation,
        summary=f"roles {', '.join(roles)} back on stable models; new candidate r{revision}",
        details={"roles": roles},
        saved=saved,
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


def _partial_candidate(store: Store, state: RolloutState, roles: list[str]) -> dict[str, bytes]:
    """The candidate's configs with the given roles' models taken back from stable."""
    assert state.stable is not None and state.candidate is not None
    candidate_files = snapshot_files(store, state.candidate)
    stable_files = snapshot_files(store, state.stable)
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


def _repair_after_rollback(txn: Transaction, done: str) -> TransitionResult:
    """A rollback after a rollback changes no state. It only puts the served
    files back when the config directory no longer holds them (its edits are
    kept as a backup first)."""
    serving = txn.before.serving
    assert serving is not None
    working = working_files(txn.workspace)
    if working and digest_files(working)[1] == serving.digest:
        return txn.unchanged(done)
    files = snapshot_files(txn.store, serving)
    validation = validated(txn.workspace, files, f"r{serving.revision}", force=True, forced=[])
    saved = txn.save_unsaved()
    return txn.record(
        txn.before,
        kind="rollback",
        configs=files,
        validation=validation,
        summary=f"{done}; r{serving.revision}'s files are back in {txn.workspace.shown}",
        details={"target": serving.revision, "repaired": True},
        saved=saved,
    )


rollback = settle_races(rollback)  # always runs again on top of another machine's change: idempotent
