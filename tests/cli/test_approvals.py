"""Escalation approvals end to end: a request alerted, reminded, handed over
and expired on a fake clock, with each team's hook a server written here;
decisions, refusals that change nothing, and the grant an approval gives,
honoured by the router and route explain."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from hybridctl.routing.router import Router
from tests.helpers import Project, RunFn, TargetServer, snapshot, usage_events, write_usage

KEY = "g" * 16 + "0123456789abcdef"  # HYBRIDCTL_GRANT_KEY: 32 characters
TASK = '{"affected_services": 4, "security_impact": "auth_bypass"}'
T0 = datetime(2026, 12, 1, 9, 0, tzinfo=timezone.utc)


class Clock:
    """hybridctl's clock, moved by the test."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.now = T0
        monkeypatch.setattr("hybridctl.times.clock", lambda: self.now)

    def at(self, seconds: float) -> datetime:
        self.now = T0 + timedelta(seconds=seconds)
        return self.now


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    return Clock(monkeypatch)


@pytest.fixture
def teams(target_server: Any, project: Project) -> Iterator[dict[str, TargetServer]]:
    """A hook server per approval team, and one for transitions, in the settings."""
    servers = {"primary": target_server(), "secondary": target_server(), "transitions": target_server()}
    (project.root / "hybridctl.toml").write_text(
        f'[[notify]]\nurl = "{servers["transitions"].url}"\n'
        + "".join(f'[[notify]]\nurl = "{servers[t].url}"\nteam = "{t}"\n' for t in ("primary", "secondary"))
    )
    yield servers


def posted(server: TargetServer) -> list[dict[str, Any]]:
    return [json.loads(body) for method, _, body in server.received if method == "POST"]


def log(project: Project) -> list[str]:
    out = subprocess.run(
        ["git", "-C", str(project.store), "log", "--reverse", "--format=%s"], capture_output=True, text=True
    )
    return out.stdout.splitlines()


def request(cli: RunFn, project: Project, *extra: str, role: str = "architect", task: str = TASK) -> Any:
    run = cli(
        "escalation", "request", "--role", role, "--context", task, "--reason", "auth redesign", "--json",
        *extra, cwd=project.root,
    )  # fmt: skip
    assert run.exit_code == 0, run.stderr
    return run.json()


def test_each_team_is_alerted_on_time_and_every_step_is_recorded_once(
    cli: RunFn, project: Project, teams: dict[str, TargetServer], clock: Clock
) -> None:
    made = request(cli, project)
    request_id = made["id"]
    assert (made["status"], made["team"], made["deadline"]) == ("pending", "primary", "2026-12-01T09:30:00Z")
    assert made["alerted"][0]["ok"] is True

    alerted: list[tuple[int, str, str]] = []  # seconds after creation, team, event
    seen = {"primary": 0, "secondary": 0}
    for seconds in range(0, 5400 + 1, 60):
        clock.at(seconds)
        if seconds:
            assert cli("escalation", "sweep", cwd=project.root).exit_code == 0
        for team in ("primary", "secondary"):
            for event in posted(teams[team])[seen[team] :]:
                alerted.append((seconds, team, event["event"]))
                assert event["escalation"]["id"] == request_id
            seen[team] = len(posted(teams[team]))

    assert alerted == [
        (0, "primary", "escalation.created"),
        (900, "primary", "escalation.primary-reminder"),
        (1800, "secondary", "escalation.handover"),
        (3600, "secondary", "escalation.secondary-reminder"),
        (5400, "secondary", "escalation.expired"),
    ]
    assert posted(teams["transitions"]) == []  # transition hooks never hear of escalations
    created = posted(teams["primary"])[0]
    assert created["escalation"]["members"] == ["tech_lead", "architect", "security_lead"]
    assert "auth redesign" in created["text"] and created["escalation"]["deadline"] == "2026-12-01T09:30:00Z"
    handover = posted(teams["secondary"])[0]
    assert handover["escalation"]["deadline"] == "2026-12-01T10:30:00Z"

    before = log(project)
    assert cli("escalation", "sweep", cwd=project.root).exit_code == 0  # nothing due: nothing recorded
    assert log(project) == before
    steps = [line for line in before if "sweep:" in line]
    assert len(steps) == 4  # reminder, handover, reminder, expiry: one claim each

    shown = cli("escalation", "show", request_id, "--json", cwd=project.root).json()
    assert shown["status"] == "expired"
    claims = [a for a in shown["alerts"] if a["event"] == "alerted"]
    assert [(a["step"], a["time"]) for a in claims] == [
        ("created", "2026-12-01T09:00:00Z"),
        ("primary-reminder", "2026-12-01T09:15:00Z"),
        ("handover", "2026-12-01T09:30:00Z"),
        ("secondary-reminder", "2026-12-01T10:00:00Z"),
        ("expired", "2026-12-01T10:30:00Z"),
    ]
    late = cli("escalation", "approve", request_id, "--reason", "too late", cwd=project.root,
               env={"HYBRIDCTL_ACTOR": "tech_lead"})  # fmt: skip
    assert late.exit_code == 3 and "expired undecided" in late.stderr


