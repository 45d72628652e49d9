"""History: every recorded change, and semantic diffs between any two snapshots."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any, NamedTuple

from hybridctl.config.diff import DiffResult, FileSet, semantic_diff
from hybridctl.errors import UsageError
from hybridctl.store.records import Record, digest_files
from hybridctl.store.repo import Store
from hybridctl.store.restore import resolve_backup
from hybridctl.workspace import Workspace

WORKING = "working"


class HistoryResult(NamedTuple):
    records: list[Record]  # oldest first, like helm history
    backups: set[int]
    total: int

    def to_dict(self) -> dict[str, Any]:
        return {
            "version": 1,
            "total": self.total,
            "revisions": [{**r.to_dict(), "backup": r.revision in self.backups} for r in self.records],
        }


def history(workspace: Workspace, *, limit: int | None = None) -> HistoryResult:
    store = workspace.open_store()
    records = store.records()
    shown = records[:limit] if limit else records
    return HistoryResult(list(reversed(shown)), store.backup_revisions(), len(records))


def _snapshot(workspace: Workspace, store: Store, reference: str) -> tuple[FileSet, str]:
    """Files and label of a reference: 'working', a revision number, a time, or 'previous'."""
    if reference == WORKING:
        return workspace.read_configs(), WORKING
    if reference.isdigit():
        record = store.at(int(reference))
    else:
        _, working = digest_files(workspace.read_configs())
        record = resolve_backup(store.backups(), reference, working)
    return store.configs_at(record), f"r{record.revision}"


def diff(
    workspace: Workspace,
    before: str | None,
    after: str | None,
    *,
    usage_paths: Sequence[Path] = (),
    raw: bool = False,
) -> tuple[DiffResult, dict[str, Any] | None]:
    """Diff two snapshots (default: the latest record against the working configs);
    with usage files, also what each would cost per 1,000 requests of that workload."""
    store = workspace.open_store()
    if before is None:
        head = store.head()
        if head is None:
            raise UsageError("the store has no history yet", hint="hybridctl backup create --reason '...'")
        before = str(head.revision)
    old, old_label = _snapshot(workspace, store, before)
    new, new_label = _snapshot(workspace, store, after or WORKING)
    usage = stats = None
    if usage_paths:
        from hybridctl.usage.profile import role_usage
        from hybridctl.usage.reports import read_usage
        from hybridctl.usage.scan import ScanSpec, resolve_sources

        data = read_usage(resolve_sources([str(p) for p in usage_paths]), ScanSpec(), None)
        usage = role_usage(data.cube)
        stats = data.stats.to_dict()
    result = semantic_diff(old, new, before_label=old_label, after_label=new_label, usage=usage, raw=raw)
    return result, stats
