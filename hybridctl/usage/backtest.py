"""What a config's escalation rules would have done to real traffic: replay the
task contexts usage events recorded (an optional ``task`` object, as the
routing library scored it) through a config's weights and threshold, and price
each request at the model that config would have chosen."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from hybridctl.config.catalog import Catalog
from hybridctl.config.escalation import decide
from hybridctl.config.model import Strategy
from hybridctl.usage.scan import ScanSpec, ScanStats, Source, iter_events


@dataclass
class RoleBacktest:
    requests: int = 0
    logged_escalations: int = 0  # what the log says happened
    escalations: int = 0  # what this config would do

    def to_dict(self) -> dict[str, int]:
        return {
            "requests": self.requests,
            "logged_escalations": self.logged_escalations,
            "escalations": self.escalations,
        }


@dataclass
class Backtest:
    max_rate: float | None
    requests: int = 0  # with a task context and a role the config has
    without_task: int = 0
    premium: int = 0  # requests this config would send to a premium-tier model
    cost: float = 0.0  # at the price list, on the models this config would choose
    logged_cost: float = 0.0  # at the price list, on the models the log says served
    unpriced: int = 0  # requests a model without a price would have served
    roles: dict[str, RoleBacktest] = field(default_factory=dict)
    stats: ScanStats = field(default_factory=ScanStats)

    @property
    def escalations(self) -> int:
        return sum(r.escalations for r in self.roles.values())

    @property
    def logged_escalations(self) -> int:
        return sum(r.logged_escalations for r in self.roles.values())

    @property
    def rate(self) -> float | None:
        return self.escalations / self.requests if self.requests else None

    @property
    def within_target(self) -> bool:
        return self.max_rate is None or self.rate is None or self.rate <= self.max_rate

    def to_dict(self) -> dict[str, Any]:
        return {
            "version": 1,
            "requests": self.requests,
            "without_task": self.without_task,
            "escalations": self.escalations,
            "logged_escalations": self.logged_escalations,
            "escalation_rate": self.rate,
            "max_rate": self.max_rate,
            "within_target": self.within_target,
            "premium_share": self.premium / self.requests if self.requests else None,
            "cost": self.cost,
            "logged_cost": self.logged_cost,
            "unpriced": self.unpriced,
            "roles": {name: role.to_dict() for name, role in sorted(self.roles.items())},
            "input": self.stats.to_dict(),
        }


def backtest(sources: Sequence[Source], spec: ScanSpec, strategy: Strategy, catalog: Catalog) -> Backtest:
    result = Backtest(strategy.escalation.max_rate if strategy.escalation else None)
    for source in sources:
        for line, record, event in iter_events(source, spec, result.stats):
            task = record.get("task")
            if not isinstance(task, dict) or event.role not in strategy.roles:
                result.without_task += 1
                continue
            try:
                decision = decide(strategy, event.role, task)
            except ValueError as exc:  # a bad task is a bad record, not an event
                result.stats.events -= 1
                result.stats.add_bad(source.label, line, f"task: {exc}", spec.strict)
                continue
            role = result.roles.setdefault(event.role, RoleBacktest())
            role.requests += 1
            role.logged_escalations += event.escalated
            role.escalations += decision.escalated
            result.requests += 1
            tokens = (event.input_tokens, event.output_tokens, event.cached_tokens, event.cache_write_tokens)
            chosen = catalog.resolve(decision.model)
            logged = catalog.resolve(event.model, event.provider)
            result.premium += chosen is not None and chosen.tier == "premium"
            if chosen is None or chosen.pricing is None or logged is None or logged.pricing is None:
                result.unpriced += 1
                continue
            result.cost += chosen.pricing.request_cost(*tokens)
            result.logged_cost += logged.pricing.request_cost(*tokens)
    return result
