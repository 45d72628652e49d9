"""Rules of the model catalog: models and providers the roles name, premium
primaries, prices in the unit their field says."""

from __future__ import annotations

from collections.abc import Iterator

from hybridctl.config.diagnostics import ERROR, WARNING, Diagnostic, Rule
from hybridctl.config.document import Document, JsonPath
from hybridctl.config.model import Strategy
from hybridctl.config.rules.helpers import fmt
from hybridctl.config.rules.registry import PRICES, STRATEGY, register
from hybridctl.text import did_you_mean


@register(
    STRATEGY,
    Rule("unknown-model", ERROR, "A role, escalation or fallback names a model not in the catalog."),
)
def unknown_model(document: Document, strategy: Strategy) -> Iterator[Diagnostic]:
    known = list(strategy.models)

    def check(model_id: str, path: JsonPath, what: str, owner: str) -> Iterator[Diagnostic]:
        if model_id not in strategy.models:
            yield document.diag(
                "unknown-model",
                f"{what} '{model_id}' of {owner} is not in the model catalog",
                path,
                hint=did_you_mean(model_id, known) or "add it under models, or fix the id",
            )

    for name, role in strategy.roles.items():
        owner = f"role '{name}'"
        yield from check(role.primary, ("roles", name, "primary"), "primary model", owner)
        if role.escalation_model:
            yield from check(
                role.escalation_model, ("roles", name, "escalation", "model"), "escalation model", owner
            )
        for index, model_id in enumerate(role.fallbacks or ()):
            yield from check(model_id, ("roles", name, "fallbacks", index), "fallback", owner)
        for error, models in role.fallbacks_on:
            for index, model_id in enumerate(models):
                path = ("roles", name, "fallbacksOn", error, index)
                yield from check(model_id, path, f"{error} fallback", owner)
    for model_id, spec in strategy.models.items():
        if spec.fallback is not None:
            yield from check(
                spec.fallback, ("models", model_id, "fallback"), "fallback", f"model '{model_id}'"
            )


@register(
    STRATEGY,
    Rule("unknown-provider", ERROR, "A model names a provider missing from providers."),
)
def unknown_provider(document: Document, strategy: Strategy) -> Iterator[Diagnostic]:
    providers = document.data.get("providers")
    if providers is None:
        return
    for model_id, spec in strategy.models.items():
        if spec.provider not in providers:
            yield document.diag(
                "unknown-provider",
                f"provider '{spec.provider}' of model '{model_id}' is not under providers",
                ("models", model_id, "provider"),
                hint=did_you_mean(spec.provider, list(providers)) or "add it under providers",
            )


@register(
    STRATEGY,
    Rule("premium-primary", WARNING, "A role's primary model is premium tier."),
)
def premium_primary(document: Document, strategy: Strategy) -> Iterator[Diagnostic]:
    for name, role in strategy.roles.items():
        spec = strategy.models.get(role.primary)
        if spec is not None and spec.tier == "premium":
            yield document.diag(
                "premium-primary",
                f"role '{name}' runs on premium model '{role.primary}' for every request",
                ("roles", name, "primary"),
                hint="use the primary-tier model and escalate to the premium one",
            )


_PER_MILLION = ("inputPerMillion", "outputPerMillion", "cacheReadPerMillion", "cacheWritePerMillion")


_PER_TOKEN = (
    "input_cost_per_token",
    "output_cost_per_token",
    "cache_read_input_token_cost",
    "cache_creation_input_token_cost",
    *(
        f"{field}_above_{size}k_tokens"
        for size in (128, 200)
        for field in (
            "input_cost_per_token",
            "output_cost_per_token",
            "cache_read_input_token_cost",
            "cache_creation_input_token_cost",
        )
    ),
)


@register(
    STRATEGY,
    Rule("price-unit", ERROR, "A price looks per-token in a per-million field, or the reverse."),
)
def price_unit(document: Document, strategy: Strategy) -> Iterator[Diagnostic]:
    for model_id in strategy.models:
        pricing = document.data["models"][model_id]["pricing"]
        for field in _PER_MILLION:
            value = pricing.get(field)
            if isinstance(value, (int, float)) and 0 < value < 0.001:
                yield document.diag(
                    "price-unit",
                    f"{field} of '{model_id}' is {fmt(value)}: that is a per-token price, "
                    "but the field is per million tokens",
                    ("models", model_id, "pricing", field),
                    hint=f"write {fmt(value * 1e6)}, or use the LiteLLM per-token field",
                )
        for field in _PER_TOKEN:
            value = pricing.get(field)
            if isinstance(value, (int, float)) and value >= 0.001:
                yield document.diag(
                    "price-unit",
                    f"{field} of '{model_id}' is {fmt(value)}: that is a per-million price "
                    "(or $1,000+ per million), but the field is per token",
                    ("models", model_id, "pricing", field),
                    hint=f"write {fmt(value / 1e6)}, or use the per-million field",
                )


@register(
    PRICES,
    Rule("price-unit", ERROR, "A price looks per-token in a per-million field, or the reverse."),
)
def override_price_unit(document: Document) -> Iterator[Diagnostic]:
    for name, pricing in document.data["models"].items():
        for field in _PER_MILLION:
            value = pricing.get(field)
            if isinstance(value, (int, float)) and 0 < value < 0.001:
                yield document.diag(
                    "price-unit",
                    f"{field} of '{name}' is {fmt(value)}: that is a per-token price, "
                    "but prices.json is per million tokens",
                    ("models", name, field),
                    hint=f"write {fmt(value * 1e6)}",
                )
