"""What a config would cost for a given workload: per-role token profiles priced
by a strategy's models."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, NamedTuple

from hybridctl.config.model import Strategy
from hybridctl.usage.cube import CACHED, INPUT, OUTPUT, REQUESTS, Cube


@dataclass
class Tokens:
    requests: int = 0
    input: int = 0
    output: int = 0
    cached: int = 0


@dataclass
class RoleUsage:
    normal: Tokens
    escalated: Tokens

    @property
    def requests(self) -> int:
        return self.normal.requests + self.escalated.requests


def role_usage(cube: Cube) -> dict[str, RoleUsage]:
    """Requests and tokens per role, escalated or not."""
    usage: dict[str, RoleUsage] = {}
    for key, cell in cube.cells.items():
        role = usage.setdefault(key[2] or "(no role)", RoleUsage(Tokens(), Tokens()))
        tokens = role.escalated if key[6] else role.normal
        tokens.requests += cell[REQUESTS]
        tokens.input += cell[INPUT]
        tokens.output += cell[OUTPUT]
        tokens.cached += cell[CACHED]
    return usage


class WorkloadCost(NamedTuple):
    per_1k_requests: float  # USD
    requests: int  # requests the figure covers
    unpriced_roles: list[str]  # roles in the usage the strategy has no model for


class CostEffect(NamedTuple):
    """What a config change does to the cost of a workload."""

    requests: int
    before_per_1k: float
    after_per_1k: float
    unpriced_roles: list[str]

    @property
    def change(self) -> float | None:
        """Relative change, -0.25 = 25% cheaper."""
        return None if not self.before_per_1k else self.after_per_1k / self.before_per_1k - 1

    def to_dict(self) -> dict[str, Any]:
        return {**self._asdict(), "change": self.change}


def cost_effect(before: Strategy, after: Strategy, cube: Cube) -> CostEffect:
    """The cost per 1,000 requests of the same usage under two strategies."""
    usage = role_usage(cube)
    old, new = price_workload(before, usage), price_workload(after, usage)
    unpriced = sorted(set(old.unpriced_roles) | set(new.unpriced_roles))
    return CostEffect(new.requests, old.per_1k_requests, new.per_1k_requests, unpriced)


def price_workload(strategy: Strategy, usage: dict[str, RoleUsage]) -> WorkloadCost:
    """Cost per 1,000 requests if this workload ran on this strategy: each role's
    requests on its primary, its escalated requests on its escalation model."""
    total_cost = 0.0
    covered = 0
    unpriced: list[str] = []
    for name, role_use in sorted(usage.items()):
        role = strategy.roles.get(name)
        primary = strategy.models.get(role.primary) if role else None
        if role is None or primary is None:
            unpriced.append(name)
            continue
        escalation = strategy.models.get(role.escalation_model or "") or primary
        for tokens, model in ((role_use.normal, primary), (role_use.escalated, escalation)):
            total_cost += model.pricing.cost(tokens.input, tokens.output, tokens.cached)
        covered += role_use.requests
    return WorkloadCost(1000 * total_cost / covered if covered else 0.0, covered, unpriced)
