"""rollout reconcile's decisions read from confidence sequences: a trigger both
variants break pauses (an incident, not a bad candidate), a hold for lack of
evidence keeps measuring without a pause, and every verdict records its
evidence."""

from __future__ import annotations

import pytest

from tests.analysis.helpers import TOKEN, Start, always_valid, configure, healthy, reconcile
from tests.helpers import Project, PromServer, RunFn


def test_a_trigger_stable_breaks_as_well_pauses_and_never_rolls_back(
    cli: RunFn, project: Project, local_server: Start
) -> None:
    prometheus = local_server(PromServer, token=TOKEN)
    healthy(prometheus)
    # A provider outage both variants share: 2% and 5% of requests get no answer at all.
    prometheus.set("stable", errors=20, unanswered=20)
    prometheus.set("candidate", errors=25, unanswered=25)
    configure(project, prometheus.url)
    cli("stage", "-r", "critic on flash lite", cwd=project.root)
    reconcile(cli, project)

    measured = reconcile(cli, project)

    assert (measured["outcome"], measured["exit_code"]) == ("paused", 1)
    assert measured["state"]["weight"] == 10 and measured["state"]["stage"] == "canary"
    assert measured["measurement"]["triggers"] == []
    (incident,) = measured["measurement"]["incidents"]
    assert incident.startswith("availability 95.00% [") and "< 99.50%" in incident
    assert "stable 2.00% [" in incident and "breaks it as well" in incident
    last = cli("history", "--json", cwd=project.root).json()["revisions"][-1]
    assert last["kind"] == "pause" and "an incident, not the candidate" in last["reason"]


def test_a_hold_for_lack_of_evidence_keeps_measuring_and_never_pauses(
    cli: RunFn, project: Project, local_server: Start
) -> None:
    prometheus = local_server(PromServer, token=TOKEN)
    healthy(prometheus)
    prometheus.set("candidate", requests=300, errors=6, cost=0.6)  # 2% against stable's 1%
    configure(project, prometheus.url, analysis_settings={"inconclusiveLimit": 2})
    cli("stage", "-r", "critic on flash lite", cwd=project.root)
    reconcile(cli, project)

    turns = [reconcile(cli, project) for _ in range(4)]

    assert [(t["outcome"], t["state"]["paused"]) for t in turns] == [("waited", False)] * 4
    assert all(t["measurement"]["verdict"] == "hold" for t in turns)
    assert "more requests needed" in turns[-1]["summary"]
    gates = {g["name"]: g for g in turns[-1]["measurement"]["gates"]["gates"]}
    delta = gates["error rate vs stable"]
    assert delta["status"] == "hold"
    evidence = delta["evidence"]
    assert evidence["method"] == "normal-mixture confidence sequence" and evidence["confidence"] == 0.95
    assert evidence["counts"] == {"candidate": [6.0, 300.0], "stable": [10.0, 1000.0]}
    low, high = evidence["interval"]
    assert low < 0 < 0.02 < high  # neither shown worse than stable, nor within 2 points yet
    rate = gates["error rate"]["evidence"]
    assert rate["interval"] == [pytest.approx(v, rel=1e-4) for v in always_valid(6, 300)]
    record = cli("history", "--json", cwd=project.root).json()["revisions"][-1]
    recorded = {g["name"]: g for g in record["details"]["analysis"]["gates"]["gates"]}
    assert recorded["error rate vs stable"]["evidence"] == evidence

    prometheus.set("candidate", requests=3000, errors=30)  # 1% of 3,000: now shown within 2 points
    assert reconcile(cli, project)["outcome"] == "promoted"
    shown = cli("report", "rollout", "--format", "markdown", cwd=project.root)
    assert shown.exit_code == 0 and "Why each step moved: the evidence" in shown.stdout
    (row,) = [line for line in shown.stdout.splitlines() if "| error rate vs stable | pass |" in line]
    assert "candidate 30/3,000; stable 10/1,000" in row and "normal-mixture confidence sequence" in row


def test_availability_counts_requests_without_an_answer_not_errors(
    cli: RunFn, project: Project, local_server: Start
) -> None:
    prometheus = local_server(PromServer, token=TOKEN)
    healthy(prometheus)
    # 1% of model calls fail on both sides, and fallbacks answer all but one in a thousand.
    prometheus.set("stable", errors=10, unanswered=1)
    prometheus.set("candidate", requests=3000, errors=30, unanswered=3)
    configure(project, prometheus.url)
    cli("stage", "-r", "critic on flash lite", cwd=project.root)
    reconcile(cli, project)

    measured = reconcile(cli, project)

    assert measured["outcome"] == "promoted" and measured["measurement"]["verdict"] == "go"
    candidate = measured["measurement"]["gates"]["candidate"]
    assert candidate["error_rate"] == pytest.approx(0.01)
    assert candidate["availability"] == pytest.approx(0.999)
    assert candidate["availability_basis"] == "answers"


def test_without_unanswered_counts_each_error_is_counted_as_unanswered(
    cli: RunFn, project: Project, local_server: Start
) -> None:
    prometheus = local_server(PromServer, token=TOKEN)
    healthy(prometheus)
    prometheus.set("stable", errors=2, unanswered=None)  # the application does not count them
    prometheus.set("candidate", requests=3000, errors=300, unanswered=None)
    configure(project, prometheus.url)
    cli("stage", "-r", "critic on flash lite", cwd=project.root)
    reconcile(cli, project)

    measured = reconcile(cli, project)

    assert measured["outcome"] == "rolled-back"
    candidate = measured["measurement"]["gates"]["candidate"]
    assert candidate["availability"] == pytest.approx(0.9)
    assert candidate["availability_basis"] == "errors"
    assert any("the source records no fallbacks" in t for t in measured["measurement"]["triggers"])
