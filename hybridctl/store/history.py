"""History: every recorded change, and semantic diffs between any two snapshots
(app/diff.py prices a diff on usage)."""

from __future__ import annotations

from itertools import islice
from typing import TYPE_CHECKING, Any, NamedTuple

from hybridctl.config.diff import DiffResult, FileSet, semantic_diff
from hybridctl.config.document import LoadFailed
from hybridctl.config.snapshot import ConfigFiles
from hybridctl.errors import UsageError
from hybridctl.store.records import Record, digest_files
from hybridctl.store.repo import Store
from hybridctl.store.restore import resolve_backup
from hybridctl.store.setup import Setup

if TYPE_CHECKING:
    pass

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


def history(workspace: Setup, *, limit: int | None = None) -> HistoryResult:
    store = workspace.open_store()
    shown = list(islice(store.iter_records(), limit) if limit else store.iter_records())
    return HistoryResult(list(reversed(shown)), store.backup_revisions(), store.count())


def _snapshot(workspace: Setup, store: Store, reference: str) -> tuple[FileSet, str]:
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


class Compared(NamedTuple):
    """The two snapshots a diff compares, parsed, and how each is named."""

    before: FileSet
    after: FileSet
    before_label: str
    after_label: str

    def diff(self, *, raw: bool = False) -> DiffResult:
        return semantic_diff(
            self.before, self.after, before_label=self.before_label, after_label=self.after_label, raw=raw
        )


def compared(setup: Setup, before: str | None, after: str | None) -> Compared:
    """The snapshots to diff (default: the latest record against the working
    configs); one that cannot be parsed is refused at its position."""
    store = setup.open_store()
    if before is None:
        head = store.head()
        if head is None:
            raise UsageError("the store has no history yet", hint="hybridctl backup create --reason '...'")
        before = str(head.revision)
    old, old_label = _snapshot(setup, store, before)
    new, new_label = _snapshot(setup, store, after or WORKING)
    for files, label in ((old, old_label), (new, new_label)):
        _refuse_unparsable(files, setup.shown if label == WORKING else label)
    return Compared(old, new, old_label, new_label)
