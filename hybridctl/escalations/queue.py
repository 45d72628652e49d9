"""The escalation queue, read back from its events: every request, who holds
it at a moment, what was decided, and what each team was told.

Events are what the store records (``details.escalation.events`` of a record
of kind ``escalation``), oldest first:

- ``requested``: the request, its score and the teams' timeouts at that moment
  (a later change of the config never moves a deadline already given);
- ``alerted``: a step of its schedule claimed (``created``, reminders, the
  handover to the secondary team, the expiry); ``skipped`` when a later step
  was already due, so only the latest is sent;
- ``delivered``: what the hooks of the step's team answered;
- ``approved`` or ``rejected``: the decision, its reason, who and which team.

Whether a request is pending, with which team, or expired follows from the
clock and the deadlines it was given, not from a sweep having run: a request
past its last deadline can no longer be approved, swept or not.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from typing import Any, NamedTuple

from hybridctl.config.model import PRIMARY_TEAM, ApprovalPolicy
from hybridctl.times import format_utc, parse_utc

PENDING, APPROVED, REJECTED, EXPIRED = "pending", "approved", "rejected", "expired"
REVIEW_TARGET_S = 1800  # "escalation approval time > 30 minutes" is a listed risk


class Team(NamedTuple):
    name: str
    timeout_s: int
    members: tuple[str, ...] | None

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "timeout_s": self.timeout_s, "members": self.members}


class Step(NamedTuple):
    """A moment of a request's schedule: who is alerted, ``at`` seconds after creation."""

    name: str  # created, primary-reminder, handover, secondary-reminder, expired
    team: str
    at: float


class Decision(NamedTuple):
    verdict: str  # approved or rejected
    actor: str
    reason: str
    team: str  # the team that held the request
    time: datetime
    grant_expires: datetime | None  # approved: until when its grant lets the task escalate


class Request(NamedTuple):
    id: str
    role: str
    reason: str
    requester: str
    created: datetime
    context: dict[str, Any]
    score: float
    criteria: tuple[str, ...]  # the criteria the context met
    model: str  # the escalation model it would be served by
    teams: tuple[Team, ...]  # primary, then secondary if any
    grant_ttl_s: int
    decision: Decision | None = None
    alerts: tuple[dict[str, Any], ...] = ()  # the alerted and delivered events, in order

    def schedule(self) -> list[Step]:
        """Every step of the request's life, in order."""
        primary = self.teams[0]
        steps = [
            Step("created", primary.name, 0.0),
            Step("primary-reminder", primary.name, primary.timeout_s / 2),
        ]
        if len(self.teams) > 1:
            second = self.teams[1]
            steps += [
                Step("handover", second.name, float(primary.timeout_s)),
                Step("secondary-reminder", second.name, primary.timeout_s + second.timeout_s / 2),
                Step("expired", second.name, float(primary.timeout_s + second.timeout_s)),
            ]
        else:
            steps.append(Step("expired", primary.name, float(primary.timeout_s)))
        return steps

    def at(self, step: Step) -> datetime:
        return self.created + timedelta(seconds=step.at)

    @property
    def expires(self) -> datetime:
        """When the request expires undecided."""
        return self.at(self.schedule()[-1])

    def status(self, now: datetime) -> str:
        if self.decision is not None:
            return self.decision.verdict
        return EXPIRED if now >= self.expires else PENDING

    def holder(self, now: datetime) -> Team:
        """The team that holds the request at ``now`` (the last one, once expired)."""
        if len(self.teams) > 1 and now >= self.created + timedelta(seconds=self.teams[0].timeout_s):
            return self.teams[1]
        return self.teams[0]

    def deadline(self, now: datetime) -> datetime:
        """When the team holding it at ``now`` must have decided."""
        primary_ends = self.created + timedelta(seconds=self.teams[0].timeout_s)
        return primary_ends if self.holder(now).name == PRIMARY_TEAM else self.expires

    def deciders(self, now: datetime) -> tuple[Team, ...]:
        """The teams whose members may decide at ``now``: the holder's, and after
        the handover the primary's too."""
        return self.teams[: self.teams.index(self.holder(now)) + 1]

    def may_decide(self, actor: str, now: datetime) -> bool:
        teams = self.deciders(now)
        if any(team.members is None for team in teams):
            return True
        return any(actor in (team.members or ()) for team in teams)

    def claimed(self) -> set[str]:
        return {str(a["step"]) for a in self.alerts if a.get("event") == "alerted"}

    def delivered(self, step: str) -> bool:
        """Whether some hook of the step's team took its alert."""
        return any(
            a.get("event") == "delivered"
            and a.get("step") == step
            and any(s.get("ok") for s in a.get("sent", ()))
            for a in self.alerts
        )

    def review_seconds(self) -> float | None:
        """Creation to decision; None while undecided."""
        if self.decision is None:
            return None
        return (self.decision.time - self.created).total_seconds()

    def to_dict(self, now: datetime) -> dict[str, Any]:
        status = self.status(now)
        decision = self.decision
        return {
            "id": self.id,
            "role": self.role,
            "status": status,
            "reason": self.reason,
            "requester": self.requester,
            "created": format_utc(self.created),
            "age_s": round((now - self.created).total_seconds()),
            "team": self.holder(now).name,
            "deadline": format_utc(self.deadline(now)),
            "expires": format_utc(self.expires),
            "score": self.score,
            "criteria": list(self.criteria),
            "model": self.model,
            "context": self.context,
            "decision": None
            if decision is None
            else {
                "verdict": decision.verdict,
                "actor": decision.actor,
                "reason": decision.reason,
                "team": decision.team,
                "time": format_utc(decision.time),
                "review_s": self.review_seconds(),
                "grant_expires": None
                if decision.grant_expires is None
                else format_utc(decision.grant_expires),
            },
            "alerts": [dict(a) for a in self.alerts],
        }


