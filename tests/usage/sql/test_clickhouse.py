"""Langfuse's observations in ClickHouse: the report's query runs on
ClickHouse's engine (chdb, behind a server speaking its HTTP interface) and
gives the figures hybridctl's file reader gives on the same generations, read
from Langfuse's API shape; replaced and deleted rows and non-generations are
left out as Langfuse means them."""

from __future__ import annotations

import json
import random
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from tests.helpers import Project, RunFn
from tests.usage.sql.clickhouse_server import KEY, OBSERVATIONS, USER, ClickHouseServer
from tests.usage.sql.test_sources import pushed_like_the_file

T0 = datetime(2026, 11, 20, 8, 0, tzinfo=timezone.utc)


@pytest.fixture(scope="module")
def clickhouse() -> Iterator[ClickHouseServer]:
    server = ClickHouseServer()
    server.run("CREATE DATABASE IF NOT EXISTS langfuse")
    server.run("USE langfuse")
    server.run(OBSERVATIONS)
    yield server
    server.close()


def generations(count: int = 400, seed: int = 11) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    made = []
    for n in range(count):
        start = T0 + timedelta(minutes=9 * n, milliseconds=rng.randrange(1000))
        variant = "candidate" if n % 4 == 0 else "stable"
        model = "gemini-2.5-flash-lite" if variant == "candidate" else "glm-4.5"
        usage = {"input": rng.randrange(100, 4000), "output": rng.randrange(10, 800)}
        if rng.random() < 0.4:
            usage["cache_read_input_tokens"] = rng.randrange(1, 500)
        made.append(
            {
                "id": f"obs-{n}",
                "start": start,
                "end": start + timedelta(milliseconds=rng.randrange(200, 7000)),
                "model": model,
                "usage": usage,
                "cost": round(rng.uniform(0.0001, 0.01), 9),
                "level": "ERROR" if rng.random() < 0.05 else "DEFAULT",
                "metadata": {
                    "role": rng.choice(["critic", "implementer"]),
                    "variant": variant,
                    "provider": "zai",
                },
            }
        )
    return made


