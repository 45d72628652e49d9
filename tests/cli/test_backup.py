"""init, backup create/list/show/prune and history, checked against git itself."""

from __future__ import annotations

import hashlib
import json
import subprocess
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from hybridctl.store.backup import create_backup
from tests.helpers import REPO, Project, RunFn, snapshot

T0 = datetime(2025, 6, 1, 12, 0, tzinfo=timezone.utc)


def git(store: Path, *args: str) -> str:
    return subprocess.run(["git", "-C", str(store), *args], capture_output=True, text=True, check=True).stdout


def set_threshold(threshold: float) -> Callable[[dict[str, Any]], None]:
    return lambda config: config["escalation"].update(threshold=threshold)


def sha256(path: Path) -> str:
    return "sha256:" + hashlib.sha256(path.read_bytes()).hexdigest()


def test_init_scaffolds_configs_schemas_and_a_store_with_a_first_backup(cli: RunFn, tmp_path: Path) -> None:
    run = cli("init", "setup", "--json", cwd=tmp_path)

    assert run.exit_code == 0
    root = tmp_path / "setup"
    assert (root / "configs" / "modes.yml").read_bytes() == (REPO / "configs" / "modes.yml").read_bytes()
    assert (root / "schemas" / "model-config.schema.json").is_file()
    assert git(root / "backups", "tag").split() == ["backup/1"]
    assert run.json()["backup"]["revision"] == 1
    assert cli("validate", cwd=root).exit_code == 0  # the schema paths in the scaffold resolve


def test_init_refuses_to_overwrite_and_changes_nothing(cli: RunFn, project: Project) -> None:
    before = snapshot(project.root)

    run = cli("init", str(project.root))

    assert run.exit_code == 2
    assert "refusing to overwrite" in run.stderr
    assert snapshot(project.root) == before


def test_init_with_a_store_elsewhere_writes_settings_that_later_commands_use(
    cli: RunFn, tmp_path: Path
) -> None:
    assert cli("init", "app", "--store", "history", cwd=tmp_path).exit_code == 0

    assert 'store = "../history"' in (tmp_path / "app" / "hybridctl.toml").read_text()
    listed = cli("backup", "list", "--json", cwd=tmp_path / "app").json()
    assert [b["revision"] for b in listed["backups"]] == [1]


def test_init_store_only_for_existing_configs(cli: RunFn, tmp_path: Path, config_dir: Path) -> None:
    run = cli("init", "--store-only", cwd=config_dir.parent)

    assert run.exit_code == 0
    assert git(config_dir.parent / "backups", "tag").split() == ["backup/1"]


def test_backup_records_metadata_commit_and_annotated_tag(cli: RunFn, project: Project) -> None:
    project.edit_config(lambda c: c["budgets"].update(daily=60))

    run = cli(
        "backup",
        "create",
        "--reason",
        "raise the daily budget",
        "--json",
        cwd=project.root,
        env={"HYBRIDCTL_ACTOR": "alice"},
    )

    assert run.exit_code == 0
    record = run.json()["backup"]
    assert record["revision"] == 2 and record["kind"] == "backup"
    assert record["actor"] == "alice" and record["reason"] == "raise the daily budget"
    assert record["time"].endswith("Z")
    assert record["files"] == {
        name: sha256(project.configs / name) for name in ("model-config.json", "modes.yml")
    }
    assert record["validation"] == {"ok": True, "errors": 0, "warnings": 1}
    # the commit and the tag, read back with git itself
    assert (
        git(project.store, "log", "-1", "--format=%an|%s").strip()
        == "alice|backup r2: raise the daily budget"
    )
    assert json.loads(git(project.store, "tag", "-l", "--format=%(contents)", "backup/2"))["revision"] == 2
    assert git(project.store, "cat-file", "-t", "backup/2").strip() == "tag"  # annotated
    stored = git(project.store, "show", "backup/2:configs/model-config.json")
    assert stored == (project.configs / "model-config.json").read_text()


def test_unchanged_configs_make_no_duplicate(cli: RunFn, project: Project) -> None:
    commits = git(project.store, "rev-list", "--count", "HEAD")

    run = cli("backup", "create", "-r", "again", cwd=project.root)

    assert run.exit_code == 0
    assert "backup 1" in run.stdout and "already holds these configs" in run.stdout
    assert git(project.store, "rev-list", "--count", "HEAD") == commits


def test_invalid_configs_are_not_backed_up(cli: RunFn, project: Project) -> None:
    project.edit_config(lambda c: c["roles"]["critic"].update(primary="nope"))
    commits = git(project.store, "rev-list", "--count", "HEAD")

    run = cli("backup", "create", "-r", "broken", cwd=project.root)

    assert run.exit_code == 1
    assert "unknown-model" in run.stdout and "nothing was recorded" in run.stderr
    assert git(project.store, "rev-list", "--count", "HEAD") == commits


