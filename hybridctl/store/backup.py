"""Backups: validated snapshots of the config directory, recorded and tagged."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from types import MappingProxyType
from typing import Any, NamedTuple

from hybridctl.config.validate import InvalidConfig, display_path, validate_snapshot
from hybridctl.errors import UsageError
from hybridctl.store.records import Record, digest_files
from hybridctl.store.setup import Setup, settle_races
from hybridctl.text import checked_reason
from hybridctl.times import utc_now


class BackupResult(NamedTuple):
    created: bool
    record: Record  # the new backup, or the one that already holds these configs

    def to_dict(self) -> dict[str, Any]:
        return {"version": 1, "created": self.created, "backup": self.record.to_dict()}


class BackupList(NamedTuple):
    backups: list[Record]  # newest first
    total: int

    def to_dict(self) -> dict[str, Any]:
        return {"version": 1, "total": self.total, "backups": [r.to_dict() for r in self.backups]}


class BackupShow(NamedTuple):
    record: Record
    files: dict[str, bytes]

    def to_dict(self) -> dict[str, Any]:
        return {
            "version": 1,
            "backup": self.record.to_dict(),
            "files": [
                {"name": n, "bytes": len(d), "digest": self.record.files.get(n)}
                for n, d in self.files.items()
            ],
        }


class PruneResult(NamedTuple):
    pruned: list[Record]
    kept: list[Record]
    protected: dict[int, str]  # revision -> why it must stay
    dry_run: bool

    def to_dict(self) -> dict[str, Any]:
        return {
            "version": 1,
            "dry_run": self.dry_run,
            "pruned": [r.revision for r in self.pruned],
            "kept": [r.revision for r in self.kept],
            "protected": {str(k): v for k, v in self.protected.items()},
        }


def validation_summary(workspace: Setup, configs: dict[str, bytes], ignore: frozenset[str]) -> dict[str, Any]:
    """Validate the configs read from the config directory; refuse (exit 1) when
    they have errors (a missing file is one)."""
    result = validate_snapshot(
        configs, display_path(workspace.config_dir), ignore, schema_dir=workspace.schema_dir
    )
    if result.errors:
        raise InvalidConfig(
            f"{workspace.shown} does not validate ({result.errors} error(s)); nothing was recorded",
            result,
            hint="fix the errors above (hybridctl validate), then try again",
        )
    return result.summary()


def create_backup(
    workspace: Setup, *, reason: str, ignore: frozenset[str] = frozenset(), now: datetime | None = None
) -> BackupResult:
    reason = checked_reason(reason)
    with workspace.mutation("backup create") as store:
        configs = workspace.read_configs()
        _, digest = digest_files(configs)
        for existing in store.backups():
            if existing.digest == digest:
                return BackupResult(False, existing)
        validation = validation_summary(workspace, configs, ignore)
        record = store.commit(
            "backup",
            actor=workspace.actor(),
            reason=reason,
            now=now or utc_now(),
            configs=configs,
            validation=validation,
            tag=True,
        )
        return BackupResult(True, record)


def list_backups(workspace: Setup, *, limit: int | None = None) -> BackupList:
    backups = workspace.open_store().backups()
    return BackupList(backups[:limit] if limit else backups, len(backups))


def show_backup(workspace: Setup, backup_id: str) -> BackupShow:
    store = workspace.open_store()
    record = find_backup(store.backups(), backup_id)
    return BackupShow(record, store.configs_at(record))


def find_backup(backups: list[Record], backup_id: str) -> Record:
    if not backup_id.isdigit():
        raise UsageError(
            f"'{backup_id}' is not a backup id", hint="backup ids are numbers: hybridctl backup list"
        )
    for record in backups:
        if record.revision == int(backup_id):
            return record
    raise UsageError(f"no backup {backup_id}", hint="hybridctl backup list shows the backups there are")


def protected_backups(
    workspace: Setup, backups: list[Record], also: Mapping[str, str | None] = MappingProxyType({})
) -> dict[int, str]:
    """Backups prune must keep: the working configs', and ``also`` (why -> digest:
    the caller's, such as the rollout's stable snapshot)."""
    try:
        _, working = digest_files(workspace.read_configs())
    except UsageError:
        working = None
    wanted = {**also, "matches the working configs": working}
    reasons: dict[int, str] = {}
    for why, digest in wanted.items():
        newest = next((r for r in backups if digest and r.digest == digest), None)  # backups: newest first
        if newest is not None:
            reasons.setdefault(newest.revision, why)
    return reasons


def prune_backups(
    workspace: Setup,
    *,
    keep_days: float,
    keep_last: int,
    dry_run: bool = False,
    now: datetime | None = None,
    keep: Mapping[str, str | None] = MappingProxyType({}),
) -> PruneResult:
    """Drop backups older than ``keep_days`` beyond the newest ``keep_last``,
    never the newest of a digest in ``keep`` (why -> digest) nor the working configs'.

    A pruned backup leaves the backup list; its record stays in history (the
    audit trail is never rewritten).
    """
    if keep_days < 0 or keep_last < 0:
        raise UsageError("--keep-days and --keep-last must not be negative")
    with workspace.mutation("backup prune") as store:
        backups = store.backups()
        protected = protected_backups(workspace, backups, keep)
        cutoff = (now or utc_now()) - timedelta(days=keep_days)
        pruned = [
            record
            for index, record in enumerate(backups)
            if index >= keep_last and record.time < cutoff and record.revision not in protected
        ]
        if not dry_run:
            store.untag_backups([record.revision for record in pruned])
        kept = [record for record in backups if record not in pruned]
        return PruneResult(pruned, kept, protected, dry_run)


create_backup = settle_races(create_backup)  # a backup lands on top of any other change
prune_backups = settle_races(prune_backups)