def test_a_late_sweep_sends_only_the_step_that_is_current(
    cli: RunFn, project: Project, teams: dict[str, TargetServer], clock: Clock
) -> None:
    request(cli, project)
    clock.at(2000)
    swept = cli("escalation", "sweep", "--json", cwd=project.root).json()
    assert [(c["step"], c["skipped"]) for c in swept["claimed"]] == [
        ("primary-reminder", True),
        ("handover", False),
    ]
    assert [e["event"] for e in posted(teams["primary"])] == ["escalation.created"]
    assert [e["event"] for e in posted(teams["secondary"])] == ["escalation.handover"]


def test_a_hook_that_fails_is_tried_again_by_the_next_sweep(
    cli: RunFn, project: Project, target_server: Any, clock: Clock
) -> None:
    flaky = target_server(fail_first=2)  # the request's two attempts fail
    (project.root / "hybridctl.toml").write_text(f'[[notify]]\nurl = "{flaky.url}"\nteam = "primary"\n')
    made = request(cli, project)
    assert made["alerted"][0]["ok"] is False
    clock.at(60)
    swept = cli("escalation", "sweep", "--json", cwd=project.root).json()
    assert [(r["step"], r["skipped"]) for r in swept["retried"]] == [("created", False)]
    assert swept["delivered"][0]["sent"][0]["ok"] is True
    clock.at(120)
    assert cli("escalation", "sweep", "--json", cwd=project.root).json()["retried"] == []


