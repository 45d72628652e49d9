"""Usage where it lives: the same requests read from files by hybridctl's own
reader and aggregated by a real PostgreSQL (LiteLLM's spend-log table) and by
DuckDB (Parquet, JSON, CSV): every figure of every report row agrees, to the
cent, and with figures computed here."""

from __future__ import annotations

import json
import random
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from tests.helpers import Project, RunFn
from tests.usage.sql.postgres_server import LITELLM_SPEND_LOGS, PASSWORD, Postgres

T0 = datetime(2026, 11, 20, 8, 0, tzinfo=timezone.utc)
ROLES = ("architect", "critic", "implementer")
FIGURES = (
    "requests",
    "input_tokens",
    "output_tokens",
    "cached_tokens",
    "cost",
    "error_rate",
    "escalation_rate",
)


def spend_rows(count: int = 600, seed: int = 5) -> list[dict[str, Any]]:
    """LiteLLM spend-log rows as the gateway plug-in tags them, over three days."""
    rng = random.Random(seed)
    rows = []
    for n in range(count):
        start = T0 + timedelta(minutes=7 * n, milliseconds=rng.randrange(1000))
        role, variant = rng.choice(ROLES), "candidate" if rng.random() < 0.3 else "stable"
        escalated = role == "architect" and rng.random() < 0.1
        model = (
            "claude-4.1-opus"
            if escalated
            else ("gemini-2.5-flash-lite" if variant == "candidate" else "glm-4.5")
        )
        failed = rng.random() < 0.04
        prompt, completion = rng.randrange(200, 5000), 0 if failed else rng.randrange(20, 900)
        cached = rng.randrange(0, prompt // 2) if rng.random() < 0.5 else 0
        tags = [f"role:{role}", f"variant:{variant}", f"model:{model}", "rollout:20261120-abc"]
        rows.append(
            {
                "request_id": f"req-{n:05d}",
                "call_type": "acompletion",
                "spend": 0.0 if failed else round(rng.uniform(0.0001, 0.02), 6),
                "prompt_tokens": prompt,
                "completion_tokens": completion,
                "total_tokens": prompt + completion,
                "startTime": start,
                "endTime": start + timedelta(milliseconds=rng.randrange(300, 9000)),
                "model": model,
                "model_group": role,
                "custom_llm_provider": {"glm-4.5": "zai", "gemini-2.5-flash-lite": "google"}.get(
                    model, "anthropic"
                ),
                "metadata": {"usage_object": {"prompt_tokens_details": {"cached_tokens": cached}}},
                "request_tags": tags + (["escalated"] if escalated else []),
                "status": "failure" if failed else "success",
            }
        )
    return rows


def _stamp(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def write_litellm_jsonl(path: Path, rows: list[dict[str, Any]]) -> Path:
    with path.open("w") as out:
        for row in rows:
            out.write(
                json.dumps({**row, "startTime": _stamp(row["startTime"]), "endTime": _stamp(row["endTime"])})
                + "\n"
            )
    return path


def load_postgres(url: str, rows: list[dict[str, Any]]) -> None:
    import psycopg
    from psycopg.types.json import Jsonb

    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute('DROP TABLE IF EXISTS "LiteLLM_SpendLogs"')
        connection.execute(LITELLM_SPEND_LOGS)
        with connection.cursor() as cursor:
            cursor.executemany(
                'INSERT INTO "LiteLLM_SpendLogs" (request_id, call_type, spend, prompt_tokens, '
                'completion_tokens, total_tokens, "startTime", "endTime", model, model_group, '
                "custom_llm_provider, metadata, request_tags, status) "
                "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
                [
                    (
                        r["request_id"],
                        r["call_type"],
                        r["spend"],
                        r["prompt_tokens"],
                        r["completion_tokens"],
                        r["total_tokens"],
                        r["startTime"].replace(tzinfo=None),
                        r["endTime"].replace(tzinfo=None),
                        r["model"],
                        r["model_group"],
                        r["custom_llm_provider"],
                        Jsonb(r["metadata"]),
                        Jsonb(r["request_tags"]),
                        r["status"],
                    )
                    for r in rows
                ],
            )


def rows_of(run: Any, by: tuple[str, ...]) -> dict[tuple[str, ...], dict[str, Any]]:
    return {tuple(row[k] for k in by): row for row in run.json()["rows"]}


def same(ours: Any, theirs: Any) -> bool:
    """Equal, floats to 1e-9 (a database sums in its own order)."""
    if isinstance(ours, float) or isinstance(theirs, float):
        return (
            isinstance(ours, (int, float))
            and isinstance(theirs, (int, float))
            and ours == pytest.approx(theirs, rel=1e-9, abs=1e-12)
        )
    if isinstance(ours, dict):
        return (
            isinstance(theirs, dict)
            and ours.keys() == theirs.keys()
            and all(same(ours[k], theirs[k]) for k in ours)
        )
    if isinstance(ours, list):
        return isinstance(theirs, list) and len(ours) == len(theirs) and all(map(same, ours, theirs))
    return bool(ours == theirs)


def assert_same(
    ours: dict[tuple[str, ...], dict[str, Any]], theirs: dict[tuple[str, ...], dict[str, Any]]
) -> None:
    assert ours.keys() == theirs.keys()
    for key, row in ours.items():
        for name in (*FIGURES, "p50_latency_s", "p95_latency_s", "p99_latency_s", "availability"):
            assert theirs[key][name] == pytest.approx(row[name], rel=1e-9, abs=1e-9), (key, name)


BY = ("role", "model", "variant")


def pushed_like_the_file(
    cli: RunFn,
    project: Project,
    log: Path,
    input_format: str | None,
    source: str,
    *options: str,
    by: tuple[str, ...] = BY,
) -> Any:
    """report usage on the file and on the source: every row's figures equal; the source's run."""
    grouping = ("--by", ",".join(by), "--json", *options)
    reading = ("--input-format", input_format) if input_format else ()
    from_file = cli("report", "usage", str(log), *reading, *grouping, cwd=project.root)
    pushed = cli("report", "usage", "--source", source, *grouping, cwd=project.root)
    assert pushed.exit_code == 0, pushed.stderr
    assert_same(rows_of(from_file, by), rows_of(pushed, by))
    return pushed


def test_postgres_spend_logs_give_the_file_readers_figures(
    cli: RunFn, project: Project, postgres: Postgres, tmp_path: Path
) -> None:
    rows = spend_rows()
    load_postgres(postgres.url(), rows)
    log = write_litellm_jsonl(tmp_path / "spend.jsonl", rows)
    by = ("role", "model", "variant")

    from_db = pushed_like_the_file(cli, project, log, "litellm", postgres.url())
    ours = rows_of(from_db, by)
    for key in ours:
        mine = [r for r in rows if (r["model_group"], r["model"], r["request_tags"][1][8:]) == key]
        assert ours[key]["requests"] == len(mine)
        assert ours[key]["cost"] == pytest.approx(
            sum(r["spend"] for r in mine), abs=1e-6
        )  # to the cent and beyond
        assert ours[key]["cached_tokens"] == sum(
            r["metadata"]["usage_object"]["prompt_tokens_details"]["cached_tokens"] for r in mine
        )
    assert PASSWORD not in from_db.stdout + from_db.stderr
    assert from_db.json()["input"]["sources"] == [f"postgresql://127.0.0.1:{postgres.port}/postgres"]


def test_the_budget_and_savings_reports_read_the_database_too(
    cli: RunFn, project: Project, postgres: Postgres, tmp_path: Path
) -> None:
    rows = spend_rows(seed=9)
    load_postgres(postgres.url(), rows)
    log = write_litellm_jsonl(tmp_path / "spend.jsonl", rows)

    for report in ("savings", "budget"):
        from_file = cli(
            "report", report, str(log), "--input-format", "litellm", "--json", cwd=project.root
        ).json()
        from_db = cli("report", report, "--source", postgres.url(), "--json", cwd=project.root).json()
        for volatile in ("input", "as_of"):
            from_file.pop(volatile, None)
            from_db.pop(volatile, None)
        assert same(from_db, from_file), report


def test_a_wrong_password_is_named_without_it(cli: RunFn, project: Project, postgres: Postgres) -> None:
    wrong = "not-" + PASSWORD
    run = cli("report", "usage", "--source", postgres.url(wrong), cwd=project.root)

    assert run.exit_code == 2 and "PostgreSQL" in run.stderr
    assert wrong not in run.stdout + run.stderr and PASSWORD not in run.stdout + run.stderr


def test_the_url_may_come_from_a_variable(cli: RunFn, project: Project, postgres: Postgres) -> None:
    load_postgres(postgres.url(), spend_rows(count=50))

    run = cli(
        "report",
        "usage",
        "--source",
        "env:LITELLM_DATABASE_URL",
        "--json",
        cwd=project.root,
        env={"LITELLM_DATABASE_URL": postgres.url()},
    )

    assert run.exit_code == 0 and run.json()["total"]["requests"] == 50
    assert run.json()["input"]["sources"] == ["env:LITELLM_DATABASE_URL"]


@pytest.mark.parametrize("kind", ["parquet", "json", "csv"])
def test_files_through_duckdb_give_the_file_readers_figures(
    cli: RunFn, project: Project, tmp_path: Path, kind: str
) -> None:
    import duckdb

    log = tmp_path / "usage.jsonl"
    assert cli("simulate", "--requests", "3000", "--out", str(log), cwd=project.root).exit_code == 0
    for part in (0, 1):  # two files, one glob
        target = tmp_path / f"export-{part}.{kind}"
        options = {"parquet": "FORMAT parquet", "json": "FORMAT json", "csv": "FORMAT csv, HEADER"}[kind]
        duckdb.sql(
            f"COPY (SELECT * EXCLUDE (task) FROM read_json_auto('{log}') "
            f"WHERE hash(request_id) % 2 = {part}) "
            f"TO '{target}' ({options})"
        )

    pushed_like_the_file(cli, project, log, None, str(tmp_path / f"export-*.{kind}"))


def test_an_unknown_scheme_is_refused(cli: RunFn, project: Project) -> None:
    run = cli("report", "usage", "--source", "mysql://root:hunter2hunter2@db/x", cwd=project.root)

    assert run.exit_code == 2 and "mysql://" in run.stderr and "hunter2" not in run.stderr


def test_a_window_is_filtered_in_the_database_on_its_time_index(
    cli: RunFn, project: Project, postgres: Postgres, tmp_path: Path
) -> None:
    from hybridctl.usage.sql.postgres import litellm_query

    rows = spend_rows(seed=13)
    load_postgres(postgres.url(), rows)
    log = write_litellm_jsonl(tmp_path / "spend.jsonl", rows)
    window = ("--since", "2026-11-21T00:00Z", "--until", "2026-11-22T00:00Z")
    by = ("role", "variant")

    from_db = pushed_like_the_file(cli, project, log, "litellm", postgres.url(), *window, by=by)
    inside = [
        r
        for r in rows
        if datetime(2026, 11, 21, tzinfo=timezone.utc)
        <= r["startTime"]
        < datetime(2026, 11, 22, tzinfo=timezone.utc)
    ]
    assert from_db.json()["total"]["requests"] == len(inside)
    since, until = datetime(2026, 11, 21, tzinfo=timezone.utc), datetime(2026, 11, 22, tzinfo=timezone.utc)
    query, params = litellm_query((since, until), (since, until))
    assert '"startTime" >= %s' in query and '"startTime" < %s' in query and len(params) == 4
    import psycopg

    with psycopg.connect(postgres.url()) as connection:  # the server reads the window through the index
        connection.execute("SET enable_seqscan = off")
        plan = "\n".join(r[0] for r in connection.execute("EXPLAIN " + query, params).fetchall())
    assert "LiteLLM_SpendLogs_startTime_idx" in plan


def test_tls_is_verified_unless_the_url_says_otherwise() -> None:
    from hybridctl.usage.sql.postgres import verified

    assert verified("postgresql://u@db.internal/litellm").endswith("?sslmode=verify-full&sslrootcert=system")
    assert verified("postgresql://u@db.internal/l?application_name=x").endswith(
        "&sslmode=verify-full&sslrootcert=system"
    )
    assert (
        verified("postgresql://u@db.internal/l?sslmode=require")
        == "postgresql://u@db.internal/l?sslmode=require"
    )
    assert verified("postgresql://u@127.0.0.1:5432/l") == "postgresql://u@127.0.0.1:5432/l"


def test_a_query_past_its_time_is_cancelled_by_the_server(
    cli: RunFn, project: Project, postgres: Postgres
) -> None:
    import psycopg

    with psycopg.connect(postgres.url(), autocommit=True) as connection:  # a table that reads slowly
        connection.execute('DROP TABLE IF EXISTS "LiteLLM_SpendLogs"')
        connection.execute('DROP VIEW IF EXISTS "LiteLLM_SpendLogs"')
        connection.execute(LITELLM_SPEND_LOGS.replace('"LiteLLM_SpendLogs"', "spend_logs_data"))
        connection.execute(
            'INSERT INTO spend_logs_data (request_id, call_type, "startTime", "endTime") '
            "VALUES ('a', 'c', now(), now()), ('b', 'c', now(), now())"
        )
        connection.execute(
            'CREATE VIEW "LiteLLM_SpendLogs" AS SELECT * FROM spend_logs_data WHERE pg_sleep(5) IS NOT NULL'
        )

    run = cli(
        "report",
        "usage",
        "--source",
        postgres.url(),
        cwd=project.root,
        env={"HYBRIDCTL_SOURCE_TIMEOUT": "0.5"},
    )

    with psycopg.connect(postgres.url(), autocommit=True) as connection:
        connection.execute('DROP VIEW "LiteLLM_SpendLogs"')
        connection.execute("DROP TABLE spend_logs_data")
    assert run.exit_code == 2 and "longer than 0.5 s and was cancelled" in run.stderr
    assert "HYBRIDCTL_SOURCE_TIMEOUT" in run.stderr
