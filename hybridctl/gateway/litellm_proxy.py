"""A complete LiteLLM proxy ``config.yaml`` that runs the strategy as written:
one deployment group per catalog model, one model name per role so clients
ask for their role, fallbacks per model and per role, hybridctl's plug-in as
a callback, and a master key from the environment.

The config stays the same through a rollout: the plug-in reads each step from
the bundle (``HYBRIDCTL_BUNDLE``) and sends each request to the catalog model
its route chose. Render it again when the catalog changes (a model added, a
provider's endpoint or a price changed); until then a route to a model the
proxy does not deploy keeps the role's own entry, and the plug-in counts it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from hybridctl.config.model import Strategy
from hybridctl.gateway.litellm_config import LiteLLMConfig, litellm_params

PLUGIN = "hybridctl.gateway.litellm_plugin.handler"
MASTER_KEY_ENV = "LITELLM_MASTER_KEY"


def _strategies(bundle: Mapping[str, Any]) -> tuple[Strategy, Strategy | None]:
    stable = Strategy.from_dict(bundle["stable"]["modelConfig"])
    candidate = bundle.get("candidate")
    return stable, Strategy.from_dict(candidate["modelConfig"]) if candidate else None


def _deployments(stable: Strategy, candidate: Strategy | None) -> tuple[dict[str, dict[str, Any]], list[str]]:
    """catalog id -> its LiteLLM params: stable's catalog, then models only the
    candidate's has; and what the candidate defines differently."""
    deployed = {model_id: litellm_params(stable, spec) for model_id, spec in stable.models.items()}
    notes = []
    for model_id, spec in (candidate.models if candidate else {}).items():
        params = litellm_params(candidate, spec) if candidate else {}
        if model_id not in deployed:
            deployed[model_id] = params
        elif deployed[model_id] != params:
            notes.append(
                f"the candidate defines model '{model_id}' otherwise (endpoint, id or prices); "
                "the proxy deploys stable's until the candidate is promoted and this config rendered again"
            )
    return deployed, notes


def proxy_config(bundle: Mapping[str, Any], *, master_key_env: str = MASTER_KEY_ENV) -> LiteLLMConfig:
    """The proxy config serving ``bundle`` through hybridctl's plug-in."""
    stable, candidate = _strategies(bundle)
    deployed, notes = _deployments(stable, candidate)
    model_list: list[dict[str, Any]] = [
        {"model_name": model_id, "litellm_params": params, "model_info": {"hybridctl_model": model_id}}
        for model_id, params in deployed.items()
    ]
    fallbacks: list[dict[str, list[str]]] = []
    for model_id in deployed:
        chain = (stable if model_id in stable.models else candidate or stable).linked_chain(model_id)[0]
        if chain:
            fallbacks.append({model_id: chain})
    roles = dict.fromkeys([*stable.roles, *(candidate.roles if candidate else ())])
    for role in roles:
        owner = stable if role in stable.roles else candidate or stable
        primary = owner.roles[role].primary
        # without a bundle (or the plug-in) a role is served as stable serves it
        model_list.append(
            {
                "model_name": role,
                "litellm_params": dict(deployed[primary]),
                "model_info": {"hybridctl_model": primary, "hybridctl_role": role},
            }
        )
        if owner.fallback_chain(role):
            fallbacks.append({role: owner.fallback_chain(role)})
    config: dict[str, Any] = {
        "model_list": model_list,
        # fallbacks, not retries, recover a failing model; a retry of a failing
        # canary model would only delay its fallback, and count it twice upstream
        "router_settings": {"fallbacks": fallbacks, "num_retries": 0},
        "litellm_settings": {"callbacks": [PLUGIN]},
        "general_settings": {"master_key": f"os.environ/{master_key_env}"},
    }
    return LiteLLMConfig(config, _header(bundle, stable, candidate, master_key_env), notes)


def _header(
    bundle: Mapping[str, Any], stable: Strategy, candidate: Strategy | None, master_key_env: str
) -> list[str]:
    keys = sorted({p.api_key_env for s in (stable, candidate) if s for p in s.providers if p.api_key_env})
    return [
        f"LiteLLM proxy config rendered by hybridctl (bundle {bundle.get('digest', '')})",
        "clients ask for their role (" + ", ".join(stable.roles) + "); hybridctl's plug-in routes each",
        "request by the bundle: pip install 'hybridctl[litellm]' in the proxy's environment, then set",
        f"  {master_key_env}, the providers' keys ({', '.join(keys) or 'none'}),",
        "  HYBRIDCTL_BUNDLE=<the bundle file, or the URL of a management endpoint>,",
        "  HYBRIDCTL_METRICS_PORT=<port for Prometheus>, and LITELLM_LOCAL_MODEL_COST_MAP=True",
        "  (start offline: LiteLLM's own price map is not fetched; the prices below are the catalog's)",
        "render it again when the catalog changes: the rollout's steps need no new config",
    ]
