"""HTTP for every remote call: one client setup (TLS verified, an optional CA
bundle, a bearer token from the environment, a bounded connection pool), one
retry policy (exponential backoff with jitter on connection errors, timeouts
and 5xx; never on 4xx, which would only fail again), and one way to reach many
endpoints at once (a bounded pool of threads).

Nothing a server sends can hold hybridctl or its memory: every answer is read
up to a cap (``Policy.max_bytes``; more is an error, never a longer wait), and
every attempt has a deadline for the whole exchange, connection, request and
answer (``Policy.timeout_s``, or ``deadline_s``). A per-read timeout alone is
not enough: a server that drips a byte a second never lets one expire. A
watchdog thread shuts down the connection of an attempt that is past its
deadline, wherever the attempt is waiting (headers included).

Threads over a synchronous client, not asyncio: httpx's async stack cost about
twice the CPU per request (200 loopback targets in one process: 1.3-1.5 s
against 0.5-0.8 s with threads), and the work is waiting on sockets, which
releases the GIL. Each thread has its own connections, so the watchdog cuts
only the attempt that overran."""

from __future__ import annotations

import contextlib
import heapq
import itertools
import random
import socket
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, NamedTuple, TypeVar

from hybridctl import credentials
from hybridctl.errors import RemoteError, UsageError
from hybridctl.text import clean
from hybridctl.urls import shown_url

if TYPE_CHECKING:
    import ssl

    import httpx

# Start-up: ssl, concurrent.futures (and the logging it pulls in) and httpx are
# imported where a call reaches out, not by every command that reads settings
# (about 20 ms of each transition here, with or without targets).

DEFAULT_TOKEN_ENV = "HYBRIDCTL_TARGET_TOKEN"
MAX_ANSWER_BYTES = 16 << 20  # a bundle read back, a PromQL answer, a webhook's reply
MiB = 1 << 20


class Policy(NamedTuple):
    """How hard to try one endpoint, and how much of it to take."""

    timeout_s: float = 5.0  # each attempt, whole: connect, send, and the complete answer
    attempts: int = 4  # the first try and three retries
    backoff_s: float = 0.2  # the first wait; doubled each retry, with up to 50% jitter
    concurrency: int = 16  # connections open at once, whatever the fleet's size
    max_bytes: int = MAX_ANSWER_BYTES  # an answer longer than this is an error
    deadline_s: float | None = None  # each attempt, whole, when longer than timeout_s (downloads)

    @property
    def attempt_s(self) -> float:
        return self.deadline_s if self.deadline_s is not None else self.timeout_s


HARDER = Policy(attempts=6)  # a rollback must land: five retries, about 6 s of waiting


class Answer(NamedTuple):
    """What came back: a status and body, or why nothing did."""

    status: int | None
    body: bytes
    error: str | None  # e.g. "timed out", "connection refused"; never a header or a token
    attempts: int
    latency_s: float


def token_from(variable: str) -> str | None:
    """The bearer token, from the environment variable named in settings; never
    from a flag, and never shown by any message once read. A value that cannot
    be a token is refused naming the variable (exit 2)."""
    return credentials.token_from(variable)


def tls_context(ca_bundle: Path | None) -> ssl.SSLContext:
    """Verification always on; ``ca_bundle`` adds a CA (a private PKI), there is
    no way to turn checking off."""
    import ssl

    context = ssl.create_default_context()
    if ca_bundle is not None:
        try:
            context.load_verify_locations(cafile=str(ca_bundle))
        except (OSError, ssl.SSLError) as exc:
            raise UsageError(
                f"cannot read the CA bundle {ca_bundle}: {exc}", hint="a PEM file of CA certificates"
            ) from None
    return context


# -- deadlines -----------------------------------------------------------------------


