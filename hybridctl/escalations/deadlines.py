"""What a sweep does at a moment: the steps of each undecided request that
have come due since the last sweep, and the alerts to send again.

A sweep that runs late (cron stopped, a machine down) does not send a
stale reminder after its team's time is up: of the steps due together, only
the latest is sent, and the others are recorded as skipped. An alert no
hook took is sent again by the next sweeps while its step is the current
one, at most ``MAX_SENDS`` times in all.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any, NamedTuple

from hybridctl.escalations.queue import Request, Step
from hybridctl.times import format_utc

MAX_SENDS = 3  # an alert's deliveries, first included, before the sweep gives up on it


class Alert(NamedTuple):
    request: Request
    step: Step
    skipped: bool = False  # a later step was due as well: recorded, not sent
    retry: bool = False  # claimed before, no hook took it: sent again

    def claim(self, now: datetime) -> dict[str, Any]:
        """The event that records the step (a retry records only its delivery)."""
        made: dict[str, Any] = {
            "event": "alerted",
            "id": self.request.id,
            "step": self.step.name,
            "team": self.step.team,
            "time": format_utc(now),
            "due": format_utc(self.request.at(self.step)),
        }
        if self.skipped:
            made["skipped"] = True
        return made


def _sends(request: Request, step: str) -> int:
    return sum(1 for a in request.alerts if a.get("event") == "delivered" and a.get("step") == step)


def due_alerts(
    requests: Iterable[Request], now: datetime, reachable: Callable[[str], bool] = lambda team: True
) -> list[Alert]:
    """Every alert a sweep at ``now`` claims or sends again, request by request;
    an alert is sent again only to a team that has hooks (``reachable``)."""
    alerts: list[Alert] = []
    for request in requests:
        if request.decision is not None:
            continue
        schedule = request.schedule()
        claimed = request.claimed()
        due = [s for s in schedule if request.at(s) <= now and s.name not in claimed]
        if due:
            alerts.extend(Alert(request, step, skipped=True) for step in due[:-1])
            alerts.append(Alert(request, due[-1]))
            continue
        current = next((s for s in reversed(schedule) if s.name in claimed), None)
        if (
            current is not None
            and not request.delivered(current.name)
            and 0 < _sends(request, current.name) < MAX_SENDS
            and reachable(current.team)
        ):
            alerts.append(Alert(request, current, retry=True))
    return alerts
