"""hybridctl report and hybridctl prices: every figure against numbers computed
here, independently, from the events the test writes."""

from __future__ import annotations

import csv
import io
import json
from collections import defaultdict
from datetime import datetime, timedelta, timezone
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

from hybridctl.rollout.promotion import promote
from hybridctl.rollout.rollback import rollback
from hybridctl.rollout.staging import stage
from tests.helpers import READERS, Project, RunFn, simulated_events, usage_events, write_usage
from tests.usage.helpers import nearest_rank, price


@pytest.fixture
def usage(project: Project) -> tuple[Path, list[dict[str, Any]]]:
    events = simulated_events(3000)
    path = project.root / "usage.jsonl"
    path.write_text("".join(json.dumps(e) + "\n" for e in events))
    return path, events


@pytest.mark.parametrize("reader", READERS)
def test_usage_report_by_role_and_model(
    cli: RunFn, project: Project, usage: tuple[Path, list[Any]], reader: str
) -> None:
    path, events = usage

    report = cli(
        "report",
        "usage",
        str(path),
        "--by",
        "role,model",
        "--format",
        "json",
        cwd=project.root,
        env={"HYBRIDCTL_READER": reader},
    ).json()

    groups: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
    for event in events:
        groups[(event["role"], event["model"])].append(event)
    rows = {(r["role"], r["model"]): r for r in report["rows"]}
    assert set(rows) == set(groups)
    for key, members in groups.items():
        row = rows[key]
        latencies = [e["latency_ms"] / 1000 for e in members]
        assert row["requests"] == len(members)
        assert row["input_tokens"] == sum(e["input_tokens"] for e in members)
        assert row["output_tokens"] == sum(e["output_tokens"] for e in members)
        assert row["cost"] == pytest.approx(sum(price(key[1], e) for e in members), abs=1e-6)
        assert row["error_rate"] == pytest.approx(sum(e["status"] != "ok" for e in members) / len(members))
        for q, name in ((0.5, "p50_latency_s"), (0.95, "p95_latency_s"), (0.99, "p99_latency_s")):
            assert row[name] == pytest.approx(nearest_rank(latencies, q), rel=0.01)
    assert report["total"]["requests"] == 3000
    assert report["total"]["cost"] == pytest.approx(sum(price(e["model"], e) for e in events), abs=1e-5)
    assert report["input"]["events"] == 3000 and report["input"]["bad_lines"] == 0
    assert report["input"]["reader"] == reader


def test_format_shortcut_flags(cli: RunFn, project: Project, usage: tuple[Path, list[Any]]) -> None:
    path, _ = usage
    long = cli("report", "usage", str(path), "--format", "csv", cwd=project.root).stdout

    assert cli("report", "usage", str(path), "--csv", cwd=project.root).stdout == long
    assert cli("report", "savings", str(path), "--json", cwd=project.root).json()["version"] == 1
    both = cli("report", "usage", str(path), "--json", "--csv", cwd=project.root)
    assert both.exit_code == 2 and "choose one output format, not --json and --csv" in both.stderr
    assert both.stdout == ""


def test_filters_windows_and_days(cli: RunFn, project: Project, usage: tuple[Path, list[Any]]) -> None:
    path, events = usage
    since = "2026-11-21T00:00:00Z"

    report = cli(
        "report",
        "usage",
        str(path),
        "--by",
        "day,variant",
        "--since",
        since,
        "--role",
        "critic",
        "--format",
        "json",
        cwd=project.root,
    ).json()

    counted: dict[tuple[str, str], int] = defaultdict(int)
    for event in events:
        if event["role"] == "critic" and event["time"] >= "2026-11-21T00:00:00":
            counted[(event["time"][:10], event["variant"])] += 1
    assert {(r["day"], r["variant"]): r["requests"] for r in report["rows"]} == counted
    assert {d["day"] for d in report["daily_cost"]} == {"2026-11-21"}


@pytest.mark.parametrize(
    ("option", "typo", "meant"),
    [("--model", "glm4.5", "glm-4.5"), ("--role", "architekt", "architect"), ("--variant", "canary", None)],
)
def test_a_filter_that_matches_nothing_anyone_knows_is_a_usage_error_with_the_nearest_value(
    cli: RunFn, project: Project, usage: tuple[Path, list[Any]], option: str, typo: str, meant: str | None
) -> None:
    path, _ = usage

    run = cli("report", "usage", str(path), option, typo, cwd=project.root)

    assert run.exit_code == 2 and run.stdout == ""
    assert f"{option} {typo} matches no request read and no" in run.stderr
    assert (f"did you mean '{meant}'?" if meant else "seen: candidate, stable") in run.stderr