class _Watchdog:
    """One thread that runs an action when its deadline passes, unless disarmed first."""

    def __init__(self) -> None:
        self._due: list[tuple[float, int, Callable[[], None]]] = []
        self._disarmed: set[int] = set()
        self._ids = itertools.count()
        self._wake = threading.Condition()
        self._thread: threading.Thread | None = None

    def arm(self, deadline: float, action: Callable[[], None]) -> int:
        with self._wake:
            ticket = next(self._ids)
            heapq.heappush(self._due, (deadline, ticket, action))
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="hybridctl-deadlines", daemon=True)
                self._thread.start()
            self._wake.notify()
            return ticket

    def disarm(self, ticket: int) -> None:
        with self._wake:
            self._disarmed.add(ticket)

    def _run(self) -> None:
        while True:
            with self._wake:
                while not self._due or self._due[0][0] > time.monotonic():
                    self._wake.wait(None if not self._due else self._due[0][0] - time.monotonic())
                _, ticket, action = heapq.heappop(self._due)
                if ticket in self._disarmed:
                    self._disarmed.discard(ticket)
                    continue
            action()


_WATCHDOG = _Watchdog()


class _Session:
    """One thread's client, and the sockets it opened (httpx's ``trace``
    extension hands each one over as it connects), so an overrun can be cut."""

    def __init__(self, tls: ssl.SSLContext, policy: Policy) -> None:
        import httpx

        self.http = httpx.Client(
            verify=tls,
            timeout=httpx.Timeout(policy.timeout_s),
            limits=httpx.Limits(max_connections=4, max_keepalive_connections=4),
            follow_redirects=False,
        )
        self._sockets: list[socket.socket] = []
        self._lock = threading.Lock()

    def trace(self, event: str, info: dict[str, Any]) -> None:
        if event in ("connection.connect_tcp.complete", "connection.start_tls.complete"):
            stream = info.get("return_value")
            sock = stream.get_extra_info("socket") if stream is not None else None
            if isinstance(sock, socket.socket):
                with self._lock:
                    self._sockets = [s for s in self._sockets if s.fileno() != -1] + [sock]

    def cut(self) -> None:
        """End every connection of this session now: a blocked read returns at once."""
        with self._lock:
            sockets, self._sockets = self._sockets, []
        for sock in sockets:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)


class _TooLarge(Exception):
    pass


def _read_body(response: httpx.Response, limit: int, sink: IO[bytes] | None) -> bytes:
    """The answer's bytes, at most ``limit`` of them (into ``sink`` when given).
    Identity was asked for; a gzip or deflate answer sent anyway is inflated
    within the same limit (a small body must not expand without bound)."""
    import zlib

    declared = response.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise _TooLarge
    encoding = response.headers.get("content-encoding", "identity").strip().lower()
    if encoding not in ("identity", "", "gzip", "deflate"):
        raise ValueError(f"an answer in the {encoding} encoding, which was not asked for")
    inflate = None if encoding in ("identity", "") else zlib.decompressobj(47 if encoding == "gzip" else 15)
    kept: list[bytes] = []
    size = 0
    for raw in response.iter_raw():
        if inflate is None:
            chunk = raw
        else:
            chunk = inflate.decompress(raw, limit - size + 1)
            if inflate.unconsumed_tail:
                raise _TooLarge
        size += len(chunk)
        if size > limit:
            raise _TooLarge
        if sink is not None:
            sink.write(chunk)
        else:
            kept.append(chunk)
    return b"".join(kept)


def _describe(exc: Exception) -> str:
    import httpx

    if isinstance(exc, httpx.TimeoutException):
        return "timed out"
    if isinstance(exc, httpx.ConnectError):
        cause = str(exc).split("]")[-1].strip() or "connection failed"
        if "CERTIFICATE_VERIFY_FAILED" in str(exc) or "certificate" in str(exc).lower():
            return "TLS certificate not trusted (pass --ca-bundle, or ca-bundle in settings)"
        return clean(cause.lower())
    return clean(f"{type(exc).__name__}: {exc}")


def _final(error: str) -> bool:
    """Errors that another attempt cannot mend."""
    return "certificate" in error or "larger than" in error or "not a URL" in error


