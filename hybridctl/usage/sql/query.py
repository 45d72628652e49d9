"""One logical query, compiled to each engine's SQL: the cube's cells computed
where the usage lives, so only aggregates travel.

The query groups the source's rows by segment (the report's time cut points),
UTC day, role, model, provider, variant, escalated and latency bucket (the
file reader's log-bucket sketch, computed in SQL), and sums what a cell holds:
requests, errors, tokens, recorded costs, tokens of unpriced requests, long
requests' tokens per price tier, quality, fallback outcomes; then each cell's
buckets are gathered into one list, so a row per cell comes back. Folding
the rows gives the same cells, so every report reads a database as it reads
a file.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any, NamedTuple

from hybridctl.config.model import TIER_THRESHOLDS
from hybridctl.usage.cube import (
    CACHE_WRITE,
    CACHED,
    ERRORS,
    INPUT,
    LATENCY,
    OPEN_CACHE_WRITE,
    OPEN_CACHED,
    OPEN_INPUT,
    OPEN_OUTPUT,
    OUTCOME_KNOWN,
    OUTPUT,
    QUALITY_N,
    QUALITY_SUM,
    RECORDED_COST,
    RECORDED_N,
    RECOVERED,
    REQUESTS,
    TOKENS,
    Cell,
    CellKey,
    _long_slot,
    new_cell,
)
from hybridctl.usage.stats import LOG_GAMMA, MIN_LATENCY


class Columns(NamedTuple):
    """SQL expressions, over one row of the source table, for each event field.
    ``ok`` and ``escalated`` are booleans; ``answered`` may be NULL."""

    time: str
    role: str
    model: str
    provider: str
    variant: str
    escalated: str
    input_tokens: str
    output_tokens: str
    cached_tokens: str
    cache_write_tokens: str
    cost: str  # NULL when the row has no recorded cost
    ok: str
    latency_s: str  # NULL when unknown
    quality: str = "NULL"
    answered: str = "NULL"


class Dialect(NamedTuple):
    """What differs between engines."""

    name: str
    day: str  # an expression of {t}: the UTC day as YYYY-MM-DD
    ln: str = "ln"
    param: str = "%s"  # the placeholder for a bound parameter
    greatest: str = "greatest"
    histogram: str = "json_agg(json_build_array(bucket, s0)) FILTER (WHERE bucket IS NOT NULL)"
    text: str = "text"  # the type a group key is cast to
    inline: bool = False  # boundaries written into the SQL as literals (an HTTP interface binds none)


POSTGRES = Dialect("postgres", "to_char({t}, 'YYYY-MM-DD')")
DUCKDB = Dialect(
    "duckdb",
    "strftime({t}, '%Y-%m-%d')",
    param="?",
    histogram="list([bucket, s0]) FILTER (WHERE bucket IS NOT NULL)",
    text="varchar",
)
CLICKHOUSE = Dialect(
    "clickhouse",
    "formatDateTime({t}, '%Y-%m-%d', 'UTC')",
    ln="log",
    histogram="groupArrayIf(tuple(assumeNotNull(bucket), s0), bucket IS NOT NULL)",
    text="Nullable(String)",
    inline=True,
)

# The sums, in the order the query returns them after the group keys.
SUMS = (
    "requests",
    "errors",
    "input",
    "output",
    "cached",
    "cache_write",
    "recorded_cost",
    "recorded_n",
    "open_input",
    "open_output",
    "open_cached",
    "open_cache_write",
    "quality_sum",
    "quality_n",
    "recovered",
    "outcome_known",
)
_POSITIONS = {
    "errors": ERRORS,
    "input": INPUT,
    "output": OUTPUT,
    "cached": CACHED,
    "cache_write": CACHE_WRITE,
    "recorded_cost": RECORDED_COST,
    "recorded_n": RECORDED_N,
    "open_input": OPEN_INPUT,
    "open_output": OPEN_OUTPUT,
    "open_cached": OPEN_CACHED,
    "open_cache_write": OPEN_CACHE_WRITE,
    "quality_sum": QUALITY_SUM,
    "quality_n": QUALITY_N,
    "recovered": RECOVERED,
    "outcome_known": OUTCOME_KNOWN,
}
_TOKEN_FIELDS = ("i", "o", "c", "w")  # input, output, cached, cache write: a long slot's order


def _boundary(dialect: Dialect, moment: datetime) -> str:
    """A boundary as the dialect takes it: a bound parameter, or a UTC literal
    (made here from a datetime, never from user text)."""
    if not dialect.inline:
        return dialect.param
    from datetime import timezone

    utc = moment.astimezone(timezone.utc) if moment.tzinfo else moment
    return f"toDateTime64('{utc:%Y-%m-%d %H:%M:%S.%f}', 6, 'UTC')"


def _segment(dialect: Dialect, boundaries: Sequence[datetime]) -> str:
    """How many boundaries are at or before the event (bisect_right); -1 untimed."""
    if not boundaries:
        return "0"
    past = " + ".join(f"(CASE WHEN t >= {_boundary(dialect, b)} THEN 1 ELSE 0 END)" for b in boundaries)
    return f"(CASE WHEN t IS NULL THEN -1 ELSE {past} END)"


def _sums() -> list[str]:
    unpriced = "CASE WHEN cost IS NULL THEN {x} ELSE 0 END"
    made = [
        "count(*)",
        "sum(CASE WHEN ok THEN 0 ELSE 1 END)",
        "sum(i)",
        "sum(o)",
        "sum(c)",
        "sum(w)",
        "sum(CASE WHEN cost IS NULL THEN 0 ELSE cost END)",
        "sum(CASE WHEN cost IS NULL THEN 0 ELSE 1 END)",
        *(f"sum({unpriced.format(x=f)})" for f in _TOKEN_FIELDS),
        "sum(CASE WHEN quality IS NULL THEN 0 ELSE quality END)",
        "sum(CASE WHEN quality IS NULL THEN 0 ELSE 1 END)",
        "sum(CASE WHEN NOT ok AND answered THEN 1 ELSE 0 END)",
        "sum(CASE WHEN NOT ok AND answered IS NOT NULL THEN 1 ELSE 0 END)",
    ]
    for threshold in TIER_THRESHOLDS:  # every long request, then those priced from the list
        made += [f"sum(CASE WHEN i > {threshold} THEN {f} ELSE 0 END)" for f in _TOKEN_FIELDS]
        made += [
            f"sum(CASE WHEN i > {threshold} AND cost IS NULL THEN {f} ELSE 0 END)" for f in _TOKEN_FIELDS
        ]
    return made


Within = tuple[datetime | None, datetime | None]


def _window(column: str, dialect: Dialect, within: Within) -> tuple[list[str], list[Any]]:
    """The time filter a window makes (on the table's own time column, so its index serves)."""
    since, until = within
    found: list[str] = []
    for moment, relation in ((since, ">="), (until, "<")):
        if moment is not None:
            found.append(f"{column} {relation} {_boundary(dialect, moment)}")
    values = [] if dialect.inline else [m for m in within if m is not None]
    return found, values


def compile_query(
    columns: Columns,
    source: str,
    dialect: Dialect,
    boundaries: Sequence[datetime],
    where: str = "",
    within: Within = (None, None),
    source_params: Sequence[Any] = (),
) -> tuple[str, list[Any]]:
    """The SQL and its parameters, in the order they appear: the boundaries, the
    source's own (a file pattern), then the window's."""
    c = columns
    filters, window_params = _window(c.time, dialect, within)
    where = " AND ".join(f"({w})" for w in ([where] if where else []) + filters)
    events = (
        f"SELECT {c.time} AS t, {c.role} AS role, {c.model} AS model, {c.provider} AS provider, "
        f"{c.variant} AS variant, {c.escalated} AS escalated, "
        f"{c.input_tokens} AS i, {c.output_tokens} AS o, "
        f"least({c.cached_tokens}, {c.input_tokens}) AS c, "
        f"least({c.cache_write_tokens}, {c.input_tokens} - least({c.cached_tokens}, {c.input_tokens})) AS w, "
        f"{c.cost} AS cost, {c.ok} AS ok, {c.latency_s} AS latency_s, {c.quality} AS quality, "
        f"{c.answered} AS answered FROM {source}" + (f" WHERE {where}" if where else "")
    )
    bucket = f"ceil({dialect.ln}({dialect.greatest}(latency_s, {MIN_LATENCY!r})) / {LOG_GAMMA!r})"
    day = dialect.day.format(t="t")
    keys = [
        _segment(dialect, boundaries),
        f"CASE WHEN t IS NULL THEN '' ELSE {day} END",
        f"coalesce(cast(role AS {dialect.text}), '')",
        f"coalesce(cast(model AS {dialect.text}), '')",
        f"coalesce(cast(provider AS {dialect.text}), '')",
        f"coalesce(cast(variant AS {dialect.text}), '')",
        "coalesce(escalated, false)",
        f"CASE WHEN latency_s IS NULL THEN NULL ELSE {bucket} END",
    ]
    names = ["seg", "day", "role", "model", "provider", "variant", "escalated", "bucket"]
    select = ", ".join(f"{k} AS {n}" for k, n in zip(keys, names, strict=True))
    sums = _sums()
    named = ", ".join(f"{s} AS s{i}" for i, s in enumerate(sums))
    buckets = f"SELECT {select}, {named} FROM ({events}) e GROUP BY {', '.join(names)}"
    # One row per cell, its latency buckets as a list: a few hundred rows travel, not one per bucket.
    cells = ", ".join(names[:7])
    totals = ", ".join(f"sum(s{i})" for i in range(len(sums)))
    query = f"SELECT {cells}, {totals}, {dialect.histogram} FROM ({buckets}) b GROUP BY {cells}"
    return query, [*([] if dialect.inline else boundaries), *source_params, *window_params]


def fold(rows: Iterable[Sequence[Any]]) -> tuple[dict[CellKey, Cell], int, int]:
    """The cells of the grouped rows, and the number of events and of untimed ones."""
    cells: dict[CellKey, Cell] = {}
    events = untimed = 0
    sums_at = 7
    long_at = sums_at + len(SUMS)
    histogram_at = long_at + 2 * TOKENS * len(TIER_THRESHOLDS)
    for row in rows:
        key = (int(row[0]), str(row[1]), str(row[2]), str(row[3]), str(row[4]), str(row[5]), bool(row[6]))
        cell = cells.get(key)
        if cell is None:
            cell = cells[key] = new_cell()
        count = int(row[sums_at])
        cell[REQUESTS] += count
        events += count
        untimed += count if not key[1] else 0  # no day: no time
        for offset, name in enumerate(SUMS[1:], start=1):
            value = row[sums_at + offset] or 0
            at = _POSITIONS[name]
            cell[at] += float(value) if at in (RECORDED_COST, QUALITY_SUM) else int(value)
        for index in range(len(TIER_THRESHOLDS)):
            for open_tokens in (False, True):
                at = _long_slot(index, open_tokens)
                start = long_at + (2 * index + open_tokens) * TOKENS
                for offset in range(TOKENS):
                    cell[at + offset] += int(row[start + offset] or 0)
        latency = cell[LATENCY]
        for bucket, n in row[histogram_at] or ():
            latency[int(bucket)] = latency.get(int(bucket), 0) + int(n)
    return cells, events, untimed