def test_a_known_value_that_matched_no_request_is_said(cli: RunFn, project: Project) -> None:
    start = datetime(2026, 11, 20, tzinfo=timezone.utc)
    path = write_usage(project.root / "glm-only.jsonl", usage_events("stable", 20, start=start))
    unused = "gemini-2.5-flash-lite"  # in the catalog, never in this log

    text = cli("report", "usage", str(path), "--model", unused, cwd=project.root)
    as_json = cli("report", "usage", str(path), "--model", unused, "--json", cwd=project.root)

    assert text.exit_code == as_json.exit_code == 0
    assert f"--model {unused} matched no request" in text.stdout
    assert as_json.json()["unmatched_filters"] == [f"--model {unused} matched no request"]
    assert as_json.json()["total"]["requests"] == 0


def test_savings_against_all_premium_and_the_targets(
    cli: RunFn, project: Project, usage: tuple[Path, list[Any]]
) -> None:
    path, events = usage

    report = cli("report", "savings", str(path), "--format", "json", cwd=project.root).json()

    actual = sum(price(e["model"], e) for e in events)
    baseline = sum(price("claude-4.1-opus", e) for e in events)
    assert report["baseline_model"] == "claude-4.1-opus"
    assert report["total"]["actual_cost"] == pytest.approx(actual, abs=1e-5)
    assert report["total"]["baseline_cost"] == pytest.approx(baseline, abs=1e-5)
    assert report["total"]["savings"] == pytest.approx(1 - actual / baseline)
    checks = {c["name"]: c for c in report["checks"]}
    premium = sum(e["model"] == "claude-4.1-opus" for e in events) / len(events)
    escalated = sum(e["escalated"] for e in events) / len(events)
    assert checks["premium share"]["observed"] == pytest.approx(premium)
    assert checks["escalation rate"]["observed"] == pytest.approx(escalated)
    assert checks["cost savings vs all-premium"]["ok"] is True
    # the candidate (critic on Flash Lite) against stable, for the same workload
    cells: dict[str, dict[tuple[str, bool], list[float]]] = {"stable": {}, "candidate": {}}
    for e in events:
        cell = cells[e["variant"]].setdefault((e["role"], e["escalated"]), [0, 0.0])
        cell[0] += 1
        cell[1] += price(e["model"], e)
    shared = [c for c in cells["stable"] if c in cells["candidate"]]
    weight = {c: cells["stable"][c][0] + cells["candidate"][c][0] for c in shared}
    stable_cost = sum(weight[c] * cells["stable"][c][1] / cells["stable"][c][0] for c in shared)
    candidate_cost = sum(weight[c] * cells["candidate"][c][1] / cells["candidate"][c][0] for c in shared)
    assert report["variants"]["savings_same_workload"] == pytest.approx(1 - candidate_cost / stable_cost)


def test_budget_periods_projection_and_exit_code(cli: RunFn, project: Project) -> None:
    def spend(day: str, cost: float) -> dict[str, Any]:
        return {"time": f"{day}T12:00:00Z", "model": "glm-4.5", "input_tokens": 1, "cost": cost}

    days = {
        "2026-11-02": 40.0,
        "2026-11-16": 30.0,
        "2026-11-17": 20.0,
        "2026-11-18": 45.0,
        "2026-10-31": 99.0,
    }
    path = project.root / "spend.jsonl"
    path.write_text("".join(json.dumps(spend(d, c)) + "\n" for d, c in days.items()))
    as_of = "2026-11-18T12:00:00Z"

    run = cli("report", "budget", str(path), "--as-of", as_of, "--format", "json", cwd=project.root)

    report = run.json()
    periods = {p["period"]: p for p in report["periods"]}
    assert periods["day"]["spend"] == pytest.approx(45.0)  # budget 50: a warning, not over
    assert periods["week"]["spend"] == pytest.approx(95.0)  # Monday 16th to the 18th
    assert periods["month"]["spend"] == pytest.approx(135.0)  # October is not counted
    assert report["projected_month_end"] == pytest.approx(135.0 / 17.5 * 30)
    assert run.exit_code == 0 and report["over_budget"] is False
    assert any("day spend $45.00 is 90%" in a for a in report["alerts"])

    days["2026-11-18"] = 61.0
    path.write_text("".join(json.dumps(spend(d, c)) + "\n" for d, c in days.items()))
    over = cli("report", "budget", str(path), "--as-of", as_of, cwd=project.root)
    assert over.exit_code == 1 and "over" in over.stdout


