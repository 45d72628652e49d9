"""Transitions against a real store: gates on usage with known rates, soak
times, pause, canary set, stage, retry, and a full rollout to 100% and back."""

from __future__ import annotations

import json
import math
import subprocess
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from hybridctl.analysis.evidence import GateResult
from hybridctl.analysis.gates import GatesFailed, GatesInconclusive
from hybridctl.errors import CheckFailed, RefusedError, UsageError
from hybridctl.rollout.canary import canary_set
from hybridctl.rollout.judge import gate_report
from hybridctl.rollout.pausing import set_paused
from hybridctl.rollout.promotion import promote
from hybridctl.rollout.retrying import retry
from hybridctl.rollout.rollback import rollback
from hybridctl.rollout.staging import stage
from hybridctl.rollout.state import Stage
from hybridctl.rollout.transaction import load_state
from tests.analysis.helpers import always_valid
from tests.helpers import Project, snapshot, usage_events, write_usage

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc)
CHEAP = "gemini-2.5-flash-lite"


def git(store: Path, *args: str) -> str:
    return subprocess.run(["git", "-C", str(store), *args], capture_output=True, text=True, check=True).stdout


def critic_on_flash_lite(config: dict[str, Any]) -> None:
    config["roles"]["critic"]["primary"] = CHEAP


@pytest.fixture
def canary(project: Project) -> Project:
    """A candidate (the critic on Gemini Flash Lite) at canary 10% since T0."""
    project.edit_config(critic_on_flash_lite)
    stage(project.workspace(), reason="critic on flash lite", now=T0 - timedelta(minutes=5))
    promote(project.workspace(), now=T0)
    return project


def good_usage(project: Project, start: datetime, **candidate: Any) -> Path:
    """300 stable and 300 candidate requests after `start`; the candidate as asked."""
    stable = usage_events("stable", 300, start=start, errors=3)
    return write_usage(
        project.root / f"usage-{start:%H%M}.jsonl",
        stable,
        usage_events("candidate", 300, start=start, model=CHEAP, **candidate),
    )


def test_full_rollout_staged_10_50_100_then_rollback(canary: Project) -> None:
    workspace = canary.workspace()
    first_stable = json.loads(git(canary.store, "show", "backup/1:configs/model-config.json"))

    step_1 = good_usage(canary, T0)
    at_50 = promote(workspace, usage=[step_1], now=T0 + timedelta(hours=25))
    assert (at_50.after.stage, at_50.after.weight, at_50.after.step) == (Stage.CANARY, 50, 1)
    assert at_50.gates is not None and at_50.gates.verdict == "go"

    step_2 = good_usage(canary, T0 + timedelta(hours=25))
    done = promote(workspace, usage=[step_2], now=T0 + timedelta(hours=74))
    assert done.after.stage is Stage.STABLE and done.after.candidate is None
    assert done.after.stable == at_50.after.candidate  # the candidate is the new stable

    undone = rollback(workspace, reason="quality dropped after go-live", now=T0 + timedelta(hours=80))
    assert undone.after.stage is Stage.STABLE and undone.after.stable is not None
    assert undone.after.stable.revision == 1
    assert json.loads((canary.configs / "model-config.json").read_text()) == first_stable

    kinds = [line.split(" r")[0] for line in reversed(git(canary.store, "log", "--format=%s").splitlines())]
    assert kinds == ["backup", "stage", "promote", "promote", "promote", "rollback"]
    state = json.loads((canary.configs / "rollout.json").read_text())
    assert (
        state["last"]["action"] == "rollback" and state["last"]["reason"] == "quality dropped after go-live"
    )