def requested_event(
    request_id: str,
    *,
    role: str,
    reason: str,
    requester: str,
    now: datetime,
    context: Mapping[str, Any],
    score: float,
    criteria: Iterable[str],
    model: str,
    approval: ApprovalPolicy,
) -> dict[str, Any]:
    """The event that creates a request, with the teams' timeouts it is given."""
    return {
        "event": "requested",
        "id": request_id,
        "time": format_utc(now),
        "role": role,
        "reason": reason,
        "requester": requester,
        "context": dict(context),
        "score": score,
        "criteria": list(criteria),
        "model": model,
        "teams": [Team(t.name, t.timeout_s, t.members).to_dict() for t in approval.teams],
        "grant_ttl_s": approval.grant_ttl_s,
    }


def decided_event(
    request: Request, verdict: str, *, actor: str, reason: str, now: datetime
) -> dict[str, Any]:
    expires = now + timedelta(seconds=request.grant_ttl_s) if verdict == APPROVED else None
    return {
        "event": verdict,
        "id": request.id,
        "time": format_utc(now),
        "actor": actor,
        "reason": reason,
        "team": request.holder(now).name,
        "grant_expires": None if expires is None else format_utc(expires),
    }


def decision_of(event: Mapping[str, Any]) -> Decision:
    """The decision an ``approved`` or ``rejected`` event records."""
    expires = event.get("grant_expires")
    return Decision(
        str(event["event"]),
        str(event["actor"]),
        str(event["reason"]),
        str(event["team"]),
        parse_utc(event["time"]),
        None if expires is None else parse_utc(expires),
    )


def _request(event: Mapping[str, Any]) -> Request:
    return Request(
        id=str(event["id"]),
        role=str(event["role"]),
        reason=str(event["reason"]),
        requester=str(event["requester"]),
        created=parse_utc(event["time"]),
        context=dict(event.get("context") or {}),
        score=float(event["score"]),
        criteria=tuple(event.get("criteria") or ()),
        model=str(event["model"]),
        teams=tuple(
            Team(
                str(t["name"]), int(t["timeout_s"]), None if t.get("members") is None else tuple(t["members"])
            )
            for t in event["teams"]
        ),
        grant_ttl_s=int(event["grant_ttl_s"]),
    )


def fold(events: Iterable[Mapping[str, Any]]) -> dict[str, Request]:
    """The requests the events (oldest first) describe, by id, in creation order.
    An event of an unknown request, or one that cannot be read, is passed over."""
    requests: dict[str, Request] = {}
    for event in events:
        kind, request_id = event.get("event"), event.get("id")
        try:
            if kind == "requested":
                requests[str(request_id)] = _request(event)
                continue
            known = requests.get(str(request_id))
            if known is None:
                continue
            if kind in (APPROVED, REJECTED) and known.decision is None:
                requests[known.id] = known._replace(decision=decision_of(event))
            elif kind in ("alerted", "delivered"):
                requests[known.id] = known._replace(alerts=(*known.alerts, dict(event)))
        except (KeyError, TypeError, ValueError):
            continue
    return requests
