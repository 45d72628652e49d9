"""explain and simulate in the routing library: the split, escalation and
fallbacks as it decides them, with buckets worked out here from the documented
rule (first 8 hex digits of sha256("<rollout_id>:<user>") modulo 100, plus 1)."""

from __future__ import annotations

import pytest

from hybridctl.routing.explain import explain_route, simulate_routes
from tests.routing.helpers import bundle, documented_bucket


def test_explain_says_why_a_user_is_where_and_which_model_serves() -> None:
    inside = next(f"u-{n}" for n in range(1000) if documented_bucket(f"u-{n}") <= 10)
    outside = next(f"u-{n}" for n in range(1000) if documented_bucket(f"u-{n}") > 10)

    near = explain_route(bundle(), "critic", inside, None)
    far = explain_route(bundle(), "critic", outside, None)

    assert (near.route.variant, near.route.model, near.bucket) == (
        "candidate",
        "gemini-2.5-flash-lite",
        documented_bucket(inside),
    )
    assert near.why[0] == f"bucket {documented_bucket(inside)} <= weight 10: candidate"
    assert (far.route.variant, far.route.model) == ("stable", "glm-4.5")
    assert far.why[-2:] == [
        "if 'glm-4.5' fails: openrouter/sonoma-sky-alpha -> meta-llama/llama-3.2-3b-instruct:free",
        "a gateway serves it as 'critic' (hybridctl render --format litellm)",
    ]
    assert near.why[-1] == "a gateway serves it as 'candidate/critic' (hybridctl render --format litellm)"
    off = explain_route(bundle(enabled=False), "critic", inside, None)
    assert off.route.variant == "stable" and off.why[0] == "the kill switch is on: everyone is on stable"


def test_explain_shows_the_escalation_and_a_forced_model_overrides_it() -> None:
    task = {"affected_services": 4, "security_impact": "auth_bypass"}

    escalated = explain_route(bundle(), "architect", "u-1", task)
    forced = explain_route(bundle(forced={"architect": "glm-4.5"}), "architect", "u-1", task)

    assert escalated.route.model == "claude-4.1-opus" and escalated.decision is not None
    assert escalated.decision.score == 0.7
    assert (forced.route.model, forced.route.escalated, forced.decision) == ("glm-4.5", False, None)
    assert "hybridctl force pins role 'architect' to 'glm-4.5': no escalation" in forced.why


@pytest.mark.parametrize("weight", [10, 50])
def test_simulate_splits_users_as_the_buckets_say_and_no_one_leaves_a_later_step(weight: int) -> None:
    users = [f"user-{n}" for n in range(3000)]
    on_candidate = sum(documented_bucket(u) <= weight for u in users)

    simulation = simulate_routes(bundle(weight), len(users))

    assert simulation.observed_candidate == on_candidate / len(users)
    critic = next(share for share in simulation.roles if share.role == "critic")
    assert critic.models == {
        "candidate gemini-2.5-flash-lite": on_candidate,
        "stable glm-4.5": 3000 - on_candidate,
    }
    assert all(left == 0 for left in simulation.stays_inside.values())
    assert min(simulation.stays_inside) > weight