def test_unpriced_models_are_listed_never_counted_as_free(cli: RunFn, project: Project) -> None:
    events = [
        {
            "time": "2026-11-21T10:00:00Z",
            "model": "mystery-model",
            "input_tokens": 1000,
            "output_tokens": 100,
        },
        {
            "time": "2026-11-21T10:00:01Z",
            "model": "vendor/other:free",
            "input_tokens": 1000,
            "output_tokens": 100,
        },
        {
            "time": "2026-11-21T10:00:02Z",
            "model": "openrouter/z-ai/glm-4.5",
            "input_tokens": 1000,
            "output_tokens": 100,
        },
    ]
    path = write_usage(project.root / "u.jsonl", events)

    report = cli("report", "usage", str(path), "--by", "model", "--format", "json", cwd=project.root).json()
    text = cli("report", "usage", str(path), cwd=project.root).stdout

    rows = {r["model"]: r for r in report["rows"]}
    assert rows["mystery-model"]["unpriced_requests"] == 1 and rows["mystery-model"]["cost"] == 0
    assert rows["vendor/other:free"]["unpriced_requests"] == 0 and rows["vendor/other:free"]["cost"] == 0
    # Grouped under its catalog id, whatever name the log used.
    assert rows["glm-4.5"]["cost"] == pytest.approx((1000 * 0.6 + 100 * 2.2) / 1e6)
    assert report["unpriced_models"] == {"mystery-model": 1}
    assert "unpriced (counted in requests, left out of every cost and saving): mystery-model (1)" in text


def test_recorded_costs_win_unless_recompute(cli: RunFn, project: Project) -> None:
    path = write_usage(
        project.root / "u.jsonl",
        [
            {
                "time": "2026-11-21T10:00:00Z",
                "model": "glm-4.5",
                "input_tokens": 1000,
                "output_tokens": 0,
                "cost": 5.0,
            }
        ],
    )

    recorded = cli("report", "usage", str(path), "--format", "json", cwd=project.root).json()
    recomputed = cli("report", "usage", str(path), "--recompute", "--format", "json", cwd=project.root).json()

    assert recorded["total"]["cost"] == 5.0
    assert recomputed["total"]["cost"] == pytest.approx(0.0006)


def test_bad_lines_are_reported_and_strict_makes_them_fatal(cli: RunFn, project: Project) -> None:
    path = project.root / "u.jsonl"
    path.write_text(
        '{"model": "glm-4.5", "input_tokens": 1}\n{oops\n{"model": "glm-4.5", "input_tokens": -5}\n'
    )

    report = cli("report", "usage", str(path), "--format", "json", cwd=project.root).json()
    text = cli("report", "usage", str(path), cwd=project.root).stdout
    strict = cli("report", "usage", str(path), "--strict", cwd=project.root)

    assert report["input"]["bad_lines"] == 2
    assert [(b["line"], b["message"][:8]) for b in report["input"]["first_bad_lines"]] == [
        (2, "not JSON"),
        (3, "input_to"),
    ]
    assert "2 bad line(s) skipped and counted" in text and "u.jsonl:2: not JSON" in text
    assert strict.exit_code == 1 and "u.jsonl:2: not JSON" in strict.stderr


