"""Records from other tools, read into usage events.

- hybridctl's own events, flat or with OpenTelemetry GenAI names (events.py);
- OpenRouter generation records (``GET /api/v1/generation``: ``{"data": {...}}``,
  snake_case on the wire, camelCase from its SDKs) and activity exports;
- LiteLLM spend logs (the ``LiteLLM_SpendLogs`` rows, from ``/spend/logs`` as
  JSON or from a CSV export).

OpenRouter and LiteLLM know nothing of roles or rollouts. A role, variant or
escalation flag can ride along as the usual fields, or as LiteLLM request
tags ``role:<slug>``, ``variant:<stable|candidate>`` and ``escalated``.
"""

from __future__ import annotations

import json
import re
from typing import Any

from hybridctl.times import parse_log_time
from hybridctl.usage.events import (
    UsageEvent,
    as_bool,
    as_float,
    as_int,
    as_text,
    to_event,
)

DIALECTS = ("auto", "events", "openrouter", "litellm")
_CAMEL = re.compile(r"(?<!^)(?=[A-Z])")
_OPENROUTER_KEYS = frozenset(
    (
        "tokens_prompt",
        "native_tokens_prompt",
        "total_cost",
        "provider_name",
        "generation_time",
        "tokensPrompt",
        "totalCost",
        "providerName",
    )
)


def dialect_of(record: dict[str, Any]) -> str:
    if "spend" in record and "startTime" in record:
        return "litellm"
    inner = record.get("data")
    probe = inner if isinstance(inner, dict) else record
    if _OPENROUTER_KEYS & probe.keys():
        return "openrouter"
    return "events"


def to_usage_event(record: dict[str, Any], dialect: str = "auto") -> UsageEvent:
    """Any supported record as a usage event; ValueError says what is wrong."""
    if dialect == "auto":
        dialect = dialect_of(record)
    if dialect == "openrouter":
        return from_openrouter(record)
    if dialect == "litellm":
        return from_litellm(record)
    return to_event(record)


def _first(record: dict[str, Any], *names: str) -> Any:
    for name in names:
        value = record.get(name)
        if value is not None and value != "":
            return value
    return None


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def from_openrouter(raw: dict[str, Any]) -> UsageEvent:
    inner = raw.get("data")
    source = inner if isinstance(inner, dict) else raw
    record = {_CAMEL.sub("_", key).lower(): value for key, value in source.items()}
    created = _first(record, "created_at")
    latency_ms = as_float(_first(record, "latency", "generation_time"), "latency")
    cancelled = as_bool(record.get("cancelled", False))
    finish = as_text(_first(record, "finish_reason", "native_finish_reason"))
    input_tokens = as_int(_first(record, "native_tokens_prompt", "tokens_prompt"), "tokens_prompt")
    return UsageEvent(
        time=None if created is None else parse_log_time(created),
        request_id=as_text(record.get("id")),
        user=as_text(_first(record, "user", "external_user")),
        role=as_text(_first(record, "role")),
        model=as_text(record.get("model")),
        provider=as_text(_first(record, "provider_name", "provider")),
        variant=as_text(record.get("variant")),
        escalated=as_bool(record.get("escalated", False)),
        input_tokens=input_tokens,
        output_tokens=as_int(
            _first(record, "native_tokens_completion", "tokens_completion"), "tokens_completion"
        ),
        cached_tokens=min(
            as_int(_first(record, "native_tokens_cached"), "native_tokens_cached"), input_tokens
        ),
        latency_s=None if latency_ms is None else latency_ms / 1000,
        ok=not cancelled and finish != "error",
        error_type="cancelled" if cancelled else ("error" if finish == "error" else None),
        cost=as_float(_first(record, "total_cost", "usage"), "total_cost"),
        quality=None,
    )


def _json_field(value: Any) -> Any:
    """CSV exports carry JSON columns as text."""
    if isinstance(value, str) and value[:1] in ("{", "["):
        try:
            return json.loads(value)
        except (ValueError, RecursionError):
            return value
    return value


def from_litellm(record: dict[str, Any]) -> UsageEvent:
    start = _first(record, "startTime", "start_time")
    end = _first(record, "endTime", "end_time")
    started = None if start is None else parse_log_time(start)
    latency = None if started is None or end is None else (parse_log_time(end) - started).total_seconds()
    metadata = _json_field(record.get("metadata")) or {}
    metadata = metadata if isinstance(metadata, dict) else {}
    tags = _json_field(record.get("request_tags")) or []
    tags = [str(t) for t in tags] if isinstance(tags, list) else []
    tagged = {t.split(":", 1)[0]: t.split(":", 1)[1] for t in tags if ":" in t}
    status = _first(record, "status") or metadata.get("status") or "success"
    details = _dict(_dict(metadata.get("usage_object")).get("prompt_tokens_details"))
    input_tokens = as_int(_first(record, "prompt_tokens"), "prompt_tokens")
    ok = str(status).lower() in ("success", "ok", "200")
    error = metadata.get("error_information")
    error_type = (
        None if ok else (as_text(error.get("error_class")) if isinstance(error, dict) else None) or "failure"
    )
    return UsageEvent(
        time=started,
        request_id=as_text(record.get("request_id")),
        user=as_text(_first(record, "end_user", "user")),
        role=as_text(_first(record, "role") or tagged.get("role") or metadata.get("role")),
        model=as_text(_first(record, "model", "model_group")),
        provider=as_text(_first(record, "custom_llm_provider", "provider")),
        variant=as_text(_first(record, "variant") or tagged.get("variant")),
        escalated=as_bool(record.get("escalated", False)) or "escalated" in tags,
        input_tokens=input_tokens,
        output_tokens=as_int(_first(record, "completion_tokens"), "completion_tokens"),
        cached_tokens=min(as_int(details.get("cached_tokens"), "cached_tokens"), input_tokens),
        latency_s=latency,
        ok=ok,
        error_type=error_type,
        cost=as_float(_first(record, "spend"), "spend"),
        quality=None,
    )
