"""Escalation approvals, as commands and ``hybridctl serve`` use them: create a
request and decide it (the queue in the store is approval_queue.py; alerts
and the sweep of deadlines, approval_alerts.py).

Every change is a record of kind ``escalation`` in the store (so the audit
trail is git history, and a team shares one queue through ``store-remote``);
alerts go to the hooks of the team holding a request (``[[notify]]`` with
``team = "primary"`` or ``"secondary"``). An alert is claimed in the store
before it is sent, so two sweeps (on one machine or two) never send the same
step twice, and no hook is called while the store's lock is held.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, NamedTuple

from hybridctl import times
from hybridctl.app.approval_alerts import announce_decision, deliver_alerts
from hybridctl.app.approval_queue import find, load_queue, new_id, record_events
from hybridctl.app.escalation import working_strategy
from hybridctl.app.workspace import Workspace
from hybridctl.config.escalation import Decision, decide
from hybridctl.config.model import ApprovalPolicy, Strategy
from hybridctl.errors import CheckFailed, RefusedError, UsageError
from hybridctl.escalations.deadlines import Alert
from hybridctl.escalations.queue import (
    APPROVED,
    EXPIRED,
    PENDING,
    REJECTED,
    Request,
    decided_event,
    decision_of,
    fold,
    requested_event,
)
from hybridctl.secrets import find_secret
from hybridctl.store.setup import settle_races
from hybridctl.text import checked_reason, did_you_mean
from hybridctl.times import format_utc

MAX_CONTEXT_BYTES = 16 << 10  # a task context is a few fields
MAX_REASON_CHARS = 2000
MAX_REQUESTER_CHARS = 200


def _policy(strategy: Strategy) -> ApprovalPolicy:
    approval = strategy.escalation.approval if strategy.escalation else None
    if approval is None:
        raise UsageError(
            "escalations need no approval in this config: the router escalates a task that meets "
            "the criteria at once",
            hint="add escalation.approval (teams, timeouts) to the model config to review them",
        )
    return approval


def _stored_context(context: Mapping[str, Any]) -> dict[str, Any]:
    """The task context as the store keeps it: no grant, bounded, no secret."""
    task = {k: v for k, v in context.items() if k != "approval"}
    text = json.dumps(task, default=str)
    if len(text) > MAX_CONTEXT_BYTES:
        raise UsageError(f"the task context is larger than {MAX_CONTEXT_BYTES >> 10} KiB")
    if find_secret(text) is not None:
        raise UsageError(
            "the task context holds what looks like an API key or token; the store keeps it forever",
            hint="describe the task without the secret (and rotate it if it was real)",
        )
    return task


def _needs_approval(
    strategy: Strategy, approval: ApprovalPolicy, role: str, task: Mapping[str, Any]
) -> tuple[Decision, list[str]]:
    """The escalation decision and the criteria met, for a task that escalates
    and needs approval; refused otherwise, as the seeds' workflow refuses it."""
    if role not in strategy.roles:
        raise UsageError(
            f"role '{role}' is not in the config's roles",
            hint=did_you_mean(role, list(strategy.roles)) or "roles: " + ", ".join(strategy.roles),
        )
    try:
        decision = decide(strategy, role, task)
    except ValueError as exc:
        raise UsageError(f"the task context: {exc}") from None
    if not decision.escalated:
        raise CheckFailed(f"the task does not meet the escalation criteria: {decision.why}")
    met = [c.name for c in decision.criteria if c.fired and c.counts]
    if not approval.needed(role, met):
        raise CheckFailed(
            f"this escalation of '{role}' needs no approval: the router escalates it without a grant"
        )
    return decision, met


def _bounded_text(value: str, what: str, most: int) -> str:
    """A reason as history keeps it: not blank, no secret, not a novel."""
    text = checked_reason(value)
    if len(text) > most:
        raise UsageError(f"{what} is {len(text):,} characters; at most {most:,}")
    return text


