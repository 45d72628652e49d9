"""How close does a pushed-down report come to the engine's own time?

`hybridctl report usage --source URL` compiles one GROUP BY for the engine and
brings back only the aggregates. Measured here, in one run, against the same
GROUP BY run directly by the engine's own client:

- PostgreSQL: a real server (started here, as the tests start it) holding
  LiteLLM's LiteLLM_SpendLogs with ``--rows`` rows; the reference is `psql`
  running the query hybridctl sends;
- DuckDB: the same rows as Parquet; the reference is DuckDB running the query.

Each is timed ``--rounds`` times, alternating; the median is printed with the
ratio (goal: at most 1.2x) and hybridctl's peak memory at two sizes (it must
not grow with the rows).

    python benchmarks/sources.py [--rows 2000000] [--rounds 2]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from hybridctl.usage.sql.files import columns_for  # noqa: E402
from hybridctl.usage.sql.postgres import litellm_query  # noqa: E402
from hybridctl.usage.sql.query import DUCKDB, compile_query  # noqa: E402
from tests.usage.sql.postgres_server import LITELLM_SPEND_LOGS, binaries, start, stop  # noqa: E402

HYBRIDCTL = [sys.executable, "-m", "hybridctl"]
FILL = """
INSERT INTO "LiteLLM_SpendLogs" (request_id, call_type, spend, prompt_tokens, completion_tokens, total_tokens,
  "startTime", "endTime", model, model_group, custom_llm_provider, metadata, request_tags, status)
SELECT 'r' || n, 'acompletion', (n % 97) / 10000.0, 500 + n % 3000, 50 + n % 700, 550 + n % 3700,
  timestamp '2026-11-01' + n * interval '250 milliseconds',
  timestamp '2026-11-01' + n * interval '250 milliseconds' + (200 + n % 5000) * interval '1 millisecond',
  (ARRAY['glm-4.5', 'gemini-2.5-flash-lite', 'claude-4.1-opus'])[1 + n % 3], 'critic', 'zai',
  jsonb_build_object('usage_object', jsonb_build_object('prompt_tokens_details',
    jsonb_build_object('cached_tokens', n % 200))),
  jsonb_build_array('role:' || (ARRAY['architect', 'critic', 'implementer', 'orchestrator'])[1 + n % 4],
    'variant:' || CASE WHEN n % 10 = 0 THEN 'candidate' ELSE 'stable' END),
  CASE WHEN n % 50 = 0 THEN 'failure' ELSE 'success' END
FROM generate_series(1, %d) AS n
"""


PEAK = (
    "import resource, subprocess, sys; subprocess.run(sys.argv[1:], check=True, capture_output=True); "
    "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)"
)


def timed(command: list[str], env: dict[str, str]) -> tuple[float, int]:
    """Seconds and the command's own peak memory (KiB), measured by a parent of its own."""
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", PEAK, *command], check=True, capture_output=True, env=env, text=True
    )
    return time.perf_counter() - started, int(done.stdout.strip().splitlines()[-1])


def psql_command(port: int, query: str, params: list[object]) -> list[str]:
    binary = binaries()
    assert binary is not None
    literal = query
    for value in params:
        literal = literal.replace("%s", f"'{value}'", 1)
    return [
        str(binary / "psql"),
        "-h",
        "127.0.0.1",
        "-p",
        str(port),
        "-U",
        "postgres",
        "-d",
        "postgres",
        "-q",
        "-o",
        "/dev/null",
        "-c",
        literal,
    ]


def fill(url: str, rows: int) -> None:
    import psycopg

    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute('DROP TABLE IF EXISTS "LiteLLM_SpendLogs"')
        connection.execute(LITELLM_SPEND_LOGS)
        connection.execute(FILL.replace("%d", str(rows)))
        connection.execute('VACUUM ANALYZE "LiteLLM_SpendLogs"')


def compare(
    name: str, ours: list[str], theirs: list[str], env: dict[str, str], rounds: int
) -> tuple[float, int]:
    mine, reference, memory = [], [], 0
    for _ in range(rounds):
        took, peak = timed(ours, env)
        mine.append(took)
        memory = max(memory, peak)
        reference.append(timed(theirs, env)[0])
    a, b = statistics.median(mine), statistics.median(reference)
    shown = f"hybridctl {a:7.2f} s   engine {b:7.2f} s   ratio {a / b:5.2f}x"
    print(f"{name:<34} {shown}   hybridctl's peak {memory / 1024:6.0f} MiB")
    return a / b, memory


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=2_000_000)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    if binaries() is None:
        print("PostgreSQL is not installed: apt-get install postgresql")
        return 1
    server = start()
    env = {**os.environ, "PGPASSWORD": "", "NO_COLOR": "1"}
    work = Path(tempfile.mkdtemp(prefix="hybridctl-bench-"))
    try:
        subprocess.run([*HYBRIDCTL, "init"], cwd=work, check=True, capture_output=True)
        os.chdir(work)
        url = server.url()
        env["PGPASSWORD"] = url.split(":")[2].split("@")[0]
        for rows in (args.rows // 10, args.rows):
            fill(url, rows)
            query, params = litellm_query(())
            ours = [*HYBRIDCTL, "report", "usage", "--source", url, "--by", "role,model,variant", "--json"]
            compare(
                f"PostgreSQL, {rows:,} rows", ours, psql_command(server.port, query, params), env, args.rounds
            )
            parquet = work / "spend.parquet"
            export_parquet(rows, parquet)
            import duckdb

            described = duckdb.connect().execute(f"DESCRIBE SELECT * FROM read_parquet('{parquet}')")
            present = [r[0] for r in described.fetchall()]
            duck_query, _ = compile_query(columns_for(present), f"read_parquet('{parquet}')", DUCKDB, ())
            script = f"import duckdb; duckdb.connect().execute({json.dumps(duck_query)}).fetchall()"
            ours = [
                *HYBRIDCTL,
                "report",
                "usage",
                "--source",
                str(parquet),
                "--by",
                "role,model,variant",
                "--json",
            ]
            compare(
                f"Parquet (DuckDB), {rows:,} rows", ours, [sys.executable, "-c", script], env, args.rounds
            )
    finally:
        stop(server)
    return 0


def export_parquet(rows: int, target: Path) -> None:
    """The same rows as usage events in Parquet (the hybridctl event format), made by DuckDB."""
    import duckdb

    duckdb.connect().execute(
        f"""COPY (SELECT timestamp '2026-11-01' + n * interval 250 millisecond AS time,
              (['glm-4.5', 'gemini-2.5-flash-lite', 'claude-4.1-opus'])[1 + n % 3] AS model,
              500 + n % 3000 AS input_tokens, 50 + n % 700 AS output_tokens, n % 200 AS cached_tokens,
              (n % 97) / 10000.0 AS cost, CASE WHEN n % 50 = 0 THEN 'failure' ELSE 'ok' END AS status,
              200 + n % 5000 AS latency_ms,
              (['architect', 'critic', 'implementer', 'orchestrator'])[1 + n % 4] AS role,
              CASE WHEN n % 10 = 0 THEN 'candidate' ELSE 'stable' END AS variant
            FROM range(1, {rows + 1}) t(n)) TO '{target}' (FORMAT parquet)"""
    )


if __name__ == "__main__":
    sys.exit(main())
