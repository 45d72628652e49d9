"""Paths and small helpers shared by the tests."""

from __future__ import annotations

import http.server
import json
import os
import re
import shutil
import sys
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from hybridctl.app.workspace import Workspace

REPO = Path(__file__).resolve().parent.parent
CONFIGS = REPO / "configs"
CORPUS = Path(__file__).resolve().parent / "corpus"
REALWORLD = Path(os.environ.get("HYBRIDCTL_REALWORLD_DIR", REPO.parent / "shared" / "realworld"))
ANSI_COLOUR = re.compile(r"\x1b\[[0-9;]*(3[0-9]|9[0-7]|38;)[0-9;]*m")


@dataclass
class Run:
    exit_code: int
    stdout: str
    stderr: str

    def json(self) -> Any:
        return json.loads(self.stdout)


RunFn = Callable[..., Run]


_CACHES = {"index", "hybridctl.lock"}  # git's stat cache and the lock file hold no content


def snapshot(directory: Path) -> dict[str, bytes]:
    """Every file under a directory, by relative path, to prove nothing changed."""
    return {
        str(p.relative_to(directory)): p.read_bytes()
        for p in sorted(directory.rglob("*"))
        if p.is_file() and not (".git" in p.parts and p.name in _CACHES)
    }


class Project:
    """An initialised hybridctl setup in a temporary directory: configs/, schemas/
    and a real git store holding backup 1."""

    def __init__(self, root: Path) -> None:
        from hybridctl.app.scaffold import init_project

        self.root = root
        self.configs = root / "configs"
        self.store = root / "backups"
        self.init = init_project(root, actor="tester", now=datetime(2025, 6, 1, 12, 0, tzinfo=timezone.utc))

    def workspace(self, lock_timeout: float = 5) -> Workspace:
        return Workspace(self.configs, self.store, lock_timeout, "tester")

    def edit_config(self, change: Callable[[dict[str, Any]], None]) -> None:
        path = self.configs / "model-config.json"
        data = json.loads(path.read_text())
        change(data)
        path.write_text(json.dumps(data, indent=2) + "\n")

    def files(self) -> dict[str, bytes]:
        """The config files (not rollout.json, the rollout state's mirror)."""
        return {
            p.name: p.read_bytes()
            for p in sorted(self.configs.iterdir())
            if p.is_file() and p.name != "rollout.json"
        }


def usage_events(
    variant: str,
    count: int,
    *,
    start: datetime,
    errors: int = 0,
    latency_s: float = 1.0,
    slow: int = 0,
    slow_latency_s: float = 4.0,
    escalated: int = 0,
    model: str = "glm-4.5",
    role: str = "critic",
    quality: float | None = None,
    answered: int | None = None,
) -> list[dict[str, Any]]:
    """`count` requests of one variant, one per second from `start`; the first
    `errors` fail (the first `answered` of them answered by a fallback, when
    given), the first `slow` take `slow_latency_s`, the last `escalated` escalate."""
    events = []
    for i in range(count):
        event: dict[str, Any] = {
            "time": (start + timedelta(seconds=i + 1)).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "user": f"user-{i}",
            "role": role,
            "model": model,
            "variant": variant,
            "input_tokens": 1000,
            "output_tokens": 200,
            "latency_ms": (slow_latency_s if i < slow else latency_s) * 1000,
            "status": "error" if i < errors else "ok",
            "escalated": i >= count - escalated,
        }
        if quality is not None:
            event["quality"] = quality
        if answered is not None and i < errors:
            event["answered"] = i < answered
        events.append(event)
    return events


def write_usage(path: Path, *groups: list[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(e) + "\n" for group in groups for e in group))
    return path


def simulated_events(count: int, *, seed: int = 7, start: datetime | None = None) -> list[dict[str, Any]]:
    """Events from the simulator, routed through a bundle of the default configs
    with a candidate (the critic on Flash Lite) at 30%."""
    from hybridctl.app.simulate import Workload, simulate

    stable = json.loads((CONFIGS / "model-config.json").read_text())
    candidate = json.loads(json.dumps(stable))
    candidate["roles"]["critic"]["primary"] = "gemini-2.5-flash-lite"
    side = {"revision": 1, "digest": "sha256:" + "0" * 64, "modes": None}
    bundle = {
        "rollout_id": "r-test",
        "weight": 30,
        "stable": {**side, "modelConfig": stable},
        "candidate": {**side, "revision": 2, "modelConfig": candidate},
    }
    begin = start or datetime(2026, 11, 20, 22, 0, tzinfo=timezone.utc)
    return list(simulate(bundle, Workload(count, 300, begin, timedelta(hours=4), 0.02, None, 1.0, seed)))


