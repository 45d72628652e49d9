"""The routing library: sticky split, escalation scoring and fallbacks."""

from __future__ import annotations

import hashlib
import json
from typing import Any

import pytest

from hybridctl.config.model import EscalationPolicy, Strategy
from hybridctl.routing import Router, bucket, escalation_score
from tests.helpers import CONFIGS

DEFAULT = json.loads((CONFIGS / "model-config.json").read_text())
del DEFAULT["escalation"]["approval"]  # scoring alone here; test_grants.py covers approvals


def bundle(weight: int, candidate: dict[str, Any] | None = None) -> dict[str, Any]:
    side = {"revision": 1, "digest": "sha256:" + "0" * 64, "modes": None}
    return {
        "rollout_id": "20261121-abcdef12",
        "weight": weight,
        "stable": {**side, "modelConfig": DEFAULT},
        "candidate": None if candidate is None else {**side, "revision": 2, "modelConfig": candidate},
    }


def candidate_config() -> dict[str, Any]:
    config: dict[str, Any] = json.loads(json.dumps(DEFAULT))
    for role in config["roles"].values():
        role["primary"] = "gemini-2.5-flash-lite"
    return config


def test_bucket_is_the_documented_sha256_rule() -> None:
    expected = int(hashlib.sha256(b"r1:alice").hexdigest()[:8], 16) % 100 + 1
    assert bucket("r1", "alice") == expected
    assert all(1 <= bucket("r1", f"u{i}") <= 100 for i in range(1000))


def test_users_inside_10_percent_stay_inside_at_50_and_every_role_agrees() -> None:
    users = [f"user-{i}" for i in range(5000)]
    at_10 = Router(bundle(10, candidate_config()))
    at_50 = Router(bundle(50, candidate_config()))

    on_10 = {u for u in users if at_10.variant(u) == "candidate"}
    on_50 = {u for u in users if at_50.variant(u) == "candidate"}

    assert on_10 <= on_50
    assert abs(len(on_10) / len(users) - 0.10) < 0.02 and abs(len(on_50) / len(users) - 0.50) < 0.03
    for user in users[:200]:
        variants = {at_10.route(role, user).variant for role in DEFAULT["roles"]}
        assert len(variants) == 1  # a user never mixes old and new models


def test_no_candidate_or_weight_zero_routes_everyone_to_stable() -> None:
    assert {Router(bundle(0, candidate_config())).variant(f"u{i}") for i in range(100)} == {"stable"}
    assert {Router(bundle(50)).variant(f"u{i}") for i in range(100)} == {"stable"}


SEED = Strategy.from_dict(DEFAULT)


def seed_policy() -> EscalationPolicy:
    assert SEED.escalation is not None
    return SEED.escalation


@pytest.mark.parametrize(
    "task, score, escalates",
    [
        # The seed plan's own test expects multi-service impact alone to escalate:
        # 0.3 never reaches the 0.5 threshold, so it does not.
        ({"affected_services": ["orchestrator", "console", "daemon", "auth"]}, 0.3, False),
        ({"affected_services": ["auth"], "security_impact": "system-wide"}, 0.4, False),
        ({"affected_services": ["a", "b", "c"], "security_impact": "auth_bypass"}, 0.7, True),
        ({"security_impact": "data_breach", "complexity_score": 0.9}, 0.5, True),
        ({"performance_requirement": 2.0, "complexity_score": 0.8, "affected_services": 3}, 0.6, True),
        ({}, 0.0, False),
    ],
)
def test_escalation_scoring_follows_the_seed_criteria(
    task: dict[str, Any], score: float, escalates: bool
) -> None:
    route = Router(bundle(0)).route("architect", "alice", task)

    assert escalation_score(seed_policy(), SEED.criteria_of("architect"), task)[0] == pytest.approx(score)
    assert route.escalated is escalates
    assert route.model == ("claude-4.1-opus" if escalates else "glm-4.5")


