"""Typed view of a schema-valid model-config.json."""

from __future__ import annotations

from typing import Any, NamedTuple

# Input sizes at which price lists change a request's prices (LiteLLM's
# ``*_above_128k_tokens`` and ``*_above_200k_tokens``): reports keep the tokens
# of requests above each apart, so a tier is priced per request.
TIER_THRESHOLDS = (128_000, 200_000)


def _per_token(data: dict[str, Any], field: str) -> float | None:
    value = data.get(field)
    return None if value is None else value * 1e6


class PriceTier(NamedTuple):
    """The prices of a request with more than ``tokens`` input tokens, for all its tokens."""

    tokens: int
    input_per_million: float
    output_per_million: float
    cache_read_per_million: float | None = None
    cache_write_per_million: float | None = None


class Pricing(NamedTuple):
    """USD per million tokens, whichever unit the file used.

    Input tokens include cached ones (cache reads and writes): a cache read
    costs the cache-read price, a cache write the cache-write price (Anthropic
    charges 1.25x input for it), and when a model has no such price they
    cost what input costs."""

    input_per_million: float
    output_per_million: float
    cache_read_per_million: float | None = None
    cache_write_per_million: float | None = None
    above: PriceTier | None = None

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Pricing:
        if "inputPerMillion" in data:
            above = data.get("above")
            return cls(
                data["inputPerMillion"],
                data["outputPerMillion"],
                data.get("cacheReadPerMillion"),
                data.get("cacheWritePerMillion"),
                None
                if above is None
                else PriceTier(
                    above["tokens"],
                    above["inputPerMillion"],
                    above["outputPerMillion"],
                    above.get("cacheReadPerMillion"),
                    above.get("cacheWritePerMillion"),
                ),
            )
        tier = None
        for threshold in reversed(TIER_THRESHOLDS):  # the lowest tier a map gives
            suffix = f"_above_{threshold // 1000}k_tokens"
            if data.get(f"input_cost_per_token{suffix}") is not None:
                tier = PriceTier(
                    threshold,
                    data[f"input_cost_per_token{suffix}"] * 1e6,
                    (data.get(f"output_cost_per_token{suffix}") or data["output_cost_per_token"]) * 1e6,
                    _per_token(data, f"cache_read_input_token_cost{suffix}"),
                    _per_token(data, f"cache_creation_input_token_cost{suffix}"),
                )
        return cls(
            data["input_cost_per_token"] * 1e6,
            data["output_cost_per_token"] * 1e6,
            _per_token(data, "cache_read_input_token_cost"),
            _per_token(data, "cache_creation_input_token_cost"),
            tier,
        )

    def cost(
        self, input_tokens: int, output_tokens: int, cached_tokens: int = 0, cache_write_tokens: int = 0
    ) -> float:
        """USD for one or many requests at the base prices."""
        return _cost(self, input_tokens, output_tokens, cached_tokens, cache_write_tokens)

    def request_cost(
        self, input_tokens: int, output_tokens: int, cached_tokens: int = 0, cache_write_tokens: int = 0
    ) -> float:
        """USD for one request, at its tier's prices when it is above one."""
        cost = self.cost(input_tokens, output_tokens, cached_tokens, cache_write_tokens)
        if self.above is not None and input_tokens > self.above.tokens:
            cost += self.tier_extra(input_tokens, output_tokens, cached_tokens, cache_write_tokens)
        return cost

    def tier_extra(
        self, input_tokens: int, output_tokens: int, cached_tokens: int = 0, cache_write_tokens: int = 0
    ) -> float:
        """What the tokens of requests above the tier cost on top of the base prices."""
        if self.above is None:
            return 0.0
        above = self.above
        at_tier = _cost(
            Pricing(
                above.input_per_million,
                above.output_per_million,
                above.cache_read_per_million
                if above.cache_read_per_million is not None
                else self.cache_read_per_million,
                above.cache_write_per_million
                if above.cache_write_per_million is not None
                else self.cache_write_per_million,
            ),
            input_tokens,
            output_tokens,
            cached_tokens,
            cache_write_tokens,
        )
        return at_tier - _cost(self, input_tokens, output_tokens, cached_tokens, cache_write_tokens)


