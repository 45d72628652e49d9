"""hybridctl eval run and eval import against an OpenAI-compatible server
written here, whose models answer right, wrong on some cases, slowly or not at
all; the verdicts and intervals are computed here from their formulas; the
quality gate at stage reads the recorded run."""

from __future__ import annotations

import json
import math
from typing import Any

import pytest

from tests.evals.helpers import CHEAP, QUESTIONS, TRICKY, ChatServer, candidate_on_cheap, suite, write_suite
from tests.helpers import Project, RunFn, snapshot

Start = Any


def paired(
    stable_only: int, candidate_only: int, pairs: int, margin: float = 0.05
) -> tuple[float, float, str]:
    """The non-inferiority interval of candidate minus stable, from its formula."""
    estimate = (candidate_only - stable_only) / pairs
    variance = (stable_only + candidate_only + 0.5) / (pairs + 1) - estimate**2
    half = 1.959963984540054 * math.sqrt(variance / pairs)
    low, high = estimate - half, estimate + half
    return low, high, "pass" if low >= -margin else "fail" if high < -margin else "hold"


def wilson(passed: int, n: int) -> tuple[float, float]:
    z, p = 1.959963984540054, passed / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return centre - half, centre + half


def eval_run(cli: RunFn, project: Project, server: ChatServer, *args: str) -> Any:
    run = cli("eval", "run", "--gateway", f"{server.url}/v1", "--json", *args, cwd=project.root)
    data = run.json() if run.stdout.strip().startswith("{") else {}
    data["exit_code"], data["stderr"] = run.exit_code, run.stderr
    return data


def test_a_candidate_as_good_as_stable_passes_is_recorded_and_may_be_staged(
    cli: RunFn, project: Project, local_server: Start
) -> None:
    server = local_server(ChatServer, {"glm-4.5": "right", CHEAP: "right"})
    write_suite(project, suite(repeats=4))
    candidate_on_cheap(project)

    refused = cli("stage", "-r", "critic on flash lite", cwd=project.root)
    ran = eval_run(cli, project, server)
    staged = cli("stage", "-r", "critic on flash lite", cwd=project.root)

    assert refused.exit_code == 1 and "no eval run of this candidate" in refused.stderr
    assert ran["exit_code"] == 0 and ran["verdict"] == "pass"
    low, high, verdict = paired(0, 0, 40)
    assert ran["comparison"]["low"] == pytest.approx(low) and ran["comparison"]["high"] == pytest.approx(high)
    assert verdict == "pass" and ran["comparison"]["pairs"] == 40
    assert ran["candidate"]["passed"] == 40 and ran["candidate"]["interval"] == pytest.approx(
        list(wilson(40, 40))
    )
    assert sorted({model for model, _ in server.asked}) == [CHEAP, "glm-4.5"]
    assert len(server.asked) == 80
    assert staged.exit_code == 0
    history = cli("history", "--json", cwd=project.root).json()["revisions"]
    assert [r["kind"] for r in history[-2:]] == ["eval", "stage"]
    assert history[-1]["details"]["eval"]["verdict"] == "pass"
    assert history[-1]["details"]["eval"]["revision"] == history[-2]["revision"]
    shown = cli("report", "rollout", "--format", "markdown", cwd=project.root).stdout
    (row,) = [line for line in shown.splitlines() if "| stage |" in line]
    assert f"evals pass (r{history[-2]['revision']})" in row


def test_too_few_cases_to_tell_hold(cli: RunFn, project: Project, local_server: Start) -> None:
    server = local_server(ChatServer, {"glm-4.5": "right", CHEAP: "right"})
    write_suite(project, suite(repeats=2))
    candidate_on_cheap(project)

    ran = eval_run(cli, project, server)

    low, _, verdict = paired(0, 0, 20)
    assert verdict == "hold" and low < -0.05
    assert ran["exit_code"] == 5 and ran["verdict"] == "hold"
    assert ran["comparison"]["low"] == pytest.approx(low)
    staged = cli("stage", "-r", "s", cwd=project.root)
    assert staged.exit_code == 1 and "says hold" in staged.stderr