def test_rollout_report_timeline_gates_and_each_step(cli: RunFn, project: Project) -> None:
    t0 = datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc)
    project.edit_config(lambda c: c["roles"]["critic"].update(primary="gemini-2.5-flash-lite"))
    workspace = project.workspace()
    stage(workspace, reason="critic on flash lite", now=t0 - timedelta(hours=1))
    promote(workspace, now=t0)
    step_1 = usage_events("stable", 300, start=t0) + usage_events(
        "candidate", 250, start=t0, model="gemini-2.5-flash-lite"
    )
    usage = write_usage(project.root / "usage.jsonl", step_1)
    promote(workspace, usage=[usage], now=t0 + timedelta(hours=25))
    later = t0 + timedelta(hours=25)
    step_2 = usage_events("stable", 100, start=later, errors=10) + usage_events(
        "candidate", 90, start=later, model="gemini-2.5-flash-lite", quality=4.0
    )
    write_usage(usage, step_1, step_2)
    rollback(workspace, reason="errors", now=t0 + timedelta(hours=30))

    report = cli("report", "rollout", str(usage), "--format", "json", cwd=project.root).json()
    markdown = cli("report", "rollout", str(usage), "--format", "markdown", cwd=project.root).stdout

    steps = report["steps"]
    assert [s["action"] for s in steps] == ["stage", "promote", "promote", "rollback"]
    assert [s["to"]["weight"] for s in steps] == [0, 10, 50, 0]
    assert steps[2]["gates"]["verdict"] == "go"
    assert (
        steps[1]["usage"]["stable"]["requests"] == 300 and steps[1]["usage"]["candidate"]["requests"] == 250
    )
    assert steps[2]["usage"]["stable"]["error_rate"] == pytest.approx(0.1)
    assert steps[2]["usage"]["candidate"]["quality"] == 4.0
    assert steps[2]["usage"]["candidate"]["cost_per_request"] == pytest.approx((1000 * 0.1 + 200 * 0.4) / 1e6)
    assert report["candidate_revision"] == 2
    assert "| r4 | 2026-03-03 10:00 | promote | canary 10% -> canary 50% | go |" in markdown


def test_csv_markdown_and_a_self_contained_html_page(
    cli: RunFn, project: Project, usage: tuple[Path, list[Any]]
) -> None:
    path, events = usage
    page = project.root / "usage.html"

    rows = list(
        csv.DictReader(
            io.StringIO(
                cli(
                    "report",
                    "usage",
                    str(path),
                    "--by",
                    "model",
                    "--format",
                    "csv",
                    "--html",
                    str(page),
                    cwd=project.root,
                ).stdout
            )
        )
    )
    markdown = cli("report", "savings", str(path), "--format", "markdown", cwd=project.root).stdout

    assert {r["model"] for r in rows} == {e["model"] for e in events}
    assert sum(int(r["requests"]) for r in rows) == 3000
    assert markdown.startswith("# Savings against all-claude-4.1-opus")
    assert "| role | requests | unpriced | actual | all claude-4.1-opus | savings |" in markdown
    document = page.read_text()

    class Links(HTMLParser):
        def __init__(self) -> None:
            super().__init__()
            self.found: list[str] = []

        def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
            self.found += [value or "" for name, value in attrs if name in ("src", "href")]

    parser = Links()
    parser.feed(document)
    assert parser.found == [] and "<script" not in document  # nothing fetched, nothing run
    assert document.count("<svg") == 1 and document.count("<rect") == 2  # one bar per day


def test_cache_makes_the_second_report_read_no_events(
    cli: RunFn, project: Project, usage: tuple[Path, list[Any]], tmp_path: Path
) -> None:
    path, _ = usage
    env = {"HYBRIDCTL_CACHE_DIR": str(tmp_path / "cache")}

    first = cli("report", "usage", str(path), "--format", "json", cwd=project.root, env=env).json()
    second = cli("report", "usage", str(path), "--format", "json", cwd=project.root, env=env).json()
    uncached = cli(
        "report", "usage", str(path), "--no-cache", "--format", "json", cwd=project.root, env=env
    ).json()

    assert (first["input"]["reads"], second["input"]["reads"], uncached["input"]["reads"]) == (
        ["scan"],
        ["cache"],
        ["uncached"],
    )
    assert first["rows"] == second["rows"] == uncached["rows"]