class Caller:
    """Requests to remote endpoints from one thread or many (``fan_out``), each
    thread with its own connections, all under one policy. A context manager."""

    def __init__(self, ca_bundle: Path | None, policy: Policy = Policy()) -> None:
        self.policy = policy
        self._tls = tls_context(ca_bundle)
        self._local = threading.local()
        self._sessions: list[_Session] = []
        self._lock = threading.Lock()

    def __enter__(self) -> Caller:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        with self._lock:
            sessions, self._sessions = self._sessions, []
        for session in sessions:
            session.http.close()

    def _session(self) -> _Session:
        session: _Session | None = getattr(self._local, "session", None)
        if session is None:
            session = _Session(self._tls, self.policy)
            self._local.session = session
            with self._lock:
                self._sessions.append(session)
        return session

    def request(
        self,
        method: str,
        url: str,
        *,
        headers: dict[str, str] | None = None,
        body: bytes | None = None,
        sink: Callable[[], IO[bytes]] | None = None,
    ) -> Answer:
        """One request, retried as the policy says. With ``sink``, the answer
        is written to the file it opens (afresh for each attempt) instead of kept."""
        policy = self.policy
        started = time.monotonic()
        wait = policy.backoff_s
        answer = Answer(None, b"", "not tried", 0, 0.0)
        for attempt in range(1, policy.attempts + 1):
            status, data, error = self._attempt(method, url, headers, body, sink)
            answer = Answer(status, data, error, attempt, time.monotonic() - started)
            if error is None and status is not None and status < 500:
                return answer  # 2xx done; 4xx final
            if error is not None and _final(error):
                return answer
            if attempt < policy.attempts:
                time.sleep(wait * (1 + random.random() / 2))  # jitter spreads a fleet's retries
                wait *= 2
        return answer

    def _attempt(
        self,
        method: str,
        url: str,
        headers: dict[str, str] | None,
        body: bytes | None,
        sink: Callable[[], IO[bytes]] | None,
    ) -> tuple[int | None, bytes, str | None]:
        import httpx

        policy, session = self.policy, self._session()
        overran = threading.Event()

        def cut() -> None:
            overran.set()
            session.cut()

        ticket = _WATCHDOG.arm(time.monotonic() + policy.attempt_s, cut)
        sent = {"Accept-Encoding": "identity", **(headers or {})}
        try:
            with session.http.stream(
                method, url, headers=sent, content=body, extensions={"trace": session.trace}
            ) as response:
                if sink is None:
                    data = _read_body(response, policy.max_bytes, None)
                else:
                    with sink() as out:
                        data = _read_body(response, policy.max_bytes, out)
                return response.status_code, data, None
        except _TooLarge:
            return None, b"", f"an answer larger than {policy.max_bytes / MiB:g} MiB (the limit)"
        except (httpx.InvalidURL, httpx.UnsupportedProtocol):
            return None, b"", f"{shown_url(url)} is not a URL hybridctl can call"
        except (httpx.HTTPError, ValueError, OSError) as exc:
            if overran.is_set():
                return None, b"", f"timed out (no complete answer within {policy.attempt_s:g} s)"
            return None, b"", _describe(exc) if isinstance(exc, httpx.HTTPError) else clean(str(exc))
        finally:
            _WATCHDOG.disarm(ticket)


Item = TypeVar("Item")
Done = TypeVar("Done")


def fan_out(work: Callable[[Item], Done], items: Sequence[Item], concurrency: int) -> list[Done]:
    """``work`` on every item, at most ``concurrency`` at once; results in order.
    Ctrl-C stops waiting at once (requests in flight end at their deadline)."""
    if len(items) <= 1:
        return [work(item) for item in items]
    from concurrent.futures import ThreadPoolExecutor

    pool = ThreadPoolExecutor(max_workers=min(concurrency, len(items)), thread_name_prefix="hybridctl-http")
    try:
        results = list(pool.map(work, items))
    except BaseException:
        pool.shutdown(wait=False, cancel_futures=True)
        raise
    pool.shutdown()
    return results


DOWNLOAD = Policy(timeout_s=30, deadline_s=600, max_bytes=4 << 30)


def download(
    url: str, target: Path, *, token_env: str, ca_bundle: Path | None, policy: Policy = DOWNLOAD
) -> None:
    """Fetch ``url`` into ``target`` (streamed to disk: a day of usage may be
    large, and is capped at ``policy.max_bytes``), retried as the policy says;
    RemoteError when it cannot be had."""
    token = token_from(token_env)
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    with Caller(ca_bundle, policy) as caller:
        answer = caller.request("GET", url, headers=headers, sink=lambda: target.open("wb"))
    if answer.error is None and answer.status is not None and answer.status < 300:
        return
    problem = answer.error or f"HTTP {answer.status}"
    raise RemoteError(
        f"cannot fetch usage from {clean(shown_url(url))}: {problem}",
        hint="check [metrics] url and token-env",
    )
