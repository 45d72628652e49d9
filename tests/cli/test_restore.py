"""hybridctl restore: by id, by time, 'previous'; its refusals; and its output."""

from __future__ import annotations

import json
import subprocess
from datetime import datetime, timezone
from pathlib import Path

import pytest

from hybridctl.store.backup import create_backup
from tests.helpers import Project, RunFn, snapshot


def git(store: Path, *args: str) -> str:
    return subprocess.run(["git", "-C", str(store), *args], capture_output=True, text=True, check=True).stdout


def backup_threshold(project: Project, threshold: float, when: datetime | None = None) -> dict[str, bytes]:
    project.edit_config(lambda c: c["escalation"].update(threshold=threshold))
    create_backup(project.workspace(), reason=f"threshold {threshold}", now=when)
    return project.files()


def test_restore_by_id_shows_the_diff_writes_the_files_and_records_it(cli: RunFn, project: Project) -> None:
    original = project.files()
    backup_threshold(project, 0.4)

    run = cli("restore", "1", "--reason", "back to the seed threshold", cwd=project.root)

    assert run.exit_code == 0
    assert "threshold" in run.stdout and "0.4 -> 0.5" in run.stdout
    assert "restored backup 1" in run.stdout
    assert project.files() == original
    assert git(project.store, "log", "-1", "--format=%s").strip() == "restore r3: back to the seed threshold"
    assert git(project.store, "status", "--porcelain") == ""


def test_restore_previous_goes_one_backup_back(cli: RunFn, project: Project) -> None:
    second = backup_threshold(project, 0.4)
    backup_threshold(project, 0.45)

    assert cli("restore", "previous", cwd=project.root).exit_code == 0
    assert project.files() == second


def test_restore_by_time_across_a_timezone_boundary(cli: RunFn, hybridctl: RunFn, project: Project) -> None:
    late_on_21st = backup_threshold(project, 0.4, datetime(2026, 11, 21, 23, 30, tzinfo=timezone.utc))
    backup_threshold(project, 0.45, datetime(2026, 11, 22, 0, 30, tzinfo=timezone.utc))

    # 00:45 on the 22nd in Paris is 23:45 UTC on the 21st: the earlier backup
    assert (
        cli("restore", "2026-11-22T00:45:00+01:00", "--json", cwd=project.root).json()["backup"]["revision"]
        == 2
    )
    assert project.files() == late_on_21st
    # a time without an offset is local time: 08:45 in Tokyo is 23:45 UTC the day before
    run = hybridctl(
        "restore", "2026-11-22T08:45", "--dry-run", "--json", cwd=project.root, env={"TZ": "Asia/Tokyo"}
    )
    assert run.json()["backup"]["revision"] == 2
    # and an hour later it is the later one
    assert (
        cli("restore", "2026-11-22T00:45Z", "--dry-run", "--json", cwd=project.root).json()["backup"][
            "revision"
        ]
        == 3
    )


def test_no_backup_before_a_time_is_a_usage_error(cli: RunFn, project: Project) -> None:
    run = cli("restore", "2020-01-01", cwd=project.root)

    assert run.exit_code == 2 and "no backup was made at or before" in run.stderr


@pytest.mark.parametrize("target", ["../x", "../../etc/passwd", "HEAD~1", "backup/1", "42"])
def test_bad_restore_targets_are_rejected_and_change_nothing(
    cli: RunFn, project: Project, target: str
) -> None:
    before = snapshot(project.root)

    run = cli("restore", target, cwd=project.root)

    assert run.exit_code == 2
    assert "Traceback" not in run.stderr and "hint:" in run.stderr
    assert snapshot(project.root) == before


def test_unrecorded_local_edits_are_protected_unless_forced(cli: RunFn, project: Project) -> None:
    backup_threshold(project, 0.4)
    project.edit_config(lambda c: c["budgets"].update(daily=70))
    edited = project.files()

    refused = cli("restore", "1", cwd=project.root)
    assert refused.exit_code == 3 and "changes that no backup holds" in refused.stderr
    assert project.files() == edited

    forced = cli("restore", "1", "--force", "--json", cwd=project.root)
    assert forced.exit_code == 0 and forced.json()["forced"] == ["unrecorded local changes"]
    assert json.loads(project.files()["model-config.json"])["budgets"]["daily"] == 50


def test_an_invalid_snapshot_is_refused_unless_forced(cli: RunFn, project: Project) -> None:
    # A backup can be invalid by today's rules (written by an older hybridctl, or by hand).
    workspace = project.workspace()
    broken = project.files()
    config = json.loads(broken["model-config.json"])
    config["roles"]["critic"]["primary"] = "retired-model"
    broken["model-config.json"] = json.dumps(config).encode()
    with workspace.mutation("test") as store:
        store.commit(
            "backup", actor="old", reason="old", now=datetime.now(timezone.utc), configs=broken, tag=True
        )
    with workspace.mutation("test") as store:  # make the working configs a recorded state again
        store.commit("backup", actor="t", reason="t", now=datetime.now(timezone.utc), configs=project.files())
    before = project.files()

    refused = cli("restore", "2", cwd=project.root)
    assert refused.exit_code == 1 and "unknown-model" in refused.stdout
    assert project.files() == before
    assert cli("restore", "2", "--force", cwd=project.root).exit_code == 0
    assert project.files() == broken


def test_dry_run_changes_nothing(cli: RunFn, project: Project) -> None:
    backup_threshold(project, 0.4)
    before = snapshot(project.root)

    run = cli("restore", "1", "--dry-run", cwd=project.root)

    assert run.exit_code == 0 and "dry run" in run.stdout
    assert snapshot(project.root) == before


def test_restoring_the_current_backup_is_a_no_op(cli: RunFn, project: Project) -> None:
    commits = git(project.store, "rev-list", "--count", "HEAD")

    run = cli("restore", "1", cwd=project.root)

    assert run.exit_code == 0 and "already match" in run.stdout
    assert git(project.store, "rev-list", "--count", "HEAD") == commits
