"""Why a request goes where it goes: `hybridctl route explain` (one user, one
role) and `route simulate` (many users), both through the routing library
applications import, driven by the bundle `hybridctl render` writes."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Mapping
from typing import Any, NamedTuple

from hybridctl.config.escalation import Decision, decide
from hybridctl.routing.router import Route, Router


class RouteExplanation(NamedTuple):
    role: str
    user: str
    rollout_id: str
    bucket: int
    weight: int
    enabled: bool
    forced: str | None
    route: Route
    decision: Decision | None  # None: forced, or no task context
    why: list[str]

    def to_dict(self) -> dict[str, Any]:
        return {
            "version": 1,
            "role": self.role,
            "user": self.user,
            "rollout_id": self.rollout_id,
            "bucket": self.bucket,
            "weight": self.weight,
            "enabled": self.enabled,
            "forced": self.forced,
            "variant": self.route.variant,
            "model": self.route.model,
            "provider_model_id": self.route.provider_model_id,
            "escalated": self.route.escalated,
            "fallbacks": self.route.fallbacks,
            "fallbacks_on": dict(self.route.fallbacks_on),
            "gateway_model": self.route.gateway_model,
            "approval": {"grant": self.route.grant or None, "held": self.route.held or None},
            "escalation": None if self.decision is None else self.decision.to_dict(),
            "why": self.why,
        }


def explain_route(
    bundle: Mapping[str, Any],
    role: str,
    user: str,
    context: Mapping[str, Any] | None,
    *,
    grant_key: bytes | None = None,
    clock: Callable[[], float] = time.time,
) -> RouteExplanation:
    """The route of one request and the reasons, step by step; KeyError on an unknown role.
    ``clock`` is when grants are checked."""
    router = Router(bundle, grant_key=grant_key, clock=clock)
    route = router.route(role, user, context)
    strategy = router.candidate if route.variant == "candidate" and router.candidate else router.stable
    if role not in strategy.roles:
        raise KeyError(role)
    user_bucket = router.bucket(user) if router.rollout_id else 0
    why = []
    if router.candidate is None:
        why.append("no rollout in flight: everyone is on stable")
    elif not router.enabled:
        why.append("the kill switch is on: everyone is on stable")
    else:
        side = "<=" if route.variant == "candidate" else ">"
        why.append(f"bucket {user_bucket} {side} weight {router.weight}: {route.variant}")
    forced = router.forced.get(role)
    decision = None
    if forced is not None and forced in strategy.models:
        why.append(f"hybridctl force pins role '{role}' to '{forced}': no escalation")
    elif context:
        decision = decide(strategy, role, context)
        why.append(f"escalation: {decision.outcome}, {decision.why}")
        if route.grant:
            why.append(f"the escalation needs approval: grant {route.grant} is valid for '{role}'")
        elif route.held:
            why.append(
                f"the escalation needs approval and {route.held}: the primary model "
                f"'{route.model}' serves (hybridctl escalation request --role {role} ...)"
            )
    else:
        why.append(f"no task context: the primary model '{strategy.roles[role].primary}'")
    chain = " -> ".join(route.fallbacks) if route.fallbacks else "none"
    why.append(f"if '{route.model}' fails: {chain}")
    why.extend(f"on {error}: {' -> '.join(models)}" for error, models in route.fallbacks_on.items())
    why.append(f"a gateway serves it as '{route.gateway_model}' (hybridctl render --format litellm)")
    return RouteExplanation(
        role,
        user,
        router.rollout_id,
        user_bucket,
        router.weight,
        router.enabled,
        forced,
        route,
        decision,
        why,
    )


class RoleShare(NamedTuple):
    role: str
    models: dict[str, int]  # "variant model" -> users


class RouteSimulation(NamedTuple):
    users: int
    weight: int
    expected_candidate: float  # the weight, as a share
    observed_candidate: float
    roles: list[RoleShare]
    stays_inside: dict[int, int]  # a higher weight -> users inside now who would leave at it (always 0)

    def to_dict(self) -> dict[str, Any]:
        return {
            "version": 1,
            "users": self.users,
            "weight": self.weight,
            "expected_candidate_share": self.expected_candidate,
            "observed_candidate_share": self.observed_candidate,
            "roles": {share.role: share.models for share in self.roles},
            "left_at_higher_weight": {str(w): n for w, n in self.stays_inside.items()},
        }


def simulate_routes(bundle: Mapping[str, Any], users: int) -> RouteSimulation:
    """Route ``users`` users for every role (no task context): the share on each
    variant and model, and whether everyone inside the canary stays inside at
    every higher step (bucketing makes it so; this checks it)."""
    router = Router(bundle)
    strategy = router.candidate or router.stable
    ids = [f"user-{n}" for n in range(users)]
    buckets = [router.bucket(user) for user in ids] if router.rollout_id else [101] * users
    inside = [b <= router.weight for b in buckets]
    on_candidate = sum(1 for user in ids if router.variant(user) == "candidate")
    roles = []
    for role in strategy.roles:
        counts: Counter[str] = Counter()
        for user in ids:
            route = router.route(role, user)
            counts[f"{route.variant} {route.model}"] += 1
        roles.append(RoleShare(role, dict(sorted(counts.items()))))
    higher = [w for w in (10, 25, 50, 75, 100) if w > router.weight]
    left = {w: sum(1 for b, now in zip(buckets, inside, strict=True) if now and b > w) for w in higher}
    return RouteSimulation(
        users,
        router.weight,
        router.weight / 100 if router.candidate is not None and router.enabled else 0.0,
        on_candidate / users if users else 0.0,
        roles,
        left,
    )
