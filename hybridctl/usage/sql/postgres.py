"""LiteLLM's spend logs in PostgreSQL (the proxy's ``LiteLLM_SpendLogs``), read
by the logical query with psycopg 3 (``pip install 'hybridctl[postgres]'``).

Each row is read as the file reader reads a spend-log export: the model (else
its group), the provider, tokens and cache reads from the usage object, the
recorded ``spend``, the status (no status is a success), latency from start to
end; role, variant and escalation from the tags the gateway plug-in writes
(``role:critic``, ``variant:candidate``, ``escalated``) or from metadata."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from hybridctl.errors import UsageError
from hybridctl.usage.sql.query import POSTGRES, Columns, compile_query

TABLE = '"LiteLLM_SpendLogs"'


def _tag(prefix: str) -> str:
    """The value of the first ``prefix:value`` tag in request_tags (a JSON array)."""
    return (
        f"(SELECT substr(tag, {len(prefix) + 2}) FROM jsonb_array_elements_text("
        f"CASE WHEN jsonb_typeof(request_tags::jsonb) = 'array' THEN request_tags::jsonb ELSE '[]'::jsonb END"
        f") AS tag WHERE left(tag, {len(prefix) + 1}) = '{prefix}:' LIMIT 1)"
    )


_USAGE = "(metadata::jsonb -> 'usage_object')"
_COUNT = "CASE WHEN ({x}) ~ '^[0-9]+$' THEN ({x})::bigint ELSE 0 END"

LITELLM_SPEND_LOGS = Columns(
    time='"startTime"',
    role=f"coalesce({_tag('role')}, metadata::jsonb ->> 'role')",
    model="coalesce(nullif(model, ''), model_group)",
    provider="nullif(custom_llm_provider, '')",
    variant=_tag("variant"),
    escalated="coalesce(request_tags::jsonb ? 'escalated', false)",
    input_tokens="coalesce(prompt_tokens, 0)",
    output_tokens="coalesce(completion_tokens, 0)",
    cached_tokens=_COUNT.format(
        x=f"coalesce({_USAGE} -> 'prompt_tokens_details' ->> 'cached_tokens', "
        f"{_USAGE} ->> 'cache_read_input_tokens')"
    ),
    cache_write_tokens=_COUNT.format(x=f"{_USAGE} ->> 'cache_creation_input_tokens'"),
    cost="spend",
    ok="lower(coalesce(status, metadata::jsonb ->> 'status', 'success')) IN ('success', 'ok', '200')",
    latency_s='extract(epoch FROM ("endTime" - "startTime"))::double precision',
    quality="CAST(NULL AS double precision)",  # typed: an untyped NULL is text to PostgreSQL
    answered="CAST(NULL AS boolean)",
)


def litellm_query(
    boundaries: Sequence[datetime], within: tuple[datetime | None, datetime | None] = (None, None)
) -> tuple[str, list[Any]]:
    """The query over LiteLLM's spend logs; times as UTC timestamps without a
    zone, as Prisma stores ``startTime`` (its index serves the window)."""
    since, until = (None if m is None else _utc_naive(m) for m in within)
    naive = [_utc_naive(b) for b in boundaries]
    return compile_query(LITELLM_SPEND_LOGS, TABLE, POSTGRES, naive, within=(since, until))


def _utc_naive(moment: datetime) -> datetime:
    from datetime import timezone

    return moment if moment.tzinfo is None else moment.astimezone(timezone.utc).replace(tzinfo=None)


LOOPBACK = ("localhost", "127.0.0.1", "::1")


def verified(dsn: str) -> str:
    """The URL with TLS verified against the system's CAs unless it says otherwise
    (``sslmode=...``) or the server is on this machine: libpq's default would take
    an unverified certificate, or none."""
    from urllib.parse import parse_qs, urlsplit

    parts = urlsplit(dsn)
    if "sslmode" in parse_qs(parts.query) or (parts.hostname or "localhost") in LOOPBACK:
        return dsn
    return dsn + ("&" if parts.query else "?") + "sslmode=verify-full&sslrootcert=system"


def run(dsn: str, query: str, params: Sequence[Any], timeout_s: float) -> list[tuple[Any, ...]]:
    """The query's rows, read-only, cancelled by the server after ``timeout_s``."""
    try:
        import psycopg
    except ImportError:
        raise UsageError(
            "reading PostgreSQL needs psycopg", hint="pip install 'hybridctl[postgres]'"
        ) from None
    try:
        with psycopg.connect(
            verified(dsn), connect_timeout=max(1, int(timeout_s)), autocommit=True
        ) as connection:
            connection.execute(
                "SELECT set_config('statement_timeout', %s, false)", (f"{int(timeout_s * 1000)}ms",)
            )
            connection.execute("SET default_transaction_read_only = on")
            connection.execute("SET TIME ZONE 'UTC'")  # days are UTC days, whatever the column's type
            return connection.execute(query, params).fetchall()
    except psycopg.errors.QueryCanceled:
        raise UsageError(
            f"the query ran longer than {timeout_s:g} s and was cancelled",
            hint="narrow the window (--since), or raise HYBRIDCTL_SOURCE_TIMEOUT (seconds)",
        ) from None
    except psycopg.errors.UndefinedTable:
        raise UsageError(
            f"the database has no table {TABLE}", hint="point --source at the LiteLLM proxy's database"
        ) from None
    except psycopg.Error as exc:
        raise UsageError(
            f"PostgreSQL: {_first_line(exc)}", hint="check the URL, the network and the user"
        ) from None


def _first_line(exc: Exception) -> str:
    from hybridctl.text import clean

    return clean(str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__)[:300]
