"""A ``--source``: where usage lives (a database URL, or a glob of Parquet,
JSON or CSV files), read by pushing the logical query down to its engine.

    postgresql://user@host/litellm     LiteLLM's LiteLLM_SpendLogs (psycopg)
    env:LITELLM_DATABASE_URL           the same, the URL (with its password) in a variable
    clickhouse://user@host:8123/langfuse   Langfuse's observations (its HTTP interface)
    exports/2026-*.parquet             usage events in files, through DuckDB
    s3://bucket/usage/*.parquet        the same, where DuckDB has httpfs

A password is never shown: labels and errors name the URL without it."""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any

from hybridctl.errors import UsageError
from hybridctl.urls import hold_url_secrets, shown_url
from hybridctl.usage.cube import Cube
from hybridctl.usage.sources import Scanned, ScanSpec, ScanStats
from hybridctl.usage.sql.query import fold

DEFAULT_TIMEOUT_S = 300.0
TIMEOUT_ENV = "HYBRIDCTL_SOURCE_TIMEOUT"  # seconds a pushed-down query may run
POSTGRES_SCHEMES = ("postgresql://", "postgres://")


def resolve(value: str) -> str:
    """The URL or glob a --source names (``env:VAR``: the variable's value), its
    credentials held as secrets."""
    if value.startswith("env:"):
        name = value[4:]
        found = os.environ.get(name)
        if not found:
            raise UsageError(f"--source {value}: {name} is not set", hint=f"export {name}=postgresql://...")
        value = found
    return hold_url_secrets(value) if "://" in value else value


def label(value: str) -> str:
    """How a source is named in reports: never with its password."""
    return value if value.startswith("env:") else shown_url(value) if "://" in value else value


def timeout() -> float:
    """How long a pushed-down query may run: HYBRIDCTL_SOURCE_TIMEOUT, else 300 s."""
    raw = os.environ.get(TIMEOUT_ENV)
    if raw is None:
        return DEFAULT_TIMEOUT_S
    try:
        value = float(raw)
    except ValueError:
        value = -1.0
    if not 0 < value <= 86400:
        raise UsageError(
            f"{TIMEOUT_ENV} must be a number of seconds up to 86400", hint=f"export {TIMEOUT_ENV}=600"
        )
    return value


def scan(value: str, spec: ScanSpec, timeout_s: float | None = None) -> Scanned:
    """The cube of a source, computed by its engine, stopped after ``timeout_s``."""
    timeout_s = timeout() if timeout_s is None else timeout_s
    target = resolve(value)
    rows: Sequence[Sequence[Any]]
    if target.startswith(POSTGRES_SCHEMES):
        from hybridctl.usage.sql import postgres

        query, params = postgres.litellm_query(spec.boundaries, spec.within)
        rows = postgres.run(target, query, params, timeout_s)
    elif target.startswith(("clickhouse://", "clickhouses://")):
        from hybridctl.usage.sql import clickhouse

        query = clickhouse.table_query(clickhouse.table_of(target), spec.boundaries, spec.within)
        rows = clickhouse.run(target, query, timeout_s)
    elif "://" in target and not target.startswith("s3://"):
        scheme = target.split("://", 1)[0]
        raise UsageError(
            f"--source {label(value)}: hybridctl reads postgresql://, clickhouse:// and files, not {scheme}://",
            hint="a PostgreSQL or ClickHouse URL, or a glob of Parquet, JSON or CSV files",
        )
    else:
        from hybridctl.usage.sql import files

        rows = files.run(target, spec.boundaries, timeout_s, spec.within)
    cells, events, untimed = fold(rows)
    return Scanned(Cube(cells), ScanStats(lines=events, events=events, untimed=untimed), None, events)
