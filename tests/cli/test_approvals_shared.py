"""Escalation approvals across machines and applications: a request made on
one machine and approved on another sharing one store, and ``hybridctl serve
--escalations`` taking requests from an application and giving back the grant
once a person approved it."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from hybridctl.routing.router import Router
from tests.helpers import Project, RunFn, clean_env, hybridctl_executable

KEY = "k" * 32
TOKEN = "serve-token-0123456789abcdef"
TASK = {"affected_services": ["auth", "api", "web", "daemon"], "security_impact": "auth_bypass"}


def git(path: Path, *args: str) -> str:
    return subprocess.run(["git", "-C", str(path), *args], capture_output=True, text=True, check=True).stdout


@pytest.fixture
def machines(cli: RunFn, tmp_path: Path) -> tuple[Path, Path, Path]:
    bare = tmp_path / "shared.git"
    subprocess.run(["git", "init", "--quiet", "--bare", str(bare)], check=True)
    alice, bob = tmp_path / "alice", tmp_path / "bob"
    for root, actor in ((alice, "alice"), (bob, "bob")):
        run = cli("init", str(root), "--store-remote", str(bare), env={"HYBRIDCTL_ACTOR": actor})
        assert run.exit_code == 0, run.stderr
    return bare, alice, bob


def test_a_request_on_one_machine_is_approved_on_the_other_and_both_see_the_grant(
    cli: RunFn, machines: tuple[Path, Path, Path]
) -> None:
    bare, alice, bob = machines
    made = cli(
        "escalation", "request", "--role", "integrator", "--context", json.dumps(TASK),
        "--reason", "cross-service auth change", "--json", cwd=alice, env={"HYBRIDCTL_ACTOR": "alice"},
    )  # fmt: skip
    assert made.exit_code == 0, made.stderr
    request_id = made.json()["id"]

    queue = cli("escalation", "queue", "--json", cwd=bob).json()["requests"]
    assert [(r["id"], r["status"], r["requester"]) for r in queue] == [(request_id, "pending", "alice")]

    approved = cli("escalation", "approve", request_id, "--reason", "security reviewed", cwd=bob,
                   env={"HYBRIDCTL_ACTOR": "security_lead"})  # fmt: skip
    assert approved.exit_code == 0, approved.stderr

    seen = cli("escalation", "show", request_id, "--json", cwd=alice, env={"HYBRIDCTL_GRANT_KEY": KEY}).json()
    assert seen["status"] == "approved" and seen["decision"]["actor"] == "security_lead"
    grant = seen["grant"]
    explained = cli("route", "explain", "--role", "integrator", "--user", "u-9", "--context",
                    json.dumps({**TASK, "approval": grant}), "--json", cwd=alice,
                    env={"HYBRIDCTL_GRANT_KEY": KEY}).json()  # fmt: skip
    assert explained["model"] == "claude-4.1-opus" and explained["approval"]["grant"] == request_id

    shared = [
        line
        for line in git(bare, "log", "--reverse", "--format=%an %s", "main").splitlines()
        if "escalation" in line
    ]
    assert (
        shared[-1] == f"security_lead escalation r{len(shared) + 1}: {request_id} approved: security reviewed"
    )
    assert any(f"alice escalation r2: {request_id} requested for integrator" in line for line in shared)


class Served:
    def __init__(self, root: Path, tmp: Path, key: str | None = KEY) -> None:
        env = {"HYBRIDCTL_TARGET_TOKEN": TOKEN, **({"HYBRIDCTL_GRANT_KEY": key} if key else {})}
        self.process = subprocess.Popen(
            [hybridctl_executable(), "serve", "--escalations", "--port", "0", "--dir", str(tmp / "app")],
            cwd=root,
            env=clean_env(env),
            stderr=subprocess.PIPE,
            text=True,
        )
        assert self.process.stderr is not None
        line = self.process.stderr.readline()
        assert "serving" in line, line + self.process.stderr.read()
        self.url = line.split("on ")[1].split(" ")[0].rstrip("/")

    def post(self, body: Any, token: str | None = TOKEN) -> httpx.Response:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        return httpx.post(f"{self.url}/escalations", json=body, headers=headers, timeout=30)

    def get(self, request_id: str, token: str | None = TOKEN) -> httpx.Response:
        """``request_id``: an id, or ``?task_id=...``."""
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        path = request_id if request_id.startswith("?") else f"/{request_id}"
        return httpx.get(f"{self.url}/escalations{path}", headers=headers, timeout=30)

    def close(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=10)


@pytest.fixture
def served(project: Project, tmp_path: Path) -> Iterator[Served]:
    server = Served(project.root, tmp_path)
    yield server
    server.close()


def test_an_application_asks_through_serve_and_gets_its_grant_once_approved(
    cli: RunFn, project: Project, served: Served
) -> None:
    body = {"role": "architect", "context": TASK, "reason": "auth redesign", "requester": "orchestrator-7"}
    assert served.post(body, token=None).status_code == 401
    assert served.post(body, token="wrong-token-0123456789").status_code == 401
    made = served.post(body)
    assert made.status_code == 201, made.text
    request_id = made.json()["id"]
    assert (made.json()["status"], made.json()["requester"]) == ("pending", "orchestrator-7")

    pending = served.get(request_id)
    assert pending.status_code == 200 and pending.json()["grant"] is None
    assert served.get("esc-00000000").status_code == 404
    assert served.get("../../etc/passwd").status_code == 404
    assert served.get(request_id, token=None).status_code == 401

    approved = cli("escalation", "approve", request_id, "--reason", "plan reviewed", cwd=project.root,
                   env={"HYBRIDCTL_ACTOR": "architect"})  # fmt: skip
    assert approved.exit_code == 0, approved.stderr
    answer = served.get(request_id).json()
    assert answer["status"] == "approved" and answer["grant"].startswith("hxg1.")

    bundle = json.loads(cli("render", cwd=project.root).stdout)
    router = Router(bundle, grant_key=KEY.encode())
    route = router.route("architect", "u-1", {**TASK, "approval": answer["grant"]})
    assert (route.model, route.grant) == ("claude-4.1-opus", request_id)

    history = git(project.store, "log", "-p")
    for secret in (KEY, TOKEN, answer["grant"]):
        assert secret not in history


@pytest.mark.parametrize(
    ("body", "status", "words"),
    [
        ({"role": "architect", "context": {"affected_services": 1}, "reason": "x"}, 422, "does not meet"),
        ({"role": "architect", "context": TASK}, 422, "needs role and reason"),
        (
            {"role": "architect", "context": {"complexity_score": "high"}, "reason": "x"},
            422,
            "must be a number",
        ),
        ({"role": "nobody", "context": TASK, "reason": "x"}, 422, "not in the config's roles"),
        (["not", "an", "object"], 422, "a JSON object"),
    ],
)
def test_serve_refuses_what_cannot_be_a_request_and_records_nothing(
    project: Project, served: Served, body: Any, status: int, words: str
) -> None:
    before = git(project.store, "rev-parse", "HEAD")
    answer = served.post(body)
    assert answer.status_code == status and words in answer.json()["error"]
    assert git(project.store, "rev-parse", "HEAD") == before


def test_serve_answers_404_for_escalations_unless_asked_to_keep_them(tmp_path: Path) -> None:
    process = subprocess.Popen(
        [hybridctl_executable(), "serve", "--no-auth", "--port", "0", "--dir", str(tmp_path / "app")],
        env=clean_env({}),
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stderr is not None
        line = process.stderr.readline()
        while "serving" not in line:
            line = process.stderr.readline()
        url = line.split("on ")[1].split(" ")[0].rstrip("/")
        answer = httpx.post(f"{url}/escalations", json={"role": "architect"}, timeout=10)
        assert answer.status_code == 404 and "--escalations" in answer.json()["error"]
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_serve_keeps_escalations_only_inside_a_setup(hybridctl: RunFn, tmp_path: Path) -> None:
    refused = hybridctl("serve", "--escalations", "--no-auth", "--port", "0", "--dir", "app", cwd=tmp_path)
    assert refused.exit_code == 2 and "no hybridctl setup here" in refused.stderr


def test_two_machines_sweeping_at_once_alert_each_step_once(
    cli: RunFn, machines: tuple[Path, Path, Path], target_server: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from datetime import datetime, timedelta, timezone

    from hybridctl.app.approval_alerts import sweep
    from hybridctl.app.settings import load_settings
    from hybridctl.app.workspace import Workspace
    from hybridctl.store.repo import Store

    bare, alice, bob = machines
    hook = target_server()
    for root in (alice, bob):
        with (root / "hybridctl.toml").open("a") as settings:
            settings.write(f'\n[[notify]]\nurl = "{hook.url}"\nteam = "primary"\n')
    now = [datetime(2026, 12, 1, 9, 0, tzinfo=timezone.utc)]
    monkeypatch.setattr("hybridctl.times.clock", lambda: now[0])
    made = cli("escalation", "request", "--role", "architect", "--context", json.dumps(TASK),
               "--reason", "auth", cwd=alice)  # fmt: skip
    assert made.exit_code == 0, made.stderr
    now[0] += timedelta(minutes=15)  # the reminder is due, on both machines

    real_push = Store._push
    alice_swept: list[Any] = []
    started: list[bool] = []

    def push(self: Store, *refspecs: str) -> None:
        if not started:  # bob fetched and claimed; alice sweeps and pushes first
            head = self.head()
            started.append(head is not None and head.reason.startswith("sweep:"))  # bob's claim
            alice_swept.append(sweep(Workspace.from_settings(load_settings(alice))))
        real_push(self, *refspecs)

    monkeypatch.setattr(Store, "_push", push)
    by_bob = sweep(Workspace.from_settings(load_settings(bob)))

    assert started == [True]  # bob's claim was on its way when alice pushed hers
    assert [a.step.name for a in alice_swept[0].claimed] == ["primary-reminder"]
    assert by_bob.claimed == [] and by_bob.delivered == []  # on top of alice's claim: nothing left
    posted = [json.loads(body)["event"] for method, _, body in hook.received if method == "POST"]
    assert posted == ["escalation.created", "escalation.primary-reminder"]
    subjects = git(bare, "log", "--format=%s", "main").splitlines()
    assert sum("sweep:" in s for s in subjects) == 1
