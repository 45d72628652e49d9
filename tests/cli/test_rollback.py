"""Rollback is safe to run at any time, by anyone, more than once: it never
re-deploys what it rolled back, it keeps unsaved edits, and only rollout
transitions change what is served."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.helpers import Project, RunFn, clean_env, hybridctl_executable


def git(store: Path, *args: str) -> str:
    return subprocess.run(["git", "-C", str(store), *args], capture_output=True, text=True, check=True).stdout


def edit(project: Project, daily: int) -> None:
    def change(config: dict[str, Any]) -> None:
        config["budgets"]["daily"] = daily
        config["rollout"]["steps"] = [{"weight": 10, "minSoakHours": 0}, {"weight": 50, "minSoakHours": 0}]

    project.edit_config(change)


def complete(cli: RunFn, project: Project, daily: int) -> int:
    """Stage a change and take it to 100%; returns its revision."""
    edit(project, daily)
    staged = cli("stage", "--reason", f"daily {daily}", "--json", cwd=project.root)
    assert staged.exit_code == 0, staged.stderr
    done = cli("promote", "--full", "--force", "--reason", "x", "--json", cwd=project.root)
    assert done.exit_code == 0, done.stderr
    return int(staged.json()["after"]["candidate"]["revision"])


def served(project: Project) -> int:
    return int(json.loads((project.configs / "rollout.json").read_text())["stable"]["revision"])


def daily_budget(project: Project) -> int:
    return int(json.loads((project.configs / "model-config.json").read_text())["budgets"]["daily"])


def test_rolling_back_twice_never_redeploys_the_rolled_back_config(cli: RunFn, project: Project) -> None:
    candidate = complete(cli, project, 70)
    assert served(project) == candidate

    first = cli("rollback", "--reason", "a", "--json", cwd=project.root)
    second = cli("rollback", "--reason", "b", "--json", cwd=project.root)
    third = cli("rollback", "--reason", "c", cwd=project.root)

    assert first.exit_code == 0 and first.json()["status"] == "applied"
    assert (second.exit_code, second.json()["status"]) == (0, "unchanged")
    assert third.exit_code == 0 and "already rolled back" in third.stdout
    assert served(project) == 1 and daily_budget(project) == 50
    rollbacks = [line for line in git(project.store, "log", "--format=%s").splitlines() if "rollback" in line]
    assert len(rollbacks) == 1


def test_rollback_goes_to_the_stable_before_skipping_any_that_was_rolled_back(
    cli: RunFn, project: Project
) -> None:
    bad = complete(cli, project, 70)
    assert cli("rollback", "--reason", "bad", cwd=project.root).exit_code == 0
    good = complete(cli, project, 60)
    newer = complete(cli, project, 55)
    assert bad != good != newer

    assert cli("rollback", "--reason", "newer is wrong", cwd=project.root).exit_code == 0
    assert served(project) == good and daily_budget(project) == 60
    # Going further back is explicit, and never lands on the one rolled back first.
    refused = cli("rollback", "--reason", "x", "--to-revision", str(bad), cwd=project.root)
    assert refused.exit_code == 3 and "was itself rolled back" in refused.stderr
    assert cli("rollback", "--reason", "x", "--to-revision", "1", cwd=project.root).exit_code == 0
    assert served(project) == 1

    newest = complete(cli, project, 45)
    assert cli("rollback", "--reason", "again", cwd=project.root).exit_code == 0
    assert served(project) == 1, "r1 was stable before the newest; good and bad are not"
    assert served(project) != newest


def test_with_nothing_older_rollback_refuses_with_exit_3(cli: RunFn, project: Project) -> None:
    commits = git(project.store, "rev-list", "--count", "HEAD")

    run = cli("rollback", "--reason", "x", cwd=project.root)

    assert run.exit_code == 3 and "nothing to roll back to" in run.stderr
    assert git(project.store, "rev-list", "--count", "HEAD") == commits


@pytest.mark.slow
def test_two_engineers_rolling_back_at_once_end_in_one_safe_state(cli: RunFn, project: Project) -> None:
    complete(cli, project, 70)
    commits = int(git(project.store, "rev-list", "--count", "HEAD"))
    command = [hybridctl_executable(), "rollback", "--reason", "page", "--lock-timeout", "60"]

    runs = [
        subprocess.Popen(command, cwd=project.root, env=clean_env(None), stdout=subprocess.PIPE, text=True)
        for _ in range(3)
    ]
    codes = [run.wait(timeout=120) for run in runs]

    assert codes == [0, 0, 0]
    assert served(project) == 1 and daily_budget(project) == 50
    assert int(git(project.store, "rev-list", "--count", "HEAD")) == commits + 1


def test_unsaved_edits_are_kept_as_a_backup_before_an_emergency_rollback(
    cli: RunFn, project: Project
) -> None:
    edit(project, 70)
    assert cli("stage", "--reason", "s", cwd=project.root).exit_code == 0
    assert cli("promote", cwd=project.root).exit_code == 0
    edit(project, 99)  # an edit in progress, recorded nowhere
    edited = (project.configs / "model-config.json").read_bytes()

    run = cli("rollback", "--reason", "errors", "--json", cwd=project.root)

    assert run.exit_code == 0
    saved = run.json()["saved_backup"]
    assert saved is not None
    kept = git(project.store, "show", f"backup/{saved}:configs/model-config.json")
    assert kept.encode() == edited
    assert daily_budget(project) == 50  # stable is back in configs/
    text = cli("history", cwd=project.root).stdout
    assert "saved before rollback: errors" in text
    # Said where, in the text output too.
    edit(project, 98)
    told = cli("rollback", "--reason", "again", cwd=project.root)
    assert told.exit_code == 0 and "saved as backup" in told.stdout


def test_a_backup_is_not_a_deployment(cli: RunFn, project: Project) -> None:
    edit(project, 70)
    assert cli("backup", "create", "--reason", "prepared", cwd=project.root).exit_code == 0

    bundle = json.loads(cli("render", cwd=project.root).stdout)
    staged = cli("stage", "--reason", "roll it out", cwd=project.root)

    assert bundle["stable"]["revision"] == 1 and bundle["weight"] == 0
    assert bundle["stable"]["modelConfig"]["budgets"]["daily"] == 50
    assert staged.exit_code == 0, staged.stderr


@pytest.mark.parametrize("reason", ["", "   ", "\t"])
@pytest.mark.parametrize(
    "command",
    [
        ("rollback",),
        ("resume",),
        ("pause",),
        ("stage",),
        ("promote",),
        ("retry",),
        ("canary", "set", "20"),
        ("backup", "create"),
        ("restore", "1"),
    ],
)
def test_a_blank_reason_is_refused_everywhere(
    cli: RunFn, project: Project, command: tuple[str, ...], reason: str
) -> None:
    commits = git(project.store, "rev-list", "--count", "HEAD")

    run = cli(*command, "--reason", reason, cwd=project.root)

    assert run.exit_code == 2
    assert "--reason" in run.stderr or "reason" in run.stdout + run.stderr
    assert git(project.store, "rev-list", "--count", "HEAD") == commits


def test_a_reason_holding_a_secret_is_refused(cli: RunFn, project: Project) -> None:
    secret = "sk-ant-api03-" + "k" * 40
    run = cli("backup", "create", "--reason", f"rotated {secret}", cwd=project.root)

    assert run.exit_code == 2 and secret[10:30] not in run.stderr + run.stdout


def test_status_reports_drift_from_what_is_served(cli: RunFn, project: Project) -> None:
    assert cli("status", cwd=project.root).exit_code == 0

    edit(project, 70)
    edited = cli("status", "--json", cwd=project.root)
    (project.configs / "model-config.json").write_text("{ not json")
    broken = cli("status", cwd=project.root)

    assert edited.exit_code == 1 and "differs from r1" in edited.json()["drift"]
    assert edited.json()["healthy"] is False
    assert broken.exit_code == 1 and "cannot be parsed" in broken.stdout


def test_commands_find_the_setup_from_a_subdirectory(cli: RunFn, project: Project) -> None:
    deep = project.root / "src" / "deep"
    deep.mkdir(parents=True)

    history = cli("history", "--json", cwd=deep)
    validate = cli("validate", cwd=deep)

    assert history.exit_code == 0 and history.json()["total"] == 1
    assert validate.exit_code == 0 and "configs" in validate.stdout
