"""rollout reconcile and rollout run against a Prometheus-API-shaped server
written here: reconcile walks a rollout on good metrics, rolls back on bad ones
(and the targets receive the stable bundle), pauses when it cannot decide, never
reads an outage as a pass; run ends in time."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest

from hybridctl.times import utc_now
from tests.analysis.helpers import CHEAP, TOKEN, Start, configure, healthy, reconcile
from tests.helpers import Project, PromServer, RunFn, TargetServer, closed_port_url


def test_good_metrics_walk_a_rollout_from_staged_to_100_percent(
    cli: RunFn, project: Project, local_server: Start
) -> None:
    prometheus = local_server(PromServer, token=TOKEN)
    healthy(prometheus)
    configure(project, prometheus.url)
    assert cli("stage", "-r", "critic on flash lite", cwd=project.root).exit_code == 0

    turns = [reconcile(cli, project) for _ in range(4)]

    assert [(t["outcome"], t["exit_code"]) for t in turns] == [
        ("promoted", 0),
        ("promoted", 0),
        ("completed", 0),
        ("idle", 0),
    ]
    assert [t["state"]["weight"] for t in turns[:2]] == [10, 50]
    assert turns[2]["state"]["stage"] == "stable" and turns[2]["state"]["stable"]["revision"] == 2
    assert turns[1]["measurement"]["verdict"] == "go"
    gates = {g["name"]: g for g in turns[1]["measurement"]["gates"]["gates"]}
    assert gates["error rate"]["observed"] == pytest.approx(2 / 500)
    assert gates["cost savings"]["observed"] == pytest.approx(1 - (1.0 / 500) / (4.0 / 1000))
    assert any('variant="candidate"' in q and "[1m]" in q for q in prometheus.queries)
    history = cli("history", "--json", cwd=project.root).json()["revisions"]
    automatic = [(r["kind"], r["details"].get("automatic")) for r in history[-3:]]
    assert automatic == [("promote", True), ("promote", True), ("promote", True)]
    assert TOKEN not in "".join(t["output"] for t in turns)


def test_an_error_rate_rising_mid_step_rolls_back_and_the_targets_get_stable(
    cli: RunFn, project: Project, local_server: Start, target_server: Callable[..., TargetServer]
) -> None:
    prometheus = local_server(PromServer, token=TOKEN)
    app = target_server()
    healthy(prometheus)
    configure(project, prometheus.url, soak_hours=1, targets=(app.url,))
    cli("stage", "-r", "critic on flash lite", cwd=project.root)
    started = reconcile(cli, project)
    soaking = reconcile(cli, project)
    prometheus.set("candidate", errors=45)  # 9% of 500

    rolled = reconcile(cli, project)

    assert started["outcome"] == "promoted" and soaking["outcome"] == "waited"
    assert "soaking until" in soaking["summary"]
    assert rolled["outcome"] == "rolled-back" and rolled["exit_code"] == 1
    assert rolled["state"]["stage"] == "aborted" and rolled["state"]["weight"] == 0
    assert app.bundle is not None
    assert app.bundle["stage"] == "aborted" and app.bundle["candidate"] is None
    assert app.bundle["digest"] == json.loads(cli("render", cwd=project.root).stdout)["digest"]
    last = cli("history", "--json", cwd=project.root).json()["revisions"][-1]
    assert last["kind"] == "rollback" and last["details"]["automatic"] is True
    # 9% of 500 against stable's 1% of 1,000: worse than stable beyond the 2-point margin, with
    # confidence; 9% is not yet surely above the absolute 5% (that gate holds).
    assert last["reason"].startswith(
        "automatic rollback at 10%: error rate vs stable +8.00 points (limit +2.00 points)"
    )
    kinds = [r["kind"] for r in cli("history", "--json", cwd=project.root).json()["revisions"]]
    assert kinds[-2:] == ["analysis", "rollback"]  # the go measurement while soaking is on record
    steps = cli("report", "rollout", "--format", "json", cwd=project.root).json()["steps"]
    assert (steps[-1]["action"], steps[-1]["automatic"], steps[-1]["measurements"]) == ("rollback", True, 2)
    assert steps[-1]["gates"]["verdict"] == "fail"


def test_a_failure_limit_of_two_waits_for_a_second_failure(
    cli: RunFn, project: Project, local_server: Start
) -> None:
    prometheus = local_server(PromServer, token=TOKEN)
    healthy(prometheus, candidate_errors=45)
    configure(project, prometheus.url, analysis_settings={"failureLimit": 2})
    cli("stage", "-r", "s", cwd=project.root)
    reconcile(cli, project)

    first, second = reconcile(cli, project), reconcile(cli, project)

    assert (first["outcome"], first["exit_code"]) == ("waited", 0)
    assert "failure 1 of 2 before a rollback" in first["summary"]
    assert (second["outcome"], second["exit_code"]) == ("rolled-back", 1)


def test_an_empty_query_result_is_inconclusive_and_pauses_after_the_limit(
    cli: RunFn, project: Project, local_server: Start
) -> None:
    prometheus = local_server(PromServer, token=TOKEN)
    healthy(prometheus)
    prometheus.set("candidate", requests=None)  # the application exports nothing for it yet
    configure(project, prometheus.url, analysis_settings={"inconclusiveLimit": 2})
    cli("stage", "-r", "s", cwd=project.root)
    reconcile(cli, project)

    first, second = reconcile(cli, project), reconcile(cli, project)
    again = reconcile(cli, project)

    assert first["outcome"] == "waited" and first["measurement"]["verdict"] == "hold"
    assert "candidate requests: no data" in first["measurement"]["why"]
    assert (second["outcome"], second["exit_code"]) == ("paused", 1)
    assert second["state"]["paused"] is True and second["state"]["weight"] == 10
    assert (again["outcome"], again["exit_code"]) == ("held", 1)  # a person must resume it
    resumed = cli("resume", "-r", "exporter fixed", cwd=project.root)
    assert resumed.exit_code == 0
    prometheus.set("candidate", requests=500)
    assert reconcile(cli, project)["outcome"] == "promoted"


@pytest.mark.parametrize("outage", ["connection refused", "503"])
def test_a_prometheus_outage_is_inconclusive_never_a_pass(
    outage: str, cli: RunFn, project: Project, local_server: Start
) -> None:
    prometheus = local_server(PromServer, token=TOKEN)
    healthy(prometheus)
    url = closed_port_url().rsplit("/hybridctl", 1)[0] if outage == "connection refused" else prometheus.url
    prometheus.status = 503
    configure(project, url, analysis_settings={"inconclusiveLimit": 5})
    cli("stage", "-r", "s", cwd=project.root)
    reconcile(cli, project)

    measured = reconcile(cli, project)

    assert measured["outcome"] == "waited" and measured["state"]["weight"] == 10
    assert measured["measurement"]["verdict"] == "hold"
    gates = measured["measurement"]["gates"]["gates"]
    assert all(g["status"] == "hold" for g in gates)
    problem = "unreachable" if outage == "connection refused" else "HTTP 503"
    assert any(problem in p for p in measured["measurement"]["gates"]["problems"])
    gate = cli("gate", "check", cwd=project.root, env={"PROM_TOKEN": TOKEN})
    assert gate.exit_code == 5  # inconclusive for CI, not go


def test_run_ends_at_its_timeout_while_the_analysis_cannot_decide(
    hybridctl: RunFn, project: Project, local_server: Start
) -> None:
    prometheus = local_server(PromServer, token=TOKEN)
    healthy(prometheus)
    prometheus.set("candidate", requests=3)  # below minRequests: inconclusive every time
    configure(project, prometheus.url, analysis_settings={"inconclusiveLimit": 1000})
    hybridctl("stage", "-r", "s", cwd=project.root)

    run = hybridctl(
        "rollout", "run", "--interval", "0.2", "--timeout", "1.5", cwd=project.root, env={"PROM_TOKEN": TOKEN}
    )

    assert run.exit_code == 6
    assert "run timed out" in run.stdout
    assert "waited: measurement" in run.stdout  # one line per turn when piped
    assert TOKEN not in run.stdout + run.stderr


def test_run_walks_to_100_percent_and_says_so_in_json_lines(
    hybridctl: RunFn, project: Project, local_server: Start
) -> None:
    prometheus = local_server(PromServer, token=TOKEN)
    healthy(prometheus)
    configure(project, prometheus.url)
    hybridctl("stage", "-r", "s", cwd=project.root)

    run = hybridctl(
        "rollout", "run", "--json", "--timeout", "60", cwd=project.root, env={"PROM_TOKEN": TOKEN}
    )

    turns = [json.loads(line) for line in run.stdout.splitlines()]
    assert run.exit_code == 0
    assert [t["outcome"] for t in turns] == ["promoted", "promoted", "completed"]
    assert turns[-1]["state"]["stage"] == "stable"


def test_a_budget_gate_refuses_a_step_that_would_break_the_monthly_budget(
    cli: RunFn, project: Project, local_server: Start
) -> None:
    prometheus = local_server(PromServer)
    healthy(prometheus)
    configure(project, prometheus.url)

    def budget(config: dict[str, Any]) -> None:
        config["budgets"] = {"monthly": 100.0}
        config["gates"]["maxMonthlyBudgetShare"] = 1.0

    project.edit_config(budget)
    cli("stage", "-r", "s", cwd=project.root)
    reconcile(cli, project)  # to 10%
    prometheus.spend_month = 150.0  # already over: any projection is
    time.sleep(1.05)  # times are whole seconds: a step zero seconds old has no rate to project

    measured = reconcile(cli, project)

    gate = next(g for g in measured["measurement"]["gates"]["gates"] if g["name"] == "monthly budget")
    assert gate["status"] == "fail" and gate["observed"] > 1.5
    assert measured["outcome"] == "rolled-back"  # a failed gate is a failed measurement
    assert "monthly budget" in measured["summary"] or "monthly budget" in measured["measurement"]["why"]


def test_metrics_settings_are_checked(cli: RunFn, project: Project) -> None:
    (project.root / "hybridctl.toml").write_text('[metrics]\nprovider = "prometheus"\n')
    no_url = cli("rollout", "reconcile", cwd=project.root)
    (project.root / "hybridctl.toml").write_text(
        '[metrics]\nurl = "http://x"\n[metrics.queries]\nlatency = "q"\n'
    )
    unknown = cli("rollout", "reconcile", cwd=project.root)

    assert no_url.exit_code == 2 and "needs a url" in no_url.stderr
    assert unknown.exit_code == 2 and "unknown name(s) latency" in unknown.stderr


def test_usage_events_from_a_url_are_a_metrics_provider(
    cli: RunFn, project: Project, local_server: Start
) -> None:
    from tests.helpers import JsonServer, usage_events

    log: list[bytes] = [b""]
    served = local_server(JsonServer, lambda method, path, headers, body: (200, log[0]))
    configure(project, "unused")
    (project.root / "hybridctl.toml").write_text(
        f'[metrics]\nprovider = "usage"\nurl = "{served.url}/usage.jsonl"\n'
    )
    cli("stage", "-r", "s", cwd=project.root)
    cli("rollout", "reconcile", cwd=project.root)  # to 10%
    later = utc_now() + timedelta(seconds=5)
    events = usage_events("stable", 300, start=later) + usage_events(
        "candidate", 300, start=later, errors=30, model=CHEAP
    )
    log[0] = "".join(json.dumps(e) + "\n" for e in events).encode()

    measured = reconcile(cli, project)

    assert measured["outcome"] == "rolled-back"
    gates = {g["name"]: g for g in measured["measurement"]["gates"]["gates"]}
    assert gates["error rate"]["observed"] == pytest.approx(30 / 300)
    assert measured["measurement"]["gates"]["source"] == "usage"
    assert [(m, p) for m, p, _ in served.received] == [("GET", "/usage.jsonl")]
