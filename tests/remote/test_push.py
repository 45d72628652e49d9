"""Delivering a bundle to a fleet, against minimal endpoints written here on
127.0.0.1: what each received, retries, timeouts, tokens, TLS, stale targets."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from hybridctl.remote.contract import bundle_digest
from hybridctl.remote.http import Policy
from hybridctl.remote.push import push_bundle
from tests.remote.helpers import Start


def a_bundle(weight: int = 10) -> dict[str, Any]:
    bundle: dict[str, Any] = {"version": 2, "weight": weight, "stable": {"revision": 1}, "generated_at": "x"}
    bundle["digest"] = bundle_digest(bundle)
    return bundle


def test_a_target_that_answers_503_twice_is_ok_after_retries(target_server: Start) -> None:
    flaky = target_server(fail_first=2)

    report = push_bundle(a_bundle(), [flaky.url], token=None, policy=Policy(backoff_s=0.01))

    # Three PUTs (two answered 503) and the read-back: every request counts.
    assert report.ok and report.results[0].attempts == 4
    assert [method for method, _, _ in flaky.received] == ["PUT", "PUT", "PUT", "GET"]


def test_4xx_is_not_retried(target_server: Start) -> None:
    refusing = target_server(status=422)

    report = push_bundle(a_bundle(), [refusing.url], token=None, policy=Policy(backoff_s=0.01))

    assert report.results[0].status == "failed" and report.results[0].attempts == 1
    assert "HTTP 422" in report.results[0].why


def test_a_slow_target_times_out(target_server: Start) -> None:
    slow = target_server(delay_s=1.0)

    report = push_bundle(
        a_bundle(), [slow.url], token=None, policy=Policy(timeout_s=0.2, attempts=2, backoff_s=0.01)
    )

    assert report.results[0].status == "failed" and "timed out" in report.results[0].why
    assert report.results[0].attempts == 2


def test_a_target_that_accepts_but_serves_another_bundle_is_stale(target_server: Start) -> None:
    stuck = target_server(stale=True)
    push_bundle(a_bundle(10), [stuck.url], token=None)

    report = push_bundle(a_bundle(50), [stuck.url], token=None)

    assert report.results[0].status == "stale" and not report.ok
    assert report.results[0].served == a_bundle(10)["digest"]


def test_tls_with_a_private_ca_needs_the_ca_bundle(tmp_path: Path, target_server: Start) -> None:
    trustme = pytest.importorskip("trustme")
    ca = trustme.CA()
    secure = target_server(tls=ca)
    ca_file = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(ca_file))

    trusted = push_bundle(a_bundle(), [secure.url], token=None, ca_bundle=ca_file)
    untrusted = push_bundle(a_bundle(), [secure.url], token=None, policy=Policy(backoff_s=0.01))

    assert trusted.ok and secure.url.startswith("https://")
    assert untrusted.results[0].status == "failed"
    assert "certificate not trusted" in untrusted.results[0].why and untrusted.results[0].attempts == 1


def test_the_pool_is_bounded_whatever_the_fleet(target_server: Start) -> None:
    server = target_server(delay_s=0.05)  # one server behind twelve URLs: it sees every request
    fleet = [f"{server.url}/{n}" for n in range(12)]

    report = push_bundle(a_bundle(), fleet, token=None, policy=Policy(concurrency=3))

    assert len(report.results) == 12 and len(server.puts()) == 12
    assert 1 < server.most_at_once <= 3