def _ch_time(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M:%S.%f")[:-3]


def load(server: ClickHouseServer, rows: list[dict[str, Any]]) -> None:
    server.run("TRUNCATE TABLE observations")
    values = []
    for r in rows:
        usage = ", ".join(f"'{k}': {v}" for k, v in r["usage"].items())
        meta = ", ".join(f"'{k}': '{v}'" for k, v in r["metadata"].items())
        start, end = _ch_time(r["start"]), _ch_time(r["end"])
        for version in (0, 1):  # the first write of each, then its final form
            cost = "NULL" if version == 0 else repr(r["cost"])
            written = _ch_time(r["start"] + timedelta(seconds=version))
            values.append(
                f"('{r['id']}', 'GENERATION', '{start}', '{end}', {{{meta}}}, '{r['level']}', "
                f"'{r['model']}', {{{usage}}}, {cost}, '{written}', 0)"
            )
    columns = (
        "id, type, start_time, end_time, metadata, level, provided_model_name, usage_details, total_cost, "
        "event_ts, is_deleted"
    )
    server.run(f"INSERT INTO observations ({columns}) VALUES " + ", ".join(values))
    at, later = _ch_time(T0), _ch_time(T0 + timedelta(hours=1))
    server.run(  # a span, and a generation deleted since: neither is a request
        f"INSERT INTO observations ({columns}) VALUES "
        f"('span-1', 'SPAN', '{at}', NULL, {{}}, 'DEFAULT', NULL, {{}}, NULL, '{at}', 0), "
        f"('gone', 'GENERATION', '{at}', NULL, {{}}, 'DEFAULT', 'glm-4.5', {{'input': 9}}, NULL, "
        f"'{later}', 1)"
    )


def write_api_export(path: Path, rows: list[dict[str, Any]]) -> Path:
    """The same generations as Langfuse's public API returns them."""

    def stamp(moment: datetime) -> str:
        return moment.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"

    with path.open("w") as out:
        for r in rows:
            record = {
                "id": r["id"],
                "traceId": "t",
                "type": "GENERATION",
                "startTime": stamp(r["start"]),
                "endTime": stamp(r["end"]),
                "model": r["model"],
                "usageDetails": r["usage"],
                "calculatedTotalCost": r["cost"],
                "level": r["level"],
                "metadata": r["metadata"],
            }
            out.write(json.dumps(record) + "\n")
    return path


def url(server: ClickHouseServer, key: str = KEY) -> str:
    return f"clickhouse://{USER}:{key}@127.0.0.1:{server.url.rsplit(':', 1)[1]}/langfuse"


def test_langfuse_observations_give_the_file_readers_figures(
    cli: RunFn, project: Project, clickhouse: ClickHouseServer, tmp_path: Path
) -> None:
    rows = generations()
    load(clickhouse, rows)
    export = write_api_export(tmp_path / "observations.jsonl", rows)

    pushed = pushed_like_the_file(cli, project, export, "langfuse", url(clickhouse))
    total = pushed.json()["total"]
    assert total["requests"] == len(rows)  # the replaced versions, the span and the deleted row left out
    assert total["cost"] == pytest.approx(sum(r["cost"] for r in rows), abs=1e-6)
    assert "FINAL" in clickhouse.queries[-1] and "type = 'GENERATION'" in clickhouse.queries[-1]
    assert KEY not in pushed.stdout + pushed.stderr


def test_a_refused_key_is_named_without_it(
    cli: RunFn, project: Project, clickhouse: ClickHouseServer
) -> None:
    wrong = "wrong-" + KEY
    run = cli("report", "usage", "--source", url(clickhouse, wrong), cwd=project.root)

    assert run.exit_code == 2 and "Authentication failed" in run.stderr
    assert wrong not in run.stdout + run.stderr


def helicone_requests(count: int = 300, seed: int = 4) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    made = []
    for n in range(count):
        variant = "candidate" if n % 5 == 0 else "stable"
        made.append(
            {
                "id": f"00000000-0000-0000-0000-{n:012d}",
                "at": T0 + timedelta(minutes=11 * n, milliseconds=rng.randrange(1000)),
                "status": 429 if rng.random() < 0.05 else 200,
                "latency": rng.randrange(150, 8000),
                "prompt": rng.randrange(100, 3000),
                "read": rng.randrange(0, 400) if rng.random() < 0.3 else 0,
                "write": rng.randrange(0, 200) if rng.random() < 0.1 else 0,
                "completion": rng.randrange(5, 600),
                "model": "gemini-2.5-flash-lite" if variant == "candidate" else "glm-4.5",
                "cost_nano": rng.randrange(10_000, 9_000_000),
                "properties": {"Role": rng.choice(["critic", "orchestrator"]), "variant": variant},
            }
        )
    return made


def test_helicone_requests_give_the_file_readers_figures(
    cli: RunFn, project: Project, clickhouse: ClickHouseServer, tmp_path: Path
) -> None:
    from tests.usage.sql.clickhouse_server import REQUEST_RESPONSE_RMT

    clickhouse.run("CREATE DATABASE IF NOT EXISTS helicone")
    clickhouse.run("USE helicone")
    for statement in REQUEST_RESPONSE_RMT:
        clickhouse.run(statement)
    rows = helicone_requests()
    values = []
    for r in rows:
        props = ", ".join(f"'{k}': '{v}'" for k, v in r["properties"].items())
        for version in (0, 1):  # written twice, the second a later version of the same row
            written = _ch_time(r["at"] + timedelta(seconds=version))
            values.append(
                f"('{r['id']}', '{_ch_time(r['at'])}', {r['status']}, {r['latency']}, {r['prompt']}, "
                f"{r['read']}, {r['write']}, {r['completion']}, '{r['model']}', 'zai', {{{props}}}, "
                f"{r['cost_nano']}, '00000000-0000-0000-0000-000000000001', '{written}')"
            )
    clickhouse.run(
        "INSERT INTO request_response_rmt (request_id, request_created_at, status, latency, "
        "prompt_tokens, prompt_cache_read_tokens, prompt_cache_write_tokens, completion_tokens, model, "
        "provider, properties, cost, organization_id, updated_at) VALUES " + ", ".join(values)
    )
    export = tmp_path / "helicone.jsonl"
    with export.open("w") as out:
        for r in rows:
            record = {
                "request_id": r["id"],
                "request_created_at": r["at"].strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z",
                "response_status": r["status"],
                "delay_ms": r["latency"],
                "prompt_tokens": r["prompt"],
                "prompt_cache_read_tokens": r["read"],
                "prompt_cache_write_tokens": r["write"],
                "completion_tokens": r["completion"],
                "model": r["model"],
                "provider": "zai",
                "request_properties": r["properties"],
                "cost": r["cost_nano"] / 1e9,
            }
            out.write(json.dumps(record) + "\n")
    source = url(clickhouse).replace("/langfuse", "/helicone") + "?table=request_response_rmt"

    pushed = pushed_like_the_file(cli, project, export, "helicone", source)
    assert pushed.json()["total"]["requests"] == len(rows)
    assert pushed.json()["total"]["cost"] == pytest.approx(sum(r["cost_nano"] for r in rows) / 1e9, abs=1e-6)


def test_litellm_clickhouse_spend_logs_give_the_file_readers_figures(
    cli: RunFn, project: Project, clickhouse: ClickHouseServer, tmp_path: Path
) -> None:
    from tests.usage.sql.clickhouse_server import LITELLM_SPEND_LOGS
    from tests.usage.sql.test_sources import spend_rows

    clickhouse.run("CREATE DATABASE IF NOT EXISTS litellm")
    clickhouse.run("USE litellm")
    clickhouse.run(LITELLM_SPEND_LOGS)
    rows = spend_rows(count=300, seed=21)
    for r in rows:  # ClickHouse's DateTime keeps seconds; the status lives in metadata here
        r["startTime"] = r["startTime"].replace(microsecond=0)
        r["endTime"] = r["endTime"].replace(microsecond=0)
        r["metadata"] = {**r["metadata"], "status": r.pop("status")}
        r.pop("model_group"), r.pop("custom_llm_provider")
    second = "%Y-%m-%d %H:%M:%S"
    values = [
        f"('{r['request_id']}', 'acompletion', '', {r['spend']!r}, {r['total_tokens']}, "
        f"{r['prompt_tokens']}, {r['completion_tokens']}, '{r['startTime']:{second}}', "
        f"'{r['endTime']:{second}}', '{r['model']}', '', '{json.dumps(r['metadata'])}', '', '', "
        f"'{json.dumps(r['request_tags'])}')"
        for r in rows
    ]
    clickhouse.run("INSERT INTO spend_logs VALUES " + ", ".join(values))
    export = tmp_path / "spend.jsonl"
    with export.open("w") as out:
        for r in rows:
            stamped = {k: f"{r[k]:%Y-%m-%dT%H:%M:%S}Z" for k in ("startTime", "endTime")}
            out.write(json.dumps({**r, **stamped}) + "\n")
    source = url(clickhouse).replace("/langfuse", "/litellm") + "?table=spend_logs"

    pushed = pushed_like_the_file(cli, project, export, "litellm", source)
    assert pushed.json()["total"]["requests"] == len(rows)
    assert pushed.json()["total"]["error_rate"] == pytest.approx(
        sum(r["metadata"]["status"] == "failure" for r in rows) / len(rows)
    )
