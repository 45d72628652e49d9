"""The LiteLLM plug-in's hooks, called as the proxy calls them (LiteLLM's own
CustomLogger; the events built as its logging sends them): what it counts in
its metrics, what it writes to the usage log, and that ``hybridctl report``
reads that log as the metrics count it. The real proxy is in tests/e2e."""

from __future__ import annotations

import asyncio
import json
import time
import urllib.request
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("litellm", reason="LiteLLM is a dev dependency (make test installs it)")
pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning", "ignore::UserWarning")

from prometheus_client import CollectorRegistry  # noqa: E402

from hybridctl.gateway.litellm_plugin import HybridctlRouting  # noqa: E402
from tests.e2e.stack import free_port  # noqa: E402
from tests.gateway.helpers import CHEAP, PROMPT, Key, event, make_bundle  # noqa: E402
from tests.helpers import RunFn  # noqa: E402


def plugin(tmp_path: Path, bundle: dict[str, Any] | None, **env: str) -> HybridctlRouting:
    path = tmp_path / "bundle.json"
    if bundle is not None:
        path.write_text(json.dumps(bundle))
    made = HybridctlRouting(
        {"HYBRIDCTL_BUNDLE": str(path), "HYBRIDCTL_USAGE_LOG": str(tmp_path / "usage.jsonl"), **env},
        CollectorRegistry(),
    )
    deadline = time.monotonic() + 30
    while bundle is not None and made.watcher is not None and made.watcher.current is None:
        assert time.monotonic() < deadline, made.watcher.problem
        time.sleep(0.01)
    return made


def value(routing: HybridctlRouting, name: str, **labels: str) -> float:
    total = 0.0
    for family in routing.metrics.registry.collect():
        for sample in family.samples:
            if sample.name == name and set(labels.items()) <= set(sample.labels.items()):
                total += sample.value
    return total


def pre_call(routing: HybridctlRouting, role: str, user: str) -> dict[str, Any]:
    data = {"model": role, "user": user, "messages": [{"role": "user", "content": PROMPT}]}
    return asyncio.run(routing.async_pre_call_hook(Key(), None, data, "acompletion"))


def test_each_request_is_counted_once_by_its_route_and_logged_as_the_report_reads_it(
    tmp_path: Path, cli: RunFn
) -> None:
    routing = plugin(tmp_path, make_bundle(weight=50))
    outcomes: dict[str, int] = {}
    costs = 0.0
    for n in range(300):
        data = pre_call(routing, "critic", f"u-{n}")
        model = data["model"]
        if model == CHEAP and n % 3 == 0:  # the candidate's model fails; nothing answers
            kwargs = event(data, model, 0.0) | {"exception": TimeoutError()}
            asyncio.run(routing.async_log_failure_event(kwargs, None, None, None))
            asyncio.run(routing.async_post_call_failure_hook(data, TimeoutError(), Key()))
            outcome = "unanswered"
        elif model == CHEAP and n % 3 == 1:  # it fails, and a fallback answers
            asyncio.run(routing.async_log_failure_event(event(data, model, 0.0), None, None, None))
            asyncio.run(routing.async_log_success_event(event(data, "glm-4.5", 0.001), None, None, None))
            costs += 0.001
            outcome = "recovered"
        else:
            asyncio.run(routing.async_log_success_event(event(data, model, 0.002), None, None, None))
            costs += 0.002
            outcome = "answered"
        outcomes[outcome] = outcomes.get(outcome, 0) + 1

    assert value(routing, "llm_requests_total") == 300
    assert value(routing, "llm_errors_total") == outcomes["unanswered"] + outcomes["recovered"]
    assert value(routing, "llm_errors_total", variant="stable") == 0
    assert value(routing, "llm_unanswered_total") == outcomes["unanswered"]
    assert value(routing, "llm_cost_usd_total") == pytest.approx(costs)
    assert value(routing, "llm_latency_seconds_count") == 300 - outcomes["unanswered"]

    log = (tmp_path / "usage.jsonl").read_text()
    lines = [json.loads(line) for line in log.splitlines()]
    assert len(lines) == 300 and PROMPT not in log
    assert (
        sum(line["status"] == "failure" for line in lines) == outcomes["unanswered"] + outcomes["recovered"]
    )
    assert {
        line["answered_by"] for line in lines if line["status"] == "failure" and "answered_by" in line
    } <= {"glm-4.5"}
    assert sum(not line["answered"] for line in lines) == outcomes["unanswered"]
    log_path = str(tmp_path / "usage.jsonl")
    report = cli("report", "usage", log_path, "--input-format", "litellm", "--by", "variant")
    read = cli("report", "usage", log_path, "--input-format", "litellm", "--by", "variant", "--json")
    rows = {row["variant"]: row for row in read.json()["rows"]}
    assert report.exit_code == 0
    for variant in ("stable", "candidate"):
        assert rows[variant]["requests"] == value(routing, "llm_requests_total", variant=variant)
        failed = round(rows[variant]["error_rate"] * rows[variant]["requests"])
        assert failed == value(routing, "llm_errors_total", variant=variant)
        assert rows[variant]["cost"] == pytest.approx(value(routing, "llm_cost_usd_total", variant=variant))
        unanswered = value(routing, "llm_unanswered_total", variant=variant)
        assert rows[variant]["availability"] == pytest.approx(1 - unanswered / rows[variant]["requests"])
        assert rows[variant]["availability_basis"] == ("answers" if failed else "errors")


