"""Route a request: which variant, which model, escalate or not, and where to
fall back. Sticky: a user's bucket depends only on the rollout id and the user
id, the same for every role, so a user never mixes old and new models, and
everyone inside 10% stays inside at 50%."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from typing import Any, NamedTuple

from hybridctl.config.escalation import context_problems, criterion_met
from hybridctl.config.model import EscalationPolicy, Strategy


def bucket(rollout_id: str, user_id: str) -> int:
    """1..100, stable across processes, languages and releases: the first 8 hex
    digits of sha256("rollout_id:user_id"), modulo 100, plus 1."""
    digest = hashlib.sha256(f"{rollout_id}:{user_id}".encode()).hexdigest()
    return int(digest[:8], 16) % 100 + 1


def escalation_score(
    policy: EscalationPolicy, counted: tuple[str, ...], task: Mapping[str, Any]
) -> tuple[float, list[str]]:
    """The weighted score of the criteria a task meets, and which ones (the rules
    live in config/escalation.py; a field of the wrong type meets nothing here:
    a request is routed, not refused, and `hybridctl escalation check` says why)."""
    valid = {k: v for k, v in task.items() if k not in {p.field for p in context_problems(task)}}
    triggered = [
        name
        for name in counted
        if name in policy.criteria and criterion_met(name, policy.criteria[name].parameters, valid)[0]
    ]
    return round(sum(policy.criteria[name].weight for name in triggered), 10), triggered


class Route(NamedTuple):
    variant: str  # "stable" or "candidate"
    model: str  # catalog id
    provider_model_id: str
    escalated: bool
    score: float
    criteria: list[str]  # the escalation criteria the task met
    fallbacks: list[str]  # catalog ids to try, in order, if the model fails


class Router:
    def __init__(self, bundle: Mapping[str, Any]) -> None:
        self.rollout_id = bundle.get("rollout_id") or ""
        self.weight = int(bundle.get("weight", 0))
        self.enabled = bool(bundle.get("enabled", True))  # False: the kill switch, everyone on stable
        self.forced: dict[str, str] = dict(bundle.get("forced") or {})  # role -> model for everyone
        self.stable = Strategy.from_dict(bundle["stable"]["modelConfig"])
        candidate = bundle.get("candidate")
        self.candidate = Strategy.from_dict(candidate["modelConfig"]) if candidate else None

    def variant(self, user_id: str) -> str:
        if self.candidate is None or self.weight <= 0 or not self.enabled:
            return "stable"
        return "candidate" if bucket(self.rollout_id, user_id) <= self.weight else "stable"

    def route(self, role: str, user_id: str, task: Mapping[str, Any] | None = None) -> Route:
        variant = self.variant(user_id)
        strategy = self.candidate if variant == "candidate" and self.candidate else self.stable
        spec = strategy.roles[role]
        pinned = self.forced.get(role)
        if pinned is not None and pinned in strategy.models:  # `hybridctl force`: no escalation
            fallbacks = strategy.linked_chain(pinned)[0]
            return Route(
                variant, pinned, strategy.models[pinned].provider_model_id, False, 0.0, [], fallbacks
            )
        score, criteria = 0.0, list[str]()
        if spec.escalation_model and strategy.escalation and task:
            score, criteria = escalation_score(strategy.escalation, strategy.criteria_of(role), task)
        escalated = (
            bool(spec.escalation_model)
            and strategy.escalation is not None
            and (score >= strategy.escalation.threshold)
        )
        model = spec.escalation_model if escalated and spec.escalation_model else spec.primary
        fallbacks = strategy.linked_chain(model)[0] if escalated else strategy.fallback_chain(role)
        return Route(
            variant, model, strategy.models[model].provider_model_id, escalated, score, criteria, fallbacks
        )
