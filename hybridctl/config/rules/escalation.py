"""Rules of escalation: weights and thresholds that can be met, and the
config's own test cases."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from hybridctl.config.diagnostics import ERROR, WARNING, Diagnostic, Rule
from hybridctl.config.document import Document, JsonPath
from hybridctl.config.escalation import context_problems, run_cases
from hybridctl.config.model import Strategy
from hybridctl.config.rules.helpers import fmt
from hybridctl.config.rules.registry import STRATEGY, register


@register(
    STRATEGY,
    Rule("unknown-criterion", ERROR, "A role counts an escalation criterion that is not defined."),
    Rule("escalation-weight-range", ERROR, "An escalation weight or threshold is outside [0, 1]."),
    Rule("escalation-threshold-unreachable", ERROR, "All criteria together cannot reach the threshold."),
    Rule("escalation-no-single-criterion", WARNING, "No single criterion reaches the threshold alone."),
)
def escalation_scores(document: Document, strategy: Strategy) -> Iterator[Diagnostic]:
    policy = strategy.escalation
    escalating = {n: r for n, r in strategy.roles.items() if r.escalation_model}
    if policy is None:
        for name in escalating:
            yield document.diag(
                "unknown-criterion",
                f"role '{name}' escalates, but no escalation criteria are defined",
                ("roles", name, "escalation"),
                hint="add an escalation section with criteria",
            )
        return
    threshold_path: JsonPath = ("escalation", "threshold")
    for name, criterion in policy.criteria.items():
        if not 0 <= criterion.weight <= 1:
            yield document.diag(
                "escalation-weight-range",
                f"weight of '{name}' is {fmt(criterion.weight)}; weights are between 0 and 1",
                ("escalation", "criteria", name, "weight"),
            )
    if not 0 < policy.threshold <= 1:
        yield document.diag(
            "escalation-weight-range",
            f"threshold is {fmt(policy.threshold)}; it must be above 0 and at most 1",
            threshold_path,
            hint="a threshold of 0 or less escalates every task",
        )
        return
    weights = {n: c.weight for n, c in policy.criteria.items()}
    total = sum(weights.values())
    if total < policy.threshold:
        yield document.diag(
            "escalation-threshold-unreachable",
            f"all criteria together score {fmt(total)}, below the threshold "
            f"{fmt(policy.threshold)}: no task can ever escalate",
            threshold_path,
        )
        return
    yield from _roles_reach(document, strategy, weights, escalating)
    strongest = max(weights, key=lambda n: weights[n])
    if weights[strongest] < policy.threshold:
        pair = sorted(weights, key=lambda n: -weights[n])[:2]
        yield document.diag(
            "escalation-no-single-criterion",
            f"no single criterion reaches the threshold {fmt(policy.threshold)} (strongest: {strongest} "
            f"{fmt(weights[strongest])}); a task escalates only when two or more hold, e.g. "
            f"{' + '.join(pair)} = {fmt(sum(weights[p] for p in pair))}",
            threshold_path,
            hint="intended if escalation should need corroborating signals; otherwise lower the "
            "threshold or raise a weight (--ignore escalation-no-single-criterion to accept)",
        )


def _roles_reach(
    document: Document, strategy: Strategy, weights: dict[str, float], escalating: dict[str, Any]
) -> Iterator[Diagnostic]:
    """Each escalating role counts criteria that exist and can reach the threshold."""
    assert strategy.escalation is not None
    threshold = strategy.escalation.threshold
    for name in escalating:
        counted = strategy.criteria_of(name)
        for index, criterion_name in enumerate(counted):
            if criterion_name not in weights:
                yield document.diag(
                    "unknown-criterion",
                    f"role '{name}' counts criterion '{criterion_name}', which escalation.criteria "
                    "does not define",
                    ("roles", name, "escalation", "criteria", index),
                )
        reachable = sum(weights.get(c, 0) for c in counted)
        if reachable < threshold:
            yield document.diag(
                "escalation-threshold-unreachable",
                f"role '{name}' counts criteria worth {fmt(reachable)} together, below the "
                f"threshold {fmt(threshold)}: it can never escalate",
                ("roles", name, "escalation", "criteria"),
            )


@register(
    STRATEGY,
    Rule("escalation-case", WARNING, "An escalation case gets another decision than it expects."),
)
def escalation_cases(document: Document, strategy: Strategy) -> Iterator[Diagnostic]:
    for result in run_cases(strategy):
        at: tuple[str | int, ...] = ("escalation", "cases", result.position)
        case = result.case
        if result.decision is None:
            bad = next((p.field for p in context_problems(case.context)), None)
            where = (*at, "context", bad) if bad else (*at, "role")
            yield document.diag("escalation-case", f"case '{case.name}': {result.problem}", where)
        elif not result.passed:
            yield document.diag(
                "escalation-case",
                f"case '{case.name}' expects {case.expect}, the weights give {result.decision.outcome}: "
                f"{result.decision.why}",
                (*at, "expect"),
                hint="change the case if the new decision is intended; otherwise the weights or threshold",
            )


@register(
    STRATEGY,
    Rule("approval-unknown-role", ERROR, "escalation.approval names a role the config does not have."),
    Rule(
        "approval-never-needed",
        WARNING,
        "escalation.approval names a role or criterion that never escalates.",
    ),
)
def approval_scope(document: Document, strategy: Strategy) -> Iterator[Diagnostic]:
    policy = strategy.escalation
    approval = policy.approval if policy is not None else None
    if policy is None or approval is None:
        return
    at: JsonPath = ("escalation", "approval")
    for index, role in enumerate(approval.roles or ()):
        if role not in strategy.roles:
            yield document.diag(
                "approval-unknown-role",
                f"approval names role '{role}', which roles does not define",
                (*at, "roles", index),
                hint="roles: " + ", ".join(strategy.roles),
            )
        elif not strategy.roles[role].escalation_model:
            yield document.diag(
                "approval-never-needed",
                f"approval names role '{role}', which has no escalation model: it never escalates",
                (*at, "roles", index),
            )
    counted = {
        c for r in strategy.roles if strategy.roles[r].escalation_model for c in strategy.criteria_of(r)
    }
    for index, name in enumerate(approval.criteria or ()):
        if name not in policy.criteria:
            yield document.diag(
                "unknown-criterion",
                f"approval names criterion '{name}', which escalation.criteria does not define",
                (*at, "criteria", index),
                hint="criteria: " + ", ".join(policy.criteria),
            )
        elif name not in counted:
            yield document.diag(
                "approval-never-needed",
                f"approval names criterion '{name}', which no escalating role counts",
                (*at, "criteria", index),
            )
