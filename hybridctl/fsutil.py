"""Atomic file writes: one file, or a set of files that lands all together.

A single file is written to a temporary file beside it, fsynced, and renamed
over the target, so a reader sees the old bytes or the new, never half.

A set of files cannot be renamed in one step, so it goes through a journal:
every new file is written and fsynced under a temporary name first; then a
journal naming the renames is written (atomically); then the renames happen;
then the journal is removed. A crash before the journal exists leaves the old
files; a crash after it is rolled forward by ``recover`` on the next command,
so the set always ends all-old or all-new.
"""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, BinaryIO

from hybridctl.errors import HybridctlError, UsageError

JOURNAL = ".hybridctl-journal.json"
_TMP_SUFFIX = ".hybridctl-tmp"


def fsync_dir(directory: Path) -> None:
    if os.name == "nt":  # pragma: no cover - directories cannot be opened on Windows
        return
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _temp_name(path: Path) -> Path:
    """A name no other writer uses: two processes or threads writing the same
    file each fill their own temporary file, and the last rename wins whole."""
    return path.with_name(f".{path.name}.{os.getpid()}-{os.urandom(6).hex()}{_TMP_SUFFIX}")


def _write_synced(path: Path, data: bytes, mode: int | None) -> None:
    with open(path, "xb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    if mode is not None:
        os.chmod(path, mode)


def _mode_of(path: Path) -> int | None:
    try:
        return path.stat().st_mode & 0o7777
    except FileNotFoundError:
        return None


def check_output_path(path: Path) -> None:
    """Refuse, before anything is written, a path no file can be written to."""

    if path.is_dir() or not path.name:
        raise UsageError(f"{path} is a directory; give a file name to write", hint=f"e.g. {path / 'out'}")
    if not path.parent.is_dir():
        raise UsageError(
            f"cannot write {path}: the directory {path.parent} does not exist",
            hint=f"create it first: mkdir -p {path.parent}",
        )


def atomic_write(path: Path, data: bytes) -> None:
    """Replace a file's bytes atomically, keeping its permissions. A path that
    cannot be written is a usage error (exit 2), and nothing is left behind."""
    with output_file(path) as handle:
        handle.write(data)


@contextlib.contextmanager
def output_file(path: Path) -> Iterator[BinaryIO]:
    """A file written in full under a temporary name, then renamed into place:
    readers see the old file or the new one, and a failure leaves no trace."""

    check_output_path(path)
    temp = _temp_name(path)
    mode = _mode_of(path)
    try:
        with open(temp, "xb") as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        if mode is not None:
            os.chmod(temp, mode)
        os.replace(temp, path)
        fsync_dir(path.parent)
    except OSError as exc:
        raise UsageError(
            f"cannot write {path}: {exc.strerror or exc}", hint="check the path and its permissions"
        ) from None
    finally:
        with contextlib.suppress(OSError):
            temp.unlink()


def write_file_set(
    directory: Path,
    files: dict[str, bytes | None],
    *,
    before_commit: Callable[[], None] | None = None,
    note: dict[str, Any] | None = None,
) -> None:
    """Write (or, for None, delete) several files in a directory, all or none.

    ``before_commit`` runs once every new file is durable and the journal is
    written: a caller records its history entry there, and ``recover`` hands
    ``note`` back if the process dies before the files are in place.
    """
    renames: list[tuple[str | None, str]] = []
    for name, data in files.items():
        target = directory / name
        if data is None:
            renames.append((None, name))
            continue
        temp = _temp_name(target)
        _write_synced(temp, data, _mode_of(target))
        renames.append((temp.name, name))
    fsync_dir(directory)
    atomic_write(directory / JOURNAL, json.dumps({"renames": renames, "note": note or {}}).encode())
    if before_commit is not None:
        try:
            before_commit()
        except HybridctlError:
            # Refused (say, another machine recorded first): nothing was recorded,
            # so nothing may land. Anything else is treated as a crash would be:
            # the journal stays, and the next command finishes the set.
            _discard(directory, renames)
            raise
    _apply(directory, renames)


def _discard(directory: Path, renames: list[tuple[str | None, str]]) -> None:
    with contextlib.suppress(FileNotFoundError):
        (directory / JOURNAL).unlink()
    for temp, _ in renames:
        if temp is not None:
            with contextlib.suppress(FileNotFoundError):
                (directory / temp).unlink()
    fsync_dir(directory)


def _apply(directory: Path, renames: list[tuple[str | None, str]]) -> None:
    for temp, name in renames:
        if temp is None:
            with contextlib.suppress(FileNotFoundError):
                (directory / name).unlink()
        elif (directory / temp).exists():
            os.replace(directory / temp, directory / name)
    fsync_dir(directory)
    with contextlib.suppress(FileNotFoundError):
        (directory / JOURNAL).unlink()
    fsync_dir(directory)


def recover(directory: Path) -> dict[str, Any] | None:
    """Finish an interrupted ``write_file_set``; return its note if there was one.

    Temporary files with no journal are the leftovers of a write that never
    reached its journal: the old files stand, so they are removed.
    """
    journal = directory / JOURNAL
    pending: dict[str, Any] | None = None
    if journal.exists():
        pending = json.loads(journal.read_text(encoding="utf-8"))
        _apply(directory, [(t, n) for t, n in pending["renames"]])
    for leftover in directory.glob(f".*{_TMP_SUFFIX}"):
        leftover.unlink()
    return None if pending is None else dict(pending["note"])


def pending_journal(directory: Path) -> bool:
    return (directory / JOURNAL).exists()
