"""Deliver a bundle to every target and check what each one serves."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any, NamedTuple

from hybridctl.remote.http import Answer, Caller, Policy, fan_out
from hybridctl.urls import shown_url

OK, STALE, FAILED = "ok", "stale", "failed"


class TargetResult(NamedTuple):
    url: str  # as shown: without userinfo or credential-like query parameters
    status: str  # ok, stale (accepted but serves another digest), failed
    why: str
    attempts: int
    latency_s: float
    served: str | None  # the digest the target reports serving

    def to_dict(self) -> dict[str, Any]:
        return self._asdict()


class PushReport(NamedTuple):
    digest: str
    results: list[TargetResult]
    read_only: bool = False  # `status --remote`: nothing was sent

    @property
    def ok(self) -> bool:
        return all(r.status == OK for r in self.results)

    @property
    def counts(self) -> dict[str, int]:
        return {s: sum(r.status == s for r in self.results) for s in (OK, STALE, FAILED)}

    def to_dict(self) -> dict[str, Any]:
        return {
            "version": 1,
            "digest": self.digest,
            "ok": self.ok,
            "counts": self.counts,
            "targets": [r.to_dict() for r in self.results],
        }


def _served(answer: Answer) -> str | None:
    try:
        data = json.loads(answer.body)
    except ValueError:
        return None
    digest = data.get("digest") if isinstance(data, dict) else None
    return digest if isinstance(digest, str) else None


def _http_error(answer: Answer, verb: str) -> str:
    if answer.error is not None:
        return f"{verb}: {answer.error}"
    if answer.status in (401, 403):
        return f"{verb}: {answer.status} unauthorized (check the token: the variable named by token-env)"
    return f"{verb}: HTTP {answer.status}"


def _check(http: Caller, url: str, digest: str, headers: dict[str, str]) -> TargetResult:
    answer = http.request("GET", url, headers=headers)
    shown = shown_url(url)
    if answer.error is not None or answer.status != 200:
        return TargetResult(
            shown, FAILED, _http_error(answer, "read back"), answer.attempts, answer.latency_s, None
        )
    served = _served(answer)
    if served == digest:
        return TargetResult(shown, OK, "serves this bundle", answer.attempts, answer.latency_s, served)
    why = "serves another bundle" if served else "its answer names no digest"
    return TargetResult(shown, STALE, why, answer.attempts, answer.latency_s, served)


def _deliver(http: Caller, url: str, body: bytes, digest: str, headers: dict[str, str]) -> TargetResult:
    put_headers = {**headers, "Content-Type": "application/json", "Idempotency-Key": digest}
    sent = http.request("PUT", url, headers=put_headers, body=body)
    if sent.error is not None or sent.status is None or not 200 <= sent.status < 300:
        why = _http_error(sent, "send")
        return TargetResult(shown_url(url), FAILED, why, sent.attempts, sent.latency_s, None)
    checked = _check(http, url, digest, headers)
    # Every request the delivery took: the PUT's tries and the read-back's.
    return checked._replace(
        attempts=sent.attempts + checked.attempts, latency_s=sent.latency_s + checked.latency_s
    )


def _headers(token: str | None) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"} if token else {}


def push_bundle(
    bundle: dict[str, Any],
    targets: Sequence[str],
    *,
    token: str | None,
    ca_bundle: Path | None = None,
    policy: Policy = Policy(),
) -> PushReport:
    """PUT the bundle to every target at once (at most ``policy.concurrency``
    connections), then read each back and compare digests."""
    digest = str(bundle["digest"])
    body = json.dumps(bundle, ensure_ascii=False).encode()
    headers = _headers(token)
    with Caller(ca_bundle, policy) as http:
        results = fan_out(lambda url: _deliver(http, url, body, digest, headers), targets, policy.concurrency)
    return PushReport(digest, results)


def read_targets(
    digest: str,
    targets: Sequence[str],
    *,
    token: str | None,
    ca_bundle: Path | None = None,
    policy: Policy = Policy(attempts=2),
) -> PushReport:
    """What each target serves, against ``digest`` (nothing is sent)."""
    headers = _headers(token)
    with Caller(ca_bundle, policy) as http:
        results = fan_out(lambda url: _check(http, url, digest, headers), targets, policy.concurrency)
    return PushReport(digest, results, read_only=True)
