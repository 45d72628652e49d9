"""Escalation requests filed by the gateway. A request whose task meets the
criteria and needs approval, carries no grant, and says why it needs the
premium model (``escalation_reason`` in its task context) is filed with the
approval team: ``POST /escalations`` at ``HYBRIDCTL_ESCALATIONS_URL`` (a
``hybridctl serve --escalations``), once per task, from a background thread.

The request itself is served by the primary model at once and never waits
for the filing; a full queue drops the filing (counted), never the request.
The application finds its request by the ``task_id`` it put in the context
(``GET /escalations?task_id=...``) and passes the grant once approved.
"""

from __future__ import annotations

import hashlib
import json
import logging
import queue
import threading
from collections import OrderedDict
from collections.abc import Callable, Mapping
from typing import Any

from hybridctl.remote.http import Caller, Policy

log = logging.getLogger("hybridctl.gateway")
ESCALATIONS_URL_ENV = "HYBRIDCTL_ESCALATIONS_URL"
ESCALATIONS_TOKEN_ENV = "HYBRIDCTL_ESCALATIONS_TOKEN"  # unset: HYBRIDCTL_BUNDLE_TOKEN
REASON_FIELD = "escalation_reason"
MAX_QUEUED = 1_000  # filings waiting to be sent
MAX_REMEMBERED = 10_000  # tasks already filed, the newest kept
FILING_POLICY = Policy(timeout_s=10.0, attempts=2)

# role, outcome: created, refused (the endpoint said no), failed (no answer), dropped (queue full)
Outcome = Callable[[str, str], None]


def task_key(role: str, task: Mapping[str, Any]) -> str:
    """One task, whatever its grant: the role and its context's digest."""
    context = {k: v for k, v in task.items() if k != "approval"}
    text = json.dumps(context, sort_keys=True, default=str)
    return role + ":" + hashlib.sha256(text.encode()).hexdigest()


class RequestFiler:
    """Files escalation requests at an endpoint, each task once."""

    def __init__(self, url: str, token: str | None, counted: Outcome) -> None:
        self.url = url.rstrip("/") + "/escalations"
        self.token = token
        self.counted = counted
        self._pending: queue.Queue[tuple[str, dict[str, Any]]] = queue.Queue(MAX_QUEUED)
        self._seen: OrderedDict[str, None] = OrderedDict()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None

    def offer(self, role: str, task: Mapping[str, Any], requester: str) -> bool:
        """File a request for the task, unless it gives no reason or was filed before."""
        reason = task.get(REASON_FIELD)
        if not isinstance(reason, str) or not reason.strip():
            return False
        key = task_key(role, task)
        with self._lock:
            if key in self._seen:
                return False
            self._seen[key] = None
            while len(self._seen) > MAX_REMEMBERED:
                self._seen.popitem(last=False)
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="hybridctl-escalations", daemon=True)
                self._thread.start()
        context = {k: v for k, v in task.items() if k not in ("approval", REASON_FIELD)}
        body = {"role": role, "context": context, "reason": reason, "requester": requester or "gateway"}
        try:
            self._pending.put_nowait((role, body))
        except queue.Full:
            self.counted(role, "dropped")
            return False
        return True

    def _run(self) -> None:
        headers = {"Content-Type": "application/json"}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        with Caller(None, FILING_POLICY) as http:
            while True:
                role, body = self._pending.get()
                answer = http.request("POST", self.url, headers=headers, body=json.dumps(body).encode())
                if answer.status == 201:
                    outcome = "created"
                    made = _json(answer.body)
                    log.info("hybridctl: escalation request %s filed for %s", made.get("id"), role)
                elif answer.status is not None and 400 <= answer.status < 500:
                    outcome = "refused"
                    log.warning("hybridctl: escalation request refused: %s", _json(answer.body).get("error"))
                else:
                    outcome = "failed"
                    log.warning("hybridctl: escalation request not filed: %s", answer.error or answer.status)
                self.counted(role, outcome)
                self._pending.task_done()

    def wait(self) -> None:
        """Until every filing offered so far was sent (tests, and a clean shutdown)."""
        self._pending.join()


def _json(body: bytes) -> dict[str, Any]:
    try:
        parsed = json.loads(body)
    except ValueError:
        return {}
    return parsed if isinstance(parsed, dict) else {}