def test_a_candidate_wrong_on_some_cases_fails_and_stage_refuses_it(
    cli: RunFn, project: Project, local_server: Start
) -> None:
    server = local_server(ChatServer, {"glm-4.5": "right", CHEAP: "wrong-on-tricky"})
    write_suite(project, suite(repeats=4))
    candidate_on_cheap(project)

    ran = eval_run(cli, project, server)
    before = snapshot(project.root)
    staged = cli("stage", "-r", "critic on flash lite", cwd=project.root)

    wrong = len(TRICKY) * 4
    low, high, verdict = paired(wrong, 0, 40)
    assert verdict == "fail" and ran["exit_code"] == 1 and ran["verdict"] == "fail"
    assert (ran["comparison"]["low"], ran["comparison"]["high"]) == (pytest.approx(low), pytest.approx(high))
    assert ran["roles"]["critic"]["candidate"]["passed"] == 40 - wrong
    tricky = {case["case"]: case for case in ran["cases"] if case["variants"]["candidate"]["passed"] == 0}
    assert len(tricky) == len(TRICKY) and all("is not" in c["why"]["candidate"] for c in tricky.values())
    assert staged.exit_code == 1 and "says fail" in staged.stderr
    assert snapshot(project.root) == before
    forced = cli("stage", "-r", "accepted: cheaper", "--force", cwd=project.root)
    assert forced.exit_code == 0
    record = cli("history", "--json", cwd=project.root).json()["revisions"][-1]
    assert any(f.startswith("evals (the latest eval run") for f in record["details"]["forced"])


def test_a_slow_model_fails_its_latency_limit_and_a_failing_one_has_no_answer(
    cli: RunFn, project: Project, local_server: Start
) -> None:
    server = local_server(ChatServer, {"glm-4.5": "slow", CHEAP: "failing"}, delay=0.3)
    small = suite(repeats=1, latency_s=0.25)  # the slow model sleeps 0.3 s before it answers: always over
    path = write_suite(project, {**small, "cases": small["cases"][:2]}, "small.yml")
    candidate_on_cheap(project)

    ran = eval_run(cli, project, server, "--suite", str(path), "--no-record")

    cases = {c["case"]: c for c in ran["cases"]}
    assert all(c["variants"]["stable"]["passed"] == 0 for c in cases.values())
    assert all(
        c["why"]["stable"].startswith("took 0.") and "> 0.25 s" in c["why"]["stable"] for c in cases.values()
    )
    assert all(c["why"]["candidate"] == "HTTP 500" for c in cases.values())
    assert sum(model == CHEAP for model, _ in server.asked) == 2 * 3  # each call tried three times
    history = cli("history", "--json", cwd=project.root).json()["revisions"]
    assert history[-1]["kind"] != "eval"  # --no-record


def test_a_stable_model_that_never_answers_is_no_baseline_and_never_a_pass(
    cli: RunFn, project: Project, local_server: Start
) -> None:
    server = local_server(ChatServer, {"glm-4.5": "failing", CHEAP: "right"})
    path = write_suite(project, {**suite(repeats=1), "cases": suite(repeats=1)["cases"][:2]}, "small.yml")
    candidate_on_cheap(project)

    ran = eval_run(cli, project, server, "--suite", str(path))

    assert ran["verdict"] == "hold" and ran["exit_code"] == 5
    assert ran["comparison"]["stable_unanswered"] == 2 and ran["comparison"]["pairs"] == 0
    assert cli("stage", "-r", "s", cwd=project.root).exit_code == 1


def test_a_provider_endpoint_gets_the_key_from_the_environment_never_shown(
    cli: RunFn, project: Project, local_server: Start
) -> None:
    key = "sk-test-" + "9" * 32
    server = local_server(ChatServer, {"glm-4.5": "right", CHEAP: "right"}, key=key)
    write_suite(project, {**suite(repeats=1), "cases": suite(repeats=1)["cases"][:3]})

    def point_at_server(config: dict[str, Any]) -> None:
        config["roles"]["critic"]["primary"] = CHEAP
        for provider in config["providers"].values():
            provider["baseUrl"] = f"{server.url}/v1"
            provider["apiKeyEnv"] = "EVAL_KEY"

    project.edit_config(point_at_server)
    run = cli("eval", "run", "--variant", "candidate", cwd=project.root, env={"EVAL_KEY": key})

    assert run.exit_code == 0 and "verdict: scored" in run.stdout
    assert {auth for _, auth in server.asked} == {f"Bearer {key}"}
    assert {model for model, _ in server.asked} == {CHEAP}  # the provider's own model id
    assert key not in run.stdout + run.stderr
    assert key.encode() not in b"".join(p.read_bytes() for p in project.store.rglob("*") if p.is_file())


def test_a_suite_that_does_not_validate_runs_nothing(
    cli: RunFn, project: Project, local_server: Start
) -> None:
    server = local_server(ChatServer, {})
    broken = suite(repeats=1)
    broken["cases"][1]["assert"][0] = {"type": "number", "value": "forty-two"}
    write_suite(project, broken)

    ran = cli("eval", "run", "--gateway", f"{server.url}/v1", cwd=project.root)

    assert ran.exit_code == 1 and server.asked == []
    assert "configs/evals/arithmetic.yml:" in ran.stdout + ran.stderr


