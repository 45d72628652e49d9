"""The reference endpoint: what an application can run to follow a rollout. It
implements the management contract (contract.py): PUT stores the bundle
atomically after checking it against the bundle schema and its digest, GET
returns it, /healthz says it is up.

It faces whatever can reach its port, so nothing a client sends can crash
it, tear the stored bundle or hold it: a request is parsed strictly (400 for
a bad Content-Length or a body that is not JSON, 413 past the size limit,
422 for JSON that is not a bundle), writes are serialised and atomic, every
connection has a per-read timeout and a deadline for the whole request, and
at most ``max_connections`` are served at once (the rest wait in the listen
queue and are answered in turn)."""

from __future__ import annotations

import contextlib
import errno
import hmac
import json
import socket
import threading
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import parse_qs

from hybridctl.errors import UsageError
from hybridctl.fsutil import atomic_write
from hybridctl.remote.contract import NotABundle, read_bundle

MAX_BUNDLE_BYTES = 16 << 20
MAX_REQUEST_BYTES = 64 << 10  # an escalation request: a role, a task context, a reason
MAX_CONNECTIONS = 64  # served at once; more wait in the listen queue
READ_TIMEOUT_S = 10.0  # a client silent this long is dropped
REQUEST_DEADLINE_S = 30.0  # a request, whole, from its first byte to the answer
_CHUNK = 1 << 16


