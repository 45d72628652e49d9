"""What does hybridctl's plug-in add to a LiteLLM proxy?

Starts, on 127.0.0.1, the OpenAI-compatible upstream of the end-to-end tests
and two LiteLLM proxies with the config ``hybridctl render --format
litellm-proxy`` writes: the reference without the plug-in (its callback
line removed), and the same with it (a canary at 10%, its metrics exported,
the usage log written). Then, alternately so that drift hits both alike:

- latency: requests one at a time, each proxy in turn, for a role; the
  percentiles of each, and what the plug-in adds (p50, p99);
- throughput: ``--concurrency`` clients for ``--seconds`` on each proxy, in
  alternating blocks; requests per second, and what the plug-in loses;
- the plug-in's own work, timed in this process without a proxy (its hooks
  as the proxy calls them, with metrics and the usage log): the CPU time it
  adds to a request, against the CPU time a request takes in the proxy at
  full load, a figure the noise of the blocks above does not blur.

The goal: under 1 ms added at p99, and under 3% of throughput lost. It prints
the figures and asserts nothing. Needs the proxy's environment ``make e2e``
prepares (or ``HYBRIDCTL_E2E_LITELLM``).

    python benchmarks/gateway.py [--requests 2000] [--seconds 15] [--concurrency 16]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.e2e import stack  # noqa: E402
from tests.e2e.upstream import Upstream  # noqa: E402

ROLE = "critic"


def setup(directory: Path, upstream: Upstream) -> tuple[Path, Path, Path]:
    """A setup whose models the upstream serves, a canary at 10%: its bundle, and both configs."""
    config = json.loads((ROOT / "configs" / "model-config.json").read_text())
    config["providers"] = {"upstream": {"baseUrl": upstream.url, "apiKeyEnv": "UPSTREAM_API_KEY"}}
    for model in config["models"].values():
        model["provider"] = "upstream"
    config["rollout"]["steps"] = [{"weight": 10, "minSoakHours": 0}, {"weight": 50, "minSoakHours": 0}]
    (directory / "configs").mkdir()
    (directory / "configs" / "modes.yml").write_text((ROOT / "configs" / "modes.yml").read_text())
    path = directory / "configs" / "model-config.json"
    path.write_text(json.dumps(config))
    env = {**os.environ, "HYBRIDCTL_ACTOR": "bench"}

    def hybridctl(*args: str) -> str:
        command = [sys.executable, "-m", "hybridctl", *args]
        return subprocess.run(
            command, cwd=directory, env=env, check=True, capture_output=True, text=True
        ).stdout

    hybridctl("init", "--store-only")
    config["roles"][ROLE]["primary"] = "gemini-2.5-flash-lite"
    path.write_text(json.dumps(config))
    hybridctl("stage", "--reason", "bench")
    hybridctl("promote")
    bundle = directory / "bundle.json"
    hybridctl("render", "--out", str(bundle))
    with_plugin = directory / "with.yaml"
    hybridctl("render", "--format", "litellm-proxy", "--out", str(with_plugin))
    without = directory / "without.yaml"
    text = with_plugin.read_text()
    without.write_text(
        text.replace("  callbacks:\n  - hybridctl.gateway.litellm_plugin.handler\n", "  callbacks: []\n")
    )
    return bundle, without, with_plugin


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def latencies(clients: dict[str, stack.Client], requests: int) -> dict[str, list[float]]:
    taken: dict[str, list[float]] = {name: [] for name in clients}
    for n in range(requests):
        for name, client in clients.items():
            started = time.perf_counter()
            assert client.ask(ROLE, f"u-{n}") == 200
            taken[name].append(time.perf_counter() - started)
    return taken


def throughput(client: stack.Client, seconds: float, concurrency: int) -> float:
    done = [0] * concurrency
    stop = time.monotonic() + seconds

    def work(slot: int) -> None:
        n = 0
        while time.monotonic() < stop:
            client.ask(ROLE, f"t-{slot}-{n}")
            n += 1
        done[slot] = n

    threads = [threading.Thread(target=work, args=(slot,)) for slot in range(concurrency)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sum(done) / (time.monotonic() - started)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--seconds", type=float, default=15.0)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    default_litellm = ROOT / ".venv-e2e" / "bin" / "litellm"
    litellm = stack.litellm_executable() or (str(default_litellm) if default_litellm.exists() else None)
    if litellm is None:
        sys.exit("needs the LiteLLM proxy: make e2e prepares .venv-e2e (or set HYBRIDCTL_E2E_LITELLM)")
    upstream = Upstream()
    services: list[stack.Service] = []
    with tempfile.TemporaryDirectory() as temp:
        directory = Path(temp)
        bundle, without, with_plugin = setup(directory, upstream)
        env = {
            **os.environ,
            "LITELLM_MASTER_KEY": stack.MASTER_KEY,
            "UPSTREAM_API_KEY": "bench-" + "0" * 16,
            "LITELLM_LOCAL_MODEL_COST_MAP": "True",
            "HF_HUB_OFFLINE": "1",
        }
        plugin_env = {
            **env,
            "HYBRIDCTL_BUNDLE": str(bundle),
            "HYBRIDCTL_METRICS_PORT": str(stack.free_port()),
            "HYBRIDCTL_USAGE_LOG": str(directory / "usage.jsonl"),
        }
        try:
            ports = {"without plug-in": stack.free_port(), "with plug-in": stack.free_port()}
            setups = [(without, env), (with_plugin, plugin_env)]
            for port, (config, proxy_env) in zip(ports.values(), setups, strict=True):
                services.append(stack.start_proxy(litellm, config, port, proxy_env, directory))
            clients = {name: stack.Client(port) for name, port in ports.items()}
            latencies(clients, 50)  # warm both up
            report(clients, args)
        finally:
            for service in services:
                service.stop()
            upstream.close()


def report(clients: dict[str, stack.Client], args: argparse.Namespace) -> None:
    taken = latencies(clients, args.requests)
    print(f"latency, {args.requests} requests one at a time on each proxy, alternately (ms):")
    print(f"{'':18} {'p50':>8} {'p90':>8} {'p99':>8}")
    for name, values in taken.items():
        cells = [percentile(values, q) * 1000 for q in (0.5, 0.9, 0.99)]
        print(f"{name:18} " + " ".join(f"{c:8.2f}" for c in cells))
    base, plugged = taken["without plug-in"], taken["with plug-in"]
    for q, label in ((0.5, "p50"), (0.99, "p99")):
        added = (percentile(plugged, q) - percentile(base, q)) * 1000
        print(f"added by the plug-in at {label}: {added:+.2f} ms (goal: under 1 ms at p99)")
    rates: dict[str, list[float]] = {name: [] for name in clients}
    for _ in range(args.rounds):
        for name, client in clients.items():
            rates[name].append(throughput(client, args.seconds, args.concurrency))
    blocks = f"{args.rounds} blocks of {args.seconds:g} s each"
    print(f"throughput, {args.concurrency} clients, {blocks} (requests/s):")
    for name, values in rates.items():
        print(f"{name:18} {statistics.median(values):8.1f}  ({', '.join(f'{v:.1f}' for v in values)})")
    lost = 1 - statistics.median(rates["with plug-in"]) / statistics.median(rates["without plug-in"])
    print(f"throughput lost to the plug-in: {lost:.1%} (goal: under 3%)")
    own = plugin_work(2000)
    per_request = (os.cpu_count() or 1) / statistics.median(rates["without plug-in"])
    print(
        f"the plug-in's own work: {own * 1e6:.0f} us per request, {own / per_request:.2%} of the "
        f"{per_request * 1000:.1f} ms of CPU a request takes in the proxy at full load "
        f"({os.cpu_count()} CPUs)"
    )


def plugin_work(requests: int) -> float:
    """Seconds of the plug-in's hooks per request: routing, counting and the usage log."""
    import asyncio

    os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")  # LiteLLM's import stays offline

    from prometheus_client import CollectorRegistry

    from hybridctl.gateway.litellm_plugin import HybridctlRouting
    from tests.gateway.helpers import Key, event, make_bundle

    with tempfile.TemporaryDirectory() as temp:
        bundle = Path(temp) / "bundle.json"
        bundle.write_text(json.dumps(make_bundle(weight=10)))
        env = {"HYBRIDCTL_BUNDLE": str(bundle), "HYBRIDCTL_USAGE_LOG": str(Path(temp) / "usage.jsonl")}
        routing = HybridctlRouting(env, CollectorRegistry())
        while routing.watcher is not None and routing.watcher.current is None:
            time.sleep(0.01)
        asks: list[dict[str, Any]] = [
            {"model": ROLE, "user": f"u-{n}", "messages": [{"role": "user", "content": "hi"}]}
            for n in range(requests)
        ]

        async def run() -> float:
            spent = 0.0
            for data in asks:
                started = time.process_time()
                await routing.async_pre_call_hook(Key(), None, data, "acompletion")
                spent += time.process_time() - started
                kwargs = event(data, data["model"], 0.001)  # LiteLLM builds this, not the plug-in
                started = time.process_time()
                await routing.async_log_success_event(kwargs, None, None, None)
                spent += time.process_time() - started
            return spent

        return asyncio.run(run()) / requests


if __name__ == "__main__":
    main()
