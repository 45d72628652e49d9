"""Simulated usage: requests routed through a bundle exactly as an application
would route them (sticky split, escalation scoring), written as usage events.

For dry runs of a strategy, demos and benchmarks; deterministic for a seed.
The workload mix below is illustrative, not measured.
"""

from __future__ import annotations

import json
import math
import random
import secrets
from collections.abc import Iterator, Mapping
from datetime import datetime, timedelta
from pathlib import Path
from typing import IO, Any, NamedTuple

from hybridctl.errors import UsageError
from hybridctl.fsutil import check_output_path, output_file
from hybridctl.routing import Router
from hybridctl.routing.grants import Grant, sign_grant

# role -> (share of requests, mean input tokens, mean output tokens)
ROLE_MIX = {
    "orchestrator": (0.25, 2_000, 400),
    "implementer": (0.35, 4_000, 1_200),
    "critic": (0.20, 3_000, 600),
    "architect": (0.10, 6_000, 1_500),
    "integrator": (0.10, 5_000, 1_000),
}
# model tier -> median latency in seconds
TIER_LATENCY = {"primary": 1.2, "premium": 2.6, "fallback": 1.0, "free": 0.9, "economy": 0.6}
SECURITY_IMPACTS = ("none", "none", "none", "local", "system-wide", "data_breach", "auth_bypass")


class Workload(NamedTuple):
    requests: int
    users: int
    start: datetime
    duration: timedelta
    error_rate: float = 0.01
    candidate_error_rate: float | None = None  # None: same as error_rate
    candidate_latency_factor: float = 1.0
    seed: int = 1
    # escalations that need approval: the share whose request was approved, so the
    # task carries a grant (the rest stay on the primary model, as a gateway serves them)
    approved: float = 1.0


def _task(rng: random.Random) -> dict[str, Any]:
    """A task context for escalation scoring: most tasks are routine."""
    return {
        "affected_services": min(int(rng.expovariate(0.9)) + 1, 8),
        "security_impact": rng.choice(SECURITY_IMPACTS) if rng.random() < 0.15 else "none",
        "performance_requirement": 1.0 + (rng.random() if rng.random() < 0.1 else 0.0),
        "complexity_score": rng.random() ** 3,
    }


def simulate(bundle: Mapping[str, Any], workload: Workload) -> Iterator[dict[str, Any]]:
    key = secrets.token_bytes(32)  # this run's own: its grants mean nothing anywhere else
    router = Router(bundle, grant_key=key)
    grants = {role: sign_grant(key, Grant("esc-simulate", role, 2**62)) for role in router.stable.roles}
    if router.candidate is not None:
        grants.update({r: sign_grant(key, Grant("esc-simulate", r, 2**62)) for r in router.candidate.roles})
    rng = random.Random(workload.seed)
    roles = [r for r in ROLE_MIX if r in router.stable.roles]
    shares = [ROLE_MIX[r][0] for r in roles]
    step = workload.duration / max(workload.requests, 1)
    for index in range(workload.requests):
        user = f"user-{rng.randrange(workload.users):05d}"
        role = rng.choices(roles, shares)[0]
        task = _task(rng)
        route = router.route(role, user, task)
        if route.held and (workload.approved >= 1 or rng.random() < workload.approved):
            route = router.route(role, user, {**task, "approval": grants[role]})
        strategy = router.candidate if route.variant == "candidate" and router.candidate else router.stable
        tier = strategy.models[route.model].tier
        _, mean_in, mean_out = ROLE_MIX[role]
        input_tokens = max(1, int(rng.gauss(mean_in, mean_in / 4)))
        error_rate = workload.error_rate
        latency = TIER_LATENCY.get(tier, 1.0) * math.exp(rng.gauss(0, 0.35))
        if route.variant == "candidate":
            if workload.candidate_error_rate is not None:
                error_rate = workload.candidate_error_rate
            latency *= workload.candidate_latency_factor
        failed = rng.random() < error_rate
        # A failed call goes down the route's fallback chain, each link failing at the base rate.
        answered = failed and any(rng.random() >= workload.error_rate for _ in route.fallbacks)
        event = {
            "time": (workload.start + step * index).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
            "request_id": f"req-{workload.seed}-{index:08d}",
            "user": user,
            "role": role,
            "model": route.model,
            "provider": strategy.models[route.model].provider,
            "variant": route.variant,
            "escalated": route.escalated,
            "input_tokens": input_tokens,
            "output_tokens": 0 if failed else max(1, int(rng.gauss(mean_out, mean_out / 4))),
            "cached_tokens": int(input_tokens * rng.uniform(0, 0.3)),
            "latency_ms": round(latency * 1000, 1),
            "status": "error" if failed else "ok",
            "error_type": "provider_error" if failed else None,
            "task": task,  # the context the router scored: escalation backtest replays it
        }
        if router.rollout_id:
            event["rollout_id"] = router.rollout_id  # as a gateway labels it: one rollout's traffic apart
        if failed:
            event["answered"] = answered  # availability counts the failed requests no fallback answered
        yield event


def write_events(events: Iterator[dict[str, Any]], out: IO[bytes]) -> int:
    count = 0
    for event in events:
        out.write((json.dumps(event) + "\n").encode())
        count += 1
    return count


def write_events_file(events: Iterator[dict[str, Any]], path: Path, *, append: bool = False) -> int:
    """Write events to a file: a new file atomically; ``append`` adds to one."""

    if not append:
        with output_file(path) as handle:
            return write_events(events, handle)
    check_output_path(path)
    try:
        with path.open("ab") as handle:
            return write_events(events, handle)
    except OSError as exc:
        raise UsageError(f"cannot write {path}: {exc.strerror or exc}") from None