def test_a_decision_needs_a_member_and_a_reason_and_the_first_one_stands(
    cli: RunFn, project: Project, teams: dict[str, TargetServer], clock: Clock
) -> None:
    request_id = request(cli, project)["id"]
    as_lead = {"HYBRIDCTL_ACTOR": "tech_lead", "HYBRIDCTL_GRANT_KEY": KEY}
    before = snapshot(project.store)

    blank = cli("escalation", "approve", request_id, "--reason", "  ", cwd=project.root, env=as_lead)
    outsider = cli("escalation", "approve", request_id, "--reason", "ok", cwd=project.root,
                   env={"HYBRIDCTL_ACTOR": "engineering_manager"})  # fmt: skip
    unknown = cli("escalation", "approve", "esc-00000000", "--reason", "ok", cwd=project.root, env=as_lead)
    hostile = cli("escalation", "approve", "../../etc", "--reason", "ok", cwd=project.root, env=as_lead)
    assert blank.exit_code == 2
    assert outsider.exit_code == 3 and "not a member of the primary team" in outsider.stderr
    assert "tech_lead" in outsider.stderr
    assert unknown.exit_code == 2 and "no escalation request esc-00000000" in unknown.stderr
    assert hostile.exit_code == 2 and "not an escalation id" in hostile.stderr
    assert snapshot(project.store) == before

    clock.at(754)
    approved = cli("escalation", "approve", request_id, "--reason", "reviewed the plan", "--json",
                   cwd=project.root, env=as_lead).json()  # fmt: skip
    assert (approved["status"], approved["changed"]) == ("approved", True)
    decision = approved["decision"]
    assert (decision["actor"], decision["team"], decision["review_s"]) == ("tech_lead", "primary", 754)
    assert decision["grant_expires"] == "2026-12-01T10:12:34Z"  # 3,600 s after the approval
    assert approved["grant"].startswith("hxg1.")
    assert [e["event"] for e in posted(teams["primary"])] == ["escalation.created", "escalation.approved"]

    records = len(log(project))
    again = cli(
        "escalation", "approve", request_id, "--reason", "again", "--json", cwd=project.root, env=as_lead
    )
    assert again.exit_code == 0 and again.json()["changed"] is False
    assert len(log(project)) == records
    reject = cli("escalation", "reject", request_id, "--reason", "no", cwd=project.root, env=as_lead)
    assert reject.exit_code == 3 and "already approved by tech_lead" in reject.stderr
    assert log(project)[-1] == f"escalation r{records}: {request_id} approved: reviewed the plan"

    clock.at(10_000)
    assert cli("escalation", "sweep", "--json", cwd=project.root).json()["claimed"] == []


def test_requests_that_cannot_be_one_are_refused_and_change_nothing(
    cli: RunFn, project: Project, clock: Clock
) -> None:
    before = snapshot(project.store)
    plain = cli("escalation", "request", "--role", "architect", "--context", '{"affected_services": 4}',
                "--reason", "x", cwd=project.root)  # fmt: skip
    critic = cli("escalation", "request", "--role", "critic", "--context", TASK, "--reason", "x",
                 cwd=project.root)  # fmt: skip
    unknown = cli("escalation", "request", "--role", "archtect", "--context", TASK, "--reason", "x",
                  cwd=project.root)  # fmt: skip
    typed = cli("escalation", "request", "--role", "architect", "--context", '{"affected_services": "four"}',
                "--reason", "x", cwd=project.root)  # fmt: skip
    blank = cli("escalation", "request", "--role", "architect", "--context", TASK, "--reason", " ",
                cwd=project.root)  # fmt: skip
    assert (
        plain.exit_code == 1
        and "does not meet the escalation criteria: score 0.3 < threshold 0.5" in plain.stderr
    )
    assert critic.exit_code == 1 and "no escalation model" in critic.stderr
    assert unknown.exit_code == 2 and "did you mean" in unknown.stderr.lower()
    assert typed.exit_code == 2 and "--context:1:23: affected_services must be" in typed.stderr
    assert blank.exit_code == 2
    leaked = "sk-ant-api03-" + "Q" * 40
    for option, value in (
        ("--reason", f"use {leaked}"),
        ("--context", json.dumps({**json.loads(TASK), "note": leaked})),
    ):
        args = {"--reason": "x", "--context": TASK, option: value}
        run = cli("escalation", "request", "--role", "architect", *[a for pair in args.items() for a in pair],
                  cwd=project.root)  # fmt: skip
        assert run.exit_code == 2 and "looks like an API key" in run.stderr and leaked not in run.stderr
    assert snapshot(project.store) == before

    def no_approval(config: dict[str, Any]) -> None:
        del config["escalation"]["approval"]

    project.edit_config(no_approval)
    off = cli(
        "escalation", "request", "--role", "architect", "--context", TASK, "--reason", "x", cwd=project.root
    )
    assert off.exit_code == 2 and "need no approval" in off.stderr
    assert snapshot(project.store) == before


