"""The real parts of the end-to-end tests, each started on 127.0.0.1: a LiteLLM
proxy (from the virtual environment ``make e2e`` prepares) with the config
hybridctl renders, the reference endpoint it reads the bundle from, and a
Prometheus (the Debian package) scraping the plug-in every second."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

LITELLM_ENV = "HYBRIDCTL_E2E_LITELLM"  # the litellm executable of the proxy's venv
PROMETHEUS_ENV = "HYBRIDCTL_E2E_PROMETHEUS"  # a prometheus binary (else the one on PATH)
MASTER_KEY = "sk-e2e-" + "5eed" * 8


def litellm_executable() -> str | None:
    found = os.environ.get(LITELLM_ENV)
    return str(Path(found).resolve()) if found and Path(found).is_file() else None


def prometheus_executable() -> str | None:
    found = os.environ.get(PROMETHEUS_ENV) or shutil.which("prometheus")
    return found if found and Path(found).is_file() else None


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def wait_until(check: Any, what: str, timeout_s: float = 60.0, every_s: float = 0.2) -> Any:
    """Poll ``check()`` until it returns something true; fail naming ``what``."""
    deadline = time.monotonic() + timeout_s
    while True:
        result = check()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout_s:g} s waiting for {what}")
        time.sleep(every_s)


def http_get(url: str, headers: dict[str, str] | None = None) -> tuple[int, bytes]:
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:
            return int(answer.status), answer.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()
    except OSError:
        return 0, b""


class Service:
    """A subprocess with its output in a log file, stopped at the end."""

    def __init__(self, name: str, command: list[str], env: dict[str, str], cwd: Path) -> None:
        self.name = name
        self.log = cwd / f"{name}.log"
        self._out = self.log.open("wb")
        self.process = subprocess.Popen(command, env=env, cwd=cwd, stdout=self._out, stderr=subprocess.STDOUT)

    def alive(self) -> bool:
        return self.process.poll() is None

    def tail(self, lines: int = 40) -> str:
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])

    def stop(self) -> None:
        if self.alive():
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=15)
        self._out.close()


def start_proxy(litellm: str, config: Path, port: int, env: dict[str, str], cwd: Path) -> Service:
    command = [litellm, "--config", str(config), "--host", "127.0.0.1", "--port", str(port)]
    proxy = Service("litellm", command, env, cwd)
    url = f"http://127.0.0.1:{port}/health/liveliness"
    try:
        wait_until(lambda: not proxy.alive() or http_get(url)[0] == 200, "the LiteLLM proxy", timeout_s=180)
    except AssertionError:
        proxy.stop()
        raise
    if not proxy.alive():
        raise AssertionError("the LiteLLM proxy exited:\n" + proxy.tail())
    return proxy


def start_prometheus(binary: str, scrape: str, port: int, cwd: Path) -> Service:
    config = cwd / "prometheus.yml"
    config.write_text(
        "global: {scrape_interval: 1s, evaluation_interval: 1s}\n"
        "scrape_configs:\n"
        f"  - job_name: hybridctl-gateway\n    static_configs: [{{targets: ['{scrape}']}}]\n"
    )
    command = [
        binary,
        f"--config.file={config}",
        f"--storage.tsdb.path={cwd / 'tsdb'}",
        f"--web.listen-address=127.0.0.1:{port}",
    ]
    service = Service("prometheus", command, dict(os.environ), cwd)
    wait_until(lambda: http_get(f"http://127.0.0.1:{port}/-/ready")[0] == 200, "Prometheus", timeout_s=60)
    return service


def prometheus_value(port: int, query: str) -> float | None:
    """One PromQL instant query's value (the sum of its series), None for an empty vector."""
    url = f"http://127.0.0.1:{port}/api/v1/query?" + urllib.parse.urlencode({"query": query})
    status, body = http_get(url)
    assert status == 200, body
    result = json.loads(body)["data"]["result"]
    return sum(float(series["value"][1]) for series in result) if result else None


class Client:
    """Requests to the proxy as an agent sends them: a role as the model name,
    the user in ``user`` (and, for the upstream's records, in the prompt)."""

    def __init__(self, port: int) -> None:
        self.url = f"http://127.0.0.1:{port}/v1/chat/completions"

    def ask(self, role: str, user: str, task: dict[str, Any] | None = None) -> int:
        body: dict[str, Any] = {
            "model": role,
            "user": user,
            "messages": [{"role": "user", "content": f"user:{user} review this"}],
        }
        if task is not None:
            body["metadata"] = {"task": task}
        request = urllib.request.Request(
            self.url,
            data=json.dumps(body).encode(),
            headers={"Authorization": f"Bearer {MASTER_KEY}", "Content-Type": "application/json"},
        )
        try:
            with urllib.request.urlopen(request, timeout=60) as answer:
                answer.read()
                return int(answer.status)
        except urllib.error.HTTPError as error:
            error.read()
            return int(error.code)

    def many(self, asks: list[tuple[str, str, dict[str, Any] | None]], concurrency: int = 16) -> list[int]:
        """(role, user, task) each, ``concurrency`` at once; the status of each."""
        with ThreadPoolExecutor(concurrency) as pool:
            return list(pool.map(lambda ask: self.ask(*ask), asks))


def plugin_metrics(port: int) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    """The plug-in's /metrics, parsed: (name, labels) -> value."""
    from prometheus_client.parser import text_string_to_metric_families

    status, body = http_get(f"http://127.0.0.1:{port}/metrics")
    assert status == 200
    values = {}
    for family in text_string_to_metric_families(body.decode()):
        for sample in family.samples:
            values[(sample.name, frozenset(sample.labels.items()))] = sample.value
    return values


def metric_sum(
    values: dict[tuple[str, frozenset[tuple[str, str]]], float], name: str, **labels: str
) -> float:
    wanted = set(labels.items())
    return sum(v for (n, ls), v in values.items() if n == name and wanted <= ls)
