"""A transition in progress: the lock held, the state before it, and the one
record it leaves. Every transition module opens one (``Setup.mutation``),
computes the state after it (next_state.py) and records it here."""

from __future__ import annotations

import uuid
from dataclasses import asdict
from datetime import datetime
from typing import TYPE_CHECKING, Any, NamedTuple

from hybridctl import fsutil
from hybridctl.analysis.gates import GateReport
from hybridctl.analysis.source import Measuring
from hybridctl.config.validate import InvalidConfig, validate_snapshot
from hybridctl.errors import UsageError
from hybridctl.rollout.machine import Action
from hybridctl.rollout.revisions import trusted
from hybridctl.rollout.state import STATE_FILE, LastAction, RolloutState, Snapshot, StepAnalysis
from hybridctl.store.records import Record, digest_files
from hybridctl.store.setup import Setup
from hybridctl.text import checked_reason

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


def working_files(setup: Setup) -> dict[str, bytes]:
    try:
        return setup.read_configs()
    except UsageError:  # missing files must not stop a rollback
        return {}


def snapshot_files(store: Store, snapshot: Snapshot) -> dict[str, bytes]:
    return store.configs_at(store.at(snapshot.revision))


def validated(
    setup: Setup, files: dict[str, bytes], label: str, *, force: bool, forced: list[str]
) -> dict[str, Any]:
    """Validate what is about to be served; refuse errors (exit 1) unless forced."""
    result = validate_snapshot(files, label, schema_dir=setup.schema_dir)
    if result.errors:
        if not force:
            raise InvalidConfig(f"{label} does not validate; refused", result, hint="fix it and stage again")
        forced.append(f"{label} does not validate")
    return result.summary()


class Transaction:
    """One transition in progress, under the lock: it ends in one ``record`` (a
    store commit written all-or-none with the config files and the
    rollout.json mirror) or ``unchanged``."""

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

    def record(
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
        after = self._stamped(after, kind)
        working = working_files(self.workspace)
        recorded = working if configs is None else configs
        files: dict[str, bytes | None] = {}
        if configs is not None:
            files.update({name: None for name in working if name not in configs})
            files.update(configs)
        state_bytes = after.to_bytes()
        files[STATE_FILE] = state_bytes
        record_details = self._details(after, gates, details)
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

        def commit() -> None:
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

        fsutil.write_file_set(self.workspace.config_dir, files, before_commit=commit, note=note)
        return TransitionResult(
            self.action.value, "applied", self.before, after, made[0], gates, self.forced, summary, saved
        )

    def _stamped(self, after: RolloutState, kind: str) -> RolloutState:
        """A new step's measurements start over; a transition (not a measurement)
        is the rollout's last action."""
        if after.step_started != self.before.step_started or after.stage is not self.before.stage:
            after = after.with_(analysis=StepAnalysis())
        if kind == "analysis":
            return after
        head = self.store.head()
        revision = (head.revision if head else 0) + 1
        return after.with_(last=LastAction(self.action.value, self.actor, self.now, self.reason, revision))

    def _details(
        self, after: RolloutState, gates: GateReport | None, details: dict[str, Any] | None
    ) -> dict[str, Any]:
        """What the record says of the move: from where to where, the revisions,
        the gates' verdict, what was forced, and an id to recognise it by."""
        return {
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

    def unchanged(self, summary: str) -> TransitionResult:
        return TransitionResult(
            self.action.value, "unchanged", self.before, self.before, None, None, [], summary
        )

    def save_unsaved(self) -> Record | None:
        """Record working edits that no revision holds as a backup, so that
        what is about to overwrite them loses nothing."""
        working = working_files(self.workspace)
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


def candidate_files(txn: Transaction) -> tuple[dict[str, bytes], dict[str, Any]]:
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
    return files, validated(txn.workspace, files, label, force=False, forced=txn.forced)


def state_untouched(theirs: Record | None) -> bool:
    """Their change was a backup or a restore: the rollout is where ours found it.
    When another machine moved first, a transition is applied on top of such a
    change, and refused (exit 3, naming theirs) after one that moved the
    rollout; a rollback always runs again, since it is idempotent."""
    return theirs is None or theirs.kind in ("backup", "restore")
