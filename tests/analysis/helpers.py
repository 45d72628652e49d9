"""A project measured on a Prometheus-API-shaped server: its settings, healthy
figures, and one reconcile through the command line."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from tests.helpers import Project, PromServer, RunFn

CHEAP = "gemini-2.5-flash-lite"
TOKEN = "prom-" + "c0ffee" * 5


Start = Callable[..., Any]


def configure(
    project: Project,
    prometheus_url: str,
    *,
    soak_hours: float = 0,
    analysis_settings: dict[str, Any] | None = None,
    targets: tuple[str, ...] = (),
) -> None:
    def change(config: dict[str, Any]) -> None:
        config["roles"]["critic"]["primary"] = CHEAP
        config["rollout"] = {
            "steps": [{"weight": 10, "minSoakHours": soak_hours}, {"weight": 50, "minSoakHours": soak_hours}],
            "analysis": {"intervalSeconds": 0, **(analysis_settings or {})},
        }

    project.edit_config(change)
    settings = f'targets = {json.dumps(list(targets))}\n[metrics]\nprovider = "prometheus"\n'
    settings += f'url = "{prometheus_url}"\ntoken-env = "PROM_TOKEN"\n'
    (project.root / "hybridctl.toml").write_text(settings)


def healthy(server: PromServer, *, candidate_errors: float = 2) -> None:
    """1,000 stable and 500 candidate requests; the candidate cheaper and as good
    (0.4% errors, a fallback answered every one: availability 100%)."""
    server.set("stable", requests=1000, errors=10, latency=1.4, cost=4.0, escalations=10, satisfaction=0.9)
    server.set("candidate", requests=500, errors=candidate_errors, latency=1.5, cost=1.0)
    server.set("stable", unanswered=0)
    server.set("candidate", unanswered=0)
    server.set("candidate", escalations=5, satisfaction=0.9)


def reconcile(cli: RunFn, project: Project) -> Any:
    run = cli("rollout", "reconcile", "--json", cwd=project.root, env={"PROM_TOKEN": TOKEN})
    data = run.json()
    data["exit_code"] = run.exit_code
    data["output"] = run.stdout + run.stderr
    return data


# Answers a Prometheus server should never give, each by what is wrong with it.
MALFORMED = {
    "data is a list": b'{"status": "success", "data": [1, 2]}',
    "metric is not an object": (
        b'{"status":"success","data":{"resultType":"vector","result":[{"metric":"x","value":[1,"5"]}]}}'
    ),
    "a series that is a number": b'{"status":"success","data":{"resultType":"vector","result":[7]}}',
    "a value that is not a pair": (
        b'{"status":"success","data":{"resultType":"vector","result":[{"metric":{},"value":"5"}]}}'
    ),
    "a value that is not a number": (
        b'{"status":"success","data":{"resultType":"vector","result":[{"metric":{},"value":[1,"five"]}]}}'
    ),
    "100,000 nested brackets": b"[" * 100_000 + b"]" * 100_000,
    "a string result": b'{"status":"success","data":{"resultType":"string","result":[1,"x"]}}',
    "not JSON": b"<html>proxy error</html>",
    "a JSON list": b"[1, 2, 3]",
    "an unknown result type": b'{"status":"success","data":{"resultType":"histogram","result":[]}}',
}


def always_valid(events: float, n: float, planned: int = 2000, alpha: float = 0.05) -> tuple[float, float]:
    """The normal-mixture confidence sequence, computed here from its formula: the
    mixture minimising the width at ``planned`` found by a grid, not by the code's search."""
    import math

    def factor(x: float) -> float:
        return math.sqrt((1 + x) / x * (math.log(1 + x) + 2 * math.log(1 / alpha)))

    best = min((10 ** (i / 2000) for i in range(-6000, 8000)), key=factor)
    rate = (events + 0.5) / (n + 1)
    half = math.sqrt(rate * (1 - rate) / n) * factor(best * n / planned)
    return max(0.0, events / n - half), min(1.0, events / n + half)
