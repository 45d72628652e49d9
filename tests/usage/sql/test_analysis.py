"""[metrics] provider = "sql": rollout reconcile measures the step in the
database where the gateway's spend logs live (a real PostgreSQL)."""

from __future__ import annotations

import random
from datetime import datetime, timedelta, timezone
from typing import Any

from tests.helpers import Project, RunFn
from tests.usage.sql.postgres_server import PASSWORD, Postgres
from tests.usage.sql.test_sources import load_postgres

CHEAP = "gemini-2.5-flash-lite"


def traffic(start: datetime, count: int, error_rate: float, seed: int = 3) -> list[dict[str, Any]]:
    """The critic's requests through the gateway: a tenth on the candidate."""
    rng = random.Random(seed)
    rows = []
    for n in range(count):
        variant = "candidate" if n % 10 == 0 else "stable"
        model = CHEAP if variant == "candidate" else "glm-4.5"
        failed = rng.random() < error_rate
        moment = start + timedelta(milliseconds=10 * n)
        rows.append(
            {
                "request_id": f"r-{n}",
                "call_type": "acompletion",
                "spend": (0.0002 if variant == "candidate" else 0.0016) if not failed else 0.0,
                "prompt_tokens": 1000,
                "completion_tokens": 0 if failed else 200,
                "total_tokens": 1200,
                "startTime": moment,
                "endTime": moment + timedelta(milliseconds=800),
                "model": model,
                "model_group": "critic",
                "custom_llm_provider": "google" if variant == "candidate" else "zai",
                "metadata": {},
                "request_tags": ["role:critic", f"variant:{variant}"],
                "status": "failure" if failed else "success",
            }
        )
    return rows


def test_reconcile_measures_the_step_in_the_database(
    cli: RunFn, project: Project, postgres: Postgres
) -> None:
    def change(config: dict[str, Any]) -> None:
        config["roles"]["critic"]["primary"] = CHEAP
        config["rollout"] = {"steps": [{"weight": 10, "minSoakHours": 0}], "analysis": {"intervalSeconds": 0}}

    project.edit_config(change)
    (project.root / "hybridctl.toml").write_text(f'[metrics]\nprovider = "sql"\nurl = "{postgres.url()}"\n')
    assert cli("stage", "-r", "critic on flash lite", cwd=project.root).exit_code == 0
    started = cli("rollout", "reconcile", "--json", cwd=project.root)
    load_postgres(postgres.url(), traffic(datetime.now(timezone.utc) + timedelta(seconds=1), 30_000, 0.005))

    measured = cli("rollout", "reconcile", "--json", cwd=project.root)

    assert started.json()["outcome"] == "promoted"
    data = measured.json()
    gates = data["measurement"]["gates"]
    assert gates["source"] == f"sql postgresql://127.0.0.1:{postgres.port}/postgres"
    assert gates["candidate"]["requests"] == 3000 and gates["stable"]["requests"] == 27_000
    assert data["measurement"]["verdict"] == "go" and data["outcome"] == "completed", data["summary"]
    assert PASSWORD not in measured.stdout + measured.stderr
    stored = b"".join(p.read_bytes() for p in project.store.rglob("*") if p.is_file())
    assert PASSWORD.encode() not in stored
