"""The HTTP loop the demo's stand-ins share: JSON answers on 127.0.0.1, from a
function of (method, path, body)."""

from __future__ import annotations

import json
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

Answer = Callable[[str, str, bytes], tuple[int, Any]]


def serve_json(port: int, answer: Answer) -> None:
    """Answer every GET and POST with ``answer``'s status and JSON, for ever."""

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *rest: Any) -> None:
            pass

        def _reply(self, method: str) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            status, data = answer(method, self.path, self.rfile.read(length) if length else b"")
            body = json.dumps(data).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self) -> None:
            self._reply("GET")

        def do_POST(self) -> None:
            self._reply("POST")

    ThreadingHTTPServer(("127.0.0.1", port), Handler).serve_forever()
