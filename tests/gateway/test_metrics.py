"""The plug-in's metrics with several proxy workers: each worker is its own
process; with PROMETHEUS_MULTIPROC_DIR set, the one that gets the port serves
every worker's counts, summed, and the others start without failing."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import time
import urllib.request
from pathlib import Path

import pytest

from tests.e2e.stack import free_port
from tests.gateway.helpers import make_bundle

pytest.importorskip("litellm", reason="LiteLLM is a dev dependency (make test installs it)")

WORKER = textwrap.dedent(
    """
    import asyncio, sys, time
    from hybridctl.gateway.litellm_plugin import handler
    from tests.gateway.helpers import Key, event

    while handler.watcher.current is None:
        time.sleep(0.01)
    for n in range(int(sys.argv[1])):
        data = {"model": "critic", "user": f"{sys.argv[2]}-{n}", "messages": []}
        asyncio.run(handler.async_pre_call_hook(Key(), None, data, "acompletion"))
        asyncio.run(handler.async_log_success_event(event(data, data["model"], 0.001), None, None, None))
    print("done", flush=True)
    sys.stdin.read()  # a worker lives as long as the proxy
    """
)


def test_several_workers_are_served_summed_from_one_port(tmp_path: Path) -> None:
    (tmp_path / "bundle.json").write_text(json.dumps(make_bundle(weight=10)))
    (tmp_path / "multiproc").mkdir()
    port = free_port()
    env = {
        **os.environ,
        "PROMETHEUS_MULTIPROC_DIR": str(tmp_path / "multiproc"),
        "HYBRIDCTL_BUNDLE": str(tmp_path / "bundle.json"),
        "HYBRIDCTL_METRICS_PORT": str(port),
        "LITELLM_LOCAL_MODEL_COST_MAP": "True",
        "PYTHONPATH": str(Path(__file__).resolve().parents[2]),
    }
    workers = [
        subprocess.Popen(
            [sys.executable, "-c", WORKER, str(count), name],
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for count, name in ((30, "a"), (45, "b"))
    ]
    try:
        for worker in workers:
            assert worker.stdout is not None and worker.stdout.readline().strip() == "done", worker.stderr
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=10) as answer:
                    text = answer.read().decode()
                break
            except OSError:
                assert time.monotonic() < deadline
                time.sleep(0.1)
    finally:
        for worker in workers:
            worker.kill()
            worker.wait(timeout=30)

    requests = sum(
        float(line.rsplit(" ", 1)[1]) for line in text.splitlines() if line.startswith("llm_requests_total{")
    )
    assert requests == 75  # both workers' requests, from whichever holds the port
