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
from collections.abc import Callable, Iterator
from typing import Any

from hybridctl.times import parse_log_time
from hybridctl.usage.events import (
    ALIASES,
    UsageEvent,
    as_bool,
    as_float,
    as_int,
    as_text,
    to_event,
)

DIALECTS = ("auto", "events", "openrouter", "litellm", "otlp", "otel", "langfuse", "helicone")
_CAMEL = re.compile(r"(?<!^)(?=[A-Z])")
# Keys only one tool's records carry: how a record says what wrote it. A fast
# reader hands back any line with one of them at its top level.
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
        # the activity export (CSV)
        "generation_id",
        "model_permaslug",
        "cost_total",
        "generation_time_ms",
    )
)
_LITELLM_KEYS = frozenset(("spend", "response_cost", "call_type", "model_group", "startTime"))
_LANGFUSE_KEYS = frozenset(
    ("traceId", "usageDetails", "costDetails", "calculatedTotalCost", "completionStartTime", "promptTokens")
)
_HELICONE_KEYS = frozenset(("response_status", "request_created_at", "delay_ms", "helicone_user"))
_OTEL_KEYS = frozenset(("resourceSpans", "context"))
MARKER_KEYS = _OPENROUTER_KEYS | _LITELLM_KEYS | _LANGFUSE_KEYS | _HELICONE_KEYS | _OTEL_KEYS | {"data"}


def dialect_of(record: dict[str, Any]) -> str:
    """Which tool wrote a record, from the keys only that tool writes."""
    if "resourceSpans" in record:
        return "otlp"
    if isinstance(record.get("context"), dict) and isinstance(record.get("status"), dict):
        return "otel"  # the OpenTelemetry SDK's console exporter: one span
    if "response_status" in record and ("request_created_at" in record or "delay_ms" in record):
        return "helicone"
    if "traceId" in record and (_LANGFUSE_KEYS & record.keys()) - {"traceId"}:
        return "langfuse"
    if "spend" in record and "startTime" in record:
        return "litellm"  # a spend-log row
    if "response_cost" in record or ("call_type" in record and "startTime" in record):
        return "litellm"  # a StandardLoggingPayload
    inner = record.get("data")
    probe = inner if isinstance(inner, dict) else record
    if _OPENROUTER_KEYS & probe.keys():
        return "openrouter"
    return "events"


def to_usage_events(record: dict[str, Any], dialect: str = "auto") -> list[UsageEvent]:
    """The usage events of one record (an OTLP export holds many spans);
    ValueError says what is wrong. A forced dialect reads only its own records:
    anything else is refused with what it looks like, never misread."""
    items = record.get("data")
    if isinstance(items, list):  # an API response on one line: {"data": [...], "meta": ...}
        if not all(isinstance(item, dict) for item in items):
            raise ValueError("expected JSON objects in data")
        return [event for item in items for event in to_usage_events(item, dialect)]
    found = dialect_of(record)
    if dialect not in ("auto", found) and not (dialect == "events" and found == "events"):
        raise ValueError(
            f"not a {DIALECT_NAMES[dialect]} record (it looks like {DIALECT_NAMES[found]});"
            " --input-format auto reads each record as what it is"
        )
    if found == "otlp":
        return list(from_otlp(record))
    return [_READERS[found](record)]


def to_usage_event(record: dict[str, Any], dialect: str = "auto") -> UsageEvent:
    """One record that is one event."""
    events = to_usage_events(record, dialect)
    if len(events) != 1:
        raise ValueError(f"a record of {len(events)} usage events where one was expected")
    return events[0]


def _first(record: dict[str, Any], *names: str) -> Any:
    for name in names:
        value = record.get(name)
        if value is not None and value != "":
            return value
    return None


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _rollout_variant(value: Any) -> str | None:
    """A rollout variant; OpenRouter's own ``variant`` column (standard, free,
    nitro...) names a model variant, not a side of a rollout."""
    text = as_text(value)
    return text if text in ("stable", "candidate") else None


