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
from tests.helpers import Project, RunFn  # noqa: E402


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


def test_an_escalation_that_needs_approval_reaches_the_premium_model_only_with_a_grant(
    tmp_path: Path,
) -> None:
    from hybridctl.routing.grants import Grant, sign_grant

    key = "p" * 32
    routing = plugin(tmp_path, make_bundle(weight=0), HYBRIDCTL_GRANT_KEY=key)
    task = {"affected_services": 4, "security_impact": "auth_bypass"}
    grant = sign_grant(key.encode(), Grant("esc-0000abcd", "architect", int(time.time()) + 600))

    def ask(role: str, approval: str | None) -> dict[str, Any]:
        metadata = {"task": {**task, **({"approval": approval} if approval else {})}}
        data = {
            "model": role,
            "user": "u-1",
            "messages": [{"role": "user", "content": PROMPT}],
            "metadata": metadata,
        }
        return asyncio.run(routing.async_pre_call_hook(Key(), None, data, "acompletion"))

    granted = ask("architect", grant)
    assert granted["model"] == "claude-4.1-opus"
    assert (
        "approval:esc-0000abcd" in granted["metadata"]["tags"] and "escalated" in granted["metadata"]["tags"]
    )
    held = ask("architect", None)
    assert held["model"] == "glm-4.5" and held["metadata"]["hybridctl"]["held"] == "no grant"
    assert ask("integrator", grant)["model"] == "glm-4.5"  # another role's grant
    assert value(routing, "hybridctl_escalations_held_total", role="architect") == 1
    assert value(routing, "hybridctl_escalations_held_total", role="integrator") == 1


def test_without_a_grant_key_no_grant_is_honoured(tmp_path: Path) -> None:
    from hybridctl.routing.grants import Grant, sign_grant

    routing = plugin(tmp_path, make_bundle(weight=0))
    grant = sign_grant(b"p" * 32, Grant("esc-0000abcd", "architect", int(time.time()) + 600))
    metadata = {"task": {"affected_services": 4, "security_impact": "auth_bypass", "approval": grant}}
    data = {"model": "architect", "user": "u-1", "messages": [], "metadata": metadata}
    routed = asyncio.run(routing.async_pre_call_hook(Key(), None, data, "acompletion"))
    assert routed["model"] == "glm-4.5" and "no grant key" in routed["metadata"]["hybridctl"]["held"]


def test_the_gateway_files_a_request_once_per_task_and_the_grant_then_escalates_it(
    tmp_path: Path, cli: RunFn, project: Project
) -> None:
    from tests.cli.test_approvals_shared import KEY, TOKEN, Served

    served = Served(project.root, tmp_path)
    try:
        routing = plugin(
            tmp_path,
            make_bundle(weight=0),
            HYBRIDCTL_GRANT_KEY=KEY,
            HYBRIDCTL_ESCALATIONS_URL=served.url,
            HYBRIDCTL_ESCALATIONS_TOKEN=TOKEN,
        )
        task = {
            "affected_services": 4,
            "security_impact": "auth_bypass",
            "task_id": "ticket-812",
            "escalation_reason": "auth redesign",
        }

        def ask(extra: dict[str, Any]) -> dict[str, Any]:
            data = {
                "model": "architect",
                "user": "u-7",
                "messages": [],
                "metadata": {"task": {**task, **extra}},
            }
            return asyncio.run(routing.async_pre_call_hook(Key(), None, data, "acompletion"))

        assert ask({})["model"] == "glm-4.5"
        assert ask({})["model"] == "glm-4.5"  # the same task: filed once
        assert routing.filer is not None
        routing.filer.wait()
        assert value(routing, "hybridctl_escalation_requests_total", outcome="created") == 1
        queue = cli("escalation", "queue", "--json", cwd=project.root).json()["requests"]
        assert [(r["role"], r["reason"], r["requester"], r["context"]["task_id"]) for r in queue] == [
            ("architect", "auth redesign", "u-7", "ticket-812")
        ]
        found = served.get("?task_id=ticket-812")
        request_id = found.json()["id"]
        approved = cli("escalation", "approve", request_id, "--reason", "ok", cwd=project.root,
                       env={"HYBRIDCTL_ACTOR": "tech_lead"})  # fmt: skip
        assert approved.exit_code == 0, approved.stderr
        grant = served.get("?task_id=ticket-812").json()["grant"]
        assert ask({"approval": grant})["model"] == "claude-4.1-opus"
        assert served.get("?task_id=nothing").status_code == 404
    finally:
        served.close()