class Created(NamedTuple):
    request: Request
    sent: list[dict[str, Any]]  # the creation alert's delivery


def create_request(
    workspace: Workspace,
    *,
    role: str,
    context: Mapping[str, Any],
    reason: str,
    requester: str | None = None,
) -> Created:
    """Score the task; a task that meets the criteria and needs approval gets a
    request, recorded, and its primary team alerted."""
    strategy = working_strategy(workspace)
    approval = _policy(strategy)
    why = _bounded_text(reason, "the reason", MAX_REASON_CHARS)
    task = _stored_context(context)
    decision, met = _needs_approval(strategy, approval, role, task)
    who = (requester or workspace.actor()).strip()[:MAX_REQUESTER_CHARS] or workspace.actor()

    @settle_races
    def record() -> Request:
        now = times.utc_now()
        with workspace.mutation("escalation request") as store:
            queue = load_queue(store)
            waiting = sum(1 for r in queue.values() if r.status(now) == PENDING)
            if approval.max_pending is not None and waiting >= approval.max_pending:
                raise RefusedError(
                    f"{waiting} escalation requests are pending, the most escalation.approval.maxPending "
                    f"allows ({approval.max_pending}): this one is refused",
                    hint="decide the pending ones (hybridctl escalation queue --pending), then ask again",
                )
            request_id = new_id(queue)
            event = requested_event(
                request_id,
                role=role,
                reason=why,
                requester=who,
                now=now,
                context=task,
                score=decision.score,
                criteria=met,
                model=decision.model,
                approval=approval,
            )
            request = fold([event])[request_id]
            claim = Alert(request, request.schedule()[0]).claim(now)
            record_events(store, workspace, [event, claim], f"{request_id} requested for {role}: {why}", now)
            return fold([event, claim])[request_id]

    request = record()
    sent = deliver_alerts(workspace, [Alert(request, request.schedule()[0])])
    return Created(request, sent[0]["sent"] if sent else [])


class Decided(NamedTuple):
    request: Request
    changed: bool  # False: it had this decision already
    sent: list[dict[str, Any]]


def decide_request(workspace: Workspace, request_id: str, verdict: str, *, reason: str) -> Decided:
    """Approve or reject a pending request as the workspace's actor."""
    why = _bounded_text(reason, "--reason", MAX_REASON_CHARS)
    actor = workspace.actor()

    @settle_races
    def record() -> Decided:
        now = times.utc_now()
        with workspace.mutation(f"escalation {verdict}") as store:
            request = find(load_queue(store), request_id)
            status = request.status(now)
            if status == verdict:
                return Decided(request, False, [])
            if status in (APPROVED, REJECTED):
                assert request.decision is not None
                raise RefusedError(
                    f"{request_id} was already {status} by {request.decision.actor} at "
                    f"{format_utc(request.decision.time)}",
                    hint="a decision stands; ask for a new escalation if the task changed",
                )
            if status == EXPIRED:
                raise RefusedError(
                    f"{request_id} expired undecided at {format_utc(request.expires)}",
                    hint="the task stays on the primary model; ask for a new escalation",
                )
            if not request.may_decide(actor, now):
                members = sorted({m for team in request.deciders(now) for m in team.members or ()})
                raise RefusedError(
                    f"'{actor}' is not a member of the {request.holder(now).name} team, "
                    f"which holds {request_id}",
                    hint="members: " + ", ".join(members) + " (HYBRIDCTL_ACTOR or actor in settings)",
                )
            event = decided_event(request, verdict, actor=actor, reason=why, now=now)
            record_events(store, workspace, [event], f"{request_id} {verdict}: {why}", now)
            return Decided(request._replace(decision=decision_of(event)), True, [])

    decided = record()
    if not decided.changed:
        return decided
    sent = announce_decision(workspace, decided.request)
    return decided._replace(sent=sent)
