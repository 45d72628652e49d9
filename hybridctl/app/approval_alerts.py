"""Alerts of escalation requests: what each team is told at each step, sent
to its hooks, and the deadlines swept (``hybridctl escalation sweep``).

A sweep claims the steps that came due in the store first (one record, under
the lock, pushed to a shared store before anything is sent: another machine
that swept first wins, and its claims are not sent again), then sends them
with no lock held, then records what each hook answered. A sweep with nothing
due records nothing, so cron may run it every minute.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, NamedTuple

from hybridctl import times
from hybridctl.app.approval_queue import load_queue, record_events
from hybridctl.app.workspace import Workspace
from hybridctl.escalations.deadlines import Alert, due_alerts
from hybridctl.escalations.queue import Request
from hybridctl.remote.http import Policy
from hybridctl.remote.notify import notify
from hybridctl.store.setup import settle_races
from hybridctl.times import format_utc

ALERT_POLICY = Policy(attempts=2)  # an alert no hook took is sent again by the next sweep


def _minutes(seconds: float) -> str:
    return f"{seconds / 60:g} min"


def alert_text(request: Request, step: str, now: datetime) -> str:
    """The line a person reads in Slack or Teams."""
    head = f"Escalation {request.id} ({request.role} -> {request.model})"
    waited = _minutes(round((now - request.created).total_seconds() / 60) * 60)
    deadline = format_utc(request.deadline(now))
    if step == "created":
        return (
            f"{head} awaits the {request.holder(now).name} team's review, by {deadline}: {request.reason} "
            f"(asked by {request.requester})"
        )
    if step.endswith("reminder"):
        return (
            f"Reminder: {head} has waited {waited}; the {request.holder(now).name} team decides by {deadline}"
        )
    if step == "handover":
        return (
            f"{head} was not decided by the {request.teams[0].name} team within "
            f"{_minutes(request.teams[0].timeout_s)}: the {request.holder(now).name} team reviews it now, "
            f"by {deadline}: {request.reason}"
        )
    return f"{head} expired undecided after {waited}: the task stays on the primary model"


def alert_event(request: Request, step: str, now: datetime) -> dict[str, Any]:
    """What a team's hook receives (Slack and Teams read ``text``)."""
    holder = request.holder(now)
    return {
        "version": 1,
        "event": f"escalation.{step}",
        "text": alert_text(request, step, now),
        "escalation": {
            "id": request.id,
            "role": request.role,
            "model": request.model,
            "reason": request.reason,
            "requester": request.requester,
            "score": request.score,
            "criteria": list(request.criteria),
            "team": holder.name,
            "members": list(holder.members or ()),
            "created": format_utc(request.created),
            "deadline": format_utc(request.deadline(now)),
            "expires": format_utc(request.expires),
            "approve": f"hybridctl escalation approve {request.id} --reason '...'",
            "reject": f"hybridctl escalation reject {request.id} --reason '...'",
        },
    }


def send_alerts(workspace: Workspace, alerts: list[Alert]) -> list[dict[str, Any]]:
    """Send each alert (skipped ones are not sent) to its team's hooks; the
    ``delivered`` events that record the answers."""
    delivered = []
    for alert in alerts:
        if alert.skipped:
            continue
        now = times.utc_now()
        hooks = workspace.remote.team_hooks(alert.step.team)
        sent = notify(
            alert_event(alert.request, alert.step.name, now),
            hooks,
            ca_bundle=workspace.remote.ca_bundle,
            policy=ALERT_POLICY,
        )
        delivered.append(
            {
                "event": "delivered",
                "id": alert.request.id,
                "step": alert.step.name,
                "team": alert.step.team,
                "time": format_utc(now),
                "sent": [s.to_dict() for s in sent]
                or [{"hook": None, "ok": False, "why": f"no [[notify]] hook for team {alert.step.team}"}],
            }
        )
    return delivered


def deliver_alerts(workspace: Workspace, alerts: list[Alert]) -> list[dict[str, Any]]:
    """Send the alerts, and record their delivery in one record."""
    delivered = send_alerts(workspace, alerts)
    if delivered:
        record_delivery(workspace, delivered)
    return delivered


def record_delivery(workspace: Workspace, delivered: list[dict[str, Any]]) -> None:
    ok = sum(1 for d in delivered if any(s.get("ok") for s in d["sent"]))
    reason = f"alerts delivered: {ok} of {len(delivered)}"

    @settle_races
    def record() -> None:
        with workspace.mutation("escalation alerts") as store:
            record_events(store, workspace, delivered, reason, times.utc_now())

    record()


def announce_decision(workspace: Workspace, request: Request) -> list[dict[str, Any]]:
    """Tell the teams that held the request what was decided (never recorded:
    the decision's own record is the audit)."""
    decision = request.decision
    if decision is None:
        return []
    held = request.deciders(decision.time)
    hooks = tuple(h for team in held for h in workspace.remote.team_hooks(team.name))
    event = {
        "version": 1,
        "event": f"escalation.{decision.verdict}",
        "text": f"Escalation {request.id} ({request.role}) {decision.verdict} by {decision.actor}: "
        f"{decision.reason}",
        "escalation": {"id": request.id, "role": request.role, "verdict": decision.verdict},
    }
    sent = notify(event, hooks, ca_bundle=workspace.remote.ca_bundle, policy=ALERT_POLICY)
    return [s.to_dict() for s in sent]


class Swept(NamedTuple):
    time: datetime
    claimed: list[Alert]  # steps that came due, skipped ones included
    retried: list[Alert]  # alerts no hook had taken, sent again
    delivered: list[dict[str, Any]]
    revision: int | None  # the record of the claims

    def to_dict(self) -> dict[str, Any]:
        def shown(alert: Alert) -> dict[str, Any]:
            return {
                "id": alert.request.id,
                "step": alert.step.name,
                "team": alert.step.team,
                "due": format_utc(alert.request.at(alert.step)),
                "skipped": alert.skipped,
            }

        return {
            "version": 1,
            "time": format_utc(self.time),
            "claimed": [shown(a) for a in self.claimed],
            "retried": [shown(a) for a in self.retried],
            "delivered": self.delivered,
            "revision": self.revision,
        }


def sweep(workspace: Workspace) -> Swept:
    """Claim, send and record every alert due now."""

    @settle_races
    def claim() -> tuple[datetime, list[Alert], int | None]:
        now = times.utc_now()
        with workspace.mutation("escalation sweep") as store:
            alerts = due_alerts(
                load_queue(store).values(), now, lambda team: bool(workspace.remote.team_hooks(team))
            )
            fresh = [a for a in alerts if not a.retry]
            if not fresh:
                return now, alerts, None
            events = [a.claim(now) for a in fresh]
            reason = f"sweep: {len(fresh)} step(s) due"
            return now, alerts, record_events(store, workspace, events, reason, now)

    now, alerts, revision = claim()
    delivered = deliver_alerts(workspace, alerts)
    return Swept(now, [a for a in alerts if not a.retry], [a for a in alerts if a.retry], delivered, revision)
