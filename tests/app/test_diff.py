"""The diff service called directly: the latest record against the working
configs, and with usage, what each side costs per 1,000 requests of it."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

import pytest

from hybridctl.app.diff import diff
from tests.helpers import Project, usage_events, write_usage
from tests.usage.helpers import price


def critic_on(model: str) -> Any:
    def change(config: dict[str, Any]) -> None:
        config["roles"]["critic"]["primary"] = model

    return change


def test_without_usage_the_diff_is_not_priced(project: Project) -> None:
    project.edit_config(critic_on("gemini-2.5-flash-lite"))

    report = diff(project.workspace(), None, None)

    assert report.cost is None and report.usage is None
    assert ("roles", "critic", "primary") in [(c.area, c.subject, c.field) for c in report.diff.changes]


def test_with_usage_each_side_is_priced_on_the_same_requests(project: Project) -> None:
    events = usage_events(
        "stable", 50, start=datetime(2026, 11, 1, tzinfo=timezone.utc)
    )  # critic, no escalation
    path = write_usage(project.root / "usage.jsonl", events)
    project.edit_config(critic_on("gemini-2.5-flash-lite"))

    report = diff(project.workspace(), None, None, usage_paths=[path])

    assert report.cost is not None and report.usage is not None
    assert report.cost.requests == 50 and report.usage.events == 50
    assert report.cost.before_per_1k == pytest.approx(1000 * price("glm-4.5", events[0]))
    assert report.cost.after_per_1k == pytest.approx(1000 * price("gemini-2.5-flash-lite", events[0]))
    assert report.cost.change == pytest.approx(
        price("gemini-2.5-flash-lite", events[0]) / price("glm-4.5", events[0]) - 1
    )
