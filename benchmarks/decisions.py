"""How often is an automatic promotion decision wrong?

Seeded simulations of canary steps, judged by hybridctl's own code
(`analysis.gates.evaluate` and `analysis.triggers.judge_triggers`) with the
shipped defaults' error gates and rollback triggers (maxErrorRate 5%,
maxErrorRateDelta 2 points, minRequests 200, minAvailability 99.5%,
maxErrorRate trigger 5%; 95% confidence, tuned for 2,000 requests), and,
for comparison, by the thresholds hybridctl used before (each estimate
against its limit, availability as 1 - error rate), measured the same way:

- A/A: 1,000 rollouts whose two variants are identical (1% of model calls
  fail, a fallback answers 90% of those), each measured 20 times as 100 more
  requests per variant arrive (up to 2,000): how many end in a rollback or a
  failed gate (goal: at most 5%); and the same near the 5% limit (both at 4%);
- power: a candidate whose error rate is 3 points worse (4% against 1%): how
  many are caught (a failed gate or trigger) by 2,000 requests per variant
  (goal: at least 95%);
- small difference: 0.5 points worse (1.5% against 1%) at 200 requests per
  variant, one look: how many hold (goal: hold, not fail).

It prints each figure with its goal and exits 0; the tests run the same
simulation on fixed seeds.

    python benchmarks/decisions.py [--rollouts 1000] [--seed 1]
"""

from __future__ import annotations

import argparse
import json
import math
import random
import sys
from collections.abc import Callable
from pathlib import Path
from typing import NamedTuple

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from hybridctl.analysis.figures import Figures  # noqa: E402
from hybridctl.analysis.gates import evaluate  # noqa: E402
from hybridctl.analysis.triggers import judge_triggers  # noqa: E402
from hybridctl.config.model import Gates, RollbackTriggers  # noqa: E402

RECOVERED = 0.9  # share of failed model calls a fallback answers


def shipped() -> tuple[Gates, RollbackTriggers]:
    """The shipped defaults' gates and triggers on errors and availability."""
    config = json.loads((ROOT / "configs" / "model-config.json").read_text())
    gates, triggers = config["gates"], config["rollbackTriggers"]
    kept = ("maxErrorRate", "maxErrorRateDelta", "minRequests", "confidence", "plannedRequests")
    return (
        Gates.from_dict({k: v for k, v in gates.items() if k in kept}),
        RollbackTriggers.from_dict(
            {k: v for k, v in triggers.items() if k in ("maxErrorRate", "minAvailability")}
        ),
    )


def binomial(rng: random.Random, n: int, p: float) -> int:
    """Successes in n trials, by geometric gaps between them (exact)."""
    if p <= 0:
        return 0
    if p >= 1:
        return n
    log_q, k, at = math.log(1 - p), 0, 0
    while True:
        at += int(math.log(1 - rng.random()) / log_q) + 1
        if at > n:
            return k
        k += 1


class Side:
    """One variant's running counts."""

    def __init__(self, error_rate: float) -> None:
        self.error_rate = error_rate
        self.requests = self.errors = self.unanswered = 0

    def add(self, rng: random.Random, n: int) -> None:
        errors = binomial(rng, n, self.error_rate)
        self.requests += n
        self.errors += errors
        self.unanswered += errors - binomial(rng, errors, RECOVERED)

    def figures(self) -> Figures:
        return Figures(requests=self.requests, errors=self.errors, unanswered=self.unanswered)


def hybridctl_verdict(stable: Figures, candidate: Figures, gates: Gates, triggers: RollbackTriggers) -> str:
    """go, hold or fail, as reconcile reads a measurement (a trigger fails it)."""
    report = evaluate(stable, candidate, gates, None, savings=None)
    judged = judge_triggers(stable, candidate, report.results, None, triggers, gates)
    return "fail" if judged.reasons or report.verdict == "fail" else report.verdict


def threshold_verdict(stable: Figures, candidate: Figures, gates: Gates, triggers: RollbackTriggers) -> str:
    """The thresholds before: each estimate against its limit once both variants
    have the minimum sample, availability as 1 - error rate."""
    if min(stable.requests or 0, candidate.requests or 0) < gates.min_requests:
        return "hold"
    ours, theirs = candidate.error_rate or 0.0, stable.error_rate or 0.0
    failed = (
        (gates.max_error_rate is not None and ours > gates.max_error_rate)
        or (gates.max_error_rate_delta is not None and ours - theirs > gates.max_error_rate_delta)
        or (triggers.max_error_rate is not None and ours > triggers.max_error_rate)
        or (triggers.min_availability is not None and 1 - ours < triggers.min_availability)
    )
    return "fail" if failed else "go"


Judge = Callable[[Figures, Figures, Gates, RollbackTriggers], str]


class Outcome(NamedTuple):
    failed: float  # share of rollouts that ended in a failed gate or a rollback
    held: float  # share still holding at the last look
    went: float  # share whose last look was a go


def simulate(
    judge: Judge,
    stable_rate: float,
    candidate_rate: float,
    looks: int,
    per_look: int,
    rollouts: int,
    seed: int,
) -> Outcome:
    """Each rollout measured ``looks`` times, ``per_look`` more requests per
    variant each time; a rollout ends at its first fail."""
    gates, triggers = shipped()
    rng = random.Random(seed)
    failed = held = went = 0
    for _ in range(rollouts):
        stable, candidate = Side(stable_rate), Side(candidate_rate)
        verdict = "hold"
        for _ in range(looks):
            stable.add(rng, per_look)
            candidate.add(rng, per_look)
            verdict = judge(stable.figures(), candidate.figures(), gates, triggers)
            if verdict == "fail":
                break
        failed += verdict == "fail"
        held += verdict == "hold"
        went += verdict == "go"
    return Outcome(failed / rollouts, held / rollouts, went / rollouts)


SCENARIOS = {
    "A/A: identical, 1% errors, 20 looks to 2,000": (0.01, 0.01, 20, 100, "at most 5% fail", "failed", 0.05),
    "A/A near the limit: identical, 4% errors": (0.04, 0.04, 20, 100, "at most 5% fail", "failed", 0.05),
    "power: 4% against 1%, 20 looks to 2,000": (0.01, 0.04, 20, 100, "at least 95% fail", "failed", 0.95),
    "small: 1.5% against 1%, one look at 200": (0.01, 0.015, 1, 200, "hold, not fail", "held", 0.95),
}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rollouts", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    print(f"{args.rollouts:,} rollouts per scenario, seed {args.seed}; shares of rollouts")
    print(f"{'scenario':<46} {'judge':<11} {'fail':>6} {'hold':>6} {'go':>6}  goal")
    for name, (stable, candidate, looks, per_look, goal, _, _) in SCENARIOS.items():
        for label, judge in (("hybridctl", hybridctl_verdict), ("thresholds", threshold_verdict)):
            got = simulate(judge, stable, candidate, looks, per_look, args.rollouts, args.seed)
            shown = goal if label == "hybridctl" else "(before, for comparison)"
            print(f"{name:<46} {label:<11} {got.failed:>6.1%} {got.held:>6.1%} {got.went:>6.1%}  {shown}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
