"""The reference endpoint: what an application can run (or copy) to follow a
rollout. It implements the management contract (contract.py): PUT stores the
bundle atomically after checking its digest, GET returns it, /healthz says
it is up. Standard library only: an application need not install anything
else to serve it."""

from __future__ import annotations

import hmac
import json
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from hybridctl.fsutil import atomic_write
from hybridctl.remote.contract import bundle_digest

MAX_BUNDLE_BYTES = 16 << 20


class Endpoint(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address: tuple[str, int], directory: Path, token: str | None) -> None:
        super().__init__(address, _Handler)
        self.directory = directory
        self.token = token

    @property
    def bundle_path(self) -> Path:
        return self.directory / "bundle.json"


class _Handler(BaseHTTPRequestHandler):
    server: Endpoint

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: an application logs what it wants."""

    def _reply(self, status: HTTPStatus, body: object) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _authorized(self) -> bool:
        if self.server.token is None:
            return True
        given = self.headers.get("Authorization", "")
        return hmac.compare_digest(given.encode(), f"Bearer {self.server.token}".encode())

    def do_GET(self) -> None:
        if self.path == "/healthz":
            self._reply(HTTPStatus.OK, {"ok": True})
            return
        if not self._authorized():
            self._reply(HTTPStatus.UNAUTHORIZED, {"error": "unauthorized"})
            return
        if not self.server.bundle_path.is_file():
            self._reply(HTTPStatus.NOT_FOUND, {"error": "no bundle yet", "digest": None})
            return
        self._reply(HTTPStatus.OK, json.loads(self.server.bundle_path.read_text(encoding="utf-8")))

    def do_PUT(self) -> None:
        if not self._authorized():
            self._reply(HTTPStatus.UNAUTHORIZED, {"error": "unauthorized"})
            return
        length = int(self.headers.get("Content-Length") or 0)
        if length <= 0 or length > MAX_BUNDLE_BYTES:
            self._reply(HTTPStatus.BAD_REQUEST, {"error": "a bundle of 1 byte to 16 MiB is expected"})
            return
        try:
            bundle = json.loads(self.rfile.read(length))
        except ValueError:
            self._reply(HTTPStatus.BAD_REQUEST, {"error": "not JSON"})
            return
        if not isinstance(bundle, dict) or bundle.get("digest") != bundle_digest(bundle):
            self._reply(HTTPStatus.UNPROCESSABLE_ENTITY, {"error": "the digest does not match the bundle"})
            return
        atomic_write(self.server.bundle_path, json.dumps(bundle, ensure_ascii=False).encode())
        self._reply(HTTPStatus.OK, {"digest": bundle["digest"]})


def serve(host: str, port: int, directory: Path, token: str | None) -> Endpoint:
    """An endpoint bound to (host, port); ``serve_forever()`` runs it."""
    directory.mkdir(parents=True, exist_ok=True)
    return Endpoint((host, port), directory, token)
