"""An OpenAI-compatible upstream written for the end-to-end tests (not
hybridctl's, not LiteLLM's): it answers ``POST /v1/chat/completions`` for any
model, records which model served which user, and fails the models it is
told to fail, as a provider in an outage would (HTTP 500)."""

from __future__ import annotations

import http.server
import json
import threading
import time
from collections import Counter
from typing import Any, NamedTuple

USER_PREFIX = "user:"  # the tests put the user in the prompt: "user:u-17 ..."


class Call(NamedTuple):
    model: str
    user: str
    ok: bool


class _Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # headers and body go out in two writes: without this, Nagle's algorithm and
    # the client's delayed ACK hold the body back ~40 ms on a kept-alive connection
    disable_nagle_algorithm = True

    def log_message(self, format: str, *args: Any) -> None:
        pass

    @property
    def upstream(self) -> Upstream:
        owner: Upstream = self.server.owner  # type: ignore[attr-defined]
        return owner

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        request = json.loads(self.rfile.read(length) or b"{}")
        model = str(request.get("model"))
        prompt = " ".join(
            str(m.get("content", "")) for m in request.get("messages", []) if isinstance(m, dict)
        )
        user = next((w[len(USER_PREFIX) :] for w in prompt.split() if w.startswith(USER_PREFIX)), "")
        ok = model not in self.upstream.failing
        self.upstream.record(Call(model, user, ok))
        if ok:
            status, body = (
                200,
                {
                    "id": f"chatcmpl-{time.monotonic_ns()}",
                    "object": "chat.completion",
                    "created": int(time.time()),
                    "model": model,
                    "choices": [
                        {
                            "index": 0,
                            "message": {"role": "assistant", "content": "ok"},
                            "finish_reason": "stop",
                        }
                    ],
                    "usage": {"prompt_tokens": 100, "completion_tokens": 20, "total_tokens": 120},
                },
            )
        else:
            status, body = 500, {"error": {"message": "upstream outage", "type": "server_error"}}
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


class Upstream:
    """Runs on 127.0.0.1 in a thread of the test; ``url`` is its OpenAI base URL."""

    def __init__(self) -> None:
        self.calls: list[Call] = []
        self.failing: set[str] = set()
        self._lock = threading.Lock()
        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self.server.owner = self  # type: ignore[attr-defined]
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_port}/v1"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def record(self, call: Call) -> None:
        with self._lock:
            self.calls.append(call)

    def since(self, start: int) -> list[Call]:
        with self._lock:
            return self.calls[start:]

    def mark(self) -> int:
        with self._lock:
            return len(self.calls)

    def models_by_user(self, start: int = 0) -> dict[str, set[str]]:
        seen: dict[str, set[str]] = {}
        for call in self.since(start):
            seen.setdefault(call.user, set()).add(call.model)
        return seen

    def counts(self, start: int = 0) -> Counter[tuple[str, bool]]:
        return Counter((call.model, call.ok) for call in self.since(start))

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
