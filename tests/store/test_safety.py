"""The store's invariants: no half-written file even under SIGKILL, no
interleaved mutations, and a backup whose tag a crash lost is tagged on recovery."""

from __future__ import annotations

import json
import random
import signal
import subprocess
import time

import yaml

from hybridctl.store.backup import create_backup
from hybridctl.store.records import digest_files
from tests.helpers import Project, clean_env, hybridctl_executable
from tests.store.helpers import git


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
