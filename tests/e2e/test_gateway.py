"""A real gateway in the loop, end to end, on 127.0.0.1: an OpenAI-compatible
upstream written here, ``hybridctl serve`` as the bundle's endpoint, a real
LiteLLM proxy running the config ``hybridctl render --format litellm-proxy``
writes (with hybridctl's plug-in), and a real Prometheus scraping the plug-in.

Every rollout step must reach exactly the right users at the upstream; the
automated analysis, reading the real Prometheus, must roll a failing candidate
back; and the upstream's counts, the plug-in's metrics, Prometheus' answers and
``hybridctl report`` on the gateway's usage log must agree request for request.

``make e2e`` prepares the proxy's environment and Prometheus, then runs these;
without them they are skipped, saying what is missing. The tests run in order,
each on the rollout the one before left.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import mmh3
import pytest

from tests.e2e import stack
from tests.e2e.upstream import Upstream
from tests.helpers import CONFIGS, clean_env, hybridctl_executable

pytestmark = pytest.mark.e2e

TOKEN = "e2e-endpoint-" + "7a" * 12
CHEAP = "gemini-2.5-flash-lite"
GRANT_KEY = "e2e-grant-key-" + "0" * 20  # HYBRIDCTL_GRANT_KEY of hybridctl and the proxy alike
OPUS = "claude-opus-4-1"  # what the upstream is asked for: claude-4.1-opus's providerModelId
INTERVAL_S = 0.5  # HYBRIDCTL_BUNDLE_INTERVAL
# the documented delay before a gateway routes by a new bundle: the interval,
# plus at most one read of the source (a URL: its 2 s timeout)
DELAY_S = INTERVAL_S + 2.0
# 4,000 distinct users: the share on the candidate is 10% +- 2 points by the hash's
# spread alone with certainty for practical purposes (4.2 standard deviations)
USERS = [f"u-{n}" for n in range(4000)]


@dataclass
class Stack:
    root: Path
    upstream: Upstream
    proxy: stack.Service
    prometheus: stack.Service
    endpoint: stack.Service
    client: stack.Client
    metrics_port: int
    prometheus_port: int
    usage_log: Path
    env: dict[str, str]

    def hybridctl(
        self, *args: str, check: bool = True, env: dict[str, str] | None = None
    ) -> subprocess.CompletedProcess[str]:
        run = subprocess.run(
            [hybridctl_executable(), *args],
            cwd=self.root,
            env={**self.env, **(env or {})},
            capture_output=True,
            text=True,
            timeout=600,
        )
        if check:
            assert run.returncode == 0, f"hybridctl {' '.join(args)}: {run.stdout}\n{run.stderr}"
        return run

    def status(self) -> dict[str, Any]:
        state: dict[str, Any] = json.loads(self.hybridctl("status", "--json", check=False).stdout)["state"]
        return state

    def served_digest(self) -> str:
        bundle = json.loads(self.hybridctl("render").stdout)
        return str(bundle["digest"])

    def wait_served(self) -> None:
        """Until the plug-in serves the bundle hybridctl renders now, then the documented delay's rest."""
        digest = self.served_digest()

        def serving() -> bool:
            values = stack.plugin_metrics(self.metrics_port)
            return stack.metric_sum(values, "hybridctl_bundle_info", digest=digest) == 1

        stack.wait_until(serving, f"the gateway to serve {digest}", timeout_s=30)

    def edit_config(self, change: Any) -> None:
        path = self.root / "configs" / "model-config.json"
        config = json.loads(path.read_text())
        change(config)
        path.write_text(json.dumps(config, indent=2) + "\n")


def e2e_config(upstream_url: str) -> dict[str, Any]:
    """The default strategy, every model served by the test's upstream, steps without soak time."""
    config: dict[str, Any] = json.loads((CONFIGS / "model-config.json").read_text())
    config["providers"] = {"upstream": {"baseUrl": upstream_url, "apiKeyEnv": "UPSTREAM_API_KEY"}}
    for model in config["models"].values():
        model["provider"] = "upstream"
    config["rollout"] = {
        "steps": [{"weight": 10, "minSoakHours": 0}, {"weight": 50, "minSoakHours": 0}],
        "analysis": {
            "intervalSeconds": 2,
            "failureLimit": 1,
            "inconclusiveLimit": 60,
            "maxInconclusiveMinutes": 30,
        },
    }
    config["gates"]["minRequests"] = 20
    return config


