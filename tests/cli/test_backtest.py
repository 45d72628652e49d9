"""escalation backtest: the task contexts a log recorded, replayed through a
config; expected decisions and costs worked out here from the seed weights
and the catalog's prices (GLM-4.5 0.6/2.2, Opus 4.1 15/75 per million)."""

from __future__ import annotations

import json
import shutil

import pytest

from tests.helpers import Project, RunFn, write_usage

GLM = (0.6, 2.2)
OPUS = (15.0, 75.0)
SEED_SCENARIOS: list[dict[str, object] | None] = [  # each alone below the threshold 0.5
    {"affected_services": ["orchestrator", "console", "daemon", "auth"], "security_impact": "none"},
    {"affected_services": ["auth"], "security_impact": "system-wide"},
    {"affected_services": ["orchestrator"], "performance_requirement": 2.0, "complexity_score": 0.7},
]
TWO_CRITERIA: dict[str, object] = {"affected_services": 4, "security_impact": "auth_bypass"}  # 0.7


def events(tasks: list[dict[str, object] | None]) -> list[dict[str, object]]:
    return [
        {
            "time": "2026-11-21T10:00:00Z",
            "role": "architect",
            "model": "glm-4.5",
            "escalated": False,
            "input_tokens": 1000,
            "output_tokens": 100,
            **({} if task is None else {"task": task}),
        }
        for task in tasks
    ]


def cost(price: tuple[float, float], requests: int) -> float:
    return requests * (1000 * price[0] + 100 * price[1]) / 1e6


def test_backtest_replays_the_tasks_and_prices_what_the_config_would_choose(
    cli: RunFn, project: Project
) -> None:
    log = write_usage(project.root / "usage.jsonl", events([*SEED_SCENARIOS * 10, TWO_CRITERIA, None]))

    run = cli("escalation", "backtest", str(log), "--json", cwd=project.root)

    assert run.exit_code == 0
    result = run.json()
    assert (result["requests"], result["without_task"], result["escalations"]) == (31, 1, 1)
    assert result["escalation_rate"] == pytest.approx(1 / 31) and result["within_target"]
    assert result["cost"] == pytest.approx(cost(GLM, 30) + cost(OPUS, 1))
    assert result["logged_cost"] == pytest.approx(cost(GLM, 31))
    assert result["premium_share"] == pytest.approx(1 / 31)


def test_a_cheaper_threshold_shows_what_it_would_cost_before_it_is_staged(
    cli: RunFn, project: Project
) -> None:
    log = write_usage(project.root / "usage.jsonl", events(SEED_SCENARIOS * 10))
    candidate = project.root / "candidate"
    shutil.copytree(project.configs, candidate)
    config = json.loads((candidate / "model-config.json").read_text())
    config["escalation"]["threshold"] = 0.3  # multi-service and security now escalate alone
    config["escalation"].pop("cases")
    (candidate / "model-config.json").write_text(json.dumps(config))

    run = cli("escalation", "backtest", str(log), "--config-dir", str(candidate), "--json", cwd=project.root)

    assert run.exit_code == 1  # 20 of 30 escalate: over the 5% target
    result = run.json()
    assert (result["escalations"], result["within_target"]) == (20, False)
    assert result["cost"] == pytest.approx(cost(OPUS, 20) + cost(GLM, 10))
    text = cli("escalation", "backtest", str(log), "--config-dir", str(candidate), cwd=project.root)
    assert "OVER escalation rate 66.7% of 30 requests (target <= 5%)" in text.stdout


def test_a_task_of_the_wrong_type_is_a_bad_line_with_its_number(cli: RunFn, project: Project) -> None:
    log = write_usage(project.root / "usage.jsonl", events([TWO_CRITERIA, {"affected_services": "many"}]))

    result = cli("escalation", "backtest", str(log), "--json", cwd=project.root).json()

    assert (result["requests"], result["input"]["bad_lines"]) == (1, 1)
    assert result["input"]["first_bad_lines"][0]["line"] == 2
    assert "affected_services must be" in result["input"]["first_bad_lines"][0]["message"]
