"""A LiteLLM proxy config (``model_list`` and ``router_settings``) from a bundle,
so the strategy runs in the gateway teams already have.

Entries are named by the convention of ``routing/gateway.py``: an application
routes with ``Router.route()`` and asks the gateway for ``route.gateway_model``.
Each entry carries the catalog's prices as LiteLLM's custom prices, so the
spend LiteLLM records is priced as hybridctl's reports price it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, NamedTuple

from hybridctl.config.model import TIER_THRESHOLDS, ModelSpec, Strategy
from hybridctl.routing.gateway import gateway_name

# catalog provider id -> LiteLLM's provider prefix. A provider id not listed
# here is taken as an OpenAI-compatible endpoint at its baseUrl.
LITELLM_PROVIDERS: dict[str, str] = {
    "anthropic": "anthropic",
    "openai": "openai",
    "openrouter": "openrouter",
    "google": "gemini",
    "gemini": "gemini",
    "zai": "zai",
    "mistral": "mistral",
    "groq": "groq",
    "deepseek": "deepseek",
    "xai": "xai",
    "together": "together_ai",
    "fireworks": "fireworks_ai",
}


def api_base(prefix: str, base_url: str) -> str:
    """The catalog's baseUrl as LiteLLM's api_base: as written, but for Anthropic,
    whose api_base LiteLLM takes without the version (it appends /v1/messages:
    https://api.anthropic.com/v1 would be called at /v1/v1/messages)."""
    base = base_url.rstrip("/")
    if prefix == "anthropic" and base.endswith("/v1"):
        return base[: -len("/v1")]
    return base


# fallbacksOn error class -> LiteLLM router setting; rate limits and timeouts
# have none of their own in LiteLLM: its general fallbacks take them.
ERROR_SETTINGS = {"contextWindow": "context_window_fallbacks", "contentPolicy": "content_policy_fallbacks"}


class LiteLLMConfig(NamedTuple):
    config: dict[str, Any]  # model_list and router_settings, as LiteLLM reads them
    header: list[str]  # where it came from, for a comment at the top of the file
    notes: list[str]  # what LiteLLM cannot express, said on stderr


def per_token(per_million: float) -> float:
    """A catalog price per million tokens as LiteLLM's per-token price, without
    the binary noise a division leaves (0.1 / 1e6 is 1.0000000000000001e-07)."""
    return float(f"{per_million / 1e6:.12g}")


def litellm_params(strategy: Strategy, model: ModelSpec) -> dict[str, Any]:
    """The deployment of one catalog model: provider-qualified id, key reference, endpoint, prices."""
    provider = strategy.provider(model.provider)
    prefix = LITELLM_PROVIDERS.get(model.provider, "openai")
    params: dict[str, Any] = {"model": f"{prefix}/{model.provider_model_id}"}
    if provider.base_url:
        params["api_base"] = api_base(prefix, provider.base_url)
    if provider.api_key_env:
        params["api_key"] = f"os.environ/{provider.api_key_env}"
    pricing = model.pricing
    params["input_cost_per_token"] = per_token(pricing.input_per_million)
    params["output_cost_per_token"] = per_token(pricing.output_per_million)
    if pricing.cache_read_per_million is not None:
        params["cache_read_input_token_cost"] = per_token(pricing.cache_read_per_million)
    if pricing.cache_write_per_million is not None:
        params["cache_creation_input_token_cost"] = per_token(pricing.cache_write_per_million)
    tier = pricing.above
    if tier is not None and tier.tokens in TIER_THRESHOLDS:  # LiteLLM names only these tiers
        suffix = f"_above_{tier.tokens // 1000}k_tokens"
        params[f"input_cost_per_token{suffix}"] = per_token(tier.input_per_million)
        params[f"output_cost_per_token{suffix}"] = per_token(tier.output_per_million)
        if tier.cache_read_per_million is not None:
            params[f"cache_read_input_token_cost{suffix}"] = per_token(tier.cache_read_per_million)
    return params


def _variant_entries(
    strategy: Strategy, variant: str, revision: Any, forced: Mapping[str, str], config: dict[str, Any]
) -> list[str]:
    """Add one variant's entries and fallbacks to ``config``; returns what LiteLLM cannot express."""
    notes: list[str] = []
    models: dict[str, None] = {}
    settings = config["router_settings"]

    def entry(name: str, model_id: str) -> None:
        info = {"hybridctl_model": model_id, "hybridctl_variant": variant, "hybridctl_revision": revision}
        config["model_list"].append(
            {
                "model_name": name,
                "litellm_params": litellm_params(strategy, strategy.models[model_id]),
                "model_info": info,
            }
        )

    def names(chain: list[str]) -> list[str]:
        return [gateway_name(variant, "", m, plain=False) for m in chain]

    for role, spec in strategy.roles.items():
        role_name = gateway_name(variant, role, spec.primary, plain=True)
        entry(role_name, spec.primary)
        general = strategy.fallback_chain(role)
        if general:
            settings["fallbacks"].append({role_name: names(general)})
        for error, chain in strategy.error_fallbacks(role).items():
            if error in ERROR_SETTINGS:
                settings.setdefault(ERROR_SETTINGS[error], []).append({role_name: names(chain)})
            elif chain != general:
                notes.append(
                    f"{variant} role '{role}': LiteLLM has no fallbacks of its own for {error}; "
                    "its general fallbacks apply there"
                )
        models.update(dict.fromkeys(strategy.models_of(role)))
        if forced.get(role) in strategy.models:
            models[forced[role]] = None
    for model_id in models:
        entry(gateway_name(variant, "", model_id, plain=False), model_id)
        chain = strategy.linked_chain(model_id)[0]
        if chain:
            settings["fallbacks"].append({gateway_name(variant, "", model_id, plain=False): names(chain)})
    return notes


def litellm_config(bundle: Mapping[str, Any]) -> LiteLLMConfig:
    """The LiteLLM proxy config that serves what ``bundle`` serves: the stable
    entries, and while a canary runs the candidate's too."""
    forced = dict(bundle.get("forced") or {})
    config: dict[str, Any] = {"model_list": [], "router_settings": {"fallbacks": []}}
    notes: list[str] = []
    header = [f"LiteLLM proxy config rendered by hybridctl (bundle {bundle.get('digest', '')})"]
    stable = bundle["stable"]
    notes += _variant_entries(
        Strategy.from_dict(stable["modelConfig"]), "stable", stable.get("revision"), forced, config
    )
    header.append(f"stable: revision {stable.get('revision')}, model names = roles and catalog ids")
    candidate = bundle.get("candidate")
    if candidate:
        notes += _variant_entries(
            Strategy.from_dict(candidate["modelConfig"]),
            "candidate",
            candidate.get("revision"),
            forced,
            config,
        )
        header.append(
            f"candidate: revision {candidate.get('revision')} at {bundle.get('weight', 0)}% of users "
            f"(rollout {bundle.get('rollout_id')}), model names prefixed 'candidate/'"
        )
    header.append("route with hybridctl.routing.Router and ask for route.gateway_model")
    return LiteLLMConfig(config, header, notes)
