"""Answers that never end: every answer hybridctl reads is capped in size,
every attempt has a deadline for the whole exchange (a server dripping a byte
at a time into the headers included), and memory stays bounded whatever a
server sends. No test here times anything: each checks what ended the request."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from hybridctl.remote.http import Caller, Policy
from hybridctl.remote.push import push_bundle
from tests.helpers import Project, clean_env, hybridctl_executable
from tests.remote.hostile import HostileServer

QUICK = Policy(timeout_s=1.0, attempts=2, backoff_s=0.01, max_bytes=1 << 20)


@pytest.fixture
def hostile() -> Iterator[type[HostileServer]]:
    started: list[HostileServer] = []

    class Started(HostileServer):
        def __init__(self, mode: str, **options: float) -> None:
            super().__init__(mode, **options)
            started.append(self)

    yield Started
    for server in started:
        server.close()


@pytest.mark.parametrize("mode", ["endless", "endless-declared", "gzip-bomb"])
def test_an_answer_past_the_cap_is_an_error_at_once_never_retried(
    hostile: type[HostileServer], mode: str
) -> None:
    server = hostile(mode)

    with Caller(None, QUICK) as caller:
        answer = caller.request("GET", server.url)

    assert answer.status is None and answer.body == b""
    assert answer.error == "an answer larger than 1 MiB (the limit)"
    assert answer.attempts == 1 and server.connections == 1


@pytest.mark.parametrize("mode", ["drip-headers", "drip-body"])
def test_a_dripping_server_is_cut_at_the_deadline_of_each_attempt(
    hostile: type[HostileServer], mode: str
) -> None:
    server = hostile(mode, every_s=0.2)  # far inside the per-read timeout: only a deadline ends it

    with Caller(None, QUICK) as caller:
        answer = caller.request("GET", server.url)

    assert answer.error == "timed out (no complete answer within 1 s)"
    assert answer.attempts == 2 and server.connections == 2


def test_push_to_a_dripping_target_fails_and_names_the_deadline(hostile: type[HostileServer]) -> None:
    server = hostile("drip-headers", every_s=0.2)
    bundle = {"digest": "sha256:" + "0" * 64}

    report = push_bundle(bundle, [server.url + "/bundle"], token=None, policy=QUICK)

    (result,) = report.results
    assert result.status == "failed" and result.why == "send: timed out (no complete answer within 1 s)"


def peak_memory_of(args: list[str], cwd: Path) -> tuple[int, str, int]:
    """Run hybridctl in a process of its own; its exit code, output and peak
    resident memory in MiB (as the kernel counts it for that child alone)."""
    script = (
        "import json, resource, subprocess, sys\n"
        "done = subprocess.run(sys.argv[1:], capture_output=True, text=True)\n"
        "peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss // 1024\n"
        "print(json.dumps([done.returncode, done.stdout + done.stderr, peak]))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script, hybridctl_executable(), *args],
        cwd=cwd,
        env=clean_env({"HYBRIDCTL_ACTOR": "tester"}),
        capture_output=True,
        text=True,
        check=True,
        timeout=300,
    )
    code, output, peak = json.loads(done.stdout)
    return int(code), str(output), int(peak)


def test_push_against_an_endless_body_stays_small(hostile: type[HostileServer], project: Project) -> None:
    server = hostile("endless")

    code, output, peak_mib = peak_memory_of(["push", "--target", server.url + "/bundle"], project.root)

    assert code == 4 and "larger than 16 MiB" in output
    assert peak_mib < 200, f"push held {peak_mib} MiB"


def test_reconcile_against_an_endless_metrics_answer_stays_small(
    hostile: type[HostileServer], project: Project
) -> None:
    server = hostile("endless")
    project.edit_config(lambda config: config["roles"]["critic"].update(primary="gemini-2.5-flash-lite"))
    (project.root / "hybridctl.toml").write_text(
        f'[metrics]\nprovider = "prometheus"\nurl = "{server.url}"\n'
    )
    assert peak_memory_of(["stage", "-r", "s"], project.root)[0] == 0
    assert peak_memory_of(["rollout", "reconcile"], project.root)[0] == 0  # staged -> 10%

    code, output, peak_mib = peak_memory_of(
        ["rollout", "reconcile", "--interval", "0", "--json"], project.root
    )

    measured = json.loads(output)["measurement"]
    assert code == 0 and measured["verdict"] == "hold"
    assert any("larger than 4 MiB" in problem for problem in measured["gates"]["problems"])
    assert peak_mib < 250, f"reconcile held {peak_mib} MiB"