def _cost(
    pricing: Pricing, input_tokens: int, output_tokens: int, cached_tokens: int, cache_write_tokens: int
) -> float:
    written = min(cache_write_tokens, input_tokens)
    cached = min(cached_tokens, input_tokens - written)
    read_price = (
        pricing.input_per_million
        if pricing.cache_read_per_million is None
        else pricing.cache_read_per_million
    )
    write_price = (
        pricing.input_per_million
        if pricing.cache_write_per_million is None
        else pricing.cache_write_per_million
    )
    return (
        (input_tokens - cached - written) * pricing.input_per_million
        + cached * read_price
        + written * write_price
        + output_tokens * pricing.output_per_million
    ) / 1e6


class ModelSpec(NamedTuple):
    id: str
    provider: str
    provider_model_id: str
    tier: str
    pricing: Pricing
    fallback: str | None = None
    aliases: tuple[str, ...] = ()

    @property
    def names(self) -> tuple[str, ...]:
        """Every name by which instructions may refer to this model."""
        return (self.id, self.provider_model_id, *self.aliases)


# The error classes a fallback list may be kept for (``roles.<r>.fallbacksOn``),
# as LiteLLM (context window, content policy) and Portkey (by status) tell them apart.
ERROR_CLASSES = ("rateLimit", "timeout", "contextWindow", "contentPolicy")


class ProviderSpec(NamedTuple):
    id: str
    base_url: str | None = None
    api_key_env: str | None = None


class RoleSpec(NamedTuple):
    name: str
    primary: str
    escalation_model: str | None = None
    escalation_criteria: tuple[str, ...] | None = None  # None: every defined criterion
    fallbacks: tuple[str, ...] | None = None  # None: follow the primary's fallback links
    # error class -> the models tried instead of the general chain on that error
    fallbacks_on: tuple[tuple[str, tuple[str, ...]], ...] = ()

    @classmethod
    def from_dict(cls, name: str, spec: dict[str, Any]) -> RoleSpec:
        escalation = spec.get("escalation") or {}
        fallbacks = spec.get("fallbacks")
        return cls(
            name=name,
            primary=spec["primary"],
            escalation_model=escalation.get("model"),
            escalation_criteria=tuple(escalation["criteria"]) if "criteria" in escalation else None,
            fallbacks=None if fallbacks is None else tuple(fallbacks),
            fallbacks_on=tuple(
                (error, tuple(spec["fallbacksOn"][error]))
                for error in ERROR_CLASSES
                if error in spec.get("fallbacksOn", {})
            ),
        )


class Criterion(NamedTuple):
    name: str
    weight: float
    parameters: dict[str, Any]


class EscalationCase(NamedTuple):
    """A task context with the decision it must get (``escalation.cases``)."""

    name: str
    role: str
    context: dict[str, Any]
    expect: str  # "escalate" or "primary"


PRIMARY_TEAM, SECONDARY_TEAM = "primary", "secondary"
DEFAULT_TEAM_TIMEOUTS = {PRIMARY_TEAM: 1800, SECONDARY_TEAM: 3600}  # seconds, from the risk plan
DEFAULT_GRANT_TTL_S = 3600


class ApprovalTeam(NamedTuple):
    name: str  # primary or secondary
    members: tuple[str, ...] | None  # who may decide; None: anyone
    timeout_s: int


class ApprovalPolicy(NamedTuple):
    """Which escalations need a person's approval, and who gives it
    (``escalation.approval``)."""

    roles: tuple[str, ...] | None  # None: every role with an escalation model
    criteria: tuple[str, ...] | None  # None: every escalation of those roles
    teams: tuple[ApprovalTeam, ...]  # primary, then secondary if any
    max_pending: int | None
    grant_ttl_s: int = DEFAULT_GRANT_TTL_S

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> ApprovalPolicy:
        teams = tuple(
            ApprovalTeam(
                name,
                tuple(raw["teams"][name]["members"]) if "members" in raw["teams"][name] else None,
                int(raw["teams"][name].get("timeoutSeconds", DEFAULT_TEAM_TIMEOUTS[name])),
            )
            for name in (PRIMARY_TEAM, SECONDARY_TEAM)
            if name in raw["teams"]
        )
        return cls(
            tuple(raw["roles"]) if "roles" in raw else None,
            tuple(raw["criteria"]) if "criteria" in raw else None,
            teams,
            raw.get("maxPending"),
            int(raw.get("grantTtlSeconds", DEFAULT_GRANT_TTL_S)),
        )

    def team(self, name: str) -> ApprovalTeam | None:
        return next((team for team in self.teams if team.name == name), None)

    def needed(self, role: str, met: tuple[str, ...] | list[str]) -> bool:
        """Whether an escalation of ``role`` that met ``met`` needs approval."""
        if self.roles is not None and role not in self.roles:
            return False
        return self.criteria is None or any(name in self.criteria for name in met)


