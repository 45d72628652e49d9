"""No part of a secret-looking value reaches any output, in any format, from
any command that validates or reports: keys pasted into schema-checked fields,
into keys, into names that reach messages, and into a model name in a log."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.helpers import Project, RunFn

# Random-looking parts that a leak would show (a 35-character prefix included).
SECRET = "sk-ant-api03-" + "Q9x_w7Lk2" * 6
PARTS = [SECRET[i : i + 9] for i in range(7, len(SECRET) - 9, 5)]


def assert_no_secret(*texts: str) -> None:
    joined = "\n".join(texts)
    for part in PARTS:
        assert part not in joined, f"secret fragment {part!r} printed"


def plant(project: Project) -> None:
    """The secret where the schema checks the value, in a key, and in a model id."""

    def change(config: dict[str, Any]) -> None:
        config["models"]["glm-4.5"]["tier"] = SECRET
        config["providers"]["zai"]["apiKeyEnv"] = SECRET
        config["roles"]["critic"]["primary"] = SECRET
        config["budgets"][SECRET] = 1

    project.edit_config(change)
    modes = project.configs / "modes.yml"
    modes.write_text(modes.read_text().replace("slug: critic", f"slug: '{SECRET}'", 1))


@pytest.mark.parametrize("fmt", ["text", "json", "github", "sarif"])
def test_validate_never_prints_a_secret_in_any_format(cli: RunFn, project: Project, fmt: str) -> None:
    plant(project)

    run = cli("validate", "--format", fmt, cwd=project.root)

    assert run.exit_code == 1
    assert_no_secret(run.stdout, run.stderr)
    if fmt == "json":
        found = [d["message"] for d in run.json()["diagnostics"] if d["rule"] == "secret-literal"]
        assert found and all("[redacted" not in message for message in found), found


@pytest.mark.parametrize(
    "command",
    [
        ("backup", "create", "--reason", "x"),
        ("stage", "--reason", "x"),
        ("diff",),
        ("diff", "--raw"),
        ("diff", "--format", "markdown"),
        ("diff", "--format", "json"),
        ("status",),
        ("status", "--json"),
    ],
)
def test_commands_that_validate_or_show_configs_never_print_a_secret(
    cli: RunFn, project: Project, command: tuple[str, ...]
) -> None:
    plant(project)

    run = cli(*command, cwd=project.root)

    assert_no_secret(run.stdout, run.stderr)


def test_restore_and_rollback_of_a_snapshot_with_a_secret_never_print_it(
    cli: RunFn, project: Project
) -> None:
    plant(project)
    # Kept by the rollback as "saved before rollback", then shown, diffed and restored.
    project.edit_config(lambda c: c["budgets"].update(daily=70))
    saved = cli("rollback", "--reason", "x", "--json", cwd=project.root)
    runs = [
        cli("backup", "list", cwd=project.root),
        cli("backup", "show", "1", cwd=project.root),
        cli("restore", "1", "--dry-run", cwd=project.root),
        cli("history", "--json", cwd=project.root),
    ]
    for run in [saved, *runs]:
        assert_no_secret(run.stdout, run.stderr)


def test_a_model_name_from_a_log_never_prints_a_secret(cli: RunFn, project: Project, tmp_path: Path) -> None:
    log = tmp_path / "usage.jsonl"
    log.write_text(
        json.dumps({"model": SECRET, "role": "critic", "input_tokens": 10, "output_tokens": 2}) + "\n"
    )

    for fmt in ("text", "json", "csv", "markdown"):
        run = cli("report", "usage", str(log), "--by", "model", "--format", fmt, cwd=project.root)
        assert run.exit_code == 0, run.stderr
        assert_no_secret(run.stdout, run.stderr)


def test_control_characters_in_a_config_never_reach_the_terminal(cli: RunFn, project: Project) -> None:
    modes = project.configs / "modes.yml"
    modes.write_text(modes.read_text() + '"\\e]0;pwned\\a\\e[2J": 1\n')

    for fmt in ("text", "github"):
        run = cli("validate", "--format", fmt, cwd=project.root)
        assert run.exit_code == 1
        assert "\x1b" not in run.stdout + run.stderr and "\x07" not in run.stdout + run.stderr
        assert "\\x1b]0;pwned" in run.stdout


def test_json_for_scripts_escapes_what_would_reorder_a_terminal(cli: RunFn, project: Project) -> None:
    reason = "invoice\u202efdp.exe and a C1 \x85 control"
    project.edit_config(lambda config: config["budgets"].update(daily=51))
    assert cli("backup", "create", "--reason", reason, cwd=project.root).exit_code == 0

    run = cli("history", "--json", cwd=project.root)

    assert "\u202e" not in run.stdout and "\x85" not in run.stdout
    assert "invoice\\u202efdp.exe" in run.stdout
    assert reason in [entry["reason"] for entry in run.json()["revisions"]]  # the same string to a reader
