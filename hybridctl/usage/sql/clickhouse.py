"""Langfuse's observations in ClickHouse (Langfuse v3), aggregated by
ClickHouse through its HTTP interface: one POST of the logical query, the
answer in ``JSONCompact``, bounded in size and time like every answer
hybridctl reads (httpx directly: this package sits beside ``remote``).

``clickhouse://user:password@host:8123/langfuse`` (``clickhouses://`` for
TLS on 8443; ``?table=request_response_rmt`` for Helicone's requests, whose
cost is USD x 1e9 and whose prompt tokens leave cache reads and writes out;
``?table=spend_logs`` for LiteLLM's ClickHouse logger).
``observations`` is a ReplacingMergeTree: read ``FINAL``, only
``type = 'GENERATION'`` and not deleted. Each generation is read as the file
reader reads Langfuse's API: ``provided_model_name``; ``usage_details`` input
(cache reads and writes have keys of their own and are added to it, as
hybridctl counts input), output; ``total_cost`` (else ``cost_details`` total)
as recorded; ``level = 'ERROR'`` a failure; latency from start to end; role,
provider, variant and escalation from ``metadata``."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any
from urllib.parse import unquote, urlsplit

from hybridctl.errors import UsageError
from hybridctl.usage.sql.query import CLICKHOUSE, Columns, compile_query

SCHEMES = {"clickhouse": "http", "clickhouses": "https"}
MAX_ANSWER_BYTES = 64 << 20  # the cube's rows: a few per role, model, variant, day and latency bucket


def _key(name: str) -> str:
    return f"if(mapContains(usage_details, '{name}'), usage_details['{name}'], NULL)"


def _first_key(*names: str) -> str:
    return f"coalesce({', '.join(_key(n) for n in names)}, 0)"


_CACHE_READ = _first_key("input_cached_tokens", "cache_read_input_tokens", "input_cache_read")
_CACHE_WRITE = _first_key("cache_creation_input_tokens", "input_cache_creation", "input_cache_write")


def _meta(name: str) -> str:
    return f"nullIf(metadata['{name}'], '')"


LANGFUSE_OBSERVATIONS = Columns(
    time="start_time",
    role=_meta("role"),
    model="provided_model_name",
    provider=_meta("provider"),
    variant="if(metadata['variant'] IN ('stable', 'candidate'), metadata['variant'], NULL)",
    escalated="lower(metadata['escalated']) IN ('true', '1', 'yes')",
    input_tokens=f"toInt64({_first_key('input')} + {_CACHE_READ} + {_CACHE_WRITE})",
    output_tokens=f"toInt64({_first_key('output')})",
    cached_tokens=f"toInt64({_CACHE_READ})",
    cache_write_tokens=f"toInt64({_CACHE_WRITE})",
    cost="coalesce(toFloat64(total_cost), "
    "if(mapContains(cost_details, 'total'), toFloat64(cost_details['total']), NULL))",
    ok="level != 'ERROR'",
    latency_s="if(end_time IS NULL, NULL, toFloat64(dateDiff('millisecond', start_time, end_time)) / 1000)",
    quality="CAST(NULL AS Nullable(Float64))",
    answered="CAST(NULL AS Nullable(Bool))",
)


def _property(name: str) -> str:
    """A Helicone custom property, whatever the case its header was sent in."""
    return f"nullIf(coalesce(nullIf(properties['{name}'], ''), properties['{name.capitalize()}']), '')"


# Helicone's request_response_rmt: prompt_tokens leave cache reads and writes out (Anthropic's
# convention), latency in milliseconds, cost in USD x 1e9 (schema_52), the HTTP status.
HELICONE_REQUESTS = Columns(
    time="request_created_at",
    role=_property("role"),
    model="nullIf(model, '')",
    provider="nullIf(provider, '')",
    variant=f"if({_property('variant')} IN ('stable', 'candidate'), {_property('variant')}, NULL)",
    escalated=f"lower(coalesce({_property('escalated')}, '')) IN ('true', '1', 'yes')",
    input_tokens="toInt64(coalesce(prompt_tokens, 0) + prompt_cache_read_tokens + prompt_cache_write_tokens)",
    output_tokens="toInt64(coalesce(completion_tokens, 0))",
    cached_tokens="toInt64(prompt_cache_read_tokens)",
    cache_write_tokens="toInt64(prompt_cache_write_tokens)",
    cost="if(cost IS NULL, NULL, toFloat64(cost) / 1e9)",
    ok="status >= 200 AND status < 300",
    latency_s="if(latency IS NULL, NULL, toFloat64(latency) / 1000)",
    quality="CAST(NULL AS Nullable(Float64))",
    answered="CAST(NULL AS Nullable(Bool))",
)

_TAGS = "JSONExtract(request_tags, 'Array(String)')"


def _tag(prefix: str) -> str:
    found = f"arrayFirst(tag -> startsWith(tag, '{prefix}:'), {_TAGS})"
    return f"nullIf(substring({found}, {len(prefix) + 2}), '')"


_USAGE = "'usage_object', 'prompt_tokens_details'"
# LiteLLM's own ClickHouse logger (integrations/clickhouse.py): spend_logs with its metadata and
# request tags as JSON text, times to the second, no status column (metadata's, else a success).
LITELLM_SPEND_LOGS = Columns(
    time="startTime",
    role=f"coalesce({_tag('role')}, nullIf(JSONExtractString(metadata, 'role'), ''))",
    model="nullIf(model, '')",
    provider="CAST(NULL AS Nullable(String))",
    variant=_tag("variant"),
    escalated=f"has({_TAGS}, 'escalated')",
    input_tokens="toInt64(prompt_tokens)",
    output_tokens="toInt64(completion_tokens)",
    cached_tokens=f"JSONExtract(metadata, {_USAGE}, 'cached_tokens', 'Int64')",
    cache_write_tokens="JSONExtract(metadata, 'usage_object', 'cache_creation_input_tokens', 'Int64')",
    cost="spend",
    ok="lower(coalesce(nullIf(JSONExtractString(metadata, 'status'), ''), 'success')) "
    "IN ('success', 'ok', '200')",
    latency_s="toFloat64(dateDiff('second', startTime, endTime))",
    quality="CAST(NULL AS Nullable(Float64))",
    answered="CAST(NULL AS Nullable(Bool))",
)

# table -> (columns, what to read, which rows): the tables hybridctl reads, by name.
TABLES = {
    "observations": (LANGFUSE_OBSERVATIONS, "observations FINAL", "type = 'GENERATION' AND is_deleted = 0"),
    "request_response_rmt": (HELICONE_REQUESTS, "request_response_rmt FINAL", ""),
    "spend_logs": (LITELLM_SPEND_LOGS, "spend_logs", ""),
}


def table_query(
    table: str, boundaries: Sequence[datetime], within: tuple[datetime | None, datetime | None] = (None, None)
) -> str:
    columns, source, where = TABLES[table]
    query, _ = compile_query(columns, source, CLICKHOUSE, boundaries, where, within)
    return query


def langfuse_query(
    boundaries: Sequence[datetime], within: tuple[datetime | None, datetime | None] = (None, None)
) -> str:
    return table_query("observations", boundaries, within)


def table_of(url: str) -> str:
    """The table a clickhouse:// URL names (``?table=``), Langfuse's by default."""
    from urllib.parse import parse_qs

    table = parse_qs(urlsplit(url).query).get("table", ["observations"])[0]
    if table not in TABLES:
        raise UsageError(
            f"hybridctl reads the ClickHouse tables {', '.join(TABLES)}, not {table[:60]!r}",
            hint="?table=observations (Langfuse), request_response_rmt (Helicone) or spend_logs (LiteLLM)",
        )
    return table


