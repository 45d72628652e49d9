"""Usage events: one request to a model, whatever wrote it down.

Field names are read in their flat form (``input_tokens``) or as
OpenTelemetry GenAI attributes (``gen_ai.usage.input_tokens``), whichever the
record has. Cached input tokens (cache reads, and cache writes) are part of
the input tokens, as the OpenTelemetry conventions define them; a record in
Anthropic's names (``cache_read_input_tokens``, ``cache_creation_input_tokens``,
counted beside its ``input_tokens``) has them added in.
"""

from __future__ import annotations

import math
from datetime import datetime
from typing import Any, NamedTuple

from hybridctl.text import show_value
from hybridctl.times import parse_log_time

# normalized field -> names accepted for it, first match wins
ALIASES: dict[str, tuple[str, ...]] = {
    "time": ("time", "timestamp", "ts", "start_time", "created_at"),
    "request_id": ("request_id", "id", "gen_ai.response.id"),
    "user": ("user", "user_id", "user.id", "enduser.id"),
    "role": ("role", "agent_role", "gen_ai.agent.name"),
    "model": ("model", "gen_ai.request.model", "gen_ai.response.model"),
    "provider": ("provider", "gen_ai.provider.name", "gen_ai.system"),
    "variant": ("variant",),
    "escalated": ("escalated",),
    "input_tokens": ("input_tokens", "prompt_tokens", "gen_ai.usage.input_tokens"),
    "output_tokens": ("output_tokens", "completion_tokens", "gen_ai.usage.output_tokens"),
    "cached_tokens": (
        "cached_tokens",
        "cache_read_tokens",
        "gen_ai.usage.cache_read.input_tokens",
        "gen_ai.usage.cache_read_input_tokens",
    ),
    "latency_ms": ("latency_ms", "duration_ms"),
    "latency_s": ("latency_s", "latency", "duration_s"),
    "status": ("status", "gen_ai.response.status"),
    "error_type": ("error_type", "error.type"),
    "cost": ("cost", "cost_usd", "gen_ai.usage.cost"),
    "quality": ("quality", "satisfaction"),
}
_OK_STATUSES = frozenset(("ok", "success", "succeeded", "completed", "200"))
# Input tokens written to a prompt cache, counted inside the input tokens (OpenTelemetry's convention).
CACHE_WRITE_NAMES = (
    "cache_write_tokens",
    "cache_creation_tokens",
    "gen_ai.usage.cache_creation.input_tokens",
)
# Anthropic's usage names: its input_tokens leave cache reads and writes out, so they are added to it.
ANTHROPIC_CACHE_NAMES = ("cache_read_input_tokens", "cache_creation_input_tokens")


class UsageEvent(NamedTuple):
    time: datetime | None
    request_id: str | None
    user: str | None
    role: str | None
    model: str | None
    provider: str | None
    variant: str | None  # "stable" or "candidate" during a rollout
    escalated: bool
    input_tokens: int
    output_tokens: int
    cached_tokens: int
    latency_s: float | None
    ok: bool
    error_type: str | None
    cost: float | None  # as recorded by the gateway, USD
    quality: float | None
    cache_write_tokens: int = 0  # part of input_tokens, like cached_tokens
    answered: bool | None = None  # a failed request: did a fallback answer? None: not recorded


def _pick(record: dict[str, Any], field: str) -> Any:
    for name in ALIASES[field]:
        if name in record and record[name] is not None:
            return record[name]
    return None


def _flatten_attributes(record: dict[str, Any]) -> dict[str, Any]:
    """OTel exports nest attributes ({"attributes": {...}}); merge them in."""
    attributes = record.get("attributes")
    if isinstance(attributes, dict):
        return {**attributes, **{k: v for k, v in record.items() if k != "attributes"}}
    return record


def as_int(value: Any, field: str) -> int:
    if value is None:
        return 0
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise ValueError(f"{field} must be a number, got {show_value(value, width=40)}")
    if isinstance(value, int):
        number: float = value
    else:
        try:
            number = float(value)
        except ValueError:
            raise ValueError(f"{field} must be a number, got {show_value(value, width=40)}") from None
        if not math.isfinite(number):
            raise ValueError(f"{field} must be a finite number, got {show_value(value, width=40)}")
    if number < 0:
        raise ValueError(f"{field} must be zero or more, got {show_value(value, width=40)}")
    return int(number)


