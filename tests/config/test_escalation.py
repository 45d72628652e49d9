"""Escalation decisions, explained, and the cases a config carries: each
expected decision is worked out here from the seed weights (0.3 multi-service,
0.4 security, 0.2 performance, 0.1 complexity; threshold 0.5)."""

from __future__ import annotations

import json

import pytest

from hybridctl.config.escalation import context_problems, decide, run_cases
from hybridctl.config.model import Strategy
from hybridctl.routing.router import escalation_score
from tests.helpers import CONFIGS

WEIGHTS = {
    "multiServiceImpact": 0.3,
    "securityCritical": 0.4,
    "performanceCritical": 0.2,
    "architecturalComplexity": 0.1,
}


@pytest.fixture
def strategy() -> Strategy:
    return Strategy.from_dict(json.loads((CONFIGS / "model-config.json").read_text()))


@pytest.mark.parametrize(
    "context, fired",
    [
        ({"affected_services": ["a", "b", "c", "d"], "complexity_score": 0.5}, ["multiServiceImpact"]),
        (
            {"affected_services": 4, "security_impact": "auth_bypass"},
            ["multiServiceImpact", "securityCritical"],
        ),
        (
            {"performance_requirement": 2.0, "complexity_score": 0.8},
            ["performanceCritical", "architecturalComplexity"],
        ),
        ({"security_impact": "none"}, []),
        ({}, []),  # a missing field meets nothing
    ],
)
def test_each_criterion_fires_on_its_field_and_the_score_is_their_weights(
    strategy: Strategy, context: dict[str, object], fired: list[str]
) -> None:
    decision = decide(strategy, "architect", context)

    assert [c.name for c in decision.criteria if c.fired] == fired
    score = round(sum(WEIGHTS[name] for name in fired), 10)
    assert decision.score == score
    assert decision.escalated == (score >= 0.5)
    assert decision.model == ("claude-4.1-opus" if score >= 0.5 else "glm-4.5")
    assert strategy.escalation is not None
    assert escalation_score(strategy.escalation, strategy.criteria_of("architect"), context) == (score, fired)


def test_a_role_counts_only_its_criteria_and_one_without_an_escalation_model_never_escalates(
    strategy: Strategy,
) -> None:
    context = {"affected_services": 5, "performance_requirement": 3.0}
    integrator = decide(strategy, "integrator", context)  # it does not count performanceCritical
    assert integrator.score == 0.3 and not integrator.escalated
    assert [c.counts for c in integrator.criteria] == [True, True, False, True]
    critic = decide(strategy, "critic", {"affected_services": 5, "security_impact": "data_breach"})
    assert not critic.escalated and critic.model == "glm-4.5"


def test_a_field_of_the_wrong_type_is_an_error_naming_it(strategy: Strategy) -> None:
    context = {"affected_services": "four", "performance_requirement": True, "complexity_score": 0.9}

    assert [p.field for p in context_problems(context)] == ["affected_services", "performance_requirement"]
    with pytest.raises(ValueError, match="affected_services must be a list of services or a count"):
        decide(strategy, "architect", context)
    # the router routes anyway: a wrong field meets nothing
    assert strategy.escalation is not None
    assert escalation_score(strategy.escalation, ("architecturalComplexity",), context) == (
        0.1,
        ["architecturalComplexity"],
    )


def test_the_shipped_cases_give_what_the_seed_weights_really_give(strategy: Strategy) -> None:
    results = run_cases(strategy)

    assert [(r.case.name, r.case.expect, r.passed) for r in results][:3] == [
        ("seed: multi-service impact", "primary", True),  # 0.3 < 0.5, though the plan expected escalation
        ("seed: security-critical", "primary", True),  # 0.4
        ("seed: performance-critical", "primary", True),  # 0.2
    ]
    assert all(r.passed for r in results)
    assert strategy.escalation is not None
    cheaper = strategy._replace(escalation=strategy.escalation._replace(threshold=0.3))
    assert [r.passed for r in run_cases(cheaper)][:3] == [False, False, True]