def test_gate_figures_match_an_independent_computation(canary: Project) -> None:
    stable = usage_events("stable", 400, start=T0, errors=8, latency_s=1.2, slow=30, slow_latency_s=2.5)
    candidate = usage_events(
        "candidate",
        250,
        start=T0,
        errors=5,
        model=CHEAP,
        latency_s=0.7,
        slow=20,
        slow_latency_s=2.9,
        escalated=5,
    )
    usage = write_usage(canary.root / "usage.jsonl", stable, candidate)

    space = canary.workspace()
    report = gate_report(
        space.open_store(),
        load_state(space.open_store()),
        [usage],
        setup=space,
        measuring=space.measuring,
    )

    observed = {g.name: g.observed for g in report.results}
    latencies = sorted(e["latency_ms"] / 1000 for e in candidate)
    exact_p95 = latencies[math.ceil(0.95 * len(latencies)) - 1]
    assert observed["sample size"] == 250
    assert observed["error rate"] == pytest.approx(5 / 250)
    assert observed["error rate vs stable"] == pytest.approx(5 / 250 - 8 / 400)
    assert observed["p95 latency"] == pytest.approx(exact_p95, rel=0.01)
    glm = (1000 * 0.6 + 200 * 2.2) / 1e6
    lite = (1000 * 0.1 + 200 * 0.4) / 1e6
    assert observed["cost savings"] == pytest.approx(1 - lite / glm)
    assert observed["escalation rate"] == pytest.approx(5 / 250)
    gates = {g.name: g for g in report.results}
    for name, (k, n) in {
        "error rate": (5, 250),
        "escalation rate": (5, 250),
        "p95 latency": (0, 250),
    }.items():  # 2.9 s is under the 3 s limit
        evidence = gates[name].evidence
        assert evidence is not None and evidence.interval is not None
        low, high = always_valid(k, n)
        assert evidence.interval.low == pytest.approx(low, rel=1e-4)
        assert evidence.interval.high == pytest.approx(high, rel=1e-4)
    # 250 requests cannot yet show the candidate within 2 points of stable's error rate:
    # the difference's interval reaches past the margin, so that gate holds.
    delta = gates["error rate vs stable"].evidence
    assert delta is not None and delta.interval is not None
    assert delta.interval.low < 0 < 0.02 < delta.interval.high
    assert gates["error rate vs stable"].status == "hold" and report.verdict == "hold"
    # 2% of 250 is not yet surely under 5% either (its interval reaches 5.4%); the rest pass.
    held = {g.name for g in report.results if g.status != "pass"}
    assert held == {"error rate vs stable", "error rate", "escalation rate"}


def _sliced_usage(canary: Project, candidate_models: list[str]) -> Path:
    """100 requests a variant in each of 8 three-hour slices since T0; the
    candidate served by the model its slice names."""
    groups = []
    for index, model in enumerate(candidate_models):
        start = T0 + timedelta(hours=3 * index, minutes=1)
        groups.append(usage_events("stable", 100, start=start))
        groups.append(usage_events("candidate", 100, start=start, model=model))
    return write_usage(canary.root / "usage.jsonl", *groups)


def _savings_gate(canary: Project, usage: Path) -> GateResult:
    space = canary.workspace()
    store = space.open_store()
    now = T0 + timedelta(hours=24)
    report = gate_report(store, load_state(store), [usage], setup=space, measuring=space.measuring, now=now)
    return {g.name: g for g in report.results}["cost savings"]


def test_cost_savings_are_judged_on_their_spread_across_slices_of_the_step(canary: Project) -> None:
    gate = _savings_gate(canary, _sliced_usage(canary, [CHEAP] * 8))

    assert gate.status == "pass" and gate.evidence is not None
    assert "batch means over 8 slices" in gate.evidence.method
    assert gate.evidence.interval is not None
    assert gate.evidence.interval.low == pytest.approx(gate.evidence.interval.high)  # every slice saves alike

    # Half the slices the candidate costs what stable does: the same estimate could be
    # anything from 0% to 70%, and the gate holds rather than pass on the average.
    gate = _savings_gate(canary, _sliced_usage(canary, [CHEAP, "glm-4.5"] * 4))
    assert gate.status == "hold" and gate.evidence is not None and gate.evidence.interval is not None
    glm, lite = (1000 * 0.6 + 200 * 2.2) / 1e6, (1000 * 0.1 + 200 * 0.4) / 1e6
    values = [1 - lite / glm, 0.0] * 4
    mean = sum(values) / 8
    se = math.sqrt(sum((v - mean) ** 2 for v in values) / 7 / 8)
    assert gate.observed == pytest.approx(1 - (lite + glm) / 2 / glm)
    assert (
        gate.evidence.interval.high - gate.evidence.interval.low > 2 * 3 * se
    )  # a confidence sequence is wider than 1.96