def test_every_series_the_queries_read_exists_at_zero_for_both_variants(tmp_path: Path) -> None:
    routing = plugin(tmp_path, make_bundle(weight=10))
    names = {s.name for family in routing.metrics.registry.collect() for s in family.samples}
    samples = {
        (s.name, s.labels.get("variant"), s.labels.get("role"))
        for family in routing.metrics.registry.collect()
        for s in family.samples
    }

    for name in ("llm_requests_total", "llm_errors_total", "llm_cost_usd_total", "llm_escalations_total"):
        for variant in ("stable", "candidate"):
            for role in ("architect", "orchestrator", "implementer", "critic", "integrator"):
                assert (name, variant, role) in samples, (name, variant, role)
    assert "llm_latency_seconds_bucket" in names
    assert value(routing, "llm_errors_total") == 0
    assert value(routing, "hybridctl_bundle_info", digest=make_bundle(weight=10)["digest"]) == 1
    assert value(routing, "hybridctl_bundle_source_ok") == 1


def test_without_a_readable_bundle_every_request_goes_where_it_asked(tmp_path: Path) -> None:
    routing = plugin(tmp_path, None)  # the file does not exist
    deadline = time.monotonic() + 30
    while routing.watcher is not None and routing.watcher.problem is None and time.monotonic() < deadline:
        time.sleep(0.01)

    data = pre_call(routing, "critic", "u-1")

    assert data["model"] == "critic" and "metadata" not in data
    assert value(routing, "hybridctl_bundle_source_ok") == 0


def test_a_failure_inside_routing_never_fails_the_request(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    routing = plugin(tmp_path, make_bundle(weight=10))

    def broken(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("a bug in routing")

    monkeypatch.setattr("hybridctl.gateway.litellm_plugin.route_request", broken)

    assert pre_call(routing, "critic", "u-1")["model"] == "critic"


def test_the_metrics_are_served_for_prometheus(tmp_path: Path) -> None:
    port = free_port()
    routing = plugin(tmp_path, make_bundle(weight=10), HYBRIDCTL_METRICS_PORT=str(port))
    data = pre_call(routing, "critic", "u-1")
    asyncio.run(routing.async_log_success_event(event(data, data["model"], 0.002), None, None, None))

    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=10) as answer:
        text = answer.read().decode()

    assert 'llm_requests_total{model="' in text and 'variant="stable"' in text
    assert "hybridctl_bundle_info{" in text
