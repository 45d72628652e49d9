"""rollout reconcile acts without a person, so what it reads must never make
it promote: impossible figures and malformed answers are inconclusive
measurements, recorded and counted (and pause the rollout at the limit); no
record holds NaN or Infinity; a missing source is refused before anything
moves; a password in the metrics URL is never printed nor recorded."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable
from typing import Any

import pytest

from tests.analysis.helpers import MALFORMED, TOKEN, configure, healthy, reconcile
from tests.helpers import Figure, Project, PromServer, RunFn, closed_port_url, snapshot

Start = Callable[..., Any]


def strict_json(text: str) -> Any:
    """json.loads that refuses NaN and Infinity, as every other JSON reader does."""

    def refuse(constant: str) -> None:
        raise ValueError(f"{constant} is not JSON")

    return json.loads(text, parse_constant=refuse)


def store_records(project: Project) -> list[Any]:
    log = subprocess.run(
        ["git", "-C", str(project.store), "log", "--format=%B%x1e"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return [
        strict_json(line.removeprefix("hybridctl-record: "))
        for message in log.split("\x1e")
        for line in message.splitlines()
        if line.startswith("hybridctl-record: ")
    ]


@pytest.fixture
def prometheus(local_server: Start) -> PromServer:
    """A Prometheus-shaped server whose figures pass every gate, until a test spoils them."""
    server: PromServer = local_server(PromServer, token=TOKEN)
    healthy(server)
    return server


def at_ten_percent(cli: RunFn, project: Project, prometheus: PromServer, **analysis: Any) -> None:
    configure(project, prometheus.url, analysis_settings={"inconclusiveLimit": 2, **analysis})
    assert cli("stage", "-r", "s", cwd=project.root).exit_code == 0
    assert reconcile(cli, project)["outcome"] == "promoted"  # staged -> 10%: no verdict needed yet


IMPOSSIBLE: dict[str, tuple[dict[str, Figure], str]] = {
    "a negative cost": ({"cost": -5.0}, "candidate cost is negative"),
    "requests adding up to infinity": ({"requests": {"critic": 1e308, "architect": 1e308}}, "add up to more"),
    "negative errors": ({"errors": -3.0}, "candidate errors is negative"),
    "a negative p95": ({"latency": -1.0}, "candidate p95 latency s is negative"),
    "more errors than requests": ({"errors": 600.0}, "600 errors but 500 requests"),
    "more escalations than requests": ({"escalations": 900.0}, "900 escalated but 500 requests"),
}


@pytest.mark.parametrize("case", list(IMPOSSIBLE))
def test_impossible_figures_are_inconclusive_never_a_promotion(
    cli: RunFn, project: Project, prometheus: PromServer, case: str
) -> None:
    figures, named = IMPOSSIBLE[case]
    prometheus.set("candidate", **figures)
    at_ten_percent(cli, project, prometheus)

    first, second = reconcile(cli, project), reconcile(cli, project)

    assert first["outcome"] == "waited" and first["state"]["weight"] == 10
    assert first["measurement"]["verdict"] == "hold"
    assert named in first["measurement"]["why"]
    assert all(g["status"] == "hold" for g in first["measurement"]["gates"]["gates"])
    assert first["measurement"]["triggers"] == []  # nor a rollback on figures that cannot be
    assert (second["outcome"], second["state"]["weight"], second["state"]["paused"]) == ("paused", 10, True)
    records = store_records(project)  # strict: a record holding NaN or Infinity fails here
    assert [r["kind"] for r in records[:2]] == ["pause", "analysis"]
    strict_json(cli("history", "--json", cwd=project.root).stdout)


@pytest.mark.parametrize("case", list(MALFORMED))
def test_a_malformed_answer_is_an_inconclusive_measurement_recorded_and_counted(
    cli: RunFn, project: Project, prometheus: PromServer, case: str
) -> None:
    at_ten_percent(cli, project, prometheus)
    prometheus.raw = MALFORMED[case]

    first, second = reconcile(cli, project), reconcile(cli, project)

    assert first["exit_code"] == 0 and "Traceback" not in first["output"]
    assert first["outcome"] == "waited" and first["measurement"]["verdict"] == "hold"
    assert first["measurement"]["gates"]["problems"], first["measurement"]
    assert (second["outcome"], second["exit_code"], second["state"]["paused"]) == ("paused", 1, True)
    assert [r["kind"] for r in store_records(project)[:2]] == ["pause", "analysis"]


def test_a_newline_in_an_error_message_never_starts_a_line_of_its_own(
    cli: RunFn, project: Project, prometheus: PromServer
) -> None:
    at_ten_percent(cli, project, prometheus)
    prometheus.raw = json.dumps({"status": "error", "error": "bad\nverdict: go\x1b[2J"}).encode()

    run = cli("gate", "check", cwd=project.root, env={"PROM_TOKEN": TOKEN})

    assert run.exit_code == 5
    assert not any(line.startswith("verdict: go") for line in run.stdout.splitlines())
    assert "bad\\x0averdict: go\\x1b[2J" in run.stdout and "\x1b" not in run.stdout


def test_reconcile_with_nothing_to_measure_on_is_refused_before_anything_moves(
    hybridctl: RunFn, project: Project
) -> None:
    project.edit_config(lambda config: config["roles"]["critic"].update(primary="gemini-2.5-flash-lite"))
    assert hybridctl("stage", "-r", "s", cwd=project.root).exit_code == 0
    before = snapshot(project.root)

    run = hybridctl("rollout", "reconcile", cwd=project.root)
    loop = hybridctl("rollout", "run", "--timeout", "5", cwd=project.root)

    for refused in (run, loop):
        assert refused.exit_code == 2, refused.stderr
        assert "nothing to measure" in refused.stderr and "[metrics]" in refused.stderr
        assert "--usage" not in refused.stderr  # reconcile has no such option
    assert snapshot(project.root) == before


def test_gate_check_says_the_metrics_server_is_unreachable(cli: RunFn, project: Project) -> None:
    project.edit_config(lambda config: config["roles"]["critic"].update(primary="gemini-2.5-flash-lite"))
    configure(project, closed_port_url().rsplit("/hybridctl", 1)[0])
    cli("stage", "-r", "s", cwd=project.root)
    cli("promote", cwd=project.root)

    run = cli("gate", "check", cwd=project.root)

    assert run.exit_code == 5
    assert "unreachable: connection refused" in run.stdout and "figures)" in run.stdout


def test_a_password_in_the_metrics_url_is_never_printed_nor_recorded(
    cli: RunFn, project: Project, local_server: Start
) -> None:
    prometheus = local_server(PromServer)  # behind basic auth: the password is in the URL
    healthy(prometheus)
    prometheus.set("candidate", errors=400)  # a failing candidate: the analysis records its source
    url = prometheus.url.replace("http://", "http://promuser:promPw123x@")
    configure(project, url, analysis_settings={"failureLimit": 1})
    cli("stage", "-r", "s", cwd=project.root)
    cli("rollout", "reconcile", cwd=project.root)

    rolled = cli("rollout", "reconcile", "--json", cwd=project.root)
    shown = rolled.stdout + rolled.stderr + cli("history", "--json", cwd=project.root).stdout
    gate = cli("status", cwd=project.root)

    assert rolled.json()["outcome"] == "rolled-back"
    assert rolled.json()["measurement"]["gates"]["source"] == f"prometheus {prometheus.url}"
    assert "promPw123x" not in shown + gate.stdout + gate.stderr and "promuser" not in shown
    assert b"promPw123x" not in b"".join(snapshot(project.store).values())
    assert any(h.get("Authorization", "").startswith("Basic ") for _, _, h in prometheus.received)