@pytest.mark.parametrize("reader", ["compiled", "msgspec"])
def test_availability_counts_the_requests_no_fallback_answered(
    canary: Project, reader: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HYBRIDCTL_READER", reader)
    usage = write_usage(
        canary.root / "usage.jsonl",
        usage_events("stable", 400, start=T0, errors=8),  # no word of fallbacks
        usage_events("candidate", 300, start=T0, model=CHEAP, errors=9, answered=7),
    )

    space = canary.workspace()
    report = gate_report(
        space.open_store(), load_state(space.open_store()), [usage], setup=space, measuring=space.measuring
    )

    assert (report.candidate.errors, report.candidate.unanswered) == (9, 2)
    assert report.candidate.availability == pytest.approx(1 - 2 / 300)
    assert report.candidate.availability_basis == "answers"
    assert report.stable.unanswered is None and report.stable.availability == pytest.approx(1 - 8 / 400)
    assert report.stable.to_dict()["availability_basis"] == "errors"


@pytest.mark.parametrize(
    "candidate, failing",
    [
        ({"errors": 45}, {"error rate", "error rate vs stable"}),
        ({"slow": 60, "slow_latency_s": 4.0}, {"p95 latency"}),
        ({"escalated": 60}, {"escalation rate"}),
        ({"model": "glm-4.5"}, {"cost savings"}),
    ],
)
def test_a_failing_gate_refuses_promotion_and_changes_nothing(
    canary: Project, candidate: dict[str, Any], failing: set[str]
) -> None:
    usage = write_usage(
        canary.root / "usage.jsonl",
        usage_events("stable", 300, start=T0, errors=3),
        usage_events("candidate", 300, start=T0, **{"model": CHEAP, **candidate}),
    )
    before = snapshot(canary.root)

    with pytest.raises(GatesFailed) as refused:
        promote(canary.workspace(), usage=[usage], now=T0 + timedelta(hours=25))

    report = refused.value.report
    assert report.verdict == "fail"
    assert {g.name for g in report.results if g.status == "fail"} == failing
    assert snapshot(canary.root) == before


def test_too_few_requests_is_inconclusive_and_refused(canary: Project) -> None:
    usage = write_usage(
        canary.root / "usage.jsonl",
        usage_events("stable", 300, start=T0),
        usage_events("candidate", 50, start=T0, model=CHEAP),
    )

    with pytest.raises(GatesInconclusive, match="hold: no verdict yet") as refused:
        promote(canary.workspace(), usage=[usage], now=T0 + timedelta(hours=25))

    report = refused.value.report
    assert report.verdict == "hold"
    assert report.results[0].status == "hold"


def test_usage_before_the_step_began_does_not_count(canary: Project) -> None:
    early = usage_events("candidate", 300, start=T0 - timedelta(hours=2), model=CHEAP, errors=300)
    usage = write_usage(
        canary.root / "usage.jsonl",
        early,
        usage_events("stable", 300, start=T0),
        usage_events("candidate", 300, start=T0, model=CHEAP),
    )

    result = promote(canary.workspace(), usage=[usage], now=T0 + timedelta(hours=25))

    assert result.gates is not None and result.gates.verdict == "go"


def test_force_overrides_gates_and_is_recorded(canary: Project) -> None:
    usage = write_usage(
        canary.root / "usage.jsonl",
        usage_events("stable", 300, start=T0),
        usage_events("candidate", 300, start=T0, model=CHEAP, errors=60),
    )

    result = promote(
        canary.workspace(),
        usage=[usage],
        force=True,
        reason="known provider blip",
        now=T0 + timedelta(hours=25),
    )

    assert result.after.weight == 50
    record = json.loads(
        git(canary.store, "log", "-1", "--format=%B").strip().splitlines()[-1].split(": ", 1)[1]
    )
    assert record["details"]["forced"] == ["gates (fail)"]
    assert record["details"]["gates"]["verdict"] == "fail"
    assert record["reason"] == "known provider blip"


def test_soak_time_holds_a_step_until_it_has_passed(canary: Project) -> None:
    usage = good_usage(canary, T0)

    with pytest.raises(RefusedError, match="must soak until 2026-03-03 09:00 UTC"):
        promote(canary.workspace(), usage=[usage], now=T0 + timedelta(hours=23))
    assert promote(canary.workspace(), usage=[usage], now=T0 + timedelta(hours=24)).after.weight == 50


def test_pause_blocks_promotion_and_canary_set_until_resume(canary: Project) -> None:
    workspace = canary.workspace()
    usage = good_usage(canary, T0)
    set_paused(workspace, True, reason="investigating", now=T0 + timedelta(hours=1))

    with pytest.raises(RefusedError, match="paused"):
        promote(workspace, usage=[usage], now=T0 + timedelta(hours=25))
    with pytest.raises(RefusedError, match="paused"):
        canary_set(workspace, 20, reason="x", now=T0 + timedelta(hours=25))
    set_paused(workspace, False, now=T0 + timedelta(hours=2))
    assert promote(workspace, usage=[usage], now=T0 + timedelta(hours=25)).after.weight == 50


def test_canary_set_raises_through_gates_and_lowers_as_a_partial_rollback(canary: Project) -> None:
    workspace = canary.workspace()
    bad = write_usage(
        canary.root / "bad.jsonl",
        usage_events("stable", 300, start=T0),
        usage_events("candidate", 300, start=T0, model=CHEAP, errors=40),
    )
    with pytest.raises(CheckFailed):
        canary_set(workspace, 30, reason="more", usage=[bad], now=T0 + timedelta(hours=25))

    raised = canary_set(
        workspace, 30, reason="more", usage=[good_usage(canary, T0)], now=T0 + timedelta(hours=25)
    )
    lowered = canary_set(workspace, 5, reason="errors in one region", now=T0 + timedelta(hours=26))
    same = canary_set(workspace, 5, reason="again", now=T0 + timedelta(hours=27))

    assert (raised.after.weight, raised.after.step) == (30, 0)  # past step 1 (10%), short of step 2 (50%)
    assert (lowered.after.weight, lowered.gates) == (5, None)
    assert "partial rollback" in lowered.summary
    assert same.status == "unchanged" and same.record is None
    with pytest.raises(UsageError):
        canary_set(workspace, 100, reason="x")


def test_stage_refuses_identical_configs_and_an_in_flight_candidate(project: Project) -> None:
    with pytest.raises(RefusedError, match="identical to stable"):
        stage(project.workspace(), reason="nothing changed")
    project.edit_config(critic_on_flash_lite)
    stage(project.workspace(), reason="first")
    project.edit_config(lambda c: c["budgets"].update(daily=70))

    with pytest.raises(RefusedError, match="in flight"):
        stage(project.workspace(), reason="second")
    replaced = stage(project.workspace(), reason="second", force=True)

    assert replaced.after.candidate is not None and replaced.after.candidate.revision == 3
    assert replaced.forced == ["replaced candidate r2"]


def test_stage_refuses_an_invalid_candidate(project: Project) -> None:
    project.edit_config(lambda c: c["roles"]["critic"].update(primary="nope"))

    with pytest.raises(CheckFailed, match="does not validate"):
        stage(project.workspace(), reason="broken")


def test_abort_then_retry_restarts_at_the_first_step_with_the_candidate_configs(canary: Project) -> None:
    workspace = canary.workspace()
    candidate_files = canary.files()

    aborted = rollback(workspace, reason="errors", now=T0 + timedelta(hours=1))
    assert (aborted.after.stage, aborted.after.weight) == (Stage.ABORTED, 0)
    assert json.loads(canary.files()["model-config.json"])["roles"]["critic"]["primary"] == "glm-4.5"

    retried = retry(workspace, reason="provider fixed", now=T0 + timedelta(hours=2))
    assert (retried.after.stage, retried.after.weight, retried.after.step) == (Stage.CANARY, 10, 0)
    assert retried.after.candidate == aborted.after.candidate
    assert canary.files() == candidate_files


def test_partial_rollback_takes_only_the_named_roles_back(canary: Project) -> None:
    workspace = canary.workspace()
    rollback(workspace, reason="abort first", now=T0)  # the working configs are stable's again
    canary.edit_config(critic_on_flash_lite)
    canary.edit_config(lambda c: c["roles"]["architect"].update(primary=CHEAP))
    stage(workspace, reason="architect and critic on flash lite", force=True, now=T0 + timedelta(hours=1))
    promote(workspace, now=T0 + timedelta(hours=2))

    result = rollback(
        workspace, reason="architect quality issues", roles=["architect"], now=T0 + timedelta(hours=3)
    )

    config = json.loads(canary.files()["model-config.json"])
    assert config["roles"]["architect"]["primary"] == "glm-4.5"
    assert config["roles"]["critic"]["primary"] == CHEAP
    assert (result.after.stage, result.after.weight) == (Stage.CANARY, 10)
    assert result.after.candidate != result.before.candidate
    assert result.after.candidate is not None and result.record is not None
    assert result.after.candidate.revision == result.record.revision
    with pytest.raises(UsageError, match="no role reviewer"):
        rollback(workspace, reason="x", roles=["reviewer"])


def test_rollback_to_a_chosen_revision(canary: Project) -> None:
    workspace = canary.workspace()
    promote(workspace, full=True, force=True, reason="go", now=T0 + timedelta(hours=1))

    result = rollback(workspace, reason="known good", to_revision=1, now=T0 + timedelta(hours=2))

    assert result.after.stable is not None and result.after.stable.revision == 1
    assert (
        canary.files()["model-config.json"]
        == git(canary.store, "show", "backup/1:configs/model-config.json").encode()
    )


def test_cost_savings_compare_the_same_workload_not_the_traffic_each_side_drew(canary: Project) -> None:
    # No price changes for the architect; the candidate just drew more architect
    # requests and a few escalations. The critic moved to a model 83% cheaper.
    stable = usage_events("stable", 300, start=T0) + usage_events("stable", 30, start=T0, role="architect")
    candidate = usage_events("candidate", 200, start=T0, model=CHEAP) + usage_events(
        "candidate", 120, start=T0, role="architect", escalated=4
    )
    for event in candidate:
        if event["escalated"]:
            event["model"] = "claude-4.1-opus"
    usage = write_usage(canary.root / "usage.jsonl", stable, candidate)

    space = canary.workspace()
    report = gate_report(
        space.open_store(),
        load_state(space.open_store()),
        [usage],
        setup=space,
        measuring=space.measuring,
    )

    glm, lite = (1000 * 0.6 + 200 * 2.2) / 1e6, (1000 * 0.1 + 200 * 0.4) / 1e6
    # same-workload weights: critic 300 + 200 requests, architect (not escalated) 30 + 116;
    # escalated architect requests have no stable counterpart and are left out
    expected = 1 - (500 * lite + 146 * glm) / (500 * glm + 146 * glm)
    savings = next(g.observed for g in report.results if g.name == "cost savings")
    assert savings == pytest.approx(expected)
