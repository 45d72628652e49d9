"""How fast does the routing library decide, against one mmh3 call?

An application calls `Router.route()` on every model request, so it must cost
about as much as the hash a feature-flag SDK spends on the same decision
(Unleash buckets with murmur3). Timed on one core, in one process, alternating
rounds, on the shipped defaults with a canary at 10%:

- `mmh3.hash(key)`: the reference;
- `bucket(rollout_id, user_id)` by each documented hash: murmur3 (every
  rollout staged now) and sha256 (rollouts staged before murmur3 was added);
- `route(role, user)` with no rollout in flight, and while a canary runs
  (by each hash);
- `route(role, user, task)` with a task context, while a canary runs (the
  shipped config reviews every escalation: a task that meets the criteria and
  carries no grant stays on the primary model);
- the same with each task carrying a valid approval grant for its role, a
  grant of its own every ten requests (an agent's task makes several calls):
  an escalation checks the HMAC-SHA256 signature of a grant it has not seen.

Users are distinct ids with non-ASCII text; nothing is cached between
requests. It prints decisions per second and the time of each against mmh3
(lower is better). It asserts nothing.

    python benchmarks/routing.py [--requests 200000] [--rounds 5]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import mmh3

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from hybridctl.routing import Router, bucket  # noqa: E402
from hybridctl.routing.grants import Grant, sign_grant  # noqa: E402

ROLES = ("architect", "orchestrator", "implementer", "critic", "integrator")


def bundle(weight: int, hash_name: str = "murmur3") -> dict[str, Any]:
    config = json.loads((ROOT / "configs" / "model-config.json").read_text())
    candidate = json.loads(json.dumps(config))
    candidate["roles"]["critic"]["primary"] = "gemini-2.5-flash-lite"
    side = {"revision": 1, "digest": "sha256:" + "0" * 64, "modes": None}
    return {
        "rollout_id": "20261201-0a1b2c3d",
        "bucketing": {"hash": hash_name},
        "weight": weight,
        "stable": {**side, "modelConfig": config},
        "candidate": {**side, "revision": 2, "modelConfig": candidate} if weight else None,
    }


def rate(loop: Callable[[], None], count: int) -> float:
    started = time.perf_counter()
    loop()
    return count / (time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=200_000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    n = args.requests
    users = [f"usér-{i}@example.com" for i in range(n)]
    roles = [ROLES[i % len(ROLES)] for i in range(n)]
    tasks = [
        {"affected_services": i % 6, "security_impact": "system-wide" if i % 2 else "none"} for i in range(n)
    ]
    key = b"k" * 32
    idle, canary, legacy = Router(bundle(0)), Router(bundle(10), grant_key=key), Router(bundle(10, "sha256"))
    # an agent's task makes about ten calls with its grant: every 50 requests, each role's
    # ten share one grant of their own
    signed: dict[tuple[int, str], str] = {}
    granted = []
    for i, (task, role) in enumerate(zip(tasks, roles, strict=True)):
        if (i // 50, role) not in signed:
            signed[i // 50, role] = sign_grant(key, Grant(f"esc-{i // 50:08x}", role, 2**40))
        granted.append({**task, "approval": signed[i // 50, role]})
    rid = canary.rollout_id
    hash32 = mmh3.hash

    def mmh3_loop() -> None:
        for user in users:
            hash32(user)

    def murmur3_bucket_loop() -> None:
        for user in users:
            bucket(rid, user, "murmur3")

    def sha256_bucket_loop() -> None:
        for user in users:
            bucket(rid, user, "sha256")

    def route_loop(router: Router) -> Callable[[], None]:
        def loop() -> None:
            route = router.route
            for role, user in zip(roles, users, strict=True):
                route(role, user)

        return loop

    def task_loop() -> None:
        route = canary.route
        for role, user, task in zip(roles, users, tasks, strict=True):
            route(role, user, task)

    def granted_loop() -> None:
        route = canary.route
        for role, user, task in zip(roles, users, granted, strict=True):
            route(role, user, task)

    escalated = sum(canary.route(r, u, t).escalated for r, u, t in zip(roles, users, granted, strict=True))
    loops = {
        "mmh3.hash (reference)": mmh3_loop,
        "bucket(), murmur3": murmur3_bucket_loop,
        "bucket(), sha256": sha256_bucket_loop,
        "route(), no rollout": route_loop(idle),
        "route(), canary, murmur3": route_loop(canary),
        "route(), canary, sha256": route_loop(legacy),
        "route(), canary + task": task_loop,
        "route(), + task with grant": granted_loop,
    }
    rates: dict[str, list[float]] = {name: [] for name in loops}
    for _ in range(args.rounds):
        for name, loop in loops.items():
            rates[name].append(rate(loop, n))
    reference = statistics.median(rates["mmh3.hash (reference)"])
    print(
        f"python {sys.version.split()[0]}; {n:,} requests x {args.rounds} alternating rounds; "
        f"{escalated / n:.0%} of the task requests escalate (with their grants)"
    )
    print(f"{'':26} {'decisions/s':>14} {'time vs mmh3':>14}")
    for name, values in rates.items():
        median = statistics.median(values)
        print(f"{name:26} {median:>14,.0f} {reference / median:>13.2f}x")


if __name__ == "__main__":
    main()
