"""History: every recorded change, and semantic diffs between any two snapshots."""

from __future__ import annotations

from collections.abc import Sequence
from itertools import islice
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from hybridctl.config.diff import DiffResult, FileSet, semantic_diff
from hybridctl.config.document import LoadFailed
from hybridctl.config.snapshot import ConfigFiles
from hybridctl.errors import UsageError
from hybridctl.store.records import Record, digest_files
from hybridctl.store.repo import Store
from hybridctl.store.restore import resolve_backup
from hybridctl.store.workspace import Workspace

if TYPE_CHECKING:
    from hybridctl.usage.profile import CostEffect
    from hybridctl.usage.scan import ScanStats

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
    shown = list(islice(store.iter_records(), limit) if limit else store.iter_records())
    return HistoryResult(list(reversed(shown)), store.backup_revisions(), store.count())


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


def _refuse_unparsable(files: FileSet, label: str) -> None:
    """A side that cannot be parsed has no values to compare: an error at its
    position (as validate gives it), never a list of everything "removed"."""
    parsed = ConfigFiles.from_mapping(files, label=label)
    for kind, name in parsed.names.items():
        document = parsed.document(kind)
        if isinstance(document, LoadFailed) and document.diagnostics:
            first = document.diagnostics[0]
            where = f"{first.file}:{first.line or 1}:{first.column or 1}"
            raise UsageError(
                f"{where}: {name} cannot be parsed, so there is nothing to compare: {first.message}",
                hint="hybridctl validate shows every problem; fix them, then diff",
            )


class DiffReport(NamedTuple):
    """A diff, and with usage given, what each side would cost on it."""

    diff: DiffResult
    cost: CostEffect | None = None
    usage: ScanStats | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            **self.diff.to_dict(),
            "cost_per_1k_requests": self.cost.to_dict() if self.cost else None,
            "usage": self.usage.to_dict() if self.usage else None,
        }


def diff(
    workspace: Workspace,
    before: str | None,
    after: str | None,
    *,
    usage_paths: Sequence[Path] = (),
    raw: bool = False,
) -> DiffReport:
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
    for files, label in ((old, old_label), (new, new_label)):
        _refuse_unparsable(files, workspace.shown if label == WORKING else label)
    result = semantic_diff(old, new, before_label=old_label, after_label=new_label, raw=raw)
    old_strategy = ConfigFiles.from_mapping(old).strategy()
    new_strategy = ConfigFiles.from_mapping(new).strategy()
    if not usage_paths or old_strategy is None or new_strategy is None:
        return DiffReport(result)
    # Start-up: only `diff --usage` pays for the usage readers.
    from hybridctl.usage.profile import cost_effect
    from hybridctl.usage.reports import read_usage
    from hybridctl.usage.scan import ScanSpec, resolve_sources

    data = read_usage(resolve_sources([str(p) for p in usage_paths]), ScanSpec(), None)
    return DiffReport(result, cost_effect(old_strategy, new_strategy, data.cube), data.stats)
