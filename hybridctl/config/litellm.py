"""What a LiteLLM proxy config may say, as LiteLLM reads it: the keys it knows
at the top and in ``router_settings`` (a key it does not know it ignores
without a word), and where fallbacks are listed. Taken from LiteLLM's proxy
config loader and ``litellm.Router``'s arguments (1.110); a key a newer
release adds is a warning to ``--ignore``, never an error."""

from __future__ import annotations

ROOT_KEYS = frozenset(
    {
        "model_list",
        "litellm_settings",
        "general_settings",
        "router_settings",
        "environment_variables",
        "include",
        "credential_list",
        "guardrails",
        "mcp_servers",
        "mcp_tools",
        "search_tools",
        "vector_store_registry",
        "files_settings",
        "finetune_settings",
        "assistant_settings",
        "callback_settings",
        "pass_through_endpoints",
        "prompts",
        "policies",
        "policy_attachments",
        "agent_list",
        "agents",
        "plugins",
        "default_vertex_config",
    }
)

ROUTER_SETTINGS_KEYS = frozenset(
    {
        "routing_strategy",
        "routing_strategy_args",
        "model_group_alias",
        "num_retries",
        "timeout",
        "stream_timeout",
        "retry_after",
        "fallbacks",
        "context_window_fallbacks",
        "content_policy_fallbacks",
        "default_fallbacks",
        "max_fallbacks",
        "allowed_fails",
        "allowed_fails_policy",
        "retry_policy",
        "model_group_retry_policy",
        "cooldown_time",
        "disable_cooldowns",
        "enable_pre_call_checks",
        "optional_pre_call_checks",
        "enable_tag_filtering",
        "tag_filtering_match_any",
        "provider_budget_config",
        "redis_host",
        "redis_port",
        "redis_password",
        "redis_url",
        "redis_db",
        "cache_responses",
        "cache_kwargs",
        "caching_groups",
        "client_ttl",
        "polling_interval",
        "default_litellm_params",
        "default_max_parallel_requests",
        "default_priority",
        "assistants_config",
        "alerting_config",
        "ignore_invalid_deployments",
        "debug_level",
        "set_verbose",
        "enable_health_check_routing",
        "enable_weighted_failover",
        "fallback_on_unsupported_params",
        "model_group_affinity_config",
        "deployment_affinity_ttl_seconds",
        "router_general_settings",
        "routing_groups",
        "search_tools",
        "guardrail_list",
        "plugins",
    }
)

# A deployment's own keys; LiteLLM's rate-limit strategies also read tpm and rpm here.
ENTRY_KEYS = frozenset({"model_name", "litellm_params", "model_info", "tpm", "rpm", "blocked"})

# Settings that map a model_name to the model names tried after it.
FALLBACK_SETTINGS = ("fallbacks", "context_window_fallbacks", "content_policy_fallbacks")