class EscalationPolicy(NamedTuple):
    threshold: float
    max_rate: float | None
    criteria: dict[str, Criterion]
    cases: tuple[EscalationCase, ...] = ()
    approval: ApprovalPolicy | None = None  # None: escalations need no approval

    # The sections below hold what the file says; None means "not set": that
    # target, gate, trigger or budget is not judged. Their defaults live here only.

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> EscalationPolicy:
        return cls(
            threshold=raw["threshold"],
            max_rate=raw.get("maxRate"),
            criteria={
                name: Criterion(
                    name,
                    spec["weight"],
                    {k: v for k, v in spec.items() if k not in ("weight", "description")},
                )
                for name, spec in raw["criteria"].items()
            },
            cases=tuple(
                EscalationCase(case["name"], case["role"], dict(case["context"]), case["expect"])
                for case in raw.get("cases", ())
            ),
            approval=ApprovalPolicy.from_dict(raw["approval"]) if "approval" in raw else None,
        )


class Targets(NamedTuple):
    savings_min: float | None = None  # cost savings against all-premium, 0..1
    savings_max: float | None = None
    max_premium_share: float | None = None

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Targets:
        savings = data.get("costSavings", {})
        return cls(savings.get("min"), savings.get("max"), data.get("maxPremiumShare"))


class Gates(NamedTuple):
    max_error_rate: float | None = None
    max_error_rate_delta: float | None = None  # points above stable's error rate
    max_p95_latency_s: float | None = None
    min_cost_savings: float | None = None  # against stable, for the same workload
    max_escalation_rate: float | None = None
    min_requests: int = 1  # per variant, before any verdict
    max_monthly_budget_share: float | None = None  # month-end projection at the next weight / budget
    confidence: float = 0.95  # of the confidence sequences every verdict is read from
    planned_requests: int = 2000  # per variant, where those sequences are narrowest

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Gates:
        return cls(
            data.get("maxErrorRate"),
            data.get("maxErrorRateDelta"),
            data.get("maxP95LatencySeconds"),
            data.get("minCostSavings"),
            data.get("maxEscalationRate"),
            int(data.get("minRequests", 1)),
            data.get("maxMonthlyBudgetShare"),
            float(data.get("confidence", 0.95)),
            int(data.get("plannedRequests", 2000)),
        )


class RollbackTriggers(NamedTuple):
    max_error_rate: float | None = None
    min_availability: float | None = None
    min_cost_savings: float | None = None
    max_satisfaction_drop: float | None = None

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> RollbackTriggers:
        return cls(
            data.get("maxErrorRate"),
            data.get("minAvailability"),
            data.get("minCostSavings"),
            data.get("maxSatisfactionDrop"),
        )


class Budgets(NamedTuple):
    daily: float | None = None
    weekly: float | None = None
    monthly: float | None = None
    currency: str = "USD"

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Budgets:
        return cls(data.get("daily"), data.get("weekly"), data.get("monthly"), data.get("currency", "USD"))


class Analysis(NamedTuple):
    """How reconcile judges a step on live metrics (rollout.analysis)."""

    interval_s: float = 300.0  # between two measurements of a step
    failure_limit: int = 1  # consecutive failed measurements that roll back
    inconclusive_limit: int = 3  # consecutive inconclusive measurements that pause
    max_inconclusive_minutes: float = 60.0  # longest a step may stay inconclusive

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Analysis:
        default = cls()
        return cls(
            float(data.get("intervalSeconds", default.interval_s)),
            int(data.get("failureLimit", default.failure_limit)),
            int(data.get("inconclusiveLimit", default.inconclusive_limit)),
            float(data.get("maxInconclusiveMinutes", default.max_inconclusive_minutes)),
        )


class EvalSettings(NamedTuple):
    """How eval runs judge the candidate (``evals`` in model-config.json)."""

    margin: float = 0.05  # how far the candidate's pass rate may fall below stable's
    gate: str = "stage"  # where a passing run is required: stage, promote (the first), or off

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> EvalSettings:
        default = cls()
        return cls(float(data.get("margin", default.margin)), str(data.get("gate", default.gate)))


