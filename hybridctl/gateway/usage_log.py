"""One line per request the gateway routed, in LiteLLM's own logging shape
(a StandardLoggingPayload's fields), so ``hybridctl report --input-format
litellm`` reads the gateway's traffic as the metrics count it.

A line is the request's outcome: the routed role, variant and catalog model;
``status: failure`` when the routed model's call failed, and ``answered``
whether anything answered in the end (a fallback's cost and tokens are kept). Prompts and
answers are never written: only counts, times, cost, ids and tags.
"""

from __future__ import annotations

import json
import math
import os
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from hybridctl.gateway.requests import Routed
from hybridctl.redaction import redact_text

LOG_ENV = "HYBRIDCTL_USAGE_LOG"
# the payload's fields a report reads, and nothing else: the prompt and the
# answer (messages, response) never leave the proxy
NUMBERS = ("startTime", "endTime", "prompt_tokens", "completion_tokens", "total_tokens", "response_cost")
TEXTS = ("id", "call_type", "custom_llm_provider", "end_user")
MAX_TEXT = 256  # an id or a user is short; anything longer is cut


def _number(value: Any) -> float | int | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return value if math.isfinite(value) else None


def _text(value: Any) -> str | None:
    """A string from outside (an upstream's id, a client's user), as the log may hold it."""
    return redact_text(value[:MAX_TEXT]) if isinstance(value, str) else None


def _counts(value: Any) -> dict[str, Any]:
    """A usage object's numbers, one level of nested details included (cached tokens)."""
    if not isinstance(value, Mapping):
        return {}
    counts: dict[str, Any] = {}
    for key, item in value.items():
        if isinstance(item, Mapping):
            nested = {k: n for k, v in item.items() if (n := _number(v)) is not None}
            if nested:
                counts[str(key)] = nested
        elif (number := _number(item)) is not None:
            counts[str(key)] = number
    return counts


def usage_record(
    routed: Routed, payload: Mapping[str, Any] | None, *, failed: bool, error_class: str | None = None
) -> dict[str, Any]:
    """The line for one request: ``payload`` is the answer's StandardLoggingPayload
    (None when nothing answered)."""
    given = payload if payload is not None else {}
    record: dict[str, Any] = {key: n for key in NUMBERS if (n := _number(given.get(key))) is not None}
    record.update({key: t for key in TEXTS if (t := _text(given.get(key))) is not None})
    record.update(
        request_id=routed.request,
        model=routed.model,
        role=routed.role,
        variant=routed.variant,
        escalated=routed.escalated,
        rollout_id=routed.rollout,
        request_tags=routed.tags(),
        status="failure" if failed else "success",
        answered=payload is not None,  # a fallback may answer a failed request
    )
    answered_by = _text(given.get("model_group"))
    if answered_by is not None:
        record["answered_by"] = answered_by  # a fallback's name when the routed model failed
    record.setdefault("startTime", routed.started)
    record.setdefault("endTime", time.time())
    metadata = given.get("metadata")
    usage_object = _counts(metadata.get("usage_object") if isinstance(metadata, Mapping) else None)
    if usage_object:
        record["metadata"] = {"usage_object": usage_object}
    if failed:
        error = _text(error_class) or "failure"
        record.setdefault("metadata", {})["error_information"] = {"error_class": error}
    if payload is None:
        record.update(prompt_tokens=0, completion_tokens=0, response_cost=0.0)
    return record


class UsageLog:
    """Appends lines to one file, each with a single write: workers of one gateway
    may share the file without tearing a line."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def write(self, record: Mapping[str, Any]) -> None:
        line = json.dumps(record, ensure_ascii=False, allow_nan=False) + "\n"
        descriptor = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            os.write(descriptor, line.encode())
        finally:
            os.close(descriptor)