def test_stdin_and_globs(hybridctl: RunFn, project: Project, usage: tuple[Path, list[Any]]) -> None:
    path, _ = usage
    (project.root / "logs").mkdir()
    text = path.read_text().splitlines(keepends=True)
    (project.root / "logs" / "a.jsonl").write_text("".join(text[:1000]))
    (project.root / "logs" / "b.jsonl").write_text("".join(text[1000:]))

    piped = hybridctl("report", "usage", "-", "--format", "json", cwd=project.root, stdin=path.read_text())
    globbed = hybridctl("report", "usage", "logs/*.jsonl", "--format", "json", cwd=project.root)
    missing = hybridctl("report", "usage", "nothing/*.jsonl", cwd=project.root)

    assert json.loads(piped.stdout)["total"]["requests"] == 3000
    assert json.loads(globbed.stdout)["total"]["requests"] == 3000
    assert piped.stderr == "" and globbed.stderr == ""  # no progress bar without a terminal
    assert missing.exit_code == 2 and "no usage file matches nothing/*.jsonl" in missing.stderr


LITELLM_MAP = {
    "sample_spec": {"input_cost_per_token": "0.0", "litellm_provider": "one of https://docs.litellm.ai/"},
    "glm-4.5": {"input_cost_per_token": 5e-07, "output_cost_per_token": 2e-06},
    "mistral/mistral-large-latest": {
        "input_cost_per_token": 2e-06,
        "output_cost_per_token": 6e-06,
        "litellm_provider": "mistral",
        "mode": "chat",
    },
    "deepseek/deepseek-chat": {
        "input_cost_per_token": 2.7e-07,
        "output_cost_per_token": 1.1e-06,
        "cache_read_input_token_cost": 7e-08,
    },
    "broken/per-million": {"input_cost_per_token": 3.0, "output_cost_per_token": 15.0},
    "dall-e-3": {"output_cost_per_image": 0.04, "mode": "image_generation"},
}


def test_prices_import_from_litellm_and_use(cli: RunFn, project: Project) -> None:
    source = project.root / "model_prices_and_context_window.json"
    source.write_text(json.dumps(LITELLM_MAP))

    run = cli("prices", "import", str(source), "--json", cwd=project.root)

    assert run.exit_code == 0
    result = run.json()
    assert result["imported"] == 2
    assert result["suspicious"] == [
        {"model": "broken/per-million", "field": "input_cost_per_token", "value": 3.0},
        {"model": "broken/per-million", "field": "output_cost_per_token", "value": 15.0},
    ]
    assert {s["model"]: s["why"] for s in result["skipped"]} == {
        "sample_spec": "not a model entry",
        "glm-4.5": "priced by the model catalog",
        "dall-e-3": "no per-token input and output prices",
    }
    overrides = json.loads((project.configs / "prices.json").read_text())["models"]
    assert overrides == {
        "deepseek/deepseek-chat": {
            "inputPerMillion": 0.27,
            "outputPerMillion": 1.1,
            "cacheReadPerMillion": 0.07,
        },
        "mistral/mistral-large-latest": {"inputPerMillion": 2.0, "outputPerMillion": 6.0},
    }
    events = write_usage(
        project.root / "u.jsonl",
        [
            {
                "time": "2026-11-21T10:00:00Z",
                "model": "deepseek-chat",
                "input_tokens": 1000,
                "output_tokens": 100,
            }
        ],
    )
    report = cli("report", "usage", str(events), "--format", "json", cwd=project.root).json()
    assert report["total"]["cost"] == pytest.approx((1000 * 0.27 + 100 * 1.1) / 1e6)
    listed = cli("prices", "list", "--json", cwd=project.root).json()["prices"]
    assert {
        "model": "deepseek/deepseek-chat",
        "id": "deepseek/deepseek-chat",
        "source": "overrides",
        "input_per_million": 0.27,
        "output_per_million": 1.1,
        "cache_read_per_million": 0.07,
        "cache_write_per_million": None,
    } in listed


def test_prices_import_refuses_what_is_not_a_price_map(cli: RunFn, project: Project) -> None:
    source = project.root / "x.json"
    source.write_text("[1, 2]")

    run = cli("prices", "import", str(source), cwd=project.root)

    assert run.exit_code == 2 and "cannot import" in run.stderr
    assert not (project.configs / "prices.json").exists()


