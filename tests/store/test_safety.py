"""The invariants: no half-written file even under SIGKILL, no interleaved
mutations, and a clear way out when the store is dirty, detached, missing or
damaged."""

from __future__ import annotations

import json
import random
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

from hybridctl.store.backup import create_backup
from hybridctl.store.records import digest_files
from tests.helpers import Project, RunFn, clean_env, hybridctl_executable


def git(store: Path, *args: str) -> str:
    return subprocess.run(["git", "-C", str(store), *args], capture_output=True, text=True, check=True).stdout


def two_backups(project: Project) -> tuple[dict[str, bytes], dict[str, bytes]]:
    """Backup 1 (the defaults) and backup 2, whose files are much larger, so
    that a write takes long enough to be interrupted."""
    first = project.files()
    padding = "".join(f"# padding line {i} {'x' * 80}\n" for i in range(4000))
    (project.configs / "modes.yml").write_text(padding + (project.configs / "modes.yml").read_text())
    project.edit_config(lambda c: c["strategy"].update(description="y" * 200_000))
    create_backup(project.workspace(), reason="large")
    return first, project.files()


def test_sigkill_during_restores_never_leaves_a_half_written_file(project: Project) -> None:
    first, second = two_backups(project)
    rng = random.Random(20261121)
    for round_number in range(14):
        target = "1" if round_number % 2 == 0 else "2"
        process = subprocess.Popen(
            [hybridctl_executable(), "restore", target],
            cwd=project.root,
            env=clean_env(None),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        time.sleep(rng.uniform(0.05, 1.2))
        process.send_signal(signal.SIGKILL)
        process.wait()
        for name, parse in (("modes.yml", yaml.safe_load), ("model-config.json", json.loads)):
            data = (project.configs / name).read_bytes()
            assert data in (first[name], second[name]), f"round {round_number}: {name} is half-written"
            parse(data)

    # The next command finishes what was interrupted, so the set is whole again.
    final = subprocess.run(
        [hybridctl_executable(), "restore", "1"],
        cwd=project.root,
        env=clean_env(None),
        capture_output=True,
        text=True,
        check=False,
    )
    assert final.returncode == 0, final.stderr
    assert project.files() == first
    assert git(project.store, "status", "--porcelain") == ""
    head = json.loads(
        git(project.store, "log", "-1", "--format=%B").strip().splitlines()[-1].split(": ", 1)[1]
    )
    assert head["digest"] == digest_files(first)[1]
    assert not list(project.configs.glob(".*"))  # no temporary files or journal left behind


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


def test_concurrent_mutations_run_one_after_the_other(project: Project) -> None:
    first, second = two_backups(project)
    processes = [
        subprocess.Popen(
            [hybridctl_executable(), "restore", target, "--lock-timeout", "60"],
            cwd=project.root,
            env=clean_env(None),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for target in ("1", "2", "1")
    ]
    results = [p.communicate(timeout=120) for p in processes]

    assert [p.returncode for p in processes] == [0, 0, 0], results
    assert project.files() in (first, second)
    log = git(project.store, "log", "--format=%s").splitlines()
    restores = [line for line in log if line.startswith("restore")]
    # one entry per applied change (a restore onto identical files is a no-op)
    assert 1 <= len(restores) <= 3
    assert log[0].startswith("restore") and git(project.store, "status", "--porcelain") == ""
    head = json.loads(
        git(project.store, "log", "-1", "--format=%B").strip().splitlines()[-1].split(": ", 1)[1]
    )
    assert head["digest"] == digest_files(project.files())[1]


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


def test_a_backup_whose_tag_was_lost_in_a_crash_is_tagged_on_recovery(project: Project) -> None:
    workspace = project.workspace()
    with workspace.mutation("test") as store:
        project.edit_config(lambda c: c["budgets"].update(daily=60))
        store.commit(
            "backup",
            actor="t",
            reason="killed before tagging",
            now=store.records()[0].time,
            configs=project.files(),
        )
    (project.store / ".git" / "hybridctl-commit-pending").touch()  # as if killed right after the commit

    with workspace.mutation("next command"):
        pass

    assert git(project.store, "tag").split() == ["backup/1", "backup/2"]
