"""hybridctl diff: semantic changes and the cost effect on real usage."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.helpers import Project, RunFn


def test_semantic_diff_names_roles_models_prices_and_thresholds(cli: RunFn, project: Project) -> None:
    def change(config: dict[str, Any]) -> None:
        config["roles"]["critic"]["primary"] = "gemini-2.5-flash-lite"
        config["models"]["glm-4.5"]["pricing"]["inputPerMillion"] = 0.7
        config["escalation"]["threshold"] = 0.4
        config["escalation"]["criteria"]["securityCritical"]["weight"] = 0.5
        del config["roles"]["integrator"]["escalation"]

    project.edit_config(change)

    report = cli("diff", "--format", "json", cwd=project.root).json()

    found = [(c["area"], c["subject"], c["field"], c["before"], c["after"]) for c in report["changes"]]
    assert ("roles", "critic", "primary", "glm-4.5", "gemini-2.5-flash-lite") in found
    assert (
        "roles",
        "critic",
        "fallback chain",
        ["openrouter/sonoma-sky-alpha", "meta-llama/llama-3.2-3b-instruct:free"],
        [],
    ) in found
    assert ("roles", "integrator", "escalation model", "claude-4.1-opus", None) in found
    assert ("models", "glm-4.5", "input $/M", 0.6, 0.7) in found
    assert ("escalation", "escalation", "threshold", 0.5, 0.4) in found
    assert ("escalation", "escalation", "criteria.securityCritical.weight", 0.4, 0.5) in found
    assert report["before"] == "r1" and report["after"] == "working"


def test_identical_snapshots_and_mode_changes(cli: RunFn, project: Project) -> None:
    assert cli("diff", "--format", "json", cwd=project.root).json()["identical"] is True
    modes = project.configs / "modes.yml"
    modes.write_text(modes.read_text().replace("Review designs and code", "Review everything"))

    report = cli("diff", "--format", "json", cwd=project.root).json()

    assert [(c["area"], c["subject"], c["field"]) for c in report["changes"]] == [
        ("modes", "critic", "description")
    ]


def test_markdown_and_raw_unified_diff(cli: RunFn, project: Project) -> None:
    project.edit_config(lambda c: c["budgets"].update(daily=60))

    markdown = cli("diff", "--format", "markdown", "--raw", cwd=project.root).stdout

    assert "| budgets | budgets | daily | 50 | 60 |" in markdown
    assert '-  "budgets": {' in markdown or '-    "daily": 50,' in markdown
    assert "--- r1/model-config.json" in markdown and "+++ working/model-config.json" in markdown


def test_cost_per_thousand_requests_on_real_usage(cli: RunFn, project: Project, tmp_path: Path) -> None:
    usage = tmp_path / "usage.jsonl"
    lines = [{"role": "architect", "input_tokens": 10_000, "output_tokens": 2_000} for _ in range(3)]
    lines += [{"role": "architect", "escalated": True, "input_tokens": 20_000, "output_tokens": 4_000}]
    lines += [{"role": "critic", "input_tokens": 5_000, "output_tokens": 1_000, "cached_tokens": 1_000}]
    lines += [{"role": "tester", "input_tokens": 1, "output_tokens": 1}]
    usage.write_text("\n".join(json.dumps(line) for line in lines) + "\n")
    project.edit_config(lambda c: c["models"]["glm-4.5"]["pricing"].update(inputPerMillion=1.2))

    report = cli("diff", "--format", "json", "--usage", str(usage), cwd=project.root).json()

    def cost(glm_in: float) -> float:  # dollars for the 5 priced requests
        glm = 3 * (10_000 * glm_in + 2_000 * 2.2) + (
            5_000 * glm_in + 1_000 * 2.2
        )  # no cache price: input price
        opus = 20_000 * 15 + 4_000 * 75
        return (glm + opus) / 1e6

    effect = report["cost_per_1k_requests"]
    assert effect["requests"] == 5 and effect["unpriced_roles"] == ["tester"]
    assert effect["before_per_1k"] == pytest.approx(1000 * cost(0.6) / 5)
    assert effect["after_per_1k"] == pytest.approx(1000 * cost(1.2) / 5)
    text = cli("diff", "--usage", str(usage), cwd=project.root).stdout
    assert "cost per 1,000 requests on this usage (5 requests)" in text


def test_diff_shows_a_pasted_key_as_a_change_but_never_prints_it(cli: RunFn, project: Project) -> None:
    secret = "sk-ant-api03-" + "Z" * 40

    def paste(config: dict[str, Any]) -> None:
        config["models"]["glm-4.5"]["description"] = f"key {secret}"
        config["providers"]["zai"]["token"] = "plain-token-value"

    project.edit_config(paste)

    for fmt in ("text", "json", "markdown"):
        run = cli("diff", "--format", fmt, "--raw", cwd=project.root)
        assert "description" in run.stdout
        assert "ZZZZ" not in run.stdout and "plain-token-value" not in run.stdout
        assert "[redacted secret]" in run.stdout


def test_long_values_are_shown_whole_in_text_and_markdown(cli: RunFn, project: Project) -> None:
    chain = ["openrouter/sonoma-sky-alpha", "gemini-2.5-flash-lite", "meta-llama/llama-3.2-3b-instruct:free"]
    plan = [{"weight": w, "minSoakHours": 12} for w in (5, 10, 25, 50, 75)]

    def change(config: dict[str, Any]) -> None:
        config["roles"]["critic"]["fallbacks"] = chain
        config["rollout"]["steps"] = plan

    project.edit_config(change)

    text = cli("diff", cwd=project.root, env={"COLUMNS": "60"}).stdout
    markdown = cli("diff", "--format", "markdown", cwd=project.root).stdout

    for out in (text, markdown):
        assert json.dumps(chain) in out
        assert json.dumps(plan) in out


@pytest.mark.parametrize("fmt", ["text", "json"])
def test_a_config_that_cannot_be_parsed_is_an_error_at_its_position_not_a_list_of_removals(
    cli: RunFn, project: Project, fmt: str
) -> None:
    (project.configs / "model-config.json").write_text('{"version": 1,\n  "models": {,}\n')

    run = cli("diff", "--format", fmt, cwd=project.root)

    assert run.exit_code == 2 and run.stdout == ""
    assert "configs/model-config.json:2:14: model-config.json cannot be parsed" in run.stderr
    assert "removed" not in run.stderr