DEFAULT_ROLLOUT_STEPS = ((10, 0.0), (50, 0.0))  # canary weights when the file names none


class Strategy(NamedTuple):
    name: str
    models: dict[str, ModelSpec]
    roles: dict[str, RoleSpec]
    escalation: EscalationPolicy | None
    targets: Targets
    gates: Gates
    rollback_triggers: RollbackTriggers
    budgets: Budgets
    rollout_steps: tuple[tuple[int, float], ...]  # (weight, min soak hours)
    analysis: Analysis = Analysis()
    providers: tuple[ProviderSpec, ...] = ()
    evals: EvalSettings = EvalSettings()

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Strategy:
        """The typed strategy of a schema-valid model-config.json."""
        models = {
            model_id: ModelSpec(
                id=model_id,
                provider=spec["provider"],
                provider_model_id=spec["providerModelId"],
                tier=spec["tier"],
                pricing=Pricing.from_dict(spec["pricing"]),
                fallback=spec.get("fallback"),
                aliases=tuple(spec.get("aliases", ())),
            )
            for model_id, spec in data["models"].items()
        }
        raw_steps = data.get("rollout", {}).get("steps")
        steps = (
            tuple((step["weight"], float(step.get("minSoakHours", 0))) for step in raw_steps)
            if raw_steps is not None
            else DEFAULT_ROLLOUT_STEPS
        )
        return cls(
            name=data.get("strategy", {}).get("name", "unnamed"),
            models=models,
            roles={name: RoleSpec.from_dict(name, spec) for name, spec in data["roles"].items()},
            escalation=EscalationPolicy.from_dict(data["escalation"]) if "escalation" in data else None,
            targets=Targets.from_dict(data.get("targets", {})),
            gates=Gates.from_dict(data.get("gates", {})),
            rollback_triggers=RollbackTriggers.from_dict(data.get("rollbackTriggers", {})),
            budgets=Budgets.from_dict(data.get("budgets", {})),
            rollout_steps=steps,
            analysis=Analysis.from_dict(data.get("rollout", {}).get("analysis", {})),
            providers=tuple(
                ProviderSpec(pid, spec.get("baseUrl"), spec.get("apiKeyEnv"))
                for pid, spec in data.get("providers", {}).items()
            ),
            evals=EvalSettings.from_dict(data.get("evals", {})),
        )

    def provider(self, provider_id: str) -> ProviderSpec:
        return next((p for p in self.providers if p.id == provider_id), ProviderSpec(provider_id))

    def criteria_of(self, role: str) -> tuple[str, ...]:
        """The escalation criteria that count for a role."""
        listed = self.roles[role].escalation_criteria
        if listed is not None:
            return listed
        return tuple(self.escalation.criteria) if self.escalation else ()

    def linked_chain(self, model_id: str) -> tuple[list[str], str | None]:
        """Follow fallback links from a model; returns the chain after it and the
        model that closes a loop, if the links loop."""
        chain: list[str] = []
        seen = {model_id}
        current = self.models.get(model_id)
        while current is not None and current.fallback is not None:
            nxt = current.fallback
            if nxt in seen:
                return chain, nxt
            chain.append(nxt)
            seen.add(nxt)
            current = self.models.get(nxt)
        return chain, None

    def fallback_chain(self, role: str) -> list[str]:
        """Models tried, in order, when the role's primary is unavailable."""
        spec = self.roles[role]
        if spec.fallbacks is not None:
            return list(spec.fallbacks)
        return self.linked_chain(spec.primary)[0]

    def error_fallbacks(self, role: str) -> dict[str, list[str]]:
        """Error class -> the models tried on that error instead of the general chain."""
        return {error: list(models) for error, models in self.roles[role].fallbacks_on}

    def models_of(self, role: str) -> list[str]:
        """Every model a role may be served by: primary, escalation, fallbacks."""
        spec = self.roles[role]
        found = [spec.primary]
        if spec.escalation_model:
            found.append(spec.escalation_model)
            found.extend(self.linked_chain(spec.escalation_model)[0])
        found.extend(self.fallback_chain(role))
        for _, models in spec.fallbacks_on:
            found.extend(models)
        return list(dict.fromkeys(found))
