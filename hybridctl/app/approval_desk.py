"""The escalation queue as ``hybridctl serve --escalations`` offers it to
applications: ``POST /escalations`` creates a request (as ``hybridctl
escalation request`` does, the requester named by the body), ``GET
/escalations/ID`` reads one back, with its grant once approved, and ``GET
/escalations?task_id=T`` the newest one whose task context names ``T``.

Every refusal is an HTTP status with hybridctl's own message: 422 for a
request that cannot be one (a field missing or of the wrong type, a task
that does not meet the criteria or needs no approval), 409 when the queue is
full or the store is busy, 502 when a shared store cannot be reached.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from http import HTTPStatus
from typing import Any

from hybridctl import times
from hybridctl.app.approval_queue import ID_PATTERN, grant_of, load_queue
from hybridctl.app.approvals import create_request
from hybridctl.app.workspace import Workspace
from hybridctl.errors import CheckFailed, HybridctlError, RefusedError, RemoteError
from hybridctl.escalations.queue import Request
from hybridctl.remote.serve import BadRequest

_STATUS = (
    (RefusedError, HTTPStatus.CONFLICT),
    (RemoteError, HTTPStatus.BAD_GATEWAY),
    (CheckFailed, HTTPStatus.UNPROCESSABLE_ENTITY),
)


def _refused(error: HybridctlError) -> BadRequest:
    status = next((s for kind, s in _STATUS if isinstance(error, kind)), HTTPStatus.UNPROCESSABLE_ENTITY)
    return BadRequest(status, error.message + (f" ({error.hint})" if error.hint else ""))


class ApprovalDesk:
    """A workspace's escalation queue behind the management endpoint."""

    def __init__(self, workspace: Workspace, grant_key: bytes | None) -> None:
        self.workspace = workspace
        self.grant_key = grant_key
        self._lock = threading.Lock()  # one request at a time reaches the store from this process

    def create(self, body: dict[str, Any]) -> dict[str, Any]:
        role, context, reason = body.get("role"), body.get("context", {}), body.get("reason")
        requester = body.get("requester")
        if not isinstance(role, str) or not isinstance(reason, str):
            raise BadRequest(HTTPStatus.UNPROCESSABLE_ENTITY, "an escalation request needs role and reason")
        if not isinstance(context, dict) or not (requester is None or isinstance(requester, str)):
            raise BadRequest(
                HTTPStatus.UNPROCESSABLE_ENTITY, "context must be an object and requester a string"
            )
        try:
            with self._lock:
                created = create_request(
                    self.workspace,
                    role=role,
                    context=context,
                    reason=reason,
                    requester=requester or "application",
                )
        except HybridctlError as error:
            raise _refused(error) from None
        return {"version": 1, **created.request.to_dict(times.utc_now()), "alerted": created.sent}

    def get(self, request_id: str) -> dict[str, Any] | None:
        if not ID_PATTERN.match(request_id):
            return None
        return self._answer(lambda queue: queue.get(request_id))

    def of_task(self, task_id: str) -> dict[str, Any] | None:
        """The newest request whose context names ``task_id``."""
        return self._answer(
            lambda queue: next(
                (r for r in reversed(queue.values()) if r.context.get("task_id") == task_id), None
            )
        )

    def _answer(self, pick: Callable[[dict[str, Request]], Request | None]) -> dict[str, Any] | None:
        try:
            with self._lock:
                found = pick(load_queue(self.workspace.open_store()))
        except HybridctlError as error:
            raise _refused(error) from None
        if found is None:
            return None
        now = times.utc_now()
        grant = grant_of(found, self.grant_key) if found.status(now) == "approved" else None
        return {"version": 1, **found.to_dict(now), "grant": grant}
