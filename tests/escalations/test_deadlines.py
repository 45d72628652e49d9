"""What a sweep claims at a moment: each step once, the latest only when it
runs late, and alerts no hook took sent again a bounded number of times."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from hybridctl.escalations.deadlines import MAX_SENDS, due_alerts
from hybridctl.escalations.queue import decided_event, fold
from hybridctl.times import format_utc
from tests.escalations.helpers import at, requested


def sweep(events: list[dict[str, Any]], now: datetime, ok: bool = True) -> list[dict[str, Any]]:
    """One sweep at ``now`` on a queue of ``events``: the claims and deliveries it adds."""
    added: list[dict[str, Any]] = []
    for alert in due_alerts(fold(events).values(), now):
        if not alert.retry:
            added.append(alert.claim(now))
        if not alert.skipped:
            sent = [{"hook": "http://127.0.0.1/…", "ok": ok, "why": "delivered" if ok else "HTTP 500"}]
            added.append(
                {"event": "delivered", "id": alert.request.id, "step": alert.step.name, "sent": sent}
            )
    return added


def steps(events: list[dict[str, Any]], kind: str = "alerted") -> list[tuple[str, bool]]:
    return [(e["step"], bool(e.get("skipped"))) for e in events if e["event"] == kind]


def test_a_sweep_every_minute_claims_each_step_once_at_its_time() -> None:
    events = [requested("esc-00000001")]
    claimed_at: dict[str, str] = {}
    for minute in range(0, 100):
        added = sweep(events, at(minute * 60))
        events += added
        for event in added:
            if event["event"] == "alerted":
                claimed_at[event["step"]] = event["time"]
    assert claimed_at == {
        "created": format_utc(at(0)),
        "primary-reminder": format_utc(at(900)),
        "handover": format_utc(at(1800)),
        "secondary-reminder": format_utc(at(3600)),
        "expired": format_utc(at(5400)),
    }
    assert sweep(events, at(10**6)) == []


def test_a_late_sweep_sends_only_the_latest_step_and_records_the_others_skipped() -> None:
    events = [requested("esc-00000001")]
    added = sweep(events, at(2000))
    assert steps(added) == [("created", True), ("primary-reminder", True), ("handover", False)]
    assert steps(added, "delivered") == [("handover", False)]


def test_a_decided_request_is_never_swept() -> None:
    events = [requested("esc-00000001")]
    request = fold(events)["esc-00000001"]
    events.append(decided_event(request, "rejected", actor="tech_lead", reason="no", now=at(60)))
    assert sweep(events, at(5400)) == []


def test_an_alert_no_hook_took_is_sent_again_while_its_step_is_current_and_at_most_max_sends_times() -> None:
    events = [requested("esc-00000001")]
    for minute in range(0, 10):
        events += sweep(events, at(minute * 60), ok=False)
    created = [e for e in events if e["event"] == "delivered" and e["step"] == "created"]
    assert len(created) == MAX_SENDS
    assert len(steps(events)) == 1  # claimed once


def test_a_team_without_hooks_is_not_sent_the_same_alert_again() -> None:
    events = [requested("esc-00000001")]
    events += sweep(events, at(0), ok=False)
    assert due_alerts(fold(events).values(), at(60), lambda team: False) == []
    assert len(due_alerts(fold(events).values(), at(60))) == 1