def endpoint(url: str) -> tuple[str, str, dict[str, str]]:
    """The HTTP base, the database and the auth headers of a clickhouse:// URL."""
    parts = urlsplit(url)
    scheme = SCHEMES.get(parts.scheme)
    if scheme is None or not parts.hostname:
        raise UsageError(
            "a ClickHouse source is clickhouse://user@host:8123/database", hint="or clickhouses:// for TLS"
        )
    port = parts.port or (8443 if scheme == "https" else 8123)
    headers = {"X-ClickHouse-User": unquote(parts.username or "default")}
    if parts.password:
        headers["X-ClickHouse-Key"] = unquote(parts.password)
    database = parts.path.strip("/") or "default"
    return f"{scheme}://{parts.hostname}:{port}", database, headers


def post(url: str, headers: dict[str, str], body: bytes, timeout_s: float) -> tuple[int, bytes]:
    """One POST, TLS verified, its answer cut off past MAX_ANSWER_BYTES and the
    whole call past ``timeout_s`` (httpx's own timeouts per phase, and a cap)."""
    import httpx

    with (
        httpx.Client(timeout=httpx.Timeout(timeout_s), follow_redirects=False) as client,
        client.stream("POST", url, headers=headers, content=body) as answer,
    ):
        taken = bytearray()
        for chunk in answer.iter_bytes():
            taken += chunk
            if len(taken) > MAX_ANSWER_BYTES:
                raise UsageError(f"ClickHouse answered more than {MAX_ANSWER_BYTES >> 20} MiB; stopped")
        return answer.status_code, bytes(taken)


def run(url: str, query: str, timeout_s: float) -> list[Sequence[Any]]:
    """The query's rows; ClickHouse stops it at ``timeout_s`` (max_execution_time)."""
    from urllib.parse import urlencode

    import httpx

    from hybridctl.redaction import hold_secret
    from hybridctl.urls import shown_url

    base, database, headers = endpoint(url)
    if "X-ClickHouse-Key" in headers:
        hold_secret(headers["X-ClickHouse-Key"])
    params = urlencode({"database": database, "max_execution_time": int(timeout_s), "readonly": 2})
    shown = shown_url(url)
    try:
        status, body = post(
            f"{base}/?{params}", headers, (query + " FORMAT JSONCompact").encode(), timeout_s + 5
        )
    except httpx.HTTPError as exc:
        raise UsageError(
            f"ClickHouse at {shown}: {type(exc).__name__}", hint="check the URL and the network"
        ) from None
    if status != 200:
        message = body.decode("utf-8", "replace").strip().splitlines()[0][:300] if body else ""
        if "TIMEOUT_EXCEEDED" in message or "Timeout exceeded" in message:
            raise UsageError(
                f"the query ran longer than {timeout_s:g} s and was stopped",
                hint="narrow the window (--since), or raise HYBRIDCTL_SOURCE_TIMEOUT (seconds)",
            )
        raise UsageError(
            f"ClickHouse at {shown}: HTTP {status} {_clean(message)}", hint="check the user and the database"
        )
    try:
        data = json.loads(body)["data"]
    except (ValueError, KeyError, TypeError, RecursionError):
        raise UsageError(f"ClickHouse at {shown} did not answer with JSONCompact rows") from None
    if not isinstance(data, list):
        raise UsageError(f"ClickHouse at {shown} did not answer with JSONCompact rows")
    return data


def _clean(text: str) -> str:
    from hybridctl.text import clean

    return clean(text)
