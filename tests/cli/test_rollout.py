"""The rollout commands as users and CI run them."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from hybridctl.rollout.canary import canary_set
from hybridctl.rollout.pausing import set_paused
from hybridctl.rollout.promotion import promote
from hybridctl.rollout.rollback import rollback
from hybridctl.rollout.staging import stage
from tests.helpers import (
    REPO,
    Project,
    Run,
    RunFn,
    clean_env,
    hybridctl_executable,
    usage_events,
    write_usage,
)

CHEAP = "gemini-2.5-flash-lite"


def git(store: Path, *args: str) -> str:
    return subprocess.run(["git", "-C", str(store), *args], capture_output=True, text=True, check=True).stdout


def no_soak_candidate(project: Project) -> None:
    """The critic on Flash Lite, with soak times of zero so steps can follow at once."""

    def change(config: dict[str, Any]) -> None:
        config["roles"]["critic"]["primary"] = CHEAP
        config["rollout"]["steps"] = [{"weight": 10, "minSoakHours": 0}, {"weight": 50, "minSoakHours": 0}]

    project.edit_config(change)


def usage_now(project: Project, name: str, **candidate: Any) -> Path:
    start = datetime.now(timezone.utc)
    return write_usage(
        project.root / name,
        usage_events("stable", 300, start=start, errors=3),
        usage_events("candidate", 300, start=start, model=CHEAP, **candidate),
    )


def test_full_scenario_through_the_cli(cli: RunFn, project: Project) -> None:
    no_soak_candidate(project)

    def run(*args: str) -> Run:
        return cli(*args, cwd=project.root)

    assert run("stage", "--reason", "critic on flash lite").exit_code == 0
    assert run("promote").exit_code == 0  # staged -> 10%: no canary traffic to judge yet
    blocked = run("promote", "--usage", str(usage_now(project, "bad.jsonl", errors=30)))
    assert blocked.exit_code == 1
    assert "error rate" in blocked.stdout and "fail" in blocked.stdout and "verdict: fail" in blocked.stdout
    assert "stays at 10%" in blocked.stderr
    assert run("promote", "--usage", str(usage_now(project, "good.jsonl"))).exit_code == 0
    assert run("promote", "--usage", str(usage_now(project, "good2.jsonl"))).exit_code == 0
    assert json.loads((project.configs / "rollout.json").read_text())["stage"] == "stable"
    rolled = run("rollback", "--reason", "undo go-live")
    assert rolled.exit_code == 0 and "r1 is stable again" in rolled.stdout

    history = run("history", "--json").json()["revisions"]
    assert [r["kind"] for r in history] == ["backup", "stage", "promote", "promote", "promote", "rollback"]
    assert [r["details"].get("to", {}).get("weight") for r in history[1:5]] == [0, 10, 50, 0]
    assert history[3]["details"]["gates"]["verdict"] == "go"
    assert all(r["actor"] == "tester" for r in history)


@pytest.mark.parametrize(
    "setup, command, message",
    [
        ([], ("promote",), "cannot promote: the rollout is stable"),
        ([], ("canary", "set", "20", "-r", "x"), "cannot canary set"),
        ([], ("retry",), "cannot retry"),
        ([], ("resume",), "cannot resume"),
        ([("stage", "-r", "x")], ("stage", "-r", "again"), "a candidate is in flight"),
        ([("stage", "-r", "x"), ("pause",)], ("canary", "set", "20", "-r", "x"), "the rollout is paused"),
        ([("stage", "-r", "x"), ("pause",)], ("pause",), "cannot pause"),
    ],
)
def test_illegal_transitions_exit_3_naming_the_legal_moves(
    cli: RunFn, project: Project, setup: list[tuple[str, ...]], command: tuple[str, ...], message: str
) -> None:
    no_soak_candidate(project)
    for step in setup:
        assert cli(*step, cwd=project.root).exit_code == 0
    commits = git(project.store, "rev-list", "--count", "HEAD")

    run = cli(*command, cwd=project.root)

    assert run.exit_code == 3
    assert message in run.stderr and "legal now:" in run.stderr
    assert git(project.store, "rev-list", "--count", "HEAD") == commits


def _staged(p: Project) -> None:
    stage(p.workspace(), reason="s")


def _canary(p: Project) -> None:
    _staged(p)
    promote(p.workspace())


def _paused(p: Project) -> None:
    _canary(p)
    set_paused(p.workspace(), True)


def _completed(p: Project) -> None:
    _staged(p)
    promote(p.workspace(), full=True)


def _aborted_after_completion(p: Project) -> None:
    _completed(p)
    p.edit_config(lambda c: c["budgets"].update(daily=70))
    _canary(p)
    rollback(p.workspace(), reason="abort")


def _commit_of(p: Project, revision: int) -> str:
    """The store commit that recorded a revision."""
    found = git(p.store, "log", "--format=%H %s").splitlines()
    return next(line.split()[0] for line in found if f" r{revision}:" in line)


def corrupt(p: Project) -> None:
    (p.configs / "modes.yml").write_text("customModes: [\n  {{{ not yaml")
    (p.configs / "model-config.json").unlink()
    (p.configs / "rollout.json").write_text("garbage")


@pytest.mark.parametrize(
    "setup, stage, stable_revision",
    [
        (_staged, "aborted", 1),
        (_canary, "aborted", 1),
        (_paused, "aborted", 1),
        (_completed, "stable", 1),
        # Already rolled back: rollback is idempotent; it only puts r2's files back.
        (_aborted_after_completion, "aborted", 2),
    ],
)
def test_rollback_works_from_every_state_even_with_corrupt_working_files(
    cli: RunFn, project: Project, setup: Callable[[Project], None], stage: str, stable_revision: int
) -> None:
    no_soak_candidate(project)
    setup(project)
    corrupt(project)

    run = cli("rollback", "--reason", "emergency", "--json", cwd=project.root)

    assert run.exit_code == 0, run.stderr
    after = run.json()["after"]
    assert (after["stage"], after["weight"], after["stable"]["revision"]) == (stage, 0, stable_revision)
    for name in ("modes.yml", "model-config.json"):
        served = git(project.store, "show", f"{_commit_of(project, stable_revision)}:configs/{name}")
        assert (project.configs / name).read_text() == served
    assert json.loads((project.configs / "rollout.json").read_text())["stage"] == stage
    assert cli("validate", cwd=project.root).exit_code == 0


def test_rollback_with_nothing_earlier_is_refused(cli: RunFn, project: Project) -> None:
    run = cli("rollback", "--reason", "x", cwd=project.root)

    assert run.exit_code == 3 and "nothing to roll back" in run.stderr


def test_status_reports_health_models_gates_and_recommends_rollback(cli: RunFn, project: Project) -> None:
    no_soak_candidate(project)
    _canary(project)
    good = usage_now(project, "good.jsonl")
    bad = usage_now(project, "bad.jsonl", errors=60)

    healthy = cli("status", "--usage", str(good), "--json", cwd=project.root)
    failing = cli("status", "--usage", str(bad), cwd=project.root)

    assert healthy.exit_code == 0
    report = healthy.json()
    assert report["healthy"] is True and report["summary"] == "at canary 10% (step 1 of 2)"
    assert report["models"]["stable"]["critic"]["primary"] == "glm-4.5"
    assert report["models"]["candidate"]["critic"]["primary"] == CHEAP
    assert report["gates"]["verdict"] == "go"
    assert report["state"]["last"]["action"] == "promote"
    assert failing.exit_code == 1
    assert "rollback recommended: error rate 20.00% [" in failing.stdout and "> 5.0%" in failing.stdout
    # These logs record no fallbacks, so every error counts as unanswered: stable's 1% of errors
    # breaks the 99.5% availability trigger as well, an incident rather than the candidate's fault.
    assert "rollback recommended: availability" not in failing.stdout
    rollback(project.workspace(), reason="x")
    aborted = cli("status", cwd=project.root)
    assert aborted.exit_code == 0  # serving stable, as recorded: the rollback is a fact, not a fault
    assert aborted.stdout.startswith("rollout: aborted  healthy")


def test_status_watch_refreshes(cli: RunFn, project: Project) -> None:
    run = cli("status", "--watch", "--interval", "0", "--count", "3", cwd=project.root)

    assert run.exit_code == 0 and run.stdout.count("rollout: stable") == 3
    assert run.stdout.count("refreshed at ") == 3


def test_status_watch_redraws_in_place_on_a_terminal(project: Project) -> None:
    import fcntl
    import os
    import pty
    import struct
    import termios

    main, child = pty.openpty()
    fcntl.ioctl(child, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 120, 0, 0))
    command = [hybridctl_executable(), "status", "--watch", "--interval", "0.1", "--count", "3"]
    process = subprocess.Popen(
        command, cwd=project.root, env=clean_env(None), stdin=child, stdout=child, stderr=child
    )
    os.close(child)
    received = b""
    while True:
        try:
            chunk = os.read(main, 65536)
        except OSError:  # the child closed the terminal
            break
        if not chunk:
            break
        received += chunk
    os.close(main)
    text = received.decode()

    assert process.wait(timeout=60) == 0
    assert "\x1b[1A" in text or "\x1b[2K" in text, "each refresh moves the cursor back up"
    assert text.count("refreshed at ") >= 3


def test_gate_check_exit_codes_for_ci(cli: RunFn, project: Project) -> None:
    no_soak_candidate(project)
    _canary(project)
    few = write_usage(
        project.root / "few.jsonl", usage_events("stable", 10, start=datetime.now(timezone.utc))
    )

    go = cli("gate", "check", "--usage", str(usage_now(project, "good.jsonl")), cwd=project.root)
    no_go = cli(
        "gate",
        "check",
        "--usage",
        str(usage_now(project, "bad.jsonl", errors=30)),
        "--json",
        cwd=project.root,
    )
    inconclusive = cli("gate", "check", "--usage", str(few), cwd=project.root)
    no_input = cli("gate", "check", cwd=project.root)
    promote_without = cli("promote", cwd=project.root)

    # Inconclusive has its own code: not a usage error, not a failure; try again later.
    assert (go.exit_code, no_go.exit_code, inconclusive.exit_code) == (0, 1, 5)
    assert "verdict: go" in go.stdout
    assert no_go.json()["verdict"] == "fail"
    for run in (no_input, promote_without):  # not "inconclusive, stable 0, candidate 0"
        assert run.exit_code == 2 and "no usage input was given" in run.stderr
        assert "stable 0" not in run.stdout


def test_usage_comes_from_settings_when_not_given(cli: RunFn, project: Project) -> None:
    no_soak_candidate(project)
    _canary(project)
    usage_now(project, "usage.jsonl")
    (project.root / "hybridctl.toml").write_text('usage = ["usage.jsonl"]\n')

    checked = cli("gate", "check", cwd=project.root)
    promoted = cli("promote", "--json", cwd=project.root)

    assert checked.exit_code == 0
    assert promoted.exit_code == 0, promoted.stderr
    assert promoted.json()["after"]["weight"] == 50  # judged on the settings' usage, as gate check was


def test_plan_shows_the_earliest_time_of_each_step(cli: RunFn, project: Project) -> None:
    entered = datetime.now(timezone.utc).replace(microsecond=0)
    project.edit_config(lambda c: c["roles"]["critic"].update(primary=CHEAP))
    stage(project.workspace(), reason="s", now=entered - timedelta(hours=1))
    promote(project.workspace(), now=entered)

    steps = cli("rollout", "plan", "--json", cwd=project.root).json()["steps"]

    def at(hours: int) -> str:
        return (entered + timedelta(hours=hours)).strftime("%Y-%m-%dT%H:%M:%SZ")

    assert [(s["weight"], s["status"]) for s in steps] == [(10, "current"), (50, "next"), (100, "pending")]
    assert [s["earliest"] for s in steps] == [at(0), at(24), at(72)]  # 10% soaks 24 h, then 50% 48 h


def test_render_writes_a_bundle_that_matches_its_schema(cli: RunFn, project: Project) -> None:
    schema = json.loads((REPO / "schemas" / "bundle.schema.json").read_text())
    stable_bundle = json.loads(cli("render", cwd=project.root).stdout)
    no_soak_candidate(project)
    _canary(project)

    run = cli("render", "--out", str(project.root / "bundle.json"), cwd=project.root)
    bundle = json.loads((project.root / "bundle.json").read_text())

    assert run.exit_code == 0 and run.stdout == ""
    for rendered in (stable_bundle, bundle):
        jsonschema.validate(rendered, schema)
    assert (stable_bundle["weight"], stable_bundle["candidate"]) == (0, None)
    assert bundle["weight"] == 10 and bundle["candidate"]["revision"] == 2
    assert bundle["candidate"]["modelConfig"]["roles"]["critic"]["primary"] == CHEAP
    assert bundle["stable"]["modelConfig"]["roles"]["critic"]["primary"] == "glm-4.5"
    state_schema = json.loads((REPO / "schemas" / "rollout.schema.json").read_text())
    jsonschema.validate(json.loads((project.configs / "rollout.json").read_text()), state_schema)


def test_two_concurrent_canary_sets_are_applied_in_turn_or_refused(project: Project) -> None:
    no_soak_candidate(project)
    _canary(project)
    canary_set(project.workspace(), 40, reason="up", force=True)
    commits_before = int(git(project.store, "rev-list", "--count", "HEAD"))

    processes = [
        subprocess.Popen(
            [
                hybridctl_executable(),
                "canary",
                "set",
                str(weight),
                "-r",
                f"to {weight}",
                "--force",
                "--lock-timeout",
                timeout,
            ],
            cwd=project.root,
            env=clean_env(None),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for weight, timeout in ((20, "30"), (30, "30"), (25, "0"))
    ]
    outcomes = [(p.wait(timeout=120), p.stderr.read() if p.stderr else "") for p in processes]

    assert all(code in (0, 3) for code, _ in outcomes), outcomes
    assert all("locked by" in err for code, err in outcomes if code == 3)
    applied = sum(code == 0 for code, _ in outcomes)
    log = git(project.store, "log", "--format=%s").splitlines()
    assert int(git(project.store, "rev-list", "--count", "HEAD")) == commits_before + applied
    assert all(line.startswith("canary-set") for line in log[:applied])
    last = json.loads(
        git(project.store, "log", "-1", "--format=%B").strip().splitlines()[-1].split(": ", 1)[1]
    )
    assert (
        json.loads((project.configs / "rollout.json").read_text())["weight"]
        == last["details"]["to"]["weight"]
    )
    assert git(project.store, "status", "--porcelain") == ""


def test_status_outside_a_setup_suggests_what_works(cli: RunFn, tmp_path: Path) -> None:
    empty = tmp_path / "nowhere"
    empty.mkdir()

    lost = cli("status", cwd=empty)
    followed = cli("init", cwd=empty)  # the suggestion, taken as written

    assert lost.exit_code == 2 and "no hybridctl setup here" in lost.stderr
    assert "hybridctl init creates one here" in lost.stderr and "--store-only" not in lost.stderr
    assert followed.exit_code == 0 and cli("status", cwd=empty).exit_code == 0