def from_openrouter(raw: dict[str, Any]) -> UsageEvent:
    """A generation record (``/api/v1/generation``) or a row of the activity export."""
    inner = raw.get("data")
    source = inner if isinstance(inner, dict) else raw
    record = {_CAMEL.sub("_", key).lower(): value for key, value in source.items()}
    created = _first(record, "created_at")
    latency_ms = as_float(_first(record, "latency", "generation_time", "generation_time_ms"), "latency")
    cancelled = as_bool(record.get("cancelled", False))
    finish = as_text(_first(record, "finish_reason_normalized", "finish_reason", "native_finish_reason"))
    failed = cancelled or finish == "error"
    input_tokens = as_int(_first(record, "native_tokens_prompt", "tokens_prompt"), "tokens_prompt")
    return UsageEvent(
        time=None if created is None else parse_log_time(created),
        request_id=as_text(_first(record, "id", "generation_id")),
        user=as_text(_first(record, "user", "external_user")),
        role=as_text(_first(record, "role")),
        model=as_text(_first(record, "model", "model_permaslug")),
        provider=as_text(_first(record, "provider_name", "provider")),
        variant=_rollout_variant(record.get("variant")),
        escalated=as_bool(record.get("escalated", False)),
        input_tokens=input_tokens,
        output_tokens=as_int(
            _first(record, "native_tokens_completion", "tokens_completion"), "tokens_completion"
        ),
        cached_tokens=min(
            as_int(_first(record, "native_tokens_cached", "tokens_cached"), "tokens_cached"), input_tokens
        ),
        latency_s=None if latency_ms is None else latency_ms / 1000,
        ok=not failed,
        error_type="cancelled" if cancelled else ("error" if finish == "error" else None),
        cost=as_float(_first(record, "total_cost", "cost_total", "usage"), "total_cost"),
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


def _seconds_between(start: Any, end: Any) -> float | None:
    if start is None or end is None:
        return None
    return (parse_log_time(end) - parse_log_time(start)).total_seconds()


def from_litellm(record: dict[str, Any]) -> UsageEvent:
    """A spend-log row (``/spend/logs``, its CSV export) or a StandardLoggingPayload
    (what LiteLLM's logging callbacks write, one JSON object per request)."""
    start = _first(record, "startTime", "start_time")
    end = _first(record, "endTime", "end_time")
    metadata = _dict(_json_field(record.get("metadata")))
    tags = _json_field(record.get("request_tags")) or []
    tags = [str(t) for t in tags] if isinstance(tags, list) else []
    tagged = {t.split(":", 1)[0]: t.split(":", 1)[1] for t in tags if ":" in t}
    status = _first(record, "status") or metadata.get("status") or "success"
    usage = _dict(metadata.get("usage_object")) or _dict(
        _dict(_json_field(record.get("response"))).get("usage")
    )
    details = _dict(usage.get("prompt_tokens_details"))
    input_tokens = as_int(_first(record, "prompt_tokens"), "prompt_tokens")
    ok = str(status).lower() in ("success", "ok", "200")
    error = _dict(metadata.get("error_information")) or _dict(record.get("error_information"))
    error_type = None if ok else as_text(error.get("error_class") or error.get("error_code")) or "failure"
    cached = _first(details, "cached_tokens") or _first(usage, "cache_read_input_tokens")
    written = as_int(_first(usage, "cache_creation_input_tokens"), "cache_creation_input_tokens")
    return UsageEvent(
        time=None if start is None else parse_log_time(start),
        request_id=as_text(_first(record, "request_id", "id")),
        user=as_text(_first(record, "end_user", "user")),
        role=as_text(_first(record, "role") or tagged.get("role") or metadata.get("role")),
        model=as_text(_first(record, "model", "model_group")),
        provider=as_text(_first(record, "custom_llm_provider", "provider")),
        variant=as_text(_first(record, "variant") or tagged.get("variant")),
        escalated=as_bool(record.get("escalated", False)) or "escalated" in tags,
        input_tokens=input_tokens,
        output_tokens=as_int(_first(record, "completion_tokens"), "completion_tokens"),
        cached_tokens=min(as_int(cached, "cached_tokens"), input_tokens),
        latency_s=_seconds_between(start, end),
        ok=ok,
        error_type=error_type,
        cost=as_float(_first(record, "spend", "response_cost"), "spend"),
        quality=None,
        # LiteLLM's prompt tokens hold cache reads and writes (the OpenAI convention)
        cache_write_tokens=min(written, input_tokens),
        answered=None if record.get("answered") is None else as_bool(record["answered"]),
    )


# -- OpenTelemetry spans --------------------------------------------------------------

_SPAN_ERRORS = frozenset(("error", "status_code_error", "2"))


def _otlp_value(value: Any) -> Any:
    """An OTLP/JSON AnyValue ({"stringValue": ...}, {"intValue": "12"}, ...)."""
    if not isinstance(value, dict):
        return value
    for kind in ("stringValue", "boolValue", "doubleValue"):
        if kind in value:
            return value[kind]
    if "intValue" in value:  # int64 travels as a string in OTLP/JSON
        return int(value["intValue"])
    if "arrayValue" in value:
        return [_otlp_value(v) for v in _dict(value["arrayValue"]).get("values", [])]
    return None


def _span_event(attributes: dict[str, Any], start: Any, end: Any, status: Any) -> UsageEvent:
    """A span as a usage event: its attributes are the event's fields (the GenAI names)."""
    code = status.get("status_code", status.get("code")) if isinstance(status, dict) else status
    failed = str(code).strip().lower() in _SPAN_ERRORS
    record = {
        **attributes,
        "time": start,
        "latency_s": _seconds_between(start, end),
        "status": "error" if failed else "ok",
    }
    if failed and "error.type" not in attributes:
        record["error.type"] = (
            (status.get("description") or status.get("message")) if isinstance(status, dict) else None
        ) or "error"
    return to_event(record)


def _is_usage_span(attributes: dict[str, Any]) -> bool:
    return any(key.startswith(("gen_ai.", "llm.")) or key in ALIASES["model"] for key in attributes)


def from_otel_span(record: dict[str, Any]) -> UsageEvent:
    """A span as the OpenTelemetry SDK's console exporter prints it."""
    attributes = _dict(record.get("attributes"))
    return _span_event(attributes, record.get("start_time"), record.get("end_time"), record.get("status"))


def from_otlp(record: dict[str, Any]) -> Iterator[UsageEvent]:
    """The spans of an OTLP/JSON export (the Collector's file exporter:
    resourceSpans -> scopeSpans -> spans), those that are model calls."""
    for resource in record.get("resourceSpans") or []:
        for scope in (
            _dict(resource).get("scopeSpans") or _dict(resource).get("instrumentationLibrarySpans") or []
        ):
            for span in _dict(scope).get("spans") or []:
                span = _dict(span)
                attributes = {
                    str(item.get("key")): _otlp_value(item.get("value"))
                    for item in span.get("attributes") or []
                    if isinstance(item, dict)
                }
                if not _is_usage_span(attributes):
                    continue  # an HTTP or database span of the same trace
                yield _span_event(
                    attributes,
                    _unix_nano(span.get("startTimeUnixNano")),
                    _unix_nano(span.get("endTimeUnixNano")),
                    span.get("status"),
                )


def _unix_nano(value: Any) -> Any:
    """OTLP/JSON writes nanoseconds as a string of digits; parse_log_time reads either."""
    return None if value in (None, "", "0", 0) else value


# -- Langfuse and Helicone ------------------------------------------------------------


def from_langfuse(record: dict[str, Any]) -> UsageEvent:
    """A Langfuse observation (``/api/public/observations``, or an export of them).
    Its ``latency`` is in seconds; usage may be ``usageDetails`` (input excludes
    cache reads and writes, which have keys of their own) or the older ``usage``."""
    details = _dict(record.get("usageDetails"))
    legacy = _dict(record.get("usage"))
    metadata = _dict(record.get("metadata"))
    cache_read = as_int(
        _first(details, "input_cached_tokens", "cache_read_input_tokens", "input_cache_read"), "cache_read"
    )
    cache_write = as_int(
        _first(details, "cache_creation_input_tokens", "input_cache_creation", "input_cache_write"),
        "cache_write",
    )
    base = as_int(
        _first(details, "input") or _first(legacy, "input") or _first(record, "promptTokens"), "input"
    )
    output = as_int(
        _first(details, "output") or _first(legacy, "output") or _first(record, "completionTokens"), "output"
    )
    latency = as_float(record.get("latency"), "latency")
    level = str(record.get("level") or "DEFAULT").upper()
    cost_details = _dict(record.get("costDetails"))
    return UsageEvent(
        time=None if record.get("startTime") is None else parse_log_time(record["startTime"]),
        request_id=as_text(record.get("id")),
        user=as_text(_first(record, "userId") or metadata.get("user")),
        role=as_text(_first(record, "role") or metadata.get("role")),
        model=as_text(record.get("model")),
        provider=as_text(metadata.get("provider")),
        variant=_rollout_variant(_first(record, "variant") or metadata.get("variant")),
        escalated=as_bool(_first(record, "escalated") or metadata.get("escalated")),
        input_tokens=base + cache_read + cache_write,
        output_tokens=output,
        cached_tokens=cache_read,
        cache_write_tokens=cache_write,
        latency_s=latency
        if latency is not None
        else _seconds_between(record.get("startTime"), record.get("endTime")),
        ok=level != "ERROR",
        error_type=(as_text(record.get("statusMessage")) or "error") if level == "ERROR" else None,
        cost=as_float(
            _first(record, "calculatedTotalCost", "totalCost") or _first(cost_details, "total"), "cost"
        ),
        quality=None,
    )


def from_helicone(record: dict[str, Any]) -> UsageEvent:
    """A Helicone request (its export tool's JSON, JSONL or CSV rows): HTTP
    status, ``delay_ms``, custom properties such as ``role`` and ``variant``."""
    properties = {
        str(k).lower().removeprefix("helicone-property-"): v
        for k, v in _dict(_json_field(record.get("request_properties") or record.get("properties"))).items()
    }
    code = as_text(record.get("response_status"))
    ok = code is not None and code.strip().isdigit() and 200 <= int(code) < 300
    prompt = as_int(record.get("prompt_tokens"), "prompt_tokens")
    cache_read = as_int(record.get("prompt_cache_read_tokens"), "prompt_cache_read_tokens")
    cache_write = as_int(record.get("prompt_cache_write_tokens"), "prompt_cache_write_tokens")
    delay = as_float(record.get("delay_ms"), "delay_ms")
    return UsageEvent(
        time=None
        if _first(record, "request_created_at") is None
        else parse_log_time(record["request_created_at"]),
        request_id=as_text(_first(record, "request_id", "response_id")),
        user=as_text(_first(record, "request_user_id", "helicone_user", "user_id")),
        role=as_text(properties.get("role")),
        model=as_text(_first(record, "response_model", "request_model", "model_override", "model")),
        provider=as_text(_first(record, "provider")),
        variant=_rollout_variant(properties.get("variant")),
        escalated=as_bool(properties.get("escalated", False)),
        # Helicone counts cache reads and writes beside the prompt tokens (Anthropic's convention)
        input_tokens=prompt + cache_read + cache_write,
        output_tokens=as_int(record.get("completion_tokens"), "completion_tokens"),
        cached_tokens=cache_read,
        cache_write_tokens=cache_write,
        latency_s=None if delay is None else delay / 1000,
        ok=ok,
        error_type=None if ok else (f"http {code}" if code else "no response"),
        cost=as_float(_first(record, "cost", "cost_usd"), "cost"),
        quality=None,
    )


_READERS: dict[str, Callable[[dict[str, Any]], UsageEvent]] = {
    "events": to_event,
    "openrouter": from_openrouter,
    "litellm": from_litellm,
    "otel": from_otel_span,
    "langfuse": from_langfuse,
    "helicone": from_helicone,
}
DIALECT_NAMES = {
    "auto": "usage",
    "events": "hybridctl usage event",
    "openrouter": "OpenRouter",
    "litellm": "LiteLLM",
    "otlp": "OTLP/JSON",
    "otel": "OpenTelemetry span",
    "langfuse": "Langfuse observation",
    "helicone": "Helicone request",
}