OUR_ENV = ("HYBRIDCTL_", "GITHUB_")


def clean_env(extra: dict[str, str] | None) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(OUR_ENV) and k not in ("FORCE_COLOR", "NO_COLOR")
    }
    env["HYBRIDCTL_ACTOR"] = "tester"
    env.update(extra or {})
    return env


def hybridctl_executable() -> str:
    beside = Path(sys.executable).parent / "hybridctl"
    found = str(beside) if beside.exists() else shutil.which("hybridctl")
    assert found, "the hybridctl entry point is not installed (pip install -e .)"
    return found


READERS = ["msgspec"] if os.environ.get("HYBRIDCTL_READER") == "msgspec" else ["compiled", "msgspec"]


class _TargetHandler(http.server.BaseHTTPRequestHandler):
    """How a TargetServer answers: it keeps every request, and misbehaves as told."""

    @property
    def owner(self) -> TargetServer:
        owner: TargetServer = self.server.owner  # type: ignore[attr-defined]
        return owner

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def _answer(self, status: int, body: object) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _common(self, method: str) -> bytes | None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        self.owner.received.append((method, dict(self.headers.items()), body))
        with self.owner.lock:
            self.owner.inflight += 1
            self.owner.most_at_once = max(self.owner.most_at_once, self.owner.inflight)
        if self.owner.delay_s:
            import time

            time.sleep(self.owner.delay_s)
        with self.owner.lock:
            self.owner.inflight -= 1
        if self.owner.fail_first > 0:
            self.owner.fail_first -= 1
            self._answer(503, {"error": "busy"})
            return None
        if self.owner.token is not None and self.headers.get("Authorization") != f"Bearer {self.owner.token}":
            self._answer(401, {"error": "unauthorized"})
            return None
        return body

    def do_PUT(self) -> None:
        body = self._common("PUT")
        if body is None:
            return
        if self.owner.bundle is None or not self.owner.stale:
            self.owner.bundle = json.loads(body)
        self._answer(self.owner.status, {"ok": True})

    def do_GET(self) -> None:
        if self._common("GET") is None:
            return
        self._answer(200, self.owner.bundle or {"digest": None})

    def do_POST(self) -> None:
        body = self._common("POST")
        if body is not None:
            self._answer(self.owner.status, {"ok": True})


class TargetServer:
    """A minimal management endpoint written for the tests (not hybridctl's own):
    it keeps what it was sent, and misbehaves on request."""

    def __init__(
        self,
        *,
        token: str | None = None,
        fail_first: int = 0,  # answer 503 to this many requests first
        delay_s: float = 0.0,  # wait this long before answering
        stale: bool = False,  # accept PUTs but keep serving the first bundle
        status: int = 200,  # the status of a PUT that is accepted
        tls: Any = None,  # a trustme CA: serve HTTPS with a certificate it issued
    ) -> None:
        import http.server
        import ssl
        import threading

        self.received: list[tuple[str, dict[str, str], bytes]] = []  # method, headers, body
        self.inflight = self.most_at_once = 0  # requests being answered now, and the peak
        self.bundle: dict[str, Any] | None = None
        self.token, self.fail_first, self.delay_s, self.stale, self.status = (
            token,
            fail_first,
            delay_s,
            stale,
            status,
        )
        self.lock = threading.Lock()
        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _TargetHandler)
        self.server.owner = self  # type: ignore[attr-defined]
        self.server.daemon_threads = True
        scheme = "http"
        if tls is not None:
            cert = tls.issue_cert("127.0.0.1")
            context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            cert.configure_cert(context)
            self.server.socket = context.wrap_socket(self.server.socket, server_side=True)
            scheme = "https"
        self.url = f"{scheme}://127.0.0.1:{self.server.server_port}/hybridctl/bundle"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def puts(self) -> list[tuple[dict[str, str], bytes]]:
        return [(headers, body) for method, headers, body in self.received if method == "PUT"]

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def closed_port_url() -> str:
    """A URL nothing listens on (a port bound, then let go)."""
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}/hybridctl/bundle"


