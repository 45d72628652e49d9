"""The report service called directly: which usage it reads (given, or the
settings'), where it cuts it (a window, a budget's moment), and each figure
against numbers computed here from the events the test writes."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from hybridctl.app.reports import Reporting, UsageInput, parse_when
from hybridctl.app.settings import load_settings
from hybridctl.errors import UsageError
from hybridctl.usage.reports import Window
from tests.helpers import Project, usage_events, write_usage
from tests.usage.helpers import price

T0 = datetime(2026, 11, 10, 12, 0, tzinfo=timezone.utc)


def reporting(project: Project, **kwargs: Any) -> Reporting:
    return Reporting.open(load_settings(project.root), config_dir=project.configs, **kwargs)


def mixed_events() -> list[dict[str, Any]]:
    """100 critic requests on GLM-4.5 and 40 architect requests on Opus, one a second from T0."""
    critic = usage_events("stable", 100, start=T0, errors=5, escalated=3)
    architect = usage_events("stable", 40, start=T0, model="claude-4.1-opus", role="architect")
    return critic + architect


def test_the_usage_report_groups_and_prices_only_what_its_window_holds(project: Project) -> None:
    events = mixed_events()
    path = write_usage(project.root / "usage.jsonl", events)
    since, until = T0 + timedelta(seconds=31), T0 + timedelta(seconds=81)

    report = reporting(project).usage_report(
        UsageInput((str(path),)), by=["role"], window=Window(since, until), filters={}, recompute=False
    )

    def inside(event: dict[str, Any]) -> bool:
        moment = datetime.fromisoformat(event["time"].replace("Z", "+00:00"))
        return since <= moment < until

    rows = {row.group: row.totals for row in report.rows}
    for role in ("critic", "architect"):
        members = [e for e in events if e["role"] == role and inside(e)]
        assert rows[(role,)].requests == len(members)
        assert rows[(role,)].cost == pytest.approx(sum(price(e["model"], e) for e in members), abs=1e-9)
        assert rows[(role,)].errors == sum(e["status"] == "error" for e in members)
    assert report.total.totals.requests == sum(inside(e) for e in events)


def test_usage_in_settings_is_read_when_none_is_given_and_the_progress_is_told_its_size(
    project: Project,
) -> None:
    path = write_usage(project.root / "usage.jsonl", mixed_events())
    (project.root / "hybridctl.toml").write_text('usage = ["usage.jsonl"]\n')
    told: list[tuple[int, str]] = []
    advanced: list[int] = []

    @contextlib.contextmanager
    def progress(total: int, description: str) -> Iterator[Callable[[int], None]]:
        told.append((total, description))
        yield advanced.append

    report = reporting(project, progress=progress).usage_report(
        UsageInput(use_cache=False), by=["model"], window=Window(), filters={}, recompute=False
    )

    assert told == [(path.stat().st_size, "reading usage")]
    assert advanced and max(advanced) <= path.stat().st_size
    assert {row.group: row.totals.requests for row in report.rows} == {
        ("glm-4.5",): 100,
        ("claude-4.1-opus",): 40,
    }


def test_no_usage_given_nor_in_settings_is_a_usage_error(project: Project) -> None:
    with pytest.raises(UsageError, match="no usage data given"):
        reporting(project).usage_report(
            UsageInput(), by=["role"], window=Window(), filters={}, recompute=False
        )


def test_the_budget_counts_spend_up_to_its_moment_and_none_after(project: Project) -> None:
    events = mixed_events()
    path = write_usage(project.root / "usage.jsonl", events)
    as_of = T0 + timedelta(seconds=60)  # the request at exactly this second counts

    report = reporting(project).budget_report(UsageInput((str(path),)), as_of=as_of, recompute=False)

    counted = [e for e in events if datetime.fromisoformat(e["time"].replace("Z", "+00:00")) <= as_of]
    month = next(p for p in report.periods if p.name == "month")
    assert month.spend == pytest.approx(sum(price(e["model"], e) for e in counted), abs=1e-9)
    assert month.budget == 1500
    assert report.as_of == as_of


def test_savings_are_the_actual_cost_against_every_request_on_the_premium_model(project: Project) -> None:
    events = mixed_events()
    path = write_usage(project.root / "usage.jsonl", events)

    report = reporting(project).savings_report(
        UsageInput((str(path),)), baseline=None, window=Window(), recompute=False
    )

    actual = sum(price(e["model"], e) for e in events)
    baseline = sum(price("claude-4.1-opus", e) for e in events)
    assert report.baseline_model == "claude-4.1-opus"
    assert report.total.actual == pytest.approx(actual, abs=1e-9)
    assert report.total.baseline == pytest.approx(baseline, abs=1e-9)
    assert report.total.savings == pytest.approx(1 - actual / baseline)


def test_the_rollout_report_reads_no_usage_when_there_is_none(project: Project) -> None:
    report = reporting(project).rollout_report(UsageInput())

    assert report.to_dict()["steps"] == []


def test_imported_prices_are_what_the_catalog_lists_next(project: Project, tmp_path: Path) -> None:
    litellm = tmp_path / "prices.json"
    litellm.write_text(
        json.dumps({"acme/tiny-1": {"input_cost_per_token": 2e-7, "output_cost_per_token": 8e-7}})
    )

    result, target = reporting(project).import_prices(
        litellm, out=None, only=None, include_catalog=False, accept_suspicious=False
    )

    assert target == project.configs / "prices.json"
    listed = {entry["model"]: entry for entry in reporting(project).priced.catalog.listing()}
    assert listed["acme/tiny-1"]["input_per_million"] == pytest.approx(0.2)
    assert listed["acme/tiny-1"]["output_per_million"] == pytest.approx(0.8)
    assert list(result.imported) == ["acme/tiny-1"] and result.suspicious == []


def test_a_recorded_cost_off_the_list_by_more_than_the_tolerance_is_counted(project: Project) -> None:
    events = usage_events("stable", 4, start=T0)
    for event, factor in zip(events, (1.0, 1.01, 1.5, 0.5), strict=True):
        event["cost"] = price("glm-4.5", event) * factor
    path = write_usage(project.root / "usage.jsonl", events)

    result = reporting(project).check_prices(UsageInput((str(path),)), tolerance=0.02)

    assert (result.checked, result.differing, result.ok) == (4, 2, False)
    assert result.recorded_total == pytest.approx(sum(e["cost"] for e in events))


@pytest.mark.parametrize("text", ["yesterday", "2026-13-01", ""])
def test_a_time_that_is_not_iso_8601_names_its_option(text: str) -> None:
    with pytest.raises(UsageError, match="--since"):
        parse_when(text, "--since")
