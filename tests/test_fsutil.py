"""Atomic writes and the journal that makes a set of files land all or none."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from hybridctl import fsutil


class Crash(Exception):
    pass


def test_atomic_write_replaces_bytes_and_keeps_permissions(tmp_path: Path) -> None:
    target = tmp_path / "a.json"
    target.write_text("old")
    target.chmod(0o640)

    fsutil.atomic_write(target, b"new")

    assert target.read_bytes() == b"new"
    assert target.stat().st_mode & 0o777 == 0o640
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.json"]


def test_file_set_writes_and_deletes_together(tmp_path: Path) -> None:
    (tmp_path / "a").write_text("A0")
    (tmp_path / "gone").write_text("x")

    fsutil.write_file_set(tmp_path, {"a": b"A1", "b": b"B1", "gone": None})

    assert {p.name: p.read_text() for p in tmp_path.iterdir()} == {"a": "A1", "b": "B1"}


def test_a_crash_after_the_journal_is_rolled_forward(tmp_path: Path) -> None:
    (tmp_path / "a").write_text("A0")
    (tmp_path / "b").write_text("B0")

    def crash() -> None:
        raise Crash

    with pytest.raises(Crash):
        fsutil.write_file_set(tmp_path, {"a": b"A1", "b": b"B1"}, before_commit=crash, note={"id": 7})
    assert (tmp_path / "a").read_text() == "A0" and fsutil.pending_journal(tmp_path)

    assert fsutil.recover(tmp_path) == {"id": 7}
    assert {p.name: p.read_text() for p in tmp_path.iterdir()} == {"a": "A1", "b": "B1"}


def test_a_crash_before_the_journal_leaves_the_old_files(tmp_path: Path) -> None:
    (tmp_path / "a").write_text("A0")
    (tmp_path / ".a.hybridctl-tmp").write_text("A1 half")  # new bytes, journal never written

    assert fsutil.recover(tmp_path) is None
    assert {p.name: p.read_text() for p in tmp_path.iterdir()} == {"a": "A0"}


def test_recovery_after_some_renames_finishes_the_rest(tmp_path: Path) -> None:
    (tmp_path / "a").write_text("A0")
    (tmp_path / "b").write_text("B0")
    with pytest.raises(Crash):
        fsutil.write_file_set(
            tmp_path, {"a": b"A1", "b": b"B1"}, before_commit=lambda: (_ for _ in ()).throw(Crash)
        )
    (written,) = tmp_path.glob(".a.*.hybridctl-tmp")
    os.replace(written, tmp_path / "a")  # the first rename happened, then the crash

    fsutil.recover(tmp_path)

    assert {p.name: p.read_text() for p in tmp_path.iterdir()} == {"a": "A1", "b": "B1"}
