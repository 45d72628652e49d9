"""Usage events in Parquet, JSON or CSV files (globs, local or ``s3://`` where
the user's DuckDB has httpfs), aggregated by DuckDB in place: the logical
query over ``read_parquet``/``read_json_auto``/``read_csv_auto``, each field
from the first of its names the files have (the file reader's aliases)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from hybridctl.errors import UsageError
from hybridctl.usage.events import _OK_STATUSES, ALIASES, CACHE_WRITE_NAMES
from hybridctl.usage.sql.query import DUCKDB, Columns, compile_query

READERS = {
    ".parquet": "read_parquet",
    ".json": "read_json_auto",
    ".jsonl": "read_json_auto",
    ".csv": "read_csv_auto",
}


def reader_for(pattern: str) -> str:
    suffix = "." + pattern.rsplit(".", 1)[-1].lower() if "." in pattern.rsplit("/", 1)[-1] else ""
    reader = READERS.get(suffix)
    if reader is None:
        raise UsageError(
            f"cannot tell how to read {pattern}", hint="name the files *.parquet, *.json, *.jsonl or *.csv"
        )
    return reader


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def columns_for(present: Sequence[str]) -> Columns:
    """The expressions for the columns the files have; NULL (or 0) for the rest."""
    have = set(present)

    def pick(field: str, names: Sequence[str] | None = None) -> str | None:
        return next((_quote(n) for n in names or ALIASES[field] if n in have), None)

    def number(field: str, names: Sequence[str] | None = None) -> str:
        found = pick(field, names)
        return "0" if found is None else f"coalesce(try_cast({found} AS BIGINT), 0)"

    def text(field: str) -> str:
        found = pick(field)
        return "NULL" if found is None else f"nullif(cast({found} AS VARCHAR), '')"

    time = pick("time")
    status, error_type = pick("status"), pick("error_type")
    oks = ", ".join(f"'{s}'" for s in sorted(_OK_STATUSES))
    ok = (
        f"lower(trim(cast({status} AS VARCHAR))) IN ({oks})"
        if status is not None
        else ("TRUE" if error_type is None else f"{error_type} IS NULL")
    )
    latency_ms, latency_s = pick("latency_ms"), pick("latency_s")
    seconds = "NULL" if latency_s is None else f"try_cast({latency_s} AS DOUBLE)"
    latency = (
        seconds if latency_ms is None else f"coalesce(try_cast({latency_ms} AS DOUBLE) / 1000, {seconds})"
    )
    cost, quality, escalated = pick("cost"), pick("quality"), pick("escalated")
    return Columns(
        time="NULL::TIMESTAMPTZ" if time is None else f"try_cast({time} AS TIMESTAMPTZ)",
        role=text("role"),
        model=text("model"),
        provider=text("provider"),
        variant=text("variant"),
        escalated="FALSE" if escalated is None else f"coalesce(try_cast({escalated} AS BOOLEAN), FALSE)",
        input_tokens=number("input_tokens"),
        output_tokens=number("output_tokens"),
        cached_tokens=number("cached_tokens"),
        cache_write_tokens=number("cache_write_tokens", CACHE_WRITE_NAMES),
        cost="NULL" if cost is None else f"try_cast({cost} AS DOUBLE)",
        ok=ok,
        latency_s=latency,
        quality="NULL" if quality is None else f"try_cast({quality} AS DOUBLE)",
        answered="NULL" if "answered" not in have else 'try_cast("answered" AS BOOLEAN)',
    )


def run(
    pattern: str,
    boundaries: Sequence[datetime],
    timeout_s: float,
    within: tuple[datetime | None, datetime | None] = (None, None),
) -> list[tuple[Any, ...]]:
    """The grouped rows of the files matching ``pattern``."""
    try:
        import duckdb
    except ImportError:
        raise UsageError("reading Parquet needs DuckDB", hint="pip install 'hybridctl[duckdb]'") from None
    source = f"{reader_for(pattern)}(?, union_by_name = true)"
    connection = duckdb.connect(":memory:")
    try:
        connection.execute("SET TimeZone = 'UTC'")
        connection.execute("SET enable_progress_bar = false")  # DuckDB would draw one on the terminal
        present = [
            row[0] for row in connection.execute(f"DESCRIBE SELECT * FROM {source}", [pattern]).fetchall()
        ]
        query, params = compile_query(columns_for(present), source, DUCKDB, boundaries, "", within, [pattern])
        timer = _cancel_after(connection, timeout_s)
        try:
            return connection.execute(query, params).fetchall()
        finally:
            timer.cancel()
    except duckdb.InterruptException:
        raise UsageError(
            f"reading {pattern} took longer than {timeout_s:g} s and was cancelled",
            hint="narrow the glob, or raise HYBRIDCTL_SOURCE_TIMEOUT (seconds)",
        ) from None
    except duckdb.Error as exc:
        raise UsageError(f"DuckDB cannot read {pattern}: {str(exc).splitlines()[0][:300]}") from None
    finally:
        connection.close()


def _cancel_after(connection: Any, timeout_s: float) -> Any:
    import threading

    timer = threading.Timer(timeout_s, connection.interrupt)
    timer.daemon = True
    timer.start()
    return timer