def test_new_requests_are_refused_while_max_pending_wait(cli: RunFn, project: Project, clock: Clock) -> None:
    project.edit_config(lambda c: c["escalation"]["approval"].update(maxPending=2))
    first, second = request(cli, project)["id"], request(cli, project)["id"]
    before = snapshot(project.store)
    third = cli("escalation", "request", "--role", "architect", "--context", TASK, "--reason", "x",
                cwd=project.root)  # fmt: skip
    assert third.exit_code == 3 and "2 escalation requests are pending" in third.stderr
    assert snapshot(project.store) == before
    assert cli("escalation", "reject", first, "--reason", "no", cwd=project.root,
               env={"HYBRIDCTL_ACTOR": "tech_lead"}).exit_code == 0  # fmt: skip
    assert request(cli, project)["status"] == "pending"
    queue = cli("escalation", "queue", "--pending", "--json", cwd=project.root).json()
    assert second in [r["id"] for r in queue["requests"]] and first not in [
        r["id"] for r in queue["requests"]
    ]


def test_a_grant_is_honoured_by_route_explain_and_the_router_and_refused_expired_or_for_another_role(
    cli: RunFn, project: Project, clock: Clock
) -> None:
    request_id = request(cli, project)["id"]
    env = {"HYBRIDCTL_ACTOR": "tech_lead", "HYBRIDCTL_GRANT_KEY": KEY}
    grant = cli(
        "escalation", "approve", request_id, "--reason", "ok", "--json", cwd=project.root, env=env
    ).json()["grant"]
    shown = cli("escalation", "show", request_id, "--json", cwd=project.root, env=env).json()
    assert shown["grant"] == grant

    def explain(role: str, seconds: float, *, key: str = KEY) -> Any:
        clock.at(seconds)
        task = json.dumps({**json.loads(TASK), "approval": grant})
        run = cli("route", "explain", "--role", role, "--user", "u-1", "--context", task, "--json",
                  cwd=project.root, env={"HYBRIDCTL_GRANT_KEY": key})  # fmt: skip
        assert run.exit_code == 0, run.stderr
        return run.json()

    honoured = explain("architect", 60)
    assert (honoured["model"], honoured["escalated"]) == ("claude-4.1-opus", True)
    assert honoured["approval"] == {"grant": request_id, "held": None}
    assert f"grant {request_id} is valid for 'architect'" in " ".join(honoured["why"])
    wrong_role = explain("integrator", 60)
    assert (wrong_role["model"], wrong_role["escalated"]) == ("glm-4.5", False)
    assert "is for role 'architect', not 'integrator'" in wrong_role["approval"]["held"]
    expired = explain("architect", 3600 + 1)
    assert expired["model"] == "glm-4.5" and expired["approval"]["held"] == f"grant {request_id} expired"
    forged = explain("architect", 60, key="f" * 32)
    assert forged["model"] == "glm-4.5" and "signature" in forged["approval"]["held"]

    bundle = json.loads(cli("render", cwd=project.root).stdout)
    router = Router(bundle, grant_key=KEY.encode(), clock=lambda: T0.timestamp() + 60)
    assert router.route("architect", "u-1", {**json.loads(TASK), "approval": grant}).grant == request_id
    assert router.route("architect", "u-1", json.loads(TASK)).held == "no grant"

    history = subprocess.run(["git", "-C", str(project.store), "log", "-p"], capture_output=True, text=True)
    assert KEY not in history.stdout and grant not in history.stdout


def test_a_short_grant_key_is_refused_naming_its_variable(cli: RunFn, project: Project) -> None:
    run = cli("escalation", "queue", cwd=project.root)
    assert run.exit_code == 0
    short = cli("route", "explain", "--role", "architect", "--user", "u", cwd=project.root,
                env={"HYBRIDCTL_GRANT_KEY": "s3cr3t-but-short-1234"})  # fmt: skip
    assert short.exit_code == 2 and "HYBRIDCTL_GRANT_KEY is shorter than 32" in short.stderr
    assert "s3cr3t-but-short-1234" not in short.stderr + short.stdout


