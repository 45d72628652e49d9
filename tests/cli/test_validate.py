"""hybridctl validate as a user and a CI job run it."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from hybridctl.config.rules import RULES
from tests.helpers import ANSI_COLOUR, CONFIGS, Project, RunFn

SEED_WARNING = "escalation-no-single-criterion"


def test_default_configs_are_valid_with_the_seed_criteria_warning(cli: RunFn) -> None:
    run = cli("validate", cwd=CONFIGS.parent)

    assert run.exit_code == 0
    assert "configs/modes.yml (modes, yaml): ok" in run.stdout
    assert f"configs/model-config.json:81:18: warning [{SEED_WARNING}]" in run.stdout
    assert "ok: 2 files checked, 0 errors, 1 warning" in run.stdout


def test_strict_fails_on_the_warning_unless_the_rule_is_ignored(cli: RunFn) -> None:
    assert cli("validate", "--strict", cwd=CONFIGS.parent).exit_code == 1
    assert cli("validate", "--strict", "--ignore", SEED_WARNING, cwd=CONFIGS.parent).exit_code == 0


def test_broken_config_lists_every_problem_with_position_and_exits_1(cli: RunFn, config_dir: Path) -> None:
    modes = config_dir / "modes.yml"
    modes.write_text(modes.read_text().replace("roleDefinition:", "roleDefiniton:", 1))
    config = json.loads((config_dir / "model-config.json").read_text())
    config["roles"]["critic"]["primary"] = "glm-4.6"
    (config_dir / "model-config.json").write_text(json.dumps(config, indent=2))

    run = cli("validate", "--format", "json", str(config_dir))

    assert run.exit_code == 1
    found = {(d["rule"], Path(d["file"]).name, d["line"], d["column"]) for d in run.json()["diagnostics"]}
    assert ("unknown-key", "modes.yml", 9, 5) in found
    critic_line = next(
        i for i, line in enumerate(json.dumps(config, indent=2).splitlines(), 1) if '"glm-4.6"' in line
    )
    assert ("unknown-model", "model-config.json", critic_line, 18) in found


def test_json_report_shape(cli: RunFn) -> None:
    report = cli("validate", "--format", "json", str(CONFIGS)).json()

    assert report["version"] == 1
    assert report["ok"] is True
    assert report["summary"] == {"files": 2, "errors": 0, "warnings": 1}
    assert [f["kind"] for f in report["files"]] == ["modes", "model-config"]
    [diag] = report["diagnostics"]
    assert set(diag) == {"rule", "severity", "message", "file", "line", "column", "json_path", "hint"}
    assert diag["json_path"] == "$.escalation.threshold"


def test_github_annotations_are_automatic_in_actions(cli: RunFn) -> None:
    run = cli("validate", str(CONFIGS), env={"GITHUB_ACTIONS": "true"})

    first = run.stdout.splitlines()[0]
    assert re.fullmatch(
        r"::warning file=[^,]+model-config\.json,line=81,col=18,"
        rf"title=hybridctl {SEED_WARNING}::.+",
        first,
    )
    assert run.exit_code == 0


def test_github_annotation_escapes_newlines_and_separators() -> None:
    from hybridctl.config.diagnostics import Diagnostic, Severity, diagnostic
    from hybridctl.output.validate import github_annotation

    raw = Diagnostic("schema", Severity.ERROR, "a\nb 100%", "dir,x/a:b.yml", 3, 4)
    made = diagnostic("schema", "a\nb 100%", file="dir,x/a:b.yml", line=3, column=4)

    assert (
        github_annotation(raw)
        == "::error file=dir%2Cx/a%3Ab.yml,line=3,col=4,title=hybridctl schema::a%0Ab 100%25"
    )
    # A finding's message is one line: a newline from a file is shown as an escape.
    assert github_annotation(made).endswith("::a\\x0ab 100%25")


def test_sarif_report_names_every_rule_and_locates_results(cli: RunFn, config_dir: Path) -> None:
    (config_dir / "modes.yml").write_text("customModes:\n  - slug: x\n")

    sarif = cli("validate", "--format", "sarif", str(config_dir)).json()

    assert sarif["version"] == "2.1.0"
    [run] = sarif["runs"]
    rules = run["tool"]["driver"]["rules"]
    assert [r["id"] for r in rules] == list(RULES)
    for result in run["results"]:
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"]
        region = result["locations"][0]["physicalLocation"]["region"]
        assert region["startLine"] >= 1 and region["startColumn"] >= 1
    assert {r["ruleId"] for r in run["results"]} == {
        "missing-key",
        "mode-without-role",
        "role-without-mode",
        SEED_WARNING,
    }


def test_secrets_are_never_printed_in_any_format(cli: RunFn, config_dir: Path) -> None:
    secret = "sk-ant-api03-" + "Q" * 40
    config = json.loads((config_dir / "model-config.json").read_text())
    config["providers"]["anthropic"]["apiKey"] = secret
    (config_dir / "model-config.json").write_text(json.dumps(config))

    for fmt in ("text", "json", "github", "sarif"):
        run = cli("validate", "--format", fmt, str(config_dir))
        assert run.exit_code == 1
        assert "secret-literal" in run.stdout
        assert "QQQQ" not in run.stdout + run.stderr


def test_no_color_and_pipes_get_plain_text(hybridctl: RunFn, config_dir: Path) -> None:
    (config_dir / "modes.yml").write_text("customModes: [1]\n")

    coloured = hybridctl("validate", str(config_dir), env={"FORCE_COLOR": "1"})
    piped = hybridctl("validate", str(config_dir))
    no_color = hybridctl("validate", str(config_dir), env={"FORCE_COLOR": "1", "NO_COLOR": "1"})

    assert ANSI_COLOUR.search(coloured.stdout)
    assert not ANSI_COLOUR.search(piped.stdout)
    assert not ANSI_COLOUR.search(no_color.stdout)
    assert piped.exit_code == no_color.exit_code == 1


@pytest.mark.parametrize(
    "args, message",
    [
        (("validate", "missing-dir"), "no such file or directory: missing-dir"),
        (("validate", "--ignore", "no-such-rule"), "unknown rule id(s) to ignore: no-such-rule"),
        (("validate", "empty"), "holds no modes.yml, .roomodes or model-config.json"),
        (
            ("validate", "mystery.yml"),
            "cannot tell whether mystery.yml is a modes file, a model config or prices",
        ),
    ],
)
def test_usage_errors_exit_2_with_a_hint_and_no_traceback(
    hybridctl: RunFn, tmp_path: Path, args: tuple[str, ...], message: str
) -> None:
    (tmp_path / "empty").mkdir()
    (tmp_path / "mystery.yml").write_text("something: else\n")

    run = hybridctl(*args, cwd=tmp_path)

    assert run.exit_code == 2
    assert message in run.stderr
    assert "hint:" in run.stderr
    assert "Traceback" not in run.stderr


def test_bad_option_value_is_a_usage_error(hybridctl: RunFn) -> None:
    run = hybridctl("validate", "--kind", "nonsense")

    assert run.exit_code == 2
    assert "Traceback" not in run.stderr


def test_kind_option_forces_the_schema(cli: RunFn, tmp_path: Path) -> None:
    (tmp_path / "agents.yaml").write_text("customModes: []\n")

    assert cli("validate", "--kind", "modes", str(tmp_path / "agents.yaml")).exit_code == 0
    assert cli("validate", "--kind", "model-config", str(tmp_path / "agents.yaml")).exit_code == 1


def test_max_file_size_option(cli: RunFn) -> None:
    run = cli("validate", "--max-file-size", "100", "--format", "json", str(CONFIGS))

    assert {d["rule"] for d in run.json()["diagnostics"]} == {"file-too-large"}
    assert run.exit_code == 1


def test_list_rules_in_text_and_json(cli: RunFn) -> None:
    text = cli("validate", "--list-rules")
    data = cli("validate", "--list-rules", "--format", "json").json()

    assert all(rule in text.stdout for rule in RULES)
    assert [r["id"] for r in data["rules"]] == list(RULES)


def test_defaults_option_checks_the_shipped_configs_from_anywhere(cli: RunFn, tmp_path: Path) -> None:
    run = cli("validate", "--defaults", "--format", "json", cwd=tmp_path)

    assert run.exit_code == 0
    assert run.json()["summary"] == {"files": 2, "errors": 0, "warnings": 1}


def test_settings_file_sets_config_dir_and_ignored_rules(
    cli: RunFn, tmp_path: Path, config_dir: Path
) -> None:
    project = tmp_path / "project"
    (project / "sub").mkdir(parents=True)
    config_dir.rename(project / "strategy")
    (project / "hybridctl.toml").write_text(f'config-dir = "strategy"\nignore = ["{SEED_WARNING}"]\n')

    run = cli("validate", "--strict", "--format", "json", cwd=project / "sub")

    assert run.exit_code == 0
    assert run.json()["summary"]["files"] == 2


def test_pyproject_tool_table_and_environment(cli: RunFn, tmp_path: Path, config_dir: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(
        '[project]\nname = "x"\n\n[tool.hybridctl]\nconfig-dir = "nowhere"\n'
    )

    from_file = cli("validate", cwd=tmp_path)
    from_env = cli(
        "validate", "--format", "json", cwd=tmp_path, env={"HYBRIDCTL_CONFIG_DIR": str(config_dir)}
    )

    assert from_file.exit_code == 2 and "nowhere" in from_file.stderr
    assert from_env.exit_code == 0


@pytest.mark.parametrize(
    "content, message",
    [
        ("config-dir = [\n", "hybridctl.toml"),
        ("confg-dir = 'x'\n", "did you mean 'config-dir'?"),
        ("max-file-size = 'big'\n", "'max-file-size' must be a number"),
    ],
)
def test_bad_settings_are_usage_errors(hybridctl: RunFn, tmp_path: Path, content: str, message: str) -> None:
    (tmp_path / "hybridctl.toml").write_text(content)

    run = hybridctl("validate", cwd=tmp_path)

    assert run.exit_code == 2
    assert message in run.stderr
    assert "Traceback" not in run.stderr


def test_version_help_and_module_entry(hybridctl: RunFn) -> None:
    from hybridctl import __version__

    assert hybridctl("--version").stdout.strip() == f"hybridctl {__version__} (usage reader: compiled)"
    chosen = hybridctl("--version", env={"HYBRIDCTL_READER": "msgspec"}).stdout.strip()
    assert chosen == f"hybridctl {__version__} (usage reader: msgspec, as HYBRIDCTL_READER asks)"
    help_text = hybridctl("validate", "--help").stdout
    assert "Examples" in help_text and "--format" in help_text
    assert "Exit codes" in hybridctl("--help").stdout


def test_python_dash_m_runs_the_same_command(tmp_path: Path) -> None:
    import subprocess
    import sys

    done = subprocess.run(
        [sys.executable, "-m", "hybridctl", "validate", "--defaults", "-f", "json"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )

    assert done.returncode == 0
    assert json.loads(done.stdout)["ok"] is True


def test_every_command_is_reachable_through_the_entry_point(capsys: pytest.CaptureFixture[str]) -> None:
    from hybridctl.cli.main import COMMANDS, main

    for name in COMMANDS:
        with pytest.raises(SystemExit) as done:
            main([name, "--help"])
        assert done.value.code == 0
        assert f"Usage: hybridctl {name}" in capsys.readouterr().out


def test_one_file_alone_is_ok_but_says_the_cross_file_rules_did_not_run(cli: RunFn, project: Project) -> None:
    alone = cli("validate", "configs/model-config.json", "--format", "json", cwd=project.root)
    text = cli("validate", "configs/modes.yml", cwd=project.root)
    both = cli(
        "validate", "configs/modes.yml", "configs/model-config.json", "--format", "json", cwd=project.root
    )

    assert alone.exit_code == text.exit_code == both.exit_code == 0
    assert any("checked without its modes file" in note for note in alone.json()["notes"])
    assert "checked without its model config; the rules across the two files" in text.stdout
    assert both.json()["notes"] == []
