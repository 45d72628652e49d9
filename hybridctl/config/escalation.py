"""Escalation decisions, explained: which criteria a task context meets, each
with its weight, the score against the threshold, and the model it leads to.

The routing library, `hybridctl escalation check|test` and `validate` (a
config's `escalation.cases`) all decide here. A context field that is
missing meets no criterion; a field of the wrong type is an error naming the
field, never a silent "no".
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, NamedTuple

from hybridctl.config.model import EscalationCase, Strategy

# context field -> (criterion it feeds, what it must be)
FIELDS = {
    "affected_services": ("multiServiceImpact", "a list of services or a count"),
    "security_impact": ("securityCritical", "a string"),
    "performance_requirement": ("performanceCritical", "a number (1.5 = 50% more)"),
    "complexity_score": ("architecturalComplexity", "a number from 0 to 1"),
}


class ContextProblem(NamedTuple):
    field: str
    message: str


def context_problems(context: Mapping[str, Any]) -> list[ContextProblem]:
    """Fields of a task context with a value of the wrong type."""
    problems = []
    for name, (_, expected) in FIELDS.items():
        value = context.get(name)
        if value is None:
            continue
        if name == "affected_services":
            fine = (isinstance(value, int) and not isinstance(value, bool) and value >= 0) or (
                isinstance(value, list) and all(isinstance(item, str) for item in value)
            )
        elif name == "security_impact":
            fine = isinstance(value, str)
        else:
            fine = isinstance(value, (int, float)) and not isinstance(value, bool)
        if not fine:
            problems.append(ContextProblem(name, f"{name} must be {expected}, got {type(value).__name__}"))
    return problems


class CriterionResult(NamedTuple):
    name: str
    weight: float
    counts: bool  # the role counts this criterion
    fired: bool
    observed: Any  # what the context says (None: not given)
    needed: str  # what meets the criterion


class Decision(NamedTuple):
    role: str
    score: float
    threshold: float | None
    escalated: bool
    model: str
    escalation_model: str | None
    criteria: list[CriterionResult]

    @property
    def outcome(self) -> str:
        return "escalate" if self.escalated else "primary"

    @property
    def why(self) -> str:
        fired = [c for c in self.criteria if c.fired and c.counts]
        if self.escalation_model is None or self.threshold is None:
            return f"role '{self.role}' has no escalation model"
        sums = " + ".join(f"{c.name} {c.weight:g}" for c in fired) or "no criterion met"
        relation = ">=" if self.escalated else "<"
        return f"score {self.score:g} {relation} threshold {self.threshold:g} ({sums})"

    def to_dict(self) -> dict[str, Any]:
        return {
            "role": self.role,
            "decision": self.outcome,
            "model": self.model,
            "score": self.score,
            "threshold": self.threshold,
            "criteria": [c._asdict() for c in self.criteria],
            "why": self.why,
        }


def criterion_met(
    name: str, parameters: Mapping[str, Any], context: Mapping[str, Any]
) -> tuple[bool, Any, str]:
    """Whether a task context meets a criterion, what it says, and what meets it."""
    if name == "multiServiceImpact":
        services = context.get("affected_services")
        count = None if services is None else (services if isinstance(services, int) else len(services))
        return (
            count is not None and count >= parameters["minServices"],
            count,
            f">= {parameters['minServices']}",
        )
    if name == "securityCritical":
        impact = context.get("security_impact")
        return impact in parameters["impactTypes"], impact, "one of " + ", ".join(parameters["impactTypes"])
    if name == "performanceCritical":
        factor = context.get("performance_requirement")
        return (
            factor is not None and factor >= parameters["minFactor"],
            factor,
            f">= {parameters['minFactor']}",
        )
    score = context.get("complexity_score")
    return score is not None and score >= parameters["minScore"], score, f">= {parameters['minScore']}"


def decide(strategy: Strategy, role: str, context: Mapping[str, Any]) -> Decision:
    """The decision for a role and a task context; ValueError on a context field
    of the wrong type, KeyError on a role the strategy does not have."""
    problems = context_problems(context)
    if problems:
        raise ValueError("; ".join(p.message for p in problems))
    spec = strategy.roles[role]
    policy = strategy.escalation
    counted = set(strategy.criteria_of(role))
    results = []
    for name, criterion in (policy.criteria if policy else {}).items():
        fired, observed, needed = criterion_met(name, criterion.parameters, context)
        results.append(CriterionResult(name, criterion.weight, name in counted, fired, observed, needed))
    score = round(sum(c.weight for c in results if c.fired and c.counts), 10)
    escalated = bool(spec.escalation_model) and policy is not None and score >= policy.threshold
    model = spec.escalation_model if escalated and spec.escalation_model else spec.primary
    return Decision(
        role,
        score,
        policy.threshold if policy else None,
        escalated,
        model,
        spec.escalation_model,
        results,
    )


class CaseResult(NamedTuple):
    position: int  # in escalation.cases
    case: EscalationCase
    decision: Decision | None
    problem: str | None  # an unknown role or a bad context

    @property
    def passed(self) -> bool:
        return self.decision is not None and self.decision.outcome == self.case.expect

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.case.name,
            "role": self.case.role,
            "expect": self.case.expect,
            "got": None if self.decision is None else self.decision.outcome,
            "passed": self.passed,
            "why": self.problem if self.decision is None else self.decision.why,
        }


def run_cases(strategy: Strategy) -> list[CaseResult]:
    """Every case the config carries, decided by its own weights and threshold."""
    results = []
    for index, case in enumerate(strategy.escalation.cases if strategy.escalation else ()):
        if case.role not in strategy.roles:
            results.append(CaseResult(index, case, None, f"role '{case.role}' is not in roles"))
            continue
        try:
            results.append(CaseResult(index, case, decide(strategy, case.role, case.context), None))
        except ValueError as exc:
            results.append(CaseResult(index, case, None, str(exc)))
    return results
