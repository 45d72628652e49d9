"""Files a command writes on request, and prices.json as a config file."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.helpers import Project, RunFn, snapshot, write_usage


def _no_temp_files_in(directory: Path) -> bool:
    return not any(".hybridctl-tmp" in p.name for p in directory.iterdir())


@pytest.mark.parametrize("where", ["missing/out.json", "configs", "/"])
@pytest.mark.parametrize(
    "command",
    [
        ("render", "--out"),
        ("simulate", "-n", "3", "--out"),
        ("prices", "import", "litellm.json", "--out"),
        ("report", "usage", "usage.jsonl", "--html"),
    ],
)
def test_an_output_path_that_cannot_be_written_is_a_usage_error_that_leaves_nothing(
    cli: RunFn, project: Project, command: tuple[str, ...], where: str
) -> None:
    (project.root / "litellm.json").write_text(
        json.dumps({"x/y": {"input_cost_per_token": 1e-6, "output_cost_per_token": 2e-6}})
    )
    write_usage(project.root / "usage.jsonl", [{"model": "glm-4.5", "input_tokens": 5, "output_tokens": 1}])
    before = snapshot(project.root)

    run = cli(*command, where, cwd=project.root)

    assert run.exit_code == 2
    assert "Traceback" not in run.stderr and ("directory" in run.stderr or "cannot write" in run.stderr)
    assert snapshot(project.root) == before
    assert _no_temp_files_in(Path("/")) and _no_temp_files_in(project.configs)


def test_a_write_that_fails_midway_leaves_the_old_file_and_no_temp(
    project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    from hybridctl.errors import UsageError
    from hybridctl.fsutil import output_file

    target = project.root / "bundle.json"
    target.write_text("old")
    with pytest.raises(RuntimeError), output_file(target) as handle:
        handle.write(b"half")
        raise RuntimeError("disk gone")
    assert target.read_text() == "old" and _no_temp_files_in(project.root)
    # The OS refusing the write (here: the rename, as a full disk would).
    import errno
    import os

    def refuse(*args: object) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "replace", refuse)
    with pytest.raises(UsageError, match="cannot write"), output_file(target) as handle:
        handle.write(b"new")
    monkeypatch.undo()
    assert target.read_text() == "old" and _no_temp_files_in(project.root)


def test_prices_json_is_a_config_file_validated_backed_up_diffed_and_restored(
    cli: RunFn, project: Project
) -> None:
    prices = project.configs / "prices.json"
    prices.write_text(json.dumps({"version": 1, "models": {"deepseek-chat": {"inputPerMillion": 0.27}}}))
    invalid = cli("validate", "--format", "json", cwd=project.root)
    refused = cli("backup", "create", "--reason", "x", cwd=project.root)

    prices.write_text(
        json.dumps(
            {"version": 1, "models": {"deepseek-chat": {"inputPerMillion": 0.27, "outputPerMillion": 1.1}}}
        )
    )
    diff = cli("diff", "--format", "json", cwd=project.root).json()
    created = cli("backup", "create", "--reason", "deepseek prices", "--json", cwd=project.root)
    prices.write_text(
        json.dumps({"version": 1, "models": {"deepseek-chat": {"inputPerMillion": 9, "outputPerMillion": 9}}})
    )
    changed = cli("diff", "--format", "json", cwd=project.root).json()
    restored = cli("restore", "2", "--force", "--reason", "back", cwd=project.root)
    to_one = cli("restore", "1", "--force", "--reason", "no overrides", cwd=project.root)

    assert invalid.exit_code == 1
    assert {(d["file"], d["rule"]) for d in invalid.json()["diagnostics"]} >= {
        ("configs/prices.json", "missing-key")
    }
    assert refused.exit_code == 1
    assert [(c["area"], c["subject"], c["kind"]) for c in diff["changes"]] == [
        ("prices", "deepseek-chat", "added")
    ]
    assert created.exit_code == 0 and "prices.json" in created.json()["backup"]["files"]
    assert {(c["field"], c["before"], c["after"]) for c in changed["changes"]} == {
        ("inputPerMillion", 0.27, 9),
        ("outputPerMillion", 1.1, 9),
    }
    assert restored.exit_code == 0 and to_one.exit_code == 0
    assert not prices.exists(), "restoring a revision without prices.json removes it"


def test_prices_import_leaves_no_lock_file_in_the_config_directory(cli: RunFn, project: Project) -> None:
    source = project.root / "litellm.json"
    source.write_text(json.dumps({"x/y": {"input_cost_per_token": 1e-6, "output_cost_per_token": 2e-6}}))

    run = cli("prices", "import", str(source), cwd=project.root)

    assert run.exit_code == 0
    assert sorted(p.name for p in project.configs.iterdir()) == [
        "model-config.json",
        "modes.yml",
        "prices.json",
    ]
    assert cli("validate", cwd=project.root).exit_code == 0