def as_float(value: Any, field: str) -> float | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise ValueError(f"{field} must be a number, got {show_value(value, width=40)}")
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{field} must be a number, got {show_value(value, width=40)}") from None
    except OverflowError:  # an integer of hundreds of digits
        raise ValueError(f"{field} is out of range, got {show_value(value, width=40)}") from None
    if not math.isfinite(number):  # 1e999, "inf", and json's NaN and Infinity, which JSON does not have
        raise ValueError(f"{field} must be a finite number, got {show_value(value, width=40)}")
    return number


def as_bool(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in ("1", "true", "yes", "y")
    return bool(value)


def as_text(value: Any) -> str | None:
    return None if value is None or value == "" else str(value)


def request_ok(status: Any, error_type: str | None, error: Any) -> bool:
    """Whether a request succeeded: by its status word when it has one, else by
    having neither an error type nor a true error flag."""
    if status is None:
        return error_type is None and not as_bool(error)
    return str(status).strip().lower() in _OK_STATUSES


def latency_of(latency_ms: float | None, latency_s: float | None) -> float | None:
    """Seconds, from whichever the record gave (milliseconds first)."""
    return latency_ms / 1000 if latency_ms is not None else latency_s


def is_usage(model: str | None, input_tokens: int, output_tokens: int, cached_tokens: int) -> bool:
    """A record with no model and no tokens is a config file or an unrelated log
    read as usage, not an unpriced request."""
    return model is not None or bool(input_tokens or output_tokens or cached_tokens)


def to_event(raw: dict[str, Any]) -> UsageEvent:
    """Normalize one record; raise ValueError naming the field that is wrong."""
    record = _flatten_attributes(raw)
    time_value = _pick(record, "time")
    latency_ms = as_float(_pick(record, "latency_ms"), "latency_ms")
    latency_s = as_float(_pick(record, "latency_s"), "latency_s")
    status = _pick(record, "status")
    error_type = as_text(_pick(record, "error_type"))
    input_tokens = as_int(_pick(record, "input_tokens"), "input_tokens")
    output_tokens = as_int(_pick(record, "output_tokens"), "output_tokens")
    cached_tokens = as_int(_pick(record, "cached_tokens"), "cached_tokens")
    cache_write_tokens = as_int(
        next((record[n] for n in CACHE_WRITE_NAMES if record.get(n) is not None), None), "cache_write_tokens"
    )
    if any(record.get(n) is not None for n in ANTHROPIC_CACHE_NAMES):  # Anthropic's usage object
        beside_read = as_int(record.get("cache_read_input_tokens"), "cache_read_input_tokens")
        beside_write = as_int(record.get("cache_creation_input_tokens"), "cache_creation_input_tokens")
        input_tokens += beside_read + beside_write
        cached_tokens += beside_read
        cache_write_tokens += beside_write
    model = as_text(_pick(record, "model"))
    event = UsageEvent(
        time=None if time_value is None else parse_log_time(time_value),
        request_id=as_text(_pick(record, "request_id")),
        user=as_text(_pick(record, "user")),
        role=as_text(_pick(record, "role")),
        model=model,
        provider=as_text(_pick(record, "provider")),
        variant=as_text(_pick(record, "variant")),
        escalated=as_bool(_pick(record, "escalated")),
        input_tokens=input_tokens,
        output_tokens=output_tokens,
        cached_tokens=min(cached_tokens, input_tokens),
        cache_write_tokens=min(cache_write_tokens, input_tokens - min(cached_tokens, input_tokens)),
        latency_s=latency_of(latency_ms, latency_s),
        ok=request_ok(status, error_type, record.get("error", False)),
        error_type=error_type,
        cost=as_float(_pick(record, "cost"), "cost"),
        quality=as_float(_pick(record, "quality"), "quality"),
        answered=None if record.get("answered") is None else as_bool(record["answered"]),
    )
    if not is_usage(model, input_tokens, output_tokens, cached_tokens):
        raise ValueError("not a usage event: no model and no tokens")
    return event