def test_list_is_newest_first_with_a_limit_and_show_gives_metadata_and_files(
    cli: RunFn, project: Project
) -> None:
    for threshold in (0.4, 0.45):
        project.edit_config(set_threshold(threshold))
        assert cli("backup", "create", "-r", f"threshold {threshold}", cwd=project.root).exit_code == 0

    listed = cli("backup", "list", "--limit", "2", "--json", cwd=project.root).json()
    shown = cli("backup", "show", "2", "--json", cwd=project.root).json()
    content = cli("backup", "show", "3", "--file", "model-config.json", cwd=project.root).stdout
    text = cli("backup", "list", cwd=project.root).stdout

    assert [b["revision"] for b in listed["backups"]] == [3, 2] and listed["total"] == 3
    assert shown["backup"]["reason"] == "threshold 0.4"
    assert {f["name"] for f in shown["files"]} == {"modes.yml", "model-config.json"}
    assert content == (project.configs / "model-config.json").read_text()
    assert text.index("threshold 0.45") < text.index("threshold 0.4 ")


def test_show_unknown_or_malformed_id_is_a_usage_error(cli: RunFn, project: Project) -> None:
    assert "no backup 9" in cli("backup", "show", "9", cwd=project.root).stderr
    assert cli("backup", "show", "../1", cwd=project.root).exit_code == 2


def test_prune_keeps_recent_last_and_protected_backups(cli: RunFn, project: Project) -> None:
    # every backup is dated June 2025, long before prune runs
    workspace = project.workspace()
    for day, threshold in enumerate((0.41, 0.42, 0.43, 0.44), start=1):
        project.edit_config(set_threshold(threshold))
        create_backup(workspace, reason=f"t{threshold}", now=T0 + timedelta(days=day))
    # backup 3 (0.42) is stable in a rollout; the working configs match backup 5 (0.44)
    stable = json.loads(cli("backup", "show", "3", "--json", cwd=project.root).stdout)["backup"]["digest"]
    (project.configs / "rollout.json").write_text(json.dumps({"stable": {"digest": stable}}))

    dry = cli(
        "backup", "prune", "--keep-days", "7", "--keep-last", "1", "--dry-run", "--json", cwd=project.root
    )
    assert git(project.store, "tag").split() == [f"backup/{n}" for n in range(1, 6)]
    pruned = cli("backup", "prune", "--keep-days", "7", "--keep-last", "1", "--json", cwd=project.root).json()

    assert dry.json()["pruned"] == pruned["pruned"] == [4, 2, 1]
    assert pruned["protected"] == {"3": "stable in the rollout", "5": "matches the working configs"}
    assert sorted(git(project.store, "tag").split()) == ["backup/3", "backup/5"]
    history = cli("history", "--json", cwd=project.root).json()
    assert [r["revision"] for r in history["revisions"]] == [1, 2, 3, 4, 5]  # the audit trail stays


def test_history_lists_every_change_oldest_first(cli: RunFn, project: Project) -> None:
    project.edit_config(lambda c: c["escalation"].update(threshold=0.4))
    cli("backup", "create", "-r", "second", cwd=project.root)
    cli("restore", "1", "-r", "undo it", cwd=project.root)

    rows = cli("history", "--json", cwd=project.root).json()["revisions"]
    text = cli("history", "--limit", "2", cwd=project.root).stdout

    assert [(r["revision"], r["kind"], r["reason"], r["backup"]) for r in rows] == [
        (1, "backup", "initial configuration (hybridctl init)", True),
        (2, "backup", "second", True),
        (3, "restore", "undo it", False),
    ]
    assert rows[2]["details"]["restored_from"] == 1
    assert rows[2]["digest"] == rows[0]["digest"]
    assert "undo it" in text and "initial configuration" not in text


def test_a_config_directory_missing_a_file_is_refused_and_nothing_is_recorded(
    cli: RunFn, project: Project
) -> None:
    (project.configs / "modes.yml").unlink()
    commits = len(cli("history", "--json", cwd=project.root).json()["revisions"])

    validated = cli("validate", cwd=project.root)
    backup = cli("backup", "create", "--reason", "incomplete", cwd=project.root)

    assert validated.exit_code == 1 and "missing-file" in validated.stdout
    assert backup.exit_code == 1 and "missing-file" in backup.stdout
    assert len(cli("history", "--json", cwd=project.root).json()["revisions"]) == commits
