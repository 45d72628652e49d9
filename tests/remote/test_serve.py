"""The reference endpoint, with a client written here (urllib, not hybridctl's)."""

from __future__ import annotations

import contextlib
import json
import socket
import subprocess
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from hybridctl.remote.contract import bundle_digest
from hybridctl.remote.serve import Endpoint, serve
from tests.helpers import clean_env, hybridctl_executable
from tests.remote.helpers import bundle


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


def test_the_endpoint_checks_a_bundle_against_the_schema(endpoint: Endpoint) -> None:
    not_a_bundle: dict[str, Any] = {"anything": ["at", "all"], "weight": 500}
    not_a_bundle["digest"] = bundle_digest(not_a_bundle)
    out_of_range = {**bundle(10), "weight": 150}
    out_of_range["digest"] = bundle_digest(out_of_range)

    refused = call(endpoint, "PUT", "/bundle", not_a_bundle)
    too_heavy = call(endpoint, "PUT", "/bundle", out_of_range)

    assert refused[0] == 422 and refused[1]["error"].startswith("not a bundle (bundle.schema.json)")
    assert too_heavy == (422, {"error": "not a bundle (bundle.schema.json): $.weight: maximum 99"})
    assert not endpoint.bundle_path.exists()


def raw_exchange(endpoint: Endpoint, request: bytes, *, half_close: bool = True) -> bytes:
    """Send bytes as they are (no client library would send these) and read the answer."""
    with socket.create_connection(("127.0.0.1", endpoint.server_port), timeout=10) as connection:
        connection.sendall(request)
        if half_close:
            connection.shutdown(socket.SHUT_WR)
        answer = b""
        while chunk := connection.recv(65536):
            answer += chunk
    return answer


def put_with(headers: str, body: bytes) -> bytes:
    return (
        f"PUT /bundle HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer s3cr3t-t0ken\r\n{headers}\r\n".encode()
        + body
    )


@pytest.mark.parametrize(
    ("request_bytes", "status"),
    [
        (put_with("Content-Length: abc\r\n", b"{}"), b" 400 "),
        (put_with("Content-Length: -5\r\n", b"{}"), b" 400 "),
        (put_with("Content-Length: 2\r\nContent-Length: 3\r\n", b"{}"), b" 400 "),
        (put_with("", b"{}"), b" 411 "),
        (put_with("Content-Length: 99999999999\r\n", b"{}"), b" 413 "),
        (put_with(f"Content-Length: {400_000}\r\n", b"[" * 200_000 + b"]" * 200_000), b" 400 "),
        (put_with("Content-Length: 50\r\n", b'{"version": 3'), b" 400 "),  # the body ends early
        (put_with("Content-Length: 4\r\n", b"\xff\xfe\x00\x00"), b" 400 "),
        (b"PUT /bundle HTTP/1.1\r\n" + b"X: y\r\n" * 200 + b"\r\n", b" 431 "),
        (b"GARBAGE\r\n\r\n", b" 400 "),
    ],
)
def test_a_malformed_request_gets_a_status_never_a_traceback(
    endpoint: Endpoint, request_bytes: bytes, status: bytes
) -> None:
    answer = raw_exchange(endpoint, request_bytes)

    assert answer.split(b"\r\n", 1)[0].find(status) > 0, answer[:200]
    assert endpoint.faults == [] and not endpoint.bundle_path.exists()
    assert call(endpoint, "PUT", "/bundle", bundle(10))[0] == 200  # and it still serves


def test_concurrent_puts_are_serialised_never_torn_and_every_one_is_answered(endpoint: Endpoint) -> None:
    import concurrent.futures

    # Two bundles of very different sizes, so a torn file could not parse as either.
    small, large = bundle(10), bundle(50)
    large["stable"] = {**large["stable"], "modelConfig": {"padding": "x" * 200_000}}
    large["digest"] = bundle_digest(large)
    allowed = {json.dumps(small, sort_keys=True), json.dumps(large, sort_keys=True)}

    def client(index: int) -> list[int]:
        statuses = []
        for round_ in range(40):
            statuses.append(call(endpoint, "PUT", "/bundle", small if (index + round_) % 2 else large)[0])
            got = call(endpoint, "GET", "/bundle")
            assert got[0] == 200 and json.dumps(got[1], sort_keys=True) in allowed
        return statuses

    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        statuses = [s for done in pool.map(client, range(8)) for s in done]

    assert statuses == [200] * 320  # every PUT answered, and accepted
    assert json.dumps(json.loads(endpoint.bundle_path.read_text()), sort_keys=True) in allowed
    assert [p.name for p in endpoint.directory.iterdir()] == ["bundle.json"]  # no temporary file left
    assert endpoint.faults == []


def test_idle_and_half_sent_connections_are_dropped_and_never_pile_up(tmp_path: Path) -> None:
    running = serve(
        "127.0.0.1", 0, tmp_path / "state", token="s3cr3t-t0ken", max_connections=4, read_timeout_s=0.3
    )
    threading.Thread(target=running.serve_forever, daemon=True).start()
    threads_before = threading.active_count()
    try:
        idle = [socket.create_connection(("127.0.0.1", running.server_port)) for _ in range(30)]
        for index, connection in enumerate(idle):
            if index % 2:
                connection.sendall(put_with("Content-Length: 100\r\n", b"{"))  # then nothing
        # Every one is answered in turn: the server drops each at its read timeout and
        # takes the next from the queue, never more than four at once.
        assert call(running, "PUT", "/bundle", bundle(10))[0] == 200
        assert threading.active_count() <= threads_before + 4 + 4  # slots, and their deadline timers
        for connection in idle:  # each one was closed by the server, with nothing served
            connection.settimeout(10)
            with contextlib.suppress(ConnectionResetError):
                assert connection.recv(65536) == b""
            connection.close()
    finally:
        running.shutdown()
        running.server_close()
    assert running.faults == []


def test_a_request_past_its_deadline_is_cut_whatever_it_sends(tmp_path: Path) -> None:
    running = serve("127.0.0.1", 0, tmp_path / "state", token="s3cr3t-t0ken", deadline_s=0.5)
    threading.Thread(target=running.serve_forever, daemon=True).start()
    try:
        with socket.create_connection(("127.0.0.1", running.server_port), timeout=10) as dripping:
            dripping.sendall(b"PUT /bundle HTTP/1.1\r\n")
            ended = False
            for _ in range(100):  # a header byte every 0.1 s, inside any per-read timeout
                time.sleep(0.1)
                try:
                    dripping.sendall(b"X-a: b\r\n")
                except OSError:
                    ended = True
                    break
            assert ended or dripping.recv(1) == b""
        assert call(running, "GET", "/healthz", token=None) == (200, {"ok": True})
    finally:
        running.shutdown()
        running.server_close()


def test_no_auth_says_so_loudly(tmp_path: Path) -> None:
    process = subprocess.Popen(
        [hybridctl_executable(), "serve", "--no-auth", "--port", "0", "--dir", str(tmp_path / "app")],
        env=clean_env(None),
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stderr is not None
        assert process.stderr.readline().startswith("WARNING: --no-auth: anyone who can reach this port")
        assert "serving the management contract" in process.stderr.readline()
    finally:
        process.terminate()
        process.wait(timeout=10)