Answer = tuple[int, object]
Figure = float | dict[str, float] | None


class JsonServer:
    """An HTTP server on 127.0.0.1, written for the tests, that answers every
    request with JSON from ``answer(method, path, headers, body)`` and keeps
    what it received."""

    def __init__(self, answer: Callable[[str, str, dict[str, str], bytes], Answer]) -> None:
        import http.server
        import threading

        self.received: list[tuple[str, str, dict[str, str]]] = []  # method, path, headers
        owner = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                pass

            def _any(self, method: str) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                headers = dict(self.headers.items())
                owner.received.append((method, self.path, headers))
                status, reply = answer(method, self.path, headers, body)
                data = reply if isinstance(reply, bytes) else json.dumps(reply).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self) -> None:
                self._any("GET")

            def do_POST(self) -> None:
                self._any("POST")

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


# The metric each default query of hybridctl's [metrics] reads, as an application exports it.
PROM_METRICS = {
    "llm_requests_total": "requests",
    "llm_errors_total": "errors",
    "llm_unanswered_total": "unanswered",
    "llm_latency_seconds_bucket": "latency-p95",
    "llm_cost_usd_total": "cost",
    "llm_escalations_total": "escalations",
    "llm_satisfaction_sum": "satisfaction",
}


class PromServer(JsonServer):
    """A Prometheus-API-shaped server: ``GET /api/v1/query`` answers each query
    with the figure set for its metric and its ``variant`` label (a query with
    no variant label is month-to-date spend). A figure set to None answers an
    empty vector; ``status`` other than 200 answers that status."""

    def __init__(self, *, token: str | None = None) -> None:
        from urllib.parse import parse_qs, urlsplit

        # A figure is a value, None (no series), or {role: value} (a series per role).
        self.figures: dict[str, dict[str, Figure]] = {"stable": {}, "candidate": {}}
        self.raw: bytes | None = None  # when set: the body of every answer, whatever was asked
        self.spend_month: float | None = None
        self.status = 200
        self.token = token
        self.queries: list[str] = []

        def answer(method: str, path: str, headers: dict[str, str], body: bytes) -> Answer:
            parts = urlsplit(path)
            if parts.path != "/api/v1/query":
                return 404, {"status": "error", "error": "not found"}
            if self.token is not None and headers.get("Authorization") != f"Bearer {self.token}":
                return 401, {"status": "error", "error": "unauthorized"}
            if self.status != 200:
                return self.status, {"status": "error", "error": "unavailable"}
            if self.raw is not None:
                return 200, self.raw
            query = parse_qs(parts.query)["query"][0]
            self.queries.append(query)
            metric = next((m for m in PROM_METRICS if m in query), None)
            variant = re.search(r'variant="(\w+)"', query)
            if metric is None:
                return 400, {"status": "error", "errorType": "bad_data", "error": "unknown metric"}
            value: Figure
            if variant is None:
                value = self.spend_month
            else:
                value = self.figures[variant.group(1)].get(PROM_METRICS[metric])
            series = {} if value is None else value if isinstance(value, dict) else {"": value}
            result = [
                {"metric": {"role": role} if role else {}, "value": [1764547200, repr(float(v))]}
                for role, v in series.items()
            ]
            return 200, {"status": "success", "data": {"resultType": "vector", "result": result}}

        super().__init__(answer)

    def set(self, variant: str, **figures: Figure) -> None:
        """requests, errors, unanswered, latency (p95 seconds), cost (USD), escalations, satisfaction."""
        names = {"latency": "latency-p95"}
        self.figures[variant].update({names.get(k, k): v for k, v in figures.items()})


class ModelsServer(JsonServer):
    """An OpenAI-compatible ``GET /v1/models`` that lists ``ids`` to a caller
    with the right bearer token (401 otherwise)."""

    def __init__(self, ids: list[str], *, token: str) -> None:
        self.ids = ids

        def answer(method: str, path: str, headers: dict[str, str], body: bytes) -> Answer:
            if not path.startswith("/v1/models"):
                return 404, {"error": "not found"}
            if headers.get("Authorization") != f"Bearer {token}":
                return 401, {"error": {"message": "invalid api key"}}
            return 200, {"object": "list", "data": [{"id": i, "object": "model"} for i in self.ids]}

        super().__init__(answer)
        self.base_url = f"{self.url}/v1"