def test_roles_without_escalation_never_escalate_and_integrator_ignores_performance() -> None:
    router = Router(bundle(0))
    heavy = {"affected_services": 5, "security_impact": "system-wide", "performance_requirement": 3.0}

    assert router.route("critic", "alice", heavy).escalated is False
    score, met = escalation_score(seed_policy(), SEED.criteria_of("integrator"), heavy)
    assert met == ["multiServiceImpact", "securityCritical"] and score == pytest.approx(0.7)


def test_fallback_chains() -> None:
    router = Router(bundle(0))

    assert router.route("implementer", "alice").fallbacks == (
        "openrouter/sonoma-sky-alpha",
        "meta-llama/llama-3.2-3b-instruct:free",
    )
    escalated = router.route("architect", "alice", {"affected_services": 4, "security_impact": "system-wide"})
    assert escalated.provider_model_id == "claude-opus-4-1"
    assert escalated.fallbacks == (
        "glm-4.5",
        "openrouter/sonoma-sky-alpha",
        "meta-llama/llama-3.2-3b-instruct:free",
    )


def test_variant_follows_the_documented_bucket_rule_for_every_user() -> None:
    router = Router(bundle(37, candidate_config()))
    for i in range(3000):
        user = f"usér-{i}"
        expected = "candidate" if bucket("20261121-abcdef12", user) <= 37 else "stable"
        assert router.variant(user) == expected


def test_routes_name_the_gateway_entry_the_litellm_render_serves() -> None:
    router = Router(bundle(100, candidate_config()))
    stable = Router(bundle(0))
    task = {"affected_services": 4, "security_impact": "system-wide"}

    assert stable.route("architect", "u1").gateway_model == "architect"
    assert stable.route("architect", "u1", task).gateway_model == "claude-4.1-opus"
    assert router.route("architect", "u1").gateway_model == "candidate/architect"
    assert router.route("architect", "u1", task).gateway_model == "candidate/claude-4.1-opus"
    forced = Router({**bundle(0), "forced": {"critic": "claude-4.1-opus"}})
    assert forced.route("critic", "u1").gateway_model == "claude-4.1-opus"
    assert forced.route("critic", "u1", task).escalated is False


def test_error_class_fallbacks_reach_the_route() -> None:
    config: dict[str, Any] = json.loads(json.dumps(DEFAULT))
    config["roles"]["critic"]["fallbacksOn"] = {"contextWindow": ["claude-4.1-opus"]}
    router = Router(bundle(0, None) | {"stable": {"modelConfig": config}})

    route = router.route("critic", "u1")
    assert dict(route.fallbacks_on) == {"contextWindow": ("claude-4.1-opus",)}
    assert route.fallbacks == ("openrouter/sonoma-sky-alpha", "meta-llama/llama-3.2-3b-instruct:free")
    assert dict(router.route("implementer", "u1").fallbacks_on) == {}


@pytest.mark.parametrize("seed", range(5))
def test_router_and_escalation_check_decide_alike(seed: int) -> None:
    import random

    from hybridctl.config.escalation import decide

    rng = random.Random(seed)
    router = Router(bundle(0))
    strategy = Strategy.from_dict(DEFAULT)
    for _ in range(400):
        context: dict[str, Any] = {}
        if rng.random() < 0.7:
            context["affected_services"] = rng.choice([rng.randint(0, 6), ["a"] * rng.randint(0, 5)])
        if rng.random() < 0.7:
            context["security_impact"] = rng.choice(["system-wide", "data_breach", "none", "auth_bypass"])
        if rng.random() < 0.5:
            context["performance_requirement"] = rng.choice([1.0, 1.5, 2, 0.5])
        if rng.random() < 0.5:
            context["complexity_score"] = rng.random()
        for role in ("architect", "integrator", "critic"):
            decision = decide(strategy, role, context)
            route = router.route(role, "u1", context)
            assert (route.escalated, route.model) == (decision.escalated, decision.model)
            fired = sum(c.weight for c in decision.criteria if c.fired and c.counts)
            scored = decision.escalation_model is not None  # a role without one is not scored
            assert route.score == pytest.approx(fired if scored else 0.0)
