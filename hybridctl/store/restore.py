"""Restore a backup into the config directory: all files or none, recorded."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, NamedTuple

from hybridctl import fsutil
from hybridctl.config.diff import DiffResult, semantic_diff
from hybridctl.config.validate import InvalidConfig, ValidationResult, validate_snapshot
from hybridctl.errors import RefusedError, UsageError
from hybridctl.store.backup import find_backup
from hybridctl.store.records import Record, digest_files
from hybridctl.store.repo import Store
from hybridctl.store.setup import Setup, settle_races
from hybridctl.text import checked_reason
from hybridctl.times import format_utc, parse_user_time, utc_now


class RestoreResult(NamedTuple):
    status: str  # "restored", "dry-run" or "unchanged"
    target: Record
    diff: DiffResult
    validation: dict[str, Any]
    forced: list[str]  # the refusals --force overrode
    record: Record | None = None  # the history entry the restore left

    def to_dict(self) -> dict[str, Any]:
        return {
            "version": 1,
            "status": self.status,
            "backup": self.target.to_dict(),
            "validation": self.validation,
            "forced": self.forced,
            "record": self.record.to_dict() if self.record else None,
            "diff": self.diff.to_dict(),
        }


def resolve_backup(backups: list[Record], target: str, working_digest: str | None) -> Record:
    """A backup by id, by 'as it was at' time, or 'previous' (the one before the current)."""
    if not backups:
        raise UsageError("the store holds no backups yet", hint="hybridctl backup create --reason '...'")
    if target.isdigit():
        return find_backup(backups, target)
    if target == "previous":
        current = next((i for i, r in enumerate(backups) if r.digest == working_digest), None)
        # With unrecorded edits there is no current backup: the newest one is the one before.
        index = 0 if current is None else current + 1
        older = [r for r in backups[index:] if r.digest != working_digest]
        if not older:
            raise UsageError("there is no backup before the current one", hint="hybridctl backup list")
        return older[0]
    when = parse_user_time(target)
    if when is None:
        raise UsageError(
            f"'{target}' is not a backup",
            hint="give a backup id (hybridctl backup list), a time such as 2026-11-21T14:00Z, or 'previous'",
        )
    for record in backups:  # newest first
        if record.time <= when:
            return record
    raise UsageError(
        f"no backup was made at or before {when.isoformat()}",
        hint=f"the oldest backup is {backups[-1].revision}, from {format_utc(backups[-1].time)}",
    )


def restore(
    workspace: Setup,
    target: str,
    *,
    dry_run: bool = False,
    force: bool = False,
    reason: str | None = None,
    ignore: frozenset[str] = frozenset(),
    now: datetime | None = None,
) -> RestoreResult:
    reason = None if reason is None else checked_reason(reason)
    with workspace.mutation("restore") as store:
        try:
            current = workspace.read_configs()
        except UsageError:
            if not force:
                raise
            current = {}
        _, working_digest = digest_files(current)
        record = resolve_backup(store.backups(), target, working_digest)
        label = f"r{record.revision}"
        snapshot = store.configs_at(record)
        diff = semantic_diff(current, snapshot, before_label="working", after_label=label)
        checked = validate_snapshot(snapshot, label, ignore, schema_dir=workspace.schema_dir)
        validation = checked.summary()
        if record.digest == working_digest:
            return RestoreResult("unchanged", record, diff, validation, [])
        forced = _overrides(workspace, store, record, checked, current, working_digest, force)
        if dry_run:
            return RestoreResult("dry-run", record, diff, validation, forced)
        made = _write(workspace, store, record, snapshot, current, validation, forced, reason, now)
        return RestoreResult("restored", record, diff, validation, forced, made)


def _overrides(
    setup: Setup,
    store: Store,
    record: Record,
    checked: ValidationResult,
    current: dict[str, bytes],
    working_digest: str,
    force: bool,
) -> list[str]:
    """What a restore must refuse (an invalid snapshot, edits no backup holds),
    or, with ``force``, what it overrides."""
    forced = []
    if checked.errors:
        if not force:
            raise InvalidConfig(
                f"backup {record.revision} does not validate; nothing was restored",
                checked,
                hint="restore another backup, or --force to restore it anyway",
            )
        forced.append("invalid snapshot")
    if current and not store.holds(working_digest):
        if not force:
            raise RefusedError(
                f"{setup.shown} has changes that no backup holds; restoring would lose them",
                hint="hybridctl backup create --reason '...' first, or --force to discard them",
            )
        forced.append("unrecorded local changes")
    return forced


def _write(
    setup: Setup,
    store: Store,
    record: Record,
    snapshot: dict[str, bytes],
    current: dict[str, bytes],
    validation: dict[str, Any],
    forced: list[str],
    reason: str | None,
    now: datetime | None,
) -> Record:
    """The backup's files in the config directory, all or none, with the record of it."""
    moment = now or utc_now()
    details = {"restored_from": record.revision, "operation": uuid.uuid4().hex, "forced": forced}
    entry: dict[str, Any] = {
        "kind": "restore",
        "actor": setup.actor(),
        "reason": reason or f"restore backup {record.revision}",
        "time": moment.isoformat(),
        "validation": validation,
        "details": details,
    }
    made: list[Record] = []

    def record_restore() -> None:
        made.append(
            store.commit(
                "restore",
                actor=entry["actor"],
                reason=entry["reason"],
                now=moment,
                configs=snapshot,
                validation=validation,
                details=details,
            )
        )

    files: dict[str, bytes | None] = {name: None for name in current if name not in snapshot}
    files.update(snapshot)
    fsutil.write_file_set(setup.config_dir, files, before_commit=record_restore, note=entry)
    return made[0]


restore = settle_races(restore)  # re-checked against the new head: refuses unrecorded edits as ever
