"""HTTP for every remote call: one client setup (TLS verified, an optional CA
bundle, a bearer token from the environment, timeouts, a bounded connection
pool) and one retry policy (exponential backoff with jitter on connection
errors, timeouts and 5xx; never on 4xx, which would only fail again)."""

from __future__ import annotations

import asyncio
import os
import random
import ssl
import time
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from hybridctl.errors import UsageError
from hybridctl.text import clean, hold_secret

if TYPE_CHECKING:
    import httpx

DEFAULT_TOKEN_ENV = "HYBRIDCTL_TARGET_TOKEN"


class Policy(NamedTuple):
    """How hard to try one endpoint."""

    timeout_s: float = 5.0
    attempts: int = 4  # the first try and three retries
    backoff_s: float = 0.2  # the first wait; doubled each retry, with up to 50% jitter
    concurrency: int = 16  # connections open at once, whatever the fleet's size


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
    from a flag, and never shown by any message once read."""
    value = os.environ.get(variable)
    return hold_secret(value) if value else None


def tls_context(ca_bundle: Path | None) -> ssl.SSLContext:
    """Verification always on; ``ca_bundle`` adds a CA (a private PKI), there is
    no way to turn checking off."""
    context = ssl.create_default_context()
    if ca_bundle is not None:
        try:
            context.load_verify_locations(cafile=str(ca_bundle))
        except (OSError, ssl.SSLError) as exc:
            raise UsageError(
                f"cannot read the CA bundle {ca_bundle}: {exc}", hint="a PEM file of CA certificates"
            ) from None
    return context


def client(ca_bundle: Path | None, policy: Policy) -> httpx.AsyncClient:
    import httpx  # start-up: only commands that reach out pay for httpx (~200 ms here)

    return httpx.AsyncClient(
        verify=tls_context(ca_bundle),
        timeout=httpx.Timeout(policy.timeout_s),
        limits=httpx.Limits(max_connections=policy.concurrency, max_keepalive_connections=policy.concurrency),
        follow_redirects=False,
    )


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


async def request(
    http: httpx.AsyncClient,
    method: str,
    url: str,
    *,
    policy: Policy,
    headers: dict[str, str] | None = None,
    body: bytes | None = None,
) -> Answer:
    """One request, retried as the policy says."""
    import httpx

    started = time.monotonic()
    wait = policy.backoff_s
    answer = Answer(None, b"", "not tried", 0, 0.0)
    for attempt in range(1, policy.attempts + 1):
        try:
            response = await http.request(method, url, headers=headers, content=body)
            answer = Answer(response.status_code, response.content, None, attempt, time.monotonic() - started)
            if response.status_code < 500:
                return answer  # 2xx done; 4xx final
        except (httpx.TransportError, httpx.InvalidURL) as exc:
            answer = Answer(None, b"", _describe(exc), attempt, time.monotonic() - started)
            if isinstance(exc, httpx.InvalidURL) or "certificate" in (answer.error or ""):
                return answer  # retrying cannot help
        if attempt < policy.attempts:
            await asyncio.sleep(wait * (1 + random.random() / 2))  # jitter spreads a fleet's retries
            wait *= 2
    return answer
