"""hybridctl push to a fleet of endpoints written here on 127.0.0.1: one down
out of twenty is exit 4 with nineteen ok; a wrong token fails and is never printed."""

from __future__ import annotations

import json

from tests.helpers import Project, RunFn, closed_port_url
from tests.remote.helpers import Start

TOKEN = "t0k-" + "9f8e7d6c5b4a" * 3


def settings(project: Project, *urls: str, extra: str = "") -> None:
    (project.root / "hybridctl.toml").write_text(f"targets = {json.dumps(list(urls))}\n{extra}")


def test_a_fleet_of_20_with_one_down_reports_19_ok_and_exits_4(
    cli: RunFn, project: Project, target_server: Start
) -> None:
    fleet = [target_server() for _ in range(19)]
    down = closed_port_url()
    settings(project, *(s.url for s in fleet), down)

    run = cli("push", "--json", cwd=project.root, env={"HYBRIDCTL_TARGET_TOKEN": TOKEN})

    report = run.json()
    assert run.exit_code == 4
    assert report["counts"] == {"ok": 19, "stale": 0, "failed": 1}
    failed = next(t for t in report["targets"] if t["status"] == "failed")
    assert failed["url"] == down and failed["attempts"] == 4
    rendered = json.loads(cli("render", cwd=project.root).stdout)
    for server in fleet:
        ((headers, body),) = server.puts()
        assert headers["Content-Type"] == "application/json"
        assert headers["Authorization"] == f"Bearer {TOKEN}"
        assert headers["Idempotency-Key"] == rendered["digest"] == json.loads(body)["digest"]
    assert TOKEN not in run.stdout + run.stderr


def test_a_wrong_token_fails_and_no_byte_of_the_token_is_printed(
    cli: RunFn, hybridctl: RunFn, project: Project, target_server: Start
) -> None:
    guarded = target_server(token="the-right-one")
    settings(project, guarded.url)

    for run in (
        cli("push", cwd=project.root, env={"HYBRIDCTL_TARGET_TOKEN": TOKEN}),
        hybridctl("push", "--json", cwd=project.root, env={"HYBRIDCTL_TARGET_TOKEN": TOKEN}),
    ):
        assert run.exit_code == 4
        assert "401 unauthorized" in run.stdout
        for part in (TOKEN, TOKEN[4:16], TOKEN[-10:]):
            assert part not in run.stdout + run.stderr
