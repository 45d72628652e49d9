"""The reference endpoint, with a client written here (urllib, not hybridctl's)."""

from __future__ import annotations

import json
import subprocess
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from hybridctl.remote.contract import bundle_digest
from hybridctl.remote.serve import Endpoint, serve
from tests.helpers import Project, RunFn, clean_env, hybridctl_executable


@pytest.fixture
def endpoint(tmp_path: Path) -> Iterator[Endpoint]:
    running = serve("127.0.0.1", 0, tmp_path / "state", token="s3cr3t-t0ken")
    threading.Thread(target=running.serve_forever, daemon=True).start()
    yield running
    running.shutdown()
    running.server_close()


def call(
    endpoint: Endpoint, method: str, path: str, body: Any = None, token: str | None = "s3cr3t-t0ken"
) -> tuple[int, Any]:
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(
        f"http://127.0.0.1:{endpoint.server_port}{path}", data=data, method=method
    )
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def bundle(weight: int) -> dict[str, Any]:
    """A bundle as hybridctl renders it (bundle.schema.json), at ``weight``."""
    side = {"revision": 1, "digest": "sha256:" + "1" * 64, "modelConfig": {}, "modes": None}
    made: dict[str, Any] = {
        "version": 3,
        "generated_at": "2026-12-01T00:00:00Z",
        "rollout_id": "r-1",
        "stage": "canary",
        "paused": False,
        "weight": weight,
        "bucketing": {
            "key": "rollout_id:user_id",
            "hash": "murmur3",
            "buckets": 100,
            "rule": "bucket <= weight",
        },
        "enabled": True,
        "forced": {},
        "stable": side,
        "candidate": {**side, "revision": 2, "digest": "sha256:" + "2" * 64},
    }
    made["digest"] = bundle_digest(made)
    return made


def test_it_stores_what_it_is_given_and_serves_it_back(endpoint: Endpoint) -> None:
    assert call(endpoint, "GET", "/bundle")[0] == 404
    assert call(endpoint, "PUT", "/bundle", bundle(10)) == (200, {"digest": bundle(10)["digest"]})
    assert call(endpoint, "GET", "/bundle") == (200, bundle(10))
    assert json.loads(endpoint.bundle_path.read_text()) == bundle(10)
    assert call(endpoint, "GET", "/healthz", token=None) == (200, {"ok": True})


def test_it_refuses_a_wrong_token_and_a_bundle_whose_digest_does_not_match(endpoint: Endpoint) -> None:
    tampered = {**bundle(10), "weight": 99}

    assert call(endpoint, "PUT", "/bundle", bundle(10), token="wrong")[0] == 401
    assert call(endpoint, "GET", "/bundle", token=None)[0] == 401
    assert call(endpoint, "PUT", "/bundle", tampered)[0] == 422
    assert not endpoint.bundle_path.exists()


def test_push_to_the_command_line_endpoint(cli: RunFn, project: Project, tmp_path: Path) -> None:
    process = subprocess.Popen(
        [hybridctl_executable(), "serve", "--port", "0", "--dir", str(tmp_path / "app")],
        env=clean_env({"HYBRIDCTL_TARGET_TOKEN": "shared-token"}),
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stderr is not None
        line = process.stderr.readline()
        url = line.split("on ")[1].split(" ")[0] + "bundle"
        (project.root / "hybridctl.toml").write_text(f'targets = ["{url}"]\n')

        run = cli("push", cwd=project.root, env={"HYBRIDCTL_TARGET_TOKEN": "shared-token"})
        status = cli(
            "status", "--remote", "--json", cwd=project.root, env={"HYBRIDCTL_TARGET_TOKEN": "shared-token"}
        )

        assert run.exit_code == 0, run.stdout
        assert status.exit_code == 0 and status.json()["remote"]["counts"]["ok"] == 1
    finally:
        process.terminate()
        process.wait(timeout=10)
