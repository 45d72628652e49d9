"""Rendering of escalation request|approve|reject|queue|show|sweep and report escalations."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from hybridctl.output import console, print_table, say, table, write_json
from hybridctl.output.reports import escalation_grids, render_report
from hybridctl.text import clean, elapsed, money
from hybridctl.times import format_utc

if TYPE_CHECKING:
    from hybridctl.app.approval_alerts import Swept
    from hybridctl.app.approval_report import EscalationReport
    from hybridctl.escalations.queue import Request


def _sent(sent: list[dict[str, Any]]) -> str:
    if not sent:
        return "no hook"
    return ", ".join(
        f"{clean(str(s.get('hook')))} {'ok' if s.get('ok') else clean(str(s.get('why')))}" for s in sent
    )


def render_request(request: Request, sent: list[dict[str, Any]], now: datetime, as_json: bool) -> None:
    if as_json:
        write_json({"version": 1, **request.to_dict(now), "alerted": sent})
        return
    team = request.holder(now)
    say(
        ("requested ", "bold yellow"),
        f"{request.id}: {clean(request.role)} -> {request.model} (score {request.score:g}: "
        f"{', '.join(request.criteria)})",
    )
    say(f"the {team.name} team decides by {format_utc(request.deadline(now))}; alerted: {_sent(sent)}")
    say(f"once approved, hybridctl escalation show {request.id} gives the grant the task passes")


def render_decided(request: Request, changed: bool, grant: str | None, now: datetime, as_json: bool) -> None:
    decision = request.decision
    assert decision is not None
    if as_json:
        write_json({"version": 1, **request.to_dict(now), "changed": changed, "grant": grant})
        return
    verb = decision.verdict if changed else f"already {decision.verdict}"
    say(
        (f"{verb} ", "bold green" if decision.verdict == "approved" else "bold red"),
        f"{request.id} ({clean(request.role)}) by {clean(decision.actor)} for the {decision.team} team "
        f"after {elapsed(request.review_seconds())}: {clean(decision.reason)}",
    )
    if decision.verdict == "approved":
        _say_grant(request, grant)


def _say_grant(request: Request, grant: str | None) -> None:
    decision = request.decision
    assert decision is not None and decision.grant_expires is not None
    until = format_utc(decision.grant_expires)
    if grant is None:
        say(f"grant valid until {until}: set HYBRIDCTL_GRANT_KEY to issue it (hybridctl escalation show)")
    else:
        say(f'grant, valid for role {clean(request.role)} until {until}; pass it as the task\'s "approval":')
        console().print(grant, markup=False, highlight=False, soft_wrap=True)


def render_queue(requests: list[Request], now: datetime, as_json: bool) -> None:
    if as_json:
        write_json({"version": 1, "time": format_utc(now), "requests": [r.to_dict(now) for r in requests]})
        return
    if not requests:
        say("no escalation requests")
        return
    view = table("ID", "ROLE", "STATUS", "TEAM", "AGE", "DEADLINE", "LEFT", "REASON")
    for r in requests:
        status = r.status(now)
        left = (r.deadline(now) - now).total_seconds() if status == "pending" else None
        shown_left = "-" if left is None else ("OVERDUE" if left <= 0 else elapsed(left))
        view.add_row(
            r.id,
            clean(r.role),
            status if r.decision is None else f"{status} by {clean(r.decision.actor)}",
            r.holder(now).name if r.decision is None else r.decision.team,
            elapsed((now - r.created).total_seconds()),
            format_utc(r.deadline(now)),
            shown_left,
            clean(r.reason)[:60],
        )
    print_table(console(), view)


def render_show(request: Request, grant: str | None, now: datetime, as_json: bool) -> None:
    if as_json:
        write_json({"version": 1, **request.to_dict(now), "grant": grant})
        return
    status = request.status(now)
    say(
        (f"{request.id} ", "bold"),
        f"{status}: {clean(request.role)} -> {request.model}, {clean(request.reason)}",
    )
    view = table("WHEN", "STEP", "TEAM", "ALERT")
    view.add_row(
        format_utc(request.created), "requested", request.teams[0].name, f"by {clean(request.requester)}"
    )
    for alert in request.alerts:
        what = "skipped" if alert.get("skipped") else ("claimed" if alert.get("event") == "alerted" else "")
        if alert.get("event") == "delivered":
            what = _sent(list(alert.get("sent") or []))
        view.add_row(str(alert.get("time")), str(alert.get("step")), str(alert.get("team")), what)
    if request.decision is not None:
        d = request.decision
        view.add_row(format_utc(d.time), d.verdict, d.team, f"by {clean(d.actor)}: {clean(d.reason)}")
    print_table(console(), view)
    if status == "approved":
        _say_grant(request, grant)
    elif status == "pending":
        say(f"the {request.holder(now).name} team decides by {format_utc(request.deadline(now))}")


def render_sweep(swept: Swept, as_json: bool) -> None:
    if as_json:
        write_json(swept.to_dict())
        return
    if not swept.claimed and not swept.retried:
        say("nothing due")
        return
    sent = {(d["id"], d["step"]): d["sent"] for d in swept.delivered}
    view = table("ID", "STEP", "TEAM", "DUE", "ALERT")
    for alert, again in [(a, False) for a in swept.claimed] + [(a, True) for a in swept.retried]:
        key = (alert.request.id, alert.step.name)
        what = "skipped: a later step was due" if alert.skipped else _sent(sent.get(key, []))
        view.add_row(
            alert.request.id,
            alert.step.name + (" (again)" if again else ""),
            alert.step.team,
            format_utc(alert.request.at(alert.step)),
            what,
        )
    print_table(console(), view)


def render_escalation_report(report: EscalationReport, fmt: str, html_path: Path | None = None) -> None:
    review = report.review
    notes = []
    if review.oldest_pending_s is not None:
        notes.append(f"oldest pending request: {elapsed(review.oldest_pending_s)}")
    spend = report.spend
    if spend is None:
        notes.append("premium spend: no usage read (give usage files, --source, or usage in settings)")
    else:
        budget = (
            ""
            if spend.share is None
            else f", {spend.share:.1%} of the monthly budget {money(spend.budget or 0)}"
        )
        per = "" if spend.per_approval is None else f"; {money(spend.per_approval)} per approved request"
        spent = f"{money(spend.cost)} on {spend.requests:,} requests"
        notes.append(f"premium spend of escalated requests: {spent}{budget}{per}")
    render_report(
        report,
        fmt,
        html_path,
        title=f"Escalations, {report.window}",
        grids=escalation_grids(review),
        notes=notes,
        charts=[],
        csv_rows=[t.to_dict() for t in review.teams],
    )