def test_report_escalations_gives_review_times_per_team_and_the_premium_spend(
    cli: RunFn, project: Project, clock: Clock, tmp_path: Path
) -> None:
    lead, manager = {"HYBRIDCTL_ACTOR": "tech_lead"}, {"HYBRIDCTL_ACTOR": "engineering_manager"}
    decisions = [(0, 300, "approve", lead), (600, 1500, "reject", lead), (1200, 3300, "approve", manager)]
    for created, decided, verb, who in decisions:
        clock.at(created)
        request_id = request(cli, project)["id"]
        clock.at(decided)
        assert cli("escalation", verb, request_id, "--reason", "r", cwd=project.root, env=who).exit_code == 0
    clock.at(4000)
    request(cli, project)  # pending, with the primary team
    clock.at(4000 + 2000)
    start = T0 + timedelta(minutes=5)
    usage = write_usage(
        tmp_path / "usage.jsonl",
        usage_events("stable", 40, start=start, escalated=10, model="claude-4.1-opus", role="architect"),
        usage_events("stable", 200, start=start, model="glm-4.5", role="critic"),
    )
    # 10 escalated requests on Opus: 1,000 input and 200 output tokens each, at $15 / $75 per million
    expected_cost = 10 * (1000 * 15 + 200 * 75) / 1e6

    report = cli("report", "escalations", str(usage), "--json", cwd=project.root).json()

    review = report["review"]
    assert review["counts"] == {"pending": 1, "approved": 2, "rejected": 1, "expired": 0}
    assert review["approval_rate"] == 2 / 3
    teams = {t["team"]: t for t in review["teams"]}
    assert (teams["primary"]["decided"], teams["primary"]["p50_s"], teams["primary"]["breaches"]) == (
        2,
        600,
        0,
    )
    assert (teams["secondary"]["decided"], teams["secondary"]["p95_s"]) == (1, 2100)
    assert teams["secondary"]["breaches"] == 2  # decided after 35 min; the pending one is 33 min old
    spend = report["premium_spend"]
    assert spend["escalated_requests"] == 10 and spend["approved_requests"] == 2
    assert spend["cost"] == pytest.approx(expected_cost)
    assert spend["share_of_monthly_budget"] == pytest.approx(expected_cost / 1500)
    assert spend["cost_per_approval"] == pytest.approx(expected_cost / 2)

    text = cli("report", "escalations", str(usage), cwd=project.root)
    assert text.exit_code == 0 and "over 30 min" in text.stdout and "of the monthly budget" in text.stdout
    markdown = cli("report", "escalations", "--format", "markdown", cwd=project.root)
    assert "| secondary | 1 | 1 |" in markdown.stdout


def test_the_rollout_report_shows_the_escalations_since_the_rollout_was_staged(
    cli: RunFn, project: Project, clock: Clock
) -> None:
    clock.at(0)
    request(cli, project)  # before the rollout: not counted

    def cheaper_critic(config: dict[str, Any]) -> None:
        config["roles"]["critic"]["primary"] = "gemini-2.5-flash-lite"
        config["roles"]["critic"]["fallbacks"] = ["glm-4.5"]

    project.edit_config(cheaper_critic)
    clock.at(60)
    assert cli("stage", "-r", "critic on flash lite", "--no-push", cwd=project.root).exit_code == 0
    clock.at(120)
    request(cli, project)
    report = cli("report", "rollout", "--json", cwd=project.root).json()
    assert report["escalations"]["requests"] == 1 and report["escalations"]["counts"]["pending"] == 1
    markdown = cli("report", "rollout", "--format", "markdown", cwd=project.root).stdout
    assert "Escalations during the rollout" in markdown


def test_a_hook_for_a_team_that_does_not_exist_is_refused_before_anything_runs(
    cli: RunFn, project: Project
) -> None:
    (project.root / "hybridctl.toml").write_text(
        '[[notify]]\nurl = "http://127.0.0.1:9/x"\nteam = "tertiary"\n'
    )
    run = cli("escalation", "sweep", cwd=project.root)
    assert run.exit_code == 2 and "team must be primary or secondary" in run.stderr