def test_a_case_for_a_role_the_config_lacks_is_named_with_its_line(
    cli: RunFn, project: Project, local_server: Start
) -> None:
    server = local_server(ChatServer, {})
    write_suite(project, suite(repeats=1, extra=[{**suite()["cases"][0], "name": "odd", "role": "reviewer"}]))

    ran = cli("eval", "run", "--gateway", f"{server.url}/v1", cwd=project.root)

    assert ran.exit_code == 2 and server.asked == []
    assert "arithmetic.yml:" in ran.stderr and "'reviewer'" in ran.stderr


def promptfoo_results(wrong: int) -> dict[str, Any]:
    """A results file as promptfoo eval -o results.json writes it (version 3)."""
    results = []
    for n, question in enumerate(QUESTIONS):
        for label in ("glm", "flash-lite"):
            failed = label == "flash-lite" and n < wrong
            results.append(
                {
                    "provider": {"id": f"openai:chat:{label}", "label": label},
                    "testIdx": n,
                    "testCase": {"description": f"q{n}", "vars": {"question": question, "role": "critic"}},
                    "vars": {"question": question, "role": "critic"},
                    "success": not failed,
                    "score": 0 if failed else 1,
                    "latencyMs": 420,
                    "cost": 0.00012,
                    "failureReason": 1 if failed else 0,
                    "gradingResult": {
                        "pass": not failed,
                        "score": 0,
                        "reason": "Expected output to equal 42",
                    },
                }
            )
    return {
        "evalId": "eval-abc",
        "results": {"version": 3, "timestamp": "2026-12-06T07:00:00Z", "results": results, "stats": {}},
    }


@pytest.mark.parametrize("wrong", [0, 6])
def test_promptfoo_results_are_judged_like_a_run(cli: RunFn, project: Project, wrong: int) -> None:
    (project.root / "results.json").write_text(json.dumps(promptfoo_results(wrong)))
    candidate_on_cheap(project)

    run = cli(
        "eval",
        "import",
        "promptfoo",
        "results.json",
        "--stable",
        "glm",
        "--candidate",
        "flash-lite",
        "--json",
        cwd=project.root,
    )

    low, high, verdict = paired(wrong, 0, 10)
    data = run.json()
    assert data["verdict"] == verdict and data["source"] == "promptfoo results.json"
    assert data["comparison"]["low"] == pytest.approx(low) and data["comparison"]["high"] == pytest.approx(
        high
    )
    assert run.exit_code == {"pass": 0, "fail": 1, "hold": 5}[verdict]
    assert data["roles"]["critic"]["candidate"]["passed"] == 10 - wrong
    assert cli("history", "--json", cwd=project.root).json()["revisions"][-1]["kind"] == "eval"


def test_a_file_that_is_not_promptfoo_results_is_refused_with_its_position(
    cli: RunFn, project: Project
) -> None:
    (project.root / "results.json").write_text('{"results": [\n  {"success": tru}\n]}')

    run = cli("eval", "import", "promptfoo", "results.json", cwd=project.root)

    assert run.exit_code == 2 and "results.json: 2:" in run.stderr


def test_validate_checks_the_suites_beside_the_configs(cli: RunFn, project: Project) -> None:
    write_suite(project, suite(repeats=1))
    broken = suite(repeats=1)
    broken["cases"][0]["assert"] = [{"type": "regex"}]
    write_suite(project, broken, "broken.yml")

    run = cli("validate", "--format", "json", cwd=project.root)

    files = {f["path"]: f["kind"] for f in run.json()["files"]}
    assert files["configs/evals/arithmetic.yml"] == "evals" and files["configs/evals/broken.yml"] == "evals"
    (finding,) = [d for d in run.json()["diagnostics"] if d["file"] == "configs/evals/broken.yml"]
    assert run.exit_code == 1 and finding["line"] > 1 and finding["severity"] == "error"


def test_the_gate_may_wait_for_the_first_promotion(cli: RunFn, project: Project, local_server: Start) -> None:
    server = local_server(ChatServer, {"glm-4.5": "right", CHEAP: "right"})
    write_suite(project, suite(repeats=4))

    def at_promotion(config: dict[str, Any]) -> None:
        config["roles"]["critic"]["primary"] = CHEAP
        config["evals"] = {"margin": 0.05, "gate": "promote"}

    project.edit_config(at_promotion)
    staged = cli("stage", "-r", "s", cwd=project.root)
    refused = cli("promote", cwd=project.root)
    ran = eval_run(cli, project, server)
    promoted = cli("promote", cwd=project.root)

    assert staged.exit_code == 0 and refused.exit_code == 1 and "quality gate" in refused.stderr
    assert ran["verdict"] == "pass" and promoted.exit_code == 0
    record = cli("history", "--json", cwd=project.root).json()["revisions"][-1]
    assert record["kind"] == "promote" and record["details"]["eval"]["verdict"] == "pass"
