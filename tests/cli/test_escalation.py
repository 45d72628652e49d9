"""hybridctl escalation check and escalation test, as a user and a CI job run them."""

from __future__ import annotations

import json

from tests.helpers import Project, RunFn


def test_check_explains_a_decision_criterion_by_criterion(cli: RunFn, project: Project) -> None:
    context = json.dumps({"affected_services": ["a", "b", "c"], "security_impact": "auth_bypass"})

    run = cli("escalation", "check", "--role", "architect", "--context", context, "--json", cwd=project.root)

    assert run.exit_code == 0
    decision = run.json()
    assert (decision["decision"], decision["model"], decision["score"], decision["threshold"]) == (
        "escalate",
        "claude-4.1-opus",
        0.7,
        0.5,
    )
    fired = {c["name"]: (c["weight"], c["fired"], c["observed"]) for c in decision["criteria"]}
    assert fired == {
        "multiServiceImpact": (0.3, True, 3),
        "securityCritical": (0.4, True, "auth_bypass"),
        "performanceCritical": (0.2, False, None),
        "architecturalComplexity": (0.1, False, None),
    }
    text = cli("escalation", "check", "--role", "architect", "--context", context, cwd=project.root)
    assert "escalate role architect -> claude-4.1-opus: score 0.7 >= threshold 0.5" in text.stdout


def test_a_context_field_of_the_wrong_type_is_an_error_with_its_position(
    cli: RunFn, project: Project
) -> None:
    task = project.root / "task.json"
    task.write_text('{\n  "affected_services": 2,\n  "performance_requirement": "fast"\n}\n')

    run = cli("escalation", "check", "--role", "architect", "--context", str(task), cwd=project.root)

    assert run.exit_code == 2
    assert f"{task}:3:30: performance_requirement must be a number" in run.stderr
    assert "Traceback" not in run.stdout + run.stderr
    unknown = cli("escalation", "check", "--role", "architekt", "--context", "{}", cwd=project.root)
    assert unknown.exit_code == 2 and "did you mean 'architect'?" in unknown.stderr


def test_test_runs_the_shipped_cases_and_fails_when_a_weight_changes_a_decision(
    cli: RunFn, project: Project
) -> None:
    run = cli("escalation", "test", "--json", cwd=project.root)

    assert run.exit_code == 0
    assert (run.json()["passed"], run.json()["failed"]) == (5, 0)
    config = project.configs / "model-config.json"
    data = json.loads(config.read_text())
    data["escalation"]["criteria"]["securityCritical"]["weight"] = 0.5  # security alone now escalates
    config.write_text(json.dumps(data, indent=2))

    failed = cli("escalation", "test", cwd=project.root)
    assert failed.exit_code == 1
    assert "seed: security-critical" in failed.stdout and "FAIL" in failed.stdout
    assert "1 of 5 escalation case(s) get another decision" in failed.stdout
    validate = cli("validate", "--strict", cwd=project.root)
    assert validate.exit_code == 1
    assert "warning [escalation-case] case 'seed: security-critical' expects primary" in validate.stdout
