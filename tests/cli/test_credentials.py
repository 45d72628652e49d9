"""Credentials on the way out: a password inside a target URL, a token that a
header cannot hold, a token too short to be a secret. None of them is ever
printed, in a table or in JSON, and a token that cannot be used is refused
(exit 2, naming its variable) before anything is recorded."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tests.helpers import Project, RunFn, snapshot

Start = Callable[..., Any]
PASSWORD = "pa55-w0rd-71c3"
TOKEN = "tgt-" + "5eed" * 8


def a_candidate(project: Project) -> None:
    project.edit_config(lambda config: config["roles"]["critic"].update(primary="gemini-2.5-flash-lite"))


def test_a_password_inside_a_target_url_is_never_shown_nor_recorded(
    cli: RunFn, project: Project, target_server: Start
) -> None:
    app = target_server()
    url = app.url.replace("http://", f"http://admin:{PASSWORD}@")
    (project.root / "hybridctl.toml").write_text(f'targets = ["{url}"]\n')
    a_candidate(project)

    table = cli("push", cwd=project.root, env={"HYBRIDCTL_TARGET_TOKEN": TOKEN})
    as_json = cli("push", "--json", cwd=project.root, env={"HYBRIDCTL_TARGET_TOKEN": TOKEN})
    staged = cli("stage", "-r", "try it", "--json", cwd=project.root, env={"HYBRIDCTL_TARGET_TOKEN": TOKEN})
    history = cli("history", "--json", cwd=project.root)

    assert table.exit_code == as_json.exit_code == staged.exit_code == 0
    shown = app.url.removesuffix("/")
    assert shown in table.stdout and as_json.json()["targets"][0]["url"] == shown
    for run in (table, as_json, staged, history):
        assert PASSWORD not in run.stdout + run.stderr and "admin:" not in run.stdout + run.stderr
    store_text = b"".join(snapshot(project.store).values())
    assert PASSWORD.encode() not in store_text


@pytest.mark.parametrize(
    ("token", "why"),
    [
        ("secret-value-1\n", "header cannot carry"),
        ("s3cr", "shorter than 8"),
        ("x y z w v u", "header cannot"),
    ],
)
def test_a_token_that_cannot_be_used_is_refused_before_anything_is_recorded(
    hybridctl: RunFn, project: Project, target_server: Start, token: str, why: str
) -> None:
    app = target_server()
    (project.root / "hybridctl.toml").write_text(f'targets = ["{app.url}"]\n')
    a_candidate(project)
    before = snapshot(project.root)

    pushed = hybridctl("push", cwd=project.root, env={"HYBRIDCTL_TARGET_TOKEN": token})
    staged = hybridctl("stage", "-r", "try it", cwd=project.root, env={"HYBRIDCTL_TARGET_TOKEN": token})

    for run in (pushed, staged):
        assert run.exit_code == 2, run.stderr
        assert why in run.stderr and "HYBRIDCTL_TARGET_TOKEN" in run.stderr
        assert token.strip() not in run.stdout + run.stderr and "Illegal header" not in run.stderr
        assert "Traceback" not in run.stderr
    assert snapshot(project.root) == before and app.received == []


def test_a_metrics_token_that_cannot_be_used_is_refused_before_the_rollout_moves(
    hybridctl: RunFn, project: Project
) -> None:
    (project.root / "hybridctl.toml").write_text(
        '[metrics]\nprovider = "prometheus"\nurl = "http://127.0.0.1:9"\ntoken-env = "PROM_TOKEN"\n'
    )
    a_candidate(project)
    assert hybridctl("stage", "-r", "s", cwd=project.root).exit_code == 0
    before = snapshot(project.root)

    run = hybridctl("rollout", "reconcile", "--json", cwd=project.root, env={"PROM_TOKEN": "prom-secret\n"})

    assert run.exit_code == 2 and "PROM_TOKEN" in run.stderr and "prom-secret" not in run.stdout + run.stderr
    assert snapshot(project.root) == before


def test_a_notify_hook_with_an_impossible_port_is_refused_when_settings_are_read(
    hybridctl: RunFn, project: Project
) -> None:
    a_candidate(project)
    before = snapshot(project.store)
    for port in ("99999", "12ab"):
        (project.root / "hybridctl.toml").write_text(f'[[notify]]\nurl = "https://hooks.internal:{port}/x"\n')
        run = hybridctl("stage", "-r", "s", cwd=project.root)
        assert run.exit_code == 2 and "port" in run.stderr and "Traceback" not in run.stderr
        assert snapshot(project.store) == before and "ValueError" not in run.stderr

    (project.root / "hybridctl.toml").write_text('[[notify]]\nurl-env = "HOOK_URL"\n')
    run = hybridctl(
        "stage", "-r", "s", cwd=project.root, env={"HOOK_URL": "https://hooks.internal:99999/T0k"}
    )
    assert run.exit_code == 2 and "HOOK_URL" in run.stderr and "T0k" not in run.stderr
    assert snapshot(project.store) == before