def test_one_model_under_its_aliases_is_one_row_and_premium_by_any_name(cli: RunFn, project: Project) -> None:
    names = ["glm-4.5", "GLM-4.5", "z-ai/glm-4.5", "claude-opus-4-1", "anthropic/claude-opus-4.1"]
    events = [{"model": name, "role": "critic", "input_tokens": 100, "output_tokens": 10} for name in names]
    path = write_usage(project.root / "u.jsonl", events)

    usage = cli("report", "usage", str(path), "--by", "model", "--json", cwd=project.root).json()
    savings = cli("report", "savings", str(path), "--json", cwd=project.root).json()
    only = cli("report", "usage", str(path), "--model", "GLM 4.5", "--json", cwd=project.root).json()

    assert {r["model"]: r["requests"] for r in usage["rows"]} == {"glm-4.5": 3, "claude-4.1-opus": 2}
    assert usage["total"]["premium_share"] == pytest.approx(2 / 5)
    premium = next(c for c in savings["checks"] if c["name"] == "premium share")
    assert premium["observed"] == pytest.approx(2 / 5)
    assert only["total"]["requests"] == 3


def test_every_report_counts_the_same_requests_and_says_what_it_left_out(
    cli: RunFn, project: Project
) -> None:
    events = [{"model": "glm-4.5", "role": "critic", "input_tokens": 100, "output_tokens": 10}] * 39
    events += [{"model": "mystery", "role": "critic", "input_tokens": 100, "output_tokens": 10}]
    path = write_usage(project.root / "u.jsonl", events)

    usage = cli("report", "usage", str(path), "--json", cwd=project.root).json()
    savings = cli("report", "savings", str(path), "--json", cwd=project.root).json()
    text = cli("report", "savings", str(path), cwd=project.root).stdout

    assert usage["total"]["requests"] == savings["total"]["requests"] == 40
    assert savings["total"]["unpriced_requests"] == usage["total"]["unpriced_requests"] == 1
    assert savings["total"]["actual_cost"] == pytest.approx(39 * (100 * 0.6 + 10 * 2.2) / 1e6)
    assert "left out of every cost and saving): mystery (1)" in text


def test_a_file_without_usage_events_is_an_error_not_unpriced_requests(cli: RunFn, project: Project) -> None:
    run = cli("report", "usage", str(project.configs / "modes.yml"), cwd=project.root)

    assert run.exit_code == 2
    assert "holds no usage events" in run.stderr and "unpriced" not in run.stdout
    empty = project.root / "empty.jsonl"
    empty.write_text("")
    assert cli("report", "usage", str(empty), cwd=project.root).exit_code == 0


def test_budget_as_of_a_moment_leaves_out_what_was_spent_after_it(cli: RunFn, project: Project) -> None:
    def spend(time: str, cost: float) -> dict[str, Any]:
        return {"time": time, "model": "glm-4.5", "input_tokens": 1, "cost": cost}

    path = write_usage(
        project.root / "spend.jsonl",
        [
            spend("2026-11-18T00:30:00Z", 5.0),
            spend("2026-11-18T01:00:00Z", 7.0),
            spend("2026-11-18T09:00:00Z", 40.0),
        ],
    )

    report = cli(
        "report", "budget", str(path), "--as-of", "2026-11-18T01:00:00Z", "--json", cwd=project.root
    ).json()

    periods = {p["period"]: p["spend"] for p in report["periods"]}
    assert periods == {"day": pytest.approx(12.0), "week": pytest.approx(12.0), "month": pytest.approx(12.0)}
    elapsed_days = 17 + 1 / 24
    assert report["projected_month_end"] == pytest.approx(12.0 / elapsed_days * 30)


def test_a_narrow_terminal_never_cuts_a_number_or_a_name(cli: RunFn, project: Project) -> None:
    events = [
        {"model": "claude-4.1-opus", "role": "orchestrator", "input_tokens": 1000, "output_tokens": 210},
        {"model": "gemini-2.5-flash-lite", "role": "implementer", "input_tokens": 1000, "output_tokens": 10},
    ]
    path = write_usage(project.root / "u.jsonl", events)
    cost = (1000 * 15 + 210 * 75) / 1e6

    for columns in ("60", "30"):
        run = cli(
            "report", "usage", str(path), "--by", "role,model", cwd=project.root, env={"COLUMNS": columns}
        )
        history = cli("history", cwd=project.root, env={"COLUMNS": columns})
        assert run.exit_code == 0
        assert (
            f"${cost:.4f}" in run.stdout
            and "orchestrator" in run.stdout
            and "gemini-2.5-flash-lite" in run.stdout
        )
        assert "…" not in run.stdout
        assert "initial configuration (hybridctl init)" in " ".join(history.stdout.split())
