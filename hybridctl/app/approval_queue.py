"""The escalation queue in the store: every request read back from the
records of kind ``escalation``, and one more record of its events."""

from __future__ import annotations

import re
import secrets
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from hybridctl.app.workspace import Workspace
from hybridctl.errors import UsageError
from hybridctl.escalations.queue import Request, fold
from hybridctl.routing.grants import Grant, sign_grant
from hybridctl.store.repo import Store
from hybridctl.text import did_you_mean

ESCALATION_KIND = "escalation"
ID_PATTERN = re.compile(r"^esc-[0-9a-f]{8}$")


def load_queue(store: Store) -> dict[str, Request]:
    """Every request the store records, in creation order."""
    events: list[Mapping[str, Any]] = []
    for record in reversed(list(store.records_of(ESCALATION_KIND))):
        recorded = record.details.get("escalation")
        if isinstance(recorded, dict) and isinstance(recorded.get("events"), list):
            events.extend(e for e in recorded["events"] if isinstance(e, dict))
    return fold(events)


def record_events(
    store: Store, workspace: Workspace, events: list[dict[str, Any]], reason: str, now: datetime
) -> int:
    head = store.head()
    if head is None:
        raise UsageError("no store to record the request in", hint="hybridctl init")
    return store.commit(
        ESCALATION_KIND,
        actor=workspace.actor(),
        reason=reason,
        now=now,
        configs=store.configs_at(head),
        details={"escalation": {"events": events}},
    ).revision


def new_id(queue: Mapping[str, Request]) -> str:
    while True:
        made = "esc-" + secrets.token_hex(4)
        if made not in queue:
            return made


def find(queue: Mapping[str, Request], request_id: str) -> Request:
    if not ID_PATTERN.match(request_id):
        raise UsageError(f"'{request_id[:40]}' is not an escalation id", hint="ids look like esc-1a2b3c4d")
    found = queue.get(request_id)
    if found is None:
        raise UsageError(
            f"no escalation request {request_id}",
            hint=did_you_mean(request_id, list(queue)) or "hybridctl escalation queue lists them",
        )
    return found


def grant_of(request: Request, key: bytes | None) -> str | None:
    """The grant of an approved request, signed with ``key``; None otherwise."""
    decision = request.decision
    if key is None or decision is None or decision.grant_expires is None:
        return None
    return sign_grant(key, Grant(request.id, request.role, int(decision.grant_expires.timestamp())))
