"""The store's way out, as the commands give it: a held lock times out with exit 3
naming its holder; a dirty, detached, missing or damaged store gets a clear error;
an interrupted commit is rolled back and git's lock files are cleared."""

from __future__ import annotations

import json
import shutil
import signal
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers import Project, RunFn
from tests.store.helpers import git

HOLD_LOCK = """
import sys, time
from pathlib import Path
from hybridctl.lock import exclusive_lock
with exclusive_lock(Path(sys.argv[1]), timeout=5, command="backup create"):
    print("held", flush=True)
    time.sleep(120)
"""


def test_a_held_lock_times_out_with_exit_3_naming_the_holder(hybridctl: RunFn, project: Project) -> None:
    lock = project.store / ".git" / "hybridctl.lock"
    holder = subprocess.Popen([sys.executable, "-c", HOLD_LOCK, str(lock)], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        project.edit_config(lambda c: c["budgets"].update(daily=60))

        run = hybridctl("backup", "create", "-r", "blocked", "--lock-timeout", "0.5", cwd=project.root)

        assert run.exit_code == 3
        assert f"pid {holder.pid} on {socket.gethostname()}, running 'backup create' since 20" in run.stderr
        assert "--lock-timeout" in run.stderr and "Traceback" not in run.stderr
    finally:
        holder.send_signal(signal.SIGKILL)
        holder.wait()
    # The dead holder's lock is released by the OS: the next command goes ahead.
    assert json.loads(lock.read_text())["pid"] == holder.pid
    assert (
        hybridctl("backup", "create", "-r", "after", "--lock-timeout", "0.5", cwd=project.root).exit_code == 0
    )


def _dirty(store: Path) -> None:
    (store / "configs" / "modes.yml").write_text("edited by hand\n")


def _untracked(store: Path) -> None:
    (store / "notes.txt").write_text("mine\n")


def _detached(store: Path) -> None:
    git(store, "checkout", "-q", "--detach", "HEAD")


def _missing(store: Path) -> None:
    shutil.rmtree(store)


def _not_a_store(store: Path) -> None:
    shutil.rmtree(store)
    store.mkdir()
    git(store, "init", "-q")


def _damaged(store: Path) -> None:
    for obj in (store / ".git" / "objects").rglob("*"):
        if obj.is_file():
            obj.chmod(0o644)
            obj.write_bytes(b"garbage")


@pytest.mark.parametrize(
    "break_store, exit_code, message, way_out",
    [
        (_dirty, 3, "has changes hybridctl did not make: configs/modes.yml", "checkout -- ."),
        (_untracked, 3, "has changes hybridctl did not make: notes.txt", "git -C"),
        (_detached, 3, "HEAD is detached", "checkout main"),
        (_missing, 2, "no store at", "hybridctl init --store-only"),
        (_not_a_store, 2, "not a hybridctl store", "hybridctl init --store-only"),
        (_damaged, 2, "is damaged", "fsck"),
    ],
)
def test_store_problems_get_a_clear_error_and_a_way_out(
    hybridctl: RunFn, project: Project, break_store: object, exit_code: int, message: str, way_out: str
) -> None:
    assert callable(break_store)
    break_store(project.store)
    project.edit_config(lambda c: c["budgets"].update(daily=60))
    configs_before = project.files()

    run = hybridctl("backup", "create", "-r", "x", cwd=project.root)

    assert run.exit_code == exit_code, run.stderr
    assert message in run.stderr and way_out in run.stderr
    assert "Traceback" not in run.stderr
    assert project.files() == configs_before


def test_reading_a_damaged_store_is_an_error_not_a_traceback(hybridctl: RunFn, project: Project) -> None:
    _damaged(project.store)

    for command in (("history",), ("backup", "list"), ("diff",)):
        run = hybridctl(*command, cwd=project.root)
        assert run.exit_code == 2 and "damaged" in run.stderr and "Traceback" not in run.stderr


def test_an_interrupted_store_commit_is_rolled_back_not_reported_as_dirty(
    cli: RunFn, project: Project
) -> None:
    # A process killed between writing the store's files and committing them.
    (project.store / ".git" / "hybridctl-commit-pending").touch()
    (project.store / "configs" / "modes.yml").write_text("half of a commit\n")
    (project.store / "configs" / "stray.json").write_text("{}")
    project.edit_config(lambda c: c["budgets"].update(daily=60))

    run = cli("backup", "create", "-r", "after a crash", cwd=project.root)

    assert run.exit_code == 0, run.stderr
    assert git(project.store, "status", "--porcelain") == ""
    assert (
        git(project.store, "show", "HEAD:configs/model-config.json")
        == (project.configs / "model-config.json").read_text()
    )


def test_git_lock_files_left_by_a_killed_commit_are_cleared(cli: RunFn, project: Project) -> None:
    git_dir = project.store / ".git"
    (git_dir / "hybridctl-commit-pending").touch()
    (git_dir / "index.lock").write_bytes(b"partial index")
    project.edit_config(lambda c: c["budgets"].update(daily=60))

    run = cli("backup", "create", "-r", "after a crash in git", cwd=project.root)

    assert run.exit_code == 0, run.stderr
    assert not (git_dir / "index.lock").exists()
    assert git(project.store, "tag").split() == ["backup/1", "backup/2"]