@pytest.fixture(scope="module")
def gateway(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    litellm, prometheus = stack.litellm_executable(), stack.prometheus_executable()
    if litellm is None or prometheus is None:
        missing = f"needs a LiteLLM proxy ({stack.LITELLM_ENV}) and Prometheus: make e2e prepares both"
        if os.environ.get("HYBRIDCTL_E2E_REQUIRED"):
            pytest.fail(missing)
        pytest.skip(missing)
    root = tmp_path_factory.mktemp("gateway")
    upstream = Upstream()
    endpoint_port, proxy_port, metrics_port, prometheus_port = (stack.free_port() for _ in range(4))
    env = clean_env({"HYBRIDCTL_TARGET_TOKEN": TOKEN, "NO_COLOR": "1", "HYBRIDCTL_GRANT_KEY": GRANT_KEY})
    (root / "configs").mkdir()
    for name in ("modes.yml",):
        shutil.copy(CONFIGS / name, root / "configs" / name)
    (root / "configs" / "model-config.json").write_text(json.dumps(e2e_config(upstream.url), indent=2))
    bundle_url = f"http://127.0.0.1:{endpoint_port}/hybridctl/bundle"
    (root / "hybridctl.toml").write_text(
        f'targets = ["{bundle_url}"]\n[metrics]\nprovider = "prometheus"\nurl = "http://127.0.0.1:{prometheus_port}"\n'
        + rollout_queries()
    )
    endpoint = stack.Service(
        "endpoint",
        [hybridctl_executable(), "serve", "--port", str(endpoint_port), "--dir", str(root / "endpoint")],
        env,
        root,
    )
    services = [endpoint]
    try:
        stack.wait_until(
            lambda: stack.http_get(bundle_url.replace("/hybridctl/bundle", "/healthz"))[0] == 200, "serve"
        )
        made = Stack(root, upstream, endpoint, endpoint, endpoint, stack.Client(proxy_port), metrics_port,
                     prometheus_port, root / "gateway-usage.jsonl", env)  # fmt: skip
        made.hybridctl("init", "--store-only")
        made.hybridctl("push")
        made.hybridctl("render", "--format", "litellm-proxy", "--out", str(root / "config.yaml"))
        proxy_env = {
            **os.environ,
            "LITELLM_MASTER_KEY": stack.MASTER_KEY,
            "UPSTREAM_API_KEY": "upstream-key-" + "0" * 16,
            "HYBRIDCTL_BUNDLE": bundle_url,
            "HYBRIDCTL_BUNDLE_TOKEN": TOKEN,
            "HYBRIDCTL_BUNDLE_INTERVAL": str(INTERVAL_S),
            "HYBRIDCTL_METRICS_PORT": str(metrics_port),
            "HYBRIDCTL_USAGE_LOG": str(made.usage_log),
            "HYBRIDCTL_GRANT_KEY": GRANT_KEY,
            "LITELLM_LOCAL_MODEL_COST_MAP": "True",
            "HF_HUB_OFFLINE": "1",
        }
        made.proxy = stack.start_proxy(litellm, root / "config.yaml", proxy_port, proxy_env, root)
        services.append(made.proxy)
        made.prometheus = stack.start_prometheus(
            prometheus, f"127.0.0.1:{metrics_port}", prometheus_port, root
        )
        services.append(made.prometheus)
        made.wait_served()
        yield made
    finally:
        for service in reversed(services):
            service.stop()
        upstream.close()


def murmur3_bucket(rollout_id: str, user: str) -> int:
    """The documented bucketing rule, worked out here with mmh3."""
    return mmh3.hash(f"{rollout_id}:{user}", 0, signed=False) % 100 + 1


def critic_on_cheap(config: dict[str, Any]) -> None:
    config["roles"]["critic"]["primary"] = CHEAP


def critic_on_cheap_again(config: dict[str, Any]) -> None:
    """The same move as another candidate (its own digest, so its own rollout id): the
    earlier scenarios' series, labelled with the first one's id, are not its traffic."""
    critic_on_cheap(config)
    config["strategy"]["description"] = "the critic on flash lite, staged again"


def rollout_queries() -> str:
    """The default queries narrowed to the rollout's own series (the plug-in labels each with
    its rollout_id): the scenarios before a rollout never count as its candidate's traffic."""
    from hybridctl.analysis.providers.prometheus import DEFAULT_QUERIES

    lines = ["[metrics.queries]"]
    for name, query in DEFAULT_QUERIES.items():
        if 'variant="{variant}"' in query:
            narrowed = query.replace('variant="{variant}"', 'variant="{variant}",rollout_id="{rollout}"')
            lines.append(f"{name} = '{narrowed}'")
    return "\n".join(lines) + "\n"


def send(
    gateway: Stack, role: str, users: list[str], task: dict[str, Any] | None = None
) -> dict[str, set[str]]:
    """Each user asks once for ``role``; what model served each, as the upstream saw it."""
    mark = gateway.upstream.mark()
    codes = gateway.client.many([(role, user, task) for user in users])
    assert set(codes) == {200}, f"status codes {sorted(set(codes))}:\n{gateway.proxy.tail()}"
    return gateway.upstream.models_by_user(mark)


def test_a_canary_reaches_exactly_its_users_and_keeps_them(gateway: Stack) -> None:
    gateway.edit_config(critic_on_cheap)
    gateway.hybridctl("stage", "--reason", "critic on flash lite")
    gateway.hybridctl("promote")
    gateway.wait_served()
    rollout_id = gateway.status()["rollout_id"]

    at_10 = send(gateway, "critic", USERS)
    at_10_again = send(gateway, "critic", USERS[:1000])

    assert all(len(models) == 1 for models in at_10.values())  # one model per user, every request
    assert at_10_again == {user: at_10[user] for user in USERS[:1000]}
    canary = {user for user, models in at_10.items() if models == {CHEAP}}
    assert 0.08 <= len(canary) / len(USERS) <= 0.12  # 10% of the users, +-2 points
    assert canary == {user for user in USERS if murmur3_bucket(rollout_id, user) <= 10}
    assert {user for user, models in at_10.items() if models != {CHEAP}} == set(USERS) - canary

    gateway.hybridctl("promote", "--force", "--reason", "e2e: 50% without waiting for traffic")
    gateway.wait_served()
    at_50 = send(gateway, "critic", USERS)

    in_canary = {user for user, models in at_50.items() if models == {CHEAP}}
    assert canary <= in_canary  # everyone inside 10% stays inside at 50%
    assert 0.45 <= len(in_canary) / len(USERS) <= 0.55
    assert in_canary == {user for user in USERS if murmur3_bucket(rollout_id, user) <= 50}


def test_a_task_that_meets_the_criteria_escalates_at_the_gateway_once_approved(gateway: Stack) -> None:
    critical = {"affected_services": ["api", "billing", "auth"], "security_impact": "data_breach"}

    held = send(gateway, "architect", USERS[:20], critical)  # escalations need approval: no grant yet
    plain = send(gateway, "architect", USERS[:20])
    assert set().union(*held.values()) == {"glm-4.5"}
    assert set().union(*plain.values()) == {"glm-4.5"}

    context = json.dumps(critical)
    asked = gateway.hybridctl("escalation", "request", "--role", "architect", "--context", context,
                              "--reason", "billing auth incident", "--json")  # fmt: skip
    request_id = json.loads(asked.stdout)["id"]
    approved = gateway.hybridctl("escalation", "approve", request_id, "--reason", "reviewed", "--json",
                                 env={"HYBRIDCTL_ACTOR": "tech_lead"})  # fmt: skip
    grant = json.loads(approved.stdout)["grant"]

    escalated = send(gateway, "architect", USERS[:20], {**critical, "approval": grant})
    other_role = send(gateway, "integrator", USERS[:20], {**critical, "approval": grant})
    assert set().union(*escalated.values()) == {OPUS}
    assert set().union(*other_role.values()) == {"glm-4.5"}
    held_count = stack.metric_sum(
        stack.plugin_metrics(gateway.metrics_port), "hybridctl_escalations_held_total"
    )
    assert held_count == 40  # the 20 before the approval, and the 20 integrator requests


def test_kill_switch_forced_models_and_rollback_reach_the_gateway(gateway: Stack) -> None:
    gateway.hybridctl("disable", "--reason", "e2e drill")
    gateway.wait_served()
    assert set().union(*send(gateway, "critic", USERS[:300]).values()) == {"glm-4.5"}

    gateway.hybridctl("enable", "--reason", "drill over")
    gateway.wait_served()
    rollout_id = gateway.status()["rollout_id"]
    split = send(gateway, "critic", USERS[:300])
    assert {u for u, m in split.items() if m == {CHEAP}} == {
        u for u in USERS[:300] if murmur3_bucket(rollout_id, u) <= 50
    }

    gateway.hybridctl("force", "claude-4.1-opus", "--roles", "critic", "--reason", "provider outage drill")
    gateway.wait_served()
    assert set().union(*send(gateway, "critic", USERS[:100]).values()) == {OPUS}
    assert set().union(*send(gateway, "implementer", USERS[:100]).values()) == {"glm-4.5"}
    gateway.hybridctl("force", "--clear", "--reason", "outage over")

    gateway.hybridctl("rollback", "--reason", "e2e: back to stable")
    gateway.wait_served()
    assert CHEAP not in set().union(*send(gateway, "critic", USERS[:1000]).values())


def test_rollout_run_on_the_real_prometheus_rolls_back_a_failing_candidate(gateway: Stack) -> None:
    gateway.upstream.failing = {CHEAP}
    gateway.edit_config(critic_on_cheap_again)  # the rollback wrote stable's configs back
    gateway.hybridctl("stage", "--reason", "critic on flash lite, which fails upstream")
    stop = threading.Event()

    def traffic() -> None:
        n = 0
        while not stop.is_set():
            roles = ["critic", "implementer"] * 20
            asks: list[tuple[str, str, dict[str, Any] | None]] = [
                (role, USERS[(n + i) % len(USERS)], None) for i, role in enumerate(roles)
            ]
            gateway.client.many(asks, concurrency=8)
            n += 40

    runner = threading.Thread(target=traffic, daemon=True)
    runner.start()
    try:
        run = gateway.hybridctl(
            "rollout", "run", "--interval", "2", "--timeout", "300", "--json", check=False
        )
    finally:
        stop.set()
        runner.join(timeout=120)

    turns = [json.loads(line) for line in run.stdout.splitlines() if line.startswith("{")]
    assert run.returncode == 1, run.stdout + run.stderr
    assert turns[-1]["outcome"] == "rolled-back"
    assert gateway.status()["stage"] == "aborted"
    gateway.wait_served()
    after = send(gateway, "critic", USERS)
    assert CHEAP not in set().union(*after.values())  # no candidate request reaches the upstream
    gateway.upstream.failing = set()


def test_upstream_metrics_prometheus_and_the_report_agree_request_for_request(gateway: Stack) -> None:
    values = stack.plugin_metrics(gateway.metrics_port)
    requests = stack.metric_sum(values, "llm_requests_total")
    errors = stack.metric_sum(values, "llm_errors_total")
    unanswered = stack.metric_sum(values, "llm_unanswered_total")
    calls = gateway.upstream.counts()

    # every request the plug-in routed reached the upstream once, and once more per recovered failure
    assert sum(calls.values()) == requests + errors - unanswered
    assert sum(n for (_, ok), n in calls.items() if ok) == requests - unanswered
    assert sum(n for (_, ok), n in calls.items() if not ok) == errors
    assert errors > 0 and requests > 5000

    def scraped() -> bool:
        return stack.prometheus_value(gateway.prometheus_port, "sum(llm_requests_total)") == requests

    stack.wait_until(scraped, "Prometheus to scrape the last requests", timeout_s=30)
    for variant in ("stable", "candidate"):
        for name in ("llm_requests_total", "llm_errors_total"):
            exported = stack.metric_sum(values, name, variant=variant)
            answered = stack.prometheus_value(gateway.prometheus_port, f'sum({name}{{variant="{variant}"}})')
            assert answered == exported, (name, variant)

    report = gateway.hybridctl(
        "report",
        "usage",
        str(gateway.usage_log),
        "--input-format",
        "litellm",
        "--by",
        "variant,model",
        "--json",
    )
    rows = json.loads(report.stdout)["rows"]
    for row in rows:
        labels = {"variant": row["variant"], "model": row["model"]}
        assert row["requests"] == stack.metric_sum(values, "llm_requests_total", **labels), row
        failed = round(row["error_rate"] * row["requests"])
        assert failed == stack.metric_sum(values, "llm_errors_total", **labels), row
        assert row["cost"] == pytest.approx(
            stack.metric_sum(values, "llm_cost_usd_total", **labels), abs=1e-6
        )
    assert sum(row["requests"] for row in rows) == requests
