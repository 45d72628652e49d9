"""Rules of the gates and rollback triggers together: a trigger that acts
before the gate it shadows, and a gate no measurement can ever pass."""

from __future__ import annotations

from collections.abc import Iterator

from hybridctl.config.diagnostics import WARNING, Diagnostic, Rule
from hybridctl.config.document import Document
from hybridctl.config.model import Gates, Strategy
from hybridctl.config.rules.helpers import fmt
from hybridctl.config.rules.registry import STRATEGY, register
from hybridctl.sequential import Design, difference, proportion

# A gate that needs more requests than this per variant to pass is out of reach.
MOST_REQUESTS = 1_000_000
TYPICAL_ERROR_RATE = 0.01  # for the sample a margin needs, when the gates name no error rate


@register(
    STRATEGY,
    Rule(
        "trigger-shadows-gate",
        WARNING,
        "A rollback trigger is stricter than the gate on the same figure: the gate never fails first.",
    ),
)
def triggers_shadow_gates(document: Document, strategy: Strategy) -> Iterator[Diagnostic]:
    gates, triggers = strategy.gates, strategy.rollback_triggers
    pairs = (
        ("maxErrorRate", gates.max_error_rate, triggers.max_error_rate, "error rate", False),
        ("minCostSavings", gates.min_cost_savings, triggers.min_cost_savings, "cost savings", True),
    )
    for key, gate, trigger, figure, at_least in pairs:
        if gate is None or trigger is None or (trigger <= gate if at_least else trigger >= gate):
            continue
        yield document.diag(
            "trigger-shadows-gate",
            f"rollbackTriggers.{key} {fmt(trigger)} is stricter than gates.{key} {fmt(gate)}: "
            f"a candidate whose {figure} only fails the gate is rolled back at once",
            ("rollbackTriggers", key),
            hint=f"set the trigger at or beyond the gate ({fmt(gate)}), or the gate at the trigger",
        )


def requests_to_pass(margin: float, rate: float, gates: Gates, *, against_stable: bool) -> int | None:
    """Requests per variant before a candidate exactly like stable (error rate
    ``rate``) can pass: the interval's upper end below ``margin``; None past
    MOST_REQUESTS."""
    design = Design(gates.confidence, gates.planned_requests)
    n = 10
    while n <= MOST_REQUESTS:
        events = rate * n
        interval = (
            difference((events, n), (events, n), design) if against_stable else proportion(events, n, design)
        )
        if interval is not None and interval.high <= margin:
            return n
        n = int(n * 1.25) + 1
    return None


@register(
    STRATEGY,
    Rule("gate-unreachable", WARNING, "A gate no measurement can pass, or none can fail."),
)
def unreachable_gates(document: Document, strategy: Strategy) -> Iterator[Diagnostic]:
    gates = strategy.gates
    rates = (
        ("maxErrorRate", gates.max_error_rate, False),
        ("maxEscalationRate", gates.max_escalation_rate, False),
        ("maxErrorRateDelta", gates.max_error_rate_delta, True),
    )
    for key, limit, against_stable in rates:
        if limit is None:
            continue
        if limit >= 1:
            yield document.diag(
                "gate-unreachable",
                f"gates.{key} {fmt(limit)} can never fail: no share of requests is above it",
                ("gates", key),
                hint="remove the gate, or set a limit below 1",
            )
            continue
        base = 0.0 if key == "maxEscalationRate" else min(gates.max_error_rate or 1, TYPICAL_ERROR_RATE)
        base = min(base, limit / 2)
        if requests_to_pass(limit, base, gates, against_stable=against_stable) is None:
            yield document.diag(
                "gate-unreachable",
                f"gates.{key} {fmt(limit)} can never pass: even a candidate at {base:.1%} needs more than "
                f"{MOST_REQUESTS:,} requests per variant to show it is within the limit",
                ("gates", key),
                hint="a limit of 0 can never be shown; allow a margin",
            )
    if gates.min_cost_savings is not None and gates.min_cost_savings >= 1:
        yield document.diag(
            "gate-unreachable",
            f"gates.minCostSavings {fmt(gates.min_cost_savings)} can never pass: "
            "only a candidate that costs nothing saves 100%",
            ("gates", "minCostSavings"),
            hint="savings are a share below 1 (0.2 = 20%)",
        )