class BadRequest(Exception):
    """A request the endpoint refuses: its status and what to tell the client."""

    def __init__(self, status: HTTPStatus, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def check_bundle(body: bytes) -> dict[str, Any]:
    """A PUT body as a stored bundle, or BadRequest saying why not: 400 for what is
    not JSON, 422 for JSON that is not a bundle (contract.read_bundle)."""
    try:
        return read_bundle(body)
    except NotABundle as problem:
        status = HTTPStatus.BAD_REQUEST if problem.unreadable else HTTPStatus.UNPROCESSABLE_ENTITY
        raise BadRequest(status, problem.message) from None


class Desk(Protocol):
    """The escalation queue ``POST /escalations`` and ``GET /escalations/ID``
    reach (the application layer provides it; BadRequest refuses a request)."""

    def create(self, body: dict[str, Any]) -> dict[str, Any]: ...

    def get(self, request_id: str) -> dict[str, Any] | None: ...

    def of_task(self, task_id: str) -> dict[str, Any] | None: ...


def content_length(values: list[str], most: int = MAX_BUNDLE_BYTES) -> int:
    """The body's length from its Content-Length header(s), or BadRequest."""
    if not values:
        raise BadRequest(HTTPStatus.LENGTH_REQUIRED, "a Content-Length header is required")
    if len(set(values)) > 1 or not values[0].strip().isdigit() or not values[0].strip().isascii():
        raise BadRequest(HTTPStatus.BAD_REQUEST, "Content-Length is not one whole number")
    length = int(values[0].strip())
    if length == 0:
        raise BadRequest(HTTPStatus.BAD_REQUEST, "the body is empty")
    if length > most:
        size = f"{most >> 20} MiB" if most >= 1 << 20 else f"{most >> 10} KiB"
        raise BadRequest(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, f"a body here is at most {size}")
    return length


class Endpoint(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128  # connections waiting for a slot, beyond which the kernel refuses

    def __init__(
        self,
        address: tuple[str, int],
        directory: Path,
        token: str | None,
        *,
        max_connections: int = MAX_CONNECTIONS,
        read_timeout_s: float = READ_TIMEOUT_S,
        deadline_s: float = REQUEST_DEADLINE_S,
        desk: Desk | None = None,
    ) -> None:
        super().__init__(address, _Handler)
        self.directory = directory
        self.token = token
        self.desk = desk  # None: no escalation queue here (404)
        self.read_timeout_s = read_timeout_s
        self.deadline_s = deadline_s
        self.write_lock = threading.Lock()  # one PUT writes at a time: the last one wins whole
        self._slots = threading.BoundedSemaphore(max_connections)
        # Handler failures other than a client hanging up or overrunning: a bug,
        # kept (at most 100) so tests and operators can see there were none.
        self.faults: list[str] = []

    @property
    def bundle_path(self) -> Path:
        return self.directory / "bundle.json"

    def process_request(self, request: Any, client_address: Any) -> None:
        # Waiting here leaves further connections in the listen queue, answered in turn.
        self._slots.acquire()
        try:
            super().process_request(request, client_address)
        except BaseException:
            self._slots.release()
            raise

    def process_request_thread(self, request: Any, client_address: Any) -> None:
        deadline = threading.Timer(self.deadline_s, _cut, (request,))
        deadline.daemon = True
        deadline.start()
        try:
            super().process_request_thread(request, client_address)
        finally:
            deadline.cancel()
            self._slots.release()

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that hung up or overran its deadline is nothing to report;
        anything else is kept in ``faults`` (never a traceback on stderr)."""
        import sys

        failure = sys.exc_info()[1]
        if not isinstance(failure, OSError) and len(self.faults) < 100:
            self.faults.append(type(failure).__name__)


def _cut(connection: socket.socket) -> None:
    """The request's deadline passed: end its connection, wherever it waits."""
    with contextlib.suppress(OSError):
        connection.shutdown(socket.SHUT_RDWR)


class _Handler(BaseHTTPRequestHandler):
    server: Endpoint
    # A request line too short to name a version gets an HTTP/1.0 error with its
    # status line, never an HTTP/0.9 body alone.
    default_request_version = "HTTP/1.0"

    def setup(self) -> None:
        self.request.settimeout(self.server.read_timeout_s)  # each read; the request has a deadline
        super().setup()

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: an application logs what it wants."""

    def _reply(self, status: HTTPStatus, body: object | bytes) -> None:
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Connection", "close")
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
        if self.path.startswith(("/escalations/", "/escalations?")):
            self._escalation(self.path.removeprefix("/escalations"))
            return
        try:
            stored = self.server.bundle_path.read_bytes()
        except FileNotFoundError:
            self._reply(HTTPStatus.NOT_FOUND, {"error": "no bundle yet", "digest": None})
            return
        self._reply(HTTPStatus.OK, stored)

    def do_PUT(self) -> None:
        if not self._authorized():
            self._reply(HTTPStatus.UNAUTHORIZED, {"error": "unauthorized"})
            return
        try:
            length = content_length(self.headers.get_all("Content-Length") or [])
            body = self._body(length)
            bundle = check_bundle(body)
        except BadRequest as refused:
            self._reply(refused.status, {"error": refused.message})
            return
        with self.server.write_lock:
            atomic_write(self.server.bundle_path, body)
        self._reply(HTTPStatus.OK, {"digest": bundle["digest"]})

    def do_POST(self) -> None:
        if not self._authorized():
            self._reply(HTTPStatus.UNAUTHORIZED, {"error": "unauthorized"})
            return
        desk = self.server.desk
        if self.path != "/escalations" or desk is None:
            self._reply(HTTPStatus.NOT_FOUND, {"error": _NO_DESK if desk is None else "not found"})
            return
        try:
            length = content_length(self.headers.get_all("Content-Length") or [], MAX_REQUEST_BYTES)
            try:
                body = json.loads(self._body(length))
            except (ValueError, RecursionError):
                raise BadRequest(HTTPStatus.BAD_REQUEST, "the body is not JSON") from None
            if not isinstance(body, dict):
                raise BadRequest(HTTPStatus.UNPROCESSABLE_ENTITY, "an escalation request is a JSON object")
            made = desk.create(body)
        except BadRequest as refused:
            self._reply(refused.status, {"error": refused.message})
            return
        self._reply(HTTPStatus.CREATED, made)

    def _escalation(self, rest: str) -> None:
        """``/ID``: one request; ``?task_id=T``: the newest request for the task."""
        desk = self.server.desk
        if desk is None:
            self._reply(HTTPStatus.NOT_FOUND, {"error": _NO_DESK})
            return
        try:
            if rest.startswith("?"):
                task = parse_qs(rest[1:]).get("task_id", [""])[0]
                found = desk.of_task(task) if task else None
            else:
                found = desk.get(rest.removeprefix("/"))
        except BadRequest as refused:
            self._reply(refused.status, {"error": refused.message})
            return
        if found is None:
            self._reply(HTTPStatus.NOT_FOUND, {"error": "no such escalation request"})
            return
        self._reply(HTTPStatus.OK, found)

    def _body(self, length: int) -> bytes:
        chunks: list[bytes] = []
        left = length
        while left:
            chunk = self.rfile.read(min(left, _CHUNK))
            if not chunk:
                raise BadRequest(HTTPStatus.BAD_REQUEST, "the body ended before Content-Length said")
            chunks.append(chunk)
            left -= len(chunk)
        return b"".join(chunks)


_NO_DESK = "this endpoint keeps no escalation queue (hybridctl serve --escalations, in a setup)"

_BIND_PROBLEMS = {
    errno.EADDRINUSE: ("the port is in use", "choose another --port, or stop what listens there"),
    errno.EACCES: ("permission denied", "ports below 1024 need privileges: choose a port from 1024 up"),
    errno.EADDRNOTAVAIL: (
        "this machine has no such address",
        "--host 127.0.0.1, or an address of this machine",
    ),
}


def serve(
    host: str,
    port: int,
    directory: Path,
    token: str | None,
    *,
    max_connections: int = MAX_CONNECTIONS,
    read_timeout_s: float = READ_TIMEOUT_S,
    deadline_s: float = REQUEST_DEADLINE_S,
    desk: Desk | None = None,
) -> Endpoint:
    """An endpoint bound to (host, port); ``serve_forever()`` runs it. A port
    that cannot be had is a usage error (exit 2)."""
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UsageError(
            f"cannot create {directory}: {exc.strerror or exc}", hint="pass another --dir"
        ) from None
    try:
        return Endpoint(
            (host, port),
            directory,
            token,
            max_connections=max_connections,
            read_timeout_s=read_timeout_s,
            deadline_s=deadline_s,
            desk=desk,
        )
    except OSError as exc:
        what, hint = _BIND_PROBLEMS.get(exc.errno or 0, (exc.strerror or str(exc), "check --host and --port"))
        raise UsageError(f"cannot listen on {host}:{port}: {what}", hint=hint) from None
    except (OverflowError, socket.gaierror) as exc:
        raise UsageError(f"cannot listen on {host}:{port}: {exc}", hint="check --host and --port") from None
