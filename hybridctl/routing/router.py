"""Route a request: which variant (routing/buckets.py), which model, escalate
or not, and where to fall back.

Everything that does not depend on the request is worked out once, when the
Router is built: a request costs one hash (only while a canary runs), one
lookup and, with a task context, one test per counted criterion."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import Any, NamedTuple

from hybridctl.config.escalation import CRITERION_FIELD, criterion_test
from hybridctl.config.model import EscalationPolicy, Strategy
from hybridctl.routing.buckets import SHA256, bucketer, candidate_test
from hybridctl.routing.gateway import gateway_name
from hybridctl.routing.grants import Grant, grant_problem, read_grant

NO_ERROR_FALLBACKS: Mapping[str, tuple[str, ...]] = MappingProxyType({})
SIGNED_KEPT = 4096  # grants whose signature held, kept so a task's next call skips the HMAC


def escalation_score(
    policy: EscalationPolicy, counted: tuple[str, ...], task: Mapping[str, Any]
) -> tuple[float, list[str]]:
    """The weighted score of the criteria a task meets, and which ones (the rules
    live in config/escalation.py; a field of the wrong type meets nothing here:
    a request is routed, not refused, and `hybridctl escalation check` says why)."""
    triggered = [
        name
        for name, field, test in _scorers(policy, counted)
        if (value := task.get(field)) is not None and test(value)
    ]
    return _score(policy, triggered), triggered


def _score(policy: EscalationPolicy, met: list[str]) -> float:
    return round(sum(policy.criteria[name].weight for name in met), 10)


def _scorers(
    policy: EscalationPolicy, counted: tuple[str, ...]
) -> tuple[tuple[str, str, Callable[[Any], bool]], ...]:
    """(criterion, context field, test) for each criterion a role counts."""
    return tuple(
        (name, CRITERION_FIELD[name], criterion_test(name, policy.criteria[name].parameters)[0])
        for name in counted
        if name in policy.criteria
    )


class Route(NamedTuple):
    variant: str  # "stable" or "candidate"
    model: str  # catalog id
    provider_model_id: str
    escalated: bool
    score: float
    criteria: tuple[str, ...]  # the escalation criteria the task met
    fallbacks: tuple[str, ...]  # catalog ids to try, in order, if the model fails
    # the model name to ask a gateway for (`hybridctl render --format litellm`)
    gateway_model: str
    # error class (rateLimit, timeout, contextWindow, contentPolicy) -> the models
    # tried on that error instead of ``fallbacks``
    fallbacks_on: Mapping[str, tuple[str, ...]] = NO_ERROR_FALLBACKS
    grant: str = ""  # the approved request an escalation that needs approval went on
    # why a task that meets the criteria is served by the primary model: its
    # escalation needs approval and the task carries no valid grant for the role
    held: str = ""


class _RolePlan(NamedTuple):
    """Everything about a role's routes that does not depend on the request: the
    route for each set of criteria a task can meet (bit i: the i-th test), so a
    request only runs the tests."""

    primary: Route
    forced: Route | None
    tests: tuple[tuple[str, Callable[[Any], bool], int], ...]  # (context field, test, bit)
    by_met: tuple[Route, ...]  # indexed by the bits of the criteria met
    needs_grant: tuple[bool, ...]  # indexed alike: the escalation needs an approval's grant


def _plans(strategy: Strategy, variant: str, forced: Mapping[str, str]) -> dict[str, _RolePlan]:
    def route(role: str, model: str, escalated: bool, plain: bool) -> Route:
        fallbacks = strategy.fallback_chain(role) if plain else strategy.linked_chain(model)[0]
        by_error = strategy.error_fallbacks(role) if plain else {}
        return Route(
            variant,
            model,
            strategy.models[model].provider_model_id,
            escalated,
            0.0,
            (),
            tuple(fallbacks),
            gateway_name(variant, role, model, plain=plain),
            MappingProxyType({k: tuple(v) for k, v in by_error.items()}) if by_error else NO_ERROR_FALLBACKS,
        )

    plans = {}
    policy = strategy.escalation
    for role, spec in strategy.roles.items():
        pinned = forced.get(role)
        primary = route(role, spec.primary, False, True)
        scorers: tuple[tuple[str, str, Callable[[Any], bool]], ...] = ()
        by_met = [primary]
        needs_grant = [False]
        if spec.escalation_model and policy:
            scorers = _scorers(policy, strategy.criteria_of(role))
            escalated = route(role, spec.escalation_model, True, False)
            for bits in range(1, 1 << len(scorers)):
                met = [name for i, (name, _, _) in enumerate(scorers) if bits >> i & 1]
                score = _score(policy, met)
                chosen = escalated if score >= policy.threshold else primary
                by_met.append(chosen._replace(score=score, criteria=tuple(met)))
                approval = policy.approval
                needs_grant.append(chosen.escalated and approval is not None and approval.needed(role, met))
        plans[role] = _RolePlan(
            primary=primary,
            # `hybridctl force`: everyone on this model, no escalation
            forced=route(role, pinned, False, False)
            if pinned is not None and pinned in strategy.models
            else None,
            tests=tuple((field, test, 1 << i) for i, (_, field, test) in enumerate(scorers)),
            by_met=tuple(by_met),
            needs_grant=tuple(needs_grant),
        )
    return plans


def _nobody(user_id: str) -> bool:
    return False


class Router:
    """Routes requests by a bundle. ``grant_key`` checks the grants of
    escalations that need approval (routing/grants.py; without it, such an
    escalation is never served by the premium model); ``clock`` is when
    grants are checked (seconds since the epoch)."""

    def __init__(
        self,
        bundle: Mapping[str, Any],
        *,
        grant_key: str | bytes | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._grant_key = grant_key.encode() if isinstance(grant_key, str) else grant_key
        self._clock = clock
        self._signed: dict[str, Grant] = {}
        self.rollout_id = bundle.get("rollout_id") or ""
        self.weight = int(bundle.get("weight", 0))
        self.enabled = bool(bundle.get("enabled", True))  # False: the kill switch, everyone on stable
        self.forced: dict[str, str] = dict(bundle.get("forced") or {})  # role -> model for everyone
        self.stable = Strategy.from_dict(bundle["stable"]["modelConfig"])
        candidate = bundle.get("candidate")
        self.candidate = Strategy.from_dict(candidate["modelConfig"]) if candidate else None
        self._stable_plans = _plans(self.stable, "stable", self.forced)
        self._candidate_plans = (
            _plans(self.candidate, "candidate", self.forced) if self.candidate else self._stable_plans
        )
        self._splitting = self.candidate is not None and self.weight > 0 and self.enabled
        self.hash_name = str((bundle.get("bucketing") or {}).get("hash", SHA256))
        # the user's bucket, 1..100 (UnknownHash for a hash this release does not know)
        self.bucket = bucketer(self.rollout_id, self.hash_name)
        self._on_candidate = (
            candidate_test(self.rollout_id, self.hash_name, self.weight) if self._splitting else _nobody
        )

    def variant(self, user_id: str) -> str:
        return "candidate" if self._on_candidate(user_id) else "stable"

    def route(self, role: str, user_id: str, task: Mapping[str, Any] | None = None) -> Route:
        """Where a request goes; KeyError on a role the serving config does not have."""
        plan = (self._candidate_plans if self._on_candidate(user_id) else self._stable_plans)[role]
        if plan.forced is not None:
            return plan.forced
        if not task or not plan.tests:
            return plan.primary
        met = 0
        for field, test, bit in plan.tests:
            value = task.get(field)
            if value is not None and test(value):
                met |= bit
        if plan.needs_grant[met]:
            return self._approved(role, plan.by_met[met], plan.primary, task)
        return plan.by_met[met]

    def _approved(self, role: str, escalated: Route, primary: Route, task: Mapping[str, Any]) -> Route:
        """The escalated route with a valid grant for the role, else the primary's, saying why.
        A signature that held once is not checked again: an agent's task passes the same
        grant with every call (its role and expiry are checked every time)."""
        token = task.get("approval")
        grant = self._signed.get(token) if isinstance(token, str) else None
        if grant is None:
            grant, why = read_grant(token, self._grant_key)
            if grant is not None:
                if len(self._signed) >= SIGNED_KEPT:
                    self._signed.clear()
                self._signed[str(token)] = grant
        if grant is not None:
            why = grant_problem(grant, role, self._clock())
            if not why:
                return escalated._replace(grant=grant.id)
        return primary._replace(score=escalated.score, criteria=escalated.criteria, held=why)
