"""Every transition reaches the applications: the bundle each target receives,
the kill switch and forced models as the routing library sees them, status
--remote, and the notifications."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from hybridctl.routing import Router
from tests.helpers import Project, RunFn, TargetServer, closed_port_url

Start = Callable[..., TargetServer]
CHEAP = "gemini-2.5-flash-lite"


def setup(project: Project, *urls: str, hooks: tuple[str, ...] = ()) -> None:
    text = f"targets = {json.dumps(list(urls))}\n"
    text += "".join(f'[[notify]]\nurl = "{hook}"\n' for hook in hooks)
    (project.root / "hybridctl.toml").write_text(text)

    def change(config: dict[str, Any]) -> None:
        config["roles"]["critic"]["primary"] = CHEAP
        config["rollout"]["steps"] = [{"weight": 10, "minSoakHours": 0}, {"weight": 50, "minSoakHours": 0}]

    project.edit_config(change)


def served(server: TargetServer) -> dict[str, Any]:
    assert server.bundle is not None
    return server.bundle


def test_a_canary_step_and_a_rollback_reach_every_target(
    cli: RunFn, project: Project, target_server: Start
) -> None:
    fleet = [target_server() for _ in range(3)]
    setup(project, *(s.url for s in fleet))

    assert cli("stage", "-r", "critic on flash lite", cwd=project.root).exit_code == 0
    promoted = cli("promote", "--json", cwd=project.root)
    at_10 = [served(s) for s in fleet]
    rolled = cli("rollback", "-r", "errors", cwd=project.root)

    assert promoted.exit_code == 0 and promoted.json()["delivery"]["push"]["counts"]["ok"] == 3
    assert all(
        b["stage"] == "canary" and b["weight"] == 10 and b["candidate"]["revision"] == 2 for b in at_10
    )
    assert rolled.exit_code == 0
    for server in fleet:
        bundle = served(server)
        assert bundle["stage"] == "aborted" and bundle["weight"] == 0 and bundle["candidate"] is None
        assert bundle["digest"] == json.loads(cli("render", cwd=project.root).stdout)["digest"]
    # Serving stable, delivered everywhere: healthy (a monitor must not page all night).
    after = cli("status", "--remote", "--json", cwd=project.root)
    text = cli("status", cwd=project.root)
    assert after.exit_code == 0 and after.json()["healthy"] is True
    assert after.json()["summary"] == "aborted" and after.json()["remote"]["counts"]["ok"] == 3
    assert text.exit_code == 0 and "(rolled back: serving stable)" in text.stdout


def test_a_failed_push_leaves_the_transition_recorded_and_exits_4(
    cli: RunFn, project: Project, target_server: Start
) -> None:
    good = target_server()
    setup(project, good.url, closed_port_url())

    staged = cli("stage", "-r", "s", cwd=project.root)
    repeated = cli("push", cwd=project.root)
    rolled = cli("rollback", "-r", "abort", cwd=project.root)

    assert staged.exit_code == 4 and "push failed" in staged.stderr
    assert json.loads((project.configs / "rollout.json").read_text())["stage"] in ("staged", "aborted")
    assert repeated.exit_code == 4
    assert rolled.exit_code == 4 and "ROLLBACK NOT DELIVERED" in rolled.stderr
    assert served(good)["stage"] == "aborted"
    skipped = cli("retry", "-r", "again", "--no-push", cwd=project.root)
    assert skipped.exit_code == 0 and "pushed" not in skipped.stdout


def test_the_kill_switch_sends_everyone_to_stable_and_enable_restores_the_weight(
    cli: RunFn, project: Project, target_server: Start
) -> None:
    app = target_server()
    setup(project, app.url)
    cli("stage", "-r", "s", cwd=project.root)
    cli("promote", cwd=project.root)
    users = [f"user-{n}" for n in range(400)]

    on_canary = {Router(served(app)).route("critic", user).variant for user in users}
    switched = cli("disable", "-r", "bad answers", cwd=project.root)
    assert switched.exit_code == 0 and "at at" not in switched.stdout
    assert "the rollout is frozen where it is, at canary 10%" in switched.stdout
    disabled = served(app)
    frozen = cli("promote", cwd=project.root)
    assert cli("enable", "-r", "fixed", cwd=project.root).exit_code == 0
    enabled = served(app)

    assert on_canary == {"stable", "candidate"}
    assert disabled["enabled"] is False and disabled["weight"] == 10
    assert {Router(disabled).route("critic", user).variant for user in users} == {"stable"}
    assert frozen.exit_code == 3 and "kill switch" in frozen.stderr
    assert enabled["enabled"] is True and {Router(enabled).route("critic", u).variant for u in users} == {
        "stable",
        "candidate",
    }
    status = cli("status", "--json", cwd=project.root).json()
    assert status["state"]["enabled"] is True


def test_force_routes_roles_to_one_model_for_everyone_and_clear_ends_it(
    cli: RunFn, project: Project, target_server: Start
) -> None:
    app = target_server()
    setup(project, app.url)

    forced = cli("force", CHEAP, "--roles", "architect,implementer", "-r", "Z.ai outage", cwd=project.root)
    bundle = served(app)
    routes = [
        Router(bundle).route("architect", f"u{n}", {"security_impact": "system-wide"}) for n in range(20)
    ]
    unknown = cli("force", "gpt-99", "-r", "typo", cwd=project.root)
    cleared = cli("force", "--clear", "-r", "Z.ai is back", cwd=project.root)

    assert forced.exit_code == 0 and bundle["forced"] == {"architect": CHEAP, "implementer": CHEAP}
    assert {r.model for r in routes} == {CHEAP} and not any(r.escalated for r in routes)
    assert Router(bundle).route("critic", "u1").model == "glm-4.5"
    assert unknown.exit_code == 2 and "not in the catalog" in unknown.stderr
    assert cleared.exit_code == 0 and served(app)["forced"] == {}
    history = cli("history", "--json", cwd=project.root).json()["revisions"]
    assert [r["kind"] for r in history][-2:] == ["force", "force"]


def test_status_remote_flags_a_target_serving_another_bundle(
    cli: RunFn, project: Project, target_server: Start
) -> None:
    current, behind = target_server(), target_server()
    setup(project, current.url, behind.url)
    cli("push", cwd=project.root)
    (project.root / "hybridctl.toml").write_text(f'targets = ["{current.url}"]\n')
    cli("stage", "-r", "s", cwd=project.root)  # only `current` hears of it
    (project.root / "hybridctl.toml").write_text(f'targets = ["{current.url}", "{behind.url}"]\n')
    project.edit_config(lambda c: None)

    run = cli("status", "--remote", "--json", cwd=project.root)

    assert run.exit_code == 1
    statuses = {t["url"]: t["status"] for t in run.json()["remote"]["targets"]}
    assert statuses == {current.url: "ok", behind.url: "stale"}


def test_every_transition_is_announced_and_a_dead_hook_blocks_nothing(
    cli: RunFn, project: Project, target_server: Start
) -> None:
    app, hook = target_server(), target_server()
    setup(project, app.url, hooks=(hook.url, closed_port_url()))

    staged = cli("stage", "-r", "critic on flash lite", cwd=project.root)
    rolled = cli("rollback", "-r", "errors", cwd=project.root)

    assert staged.exit_code == 0 and rolled.exit_code == 0
    assert "notification not delivered" in rolled.stderr
    events = [json.loads(body) for method, _, body in hook.received if method == "POST"]
    assert [e["action"] for e in events] == ["stage", "rollback"]
    assert events[1]["from"]["stage"] == "staged" and events[1]["to"]["stage"] == "aborted"
    assert events[1]["actor"] == "tester" and events[1]["reason"] == "errors"
    assert events[1]["digest"] == served(app)["digest"]
    assert "rollback by tester" in events[1]["text"] and "errors" in events[1]["text"]


def test_a_webhook_url_is_never_printed_and_may_come_from_the_environment(
    cli: RunFn, project: Project, target_server: Start
) -> None:
    secret_path = "/services/T0ABC/B0DEF/k3pt-s3cret-" + "x" * 12
    dead = closed_port_url() + secret_path
    from_env = target_server()
    setup(project, hooks=(dead,))
    settings = project.root / "hybridctl.toml"
    settings.write_text(settings.read_text() + '[[notify]]\nurl-env = "TEAM_WEBHOOK"\n')

    staged = cli("stage", "-r", "s", cwd=project.root, env={"TEAM_WEBHOOK": from_env.url + secret_path})
    unset = cli("rollback", "-r", "r", cwd=project.root, env={"TEAM_WEBHOOK": ""})

    assert staged.exit_code == 0 and unset.exit_code == 0
    shown = staged.stdout + staged.stderr + unset.stdout + unset.stderr
    assert "k3pt-s3cret" not in shown
    origin = "/".join(dead.split("/")[:3])  # scheme://host:port
    assert f"notification not delivered: {origin}/…: connection refused" in staged.stderr
    assert "notification not delivered: $TEAM_WEBHOOK: the variable TEAM_WEBHOOK is not set" in unset.stderr
    ((method, _, body),) = from_env.received
    assert method == "POST" and json.loads(body)["action"] == "stage"


def test_a_notify_entry_needs_exactly_one_of_url_and_url_env(cli: RunFn, project: Project) -> None:
    (project.root / "hybridctl.toml").write_text('[[notify]]\nheader = "X-Key"\n')

    run = cli("status", cwd=project.root)

    assert run.exit_code == 2
    assert "each [[notify]] needs one of url or url-env" in run.stderr
