"""Escalation decisions, explained: which criteria a task context meets, each
with its weight, the score against the threshold, and the model it leads to.

The routing library, `hybridctl escalation check|test` and `validate` (a
config's `escalation.cases`) all decide here. A context field that is
missing meets no criterion; a field of the wrong type is an error naming the
field, never a silent "no".
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
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


def _services_valid(value: Any) -> bool:
    return (type(value) is int and value >= 0) or (
        type(value) is list and all(isinstance(item, str) for item in value)
    )


def _number_valid(value: Any) -> bool:
    return type(value) in (int, float)


# context field -> whether a value has the type its criterion reads
FIELD_VALID: dict[str, Callable[[Any], bool]] = {
    "affected_services": _services_valid,
    "security_impact": lambda value: isinstance(value, str),
    "performance_requirement": _number_valid,
    "complexity_score": _number_valid,
}


def field_valid(name: str, value: Any) -> bool:
    """Whether a context field's value has the type its criterion reads."""
    return FIELD_VALID[name](value)


def context_problems(context: Mapping[str, Any]) -> list[ContextProblem]:
    """Fields of a task context with a value of the wrong type."""
    return [
        ContextProblem(name, f"{name} must be {expected}, got {type(context[name]).__name__}")
        for name, (_, expected) in FIELDS.items()
        if context.get(name) is not None and not field_valid(name, context[name])
    ]


CRITERION_FIELD = {criterion: name for name, (criterion, _) in FIELDS.items()}


def criterion_test(name: str, parameters: Mapping[str, Any]) -> tuple[Callable[[Any], bool], str]:
    """Whether a value of the criterion's context field meets it (False for a
    value of the wrong type), and what meets it in words. The one definition of
    each criterion: decisions, `escalation check` and the routing library all
    use it, and the router builds it once per role."""
    valid = FIELD_VALID[CRITERION_FIELD[name]]
    if name == "multiServiceImpact":
        least = parameters["minServices"]
        return (
            lambda value: valid(value) and (value if type(value) is int else len(value)) >= least
        ), f">= {least}"
    if name == "securityCritical":
        kinds = frozenset(parameters["impactTypes"])
        needed = "one of " + ", ".join(parameters["impactTypes"])
        return (lambda value: valid(value) and value in kinds), needed
    least = parameters["minFactor" if name == "performanceCritical" else "minScore"]
    return (lambda value: valid(value) and value >= least), f">= {least}"


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
    field = CRITERION_FIELD[name]
    test, needed = criterion_test(name, parameters)
    value = context.get(field)
    observed = len(value) if field == "affected_services" and isinstance(value, list) else value
    return value is not None and test(value), observed, needed


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
