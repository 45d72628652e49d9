"""What the gateway plug-in reads from a request and writes back into it,
free of LiteLLM so it can be tested on its own.

A client asks for its role (``"model": "architect"``). The request is routed
as the routing library routes it: the user's sticky bucket picks the variant
(the kill switch and forced models included), the task context may escalate
it, and the chosen catalog model serves, with that route's fallbacks. The
routing decision is written into the request's metadata and tags, so LiteLLM's
own logs and callbacks carry the role, variant, model and rollout.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable, Mapping
from typing import Any, NamedTuple

from hybridctl.routing.router import Router

USER_HEADER = "x-hybridctl-user"
TASK_HEADER = "x-hybridctl-task"
MAX_TASK_BYTES = 16 << 10  # a task context is a few fields
METADATA_KEY = "hybridctl"


class NotDeployed(Exception):
    """The route chose a model this gateway does not deploy: the request keeps the
    role's own entry (stable, as rendered). Re-render the proxy config after a
    catalog change."""

    def __init__(self, role: str, model: str) -> None:
        super().__init__(f"role {role!r} routed to {model!r}, which this gateway does not deploy")
        self.role = role
        self.model = model


class Routed(NamedTuple):
    """One request's routing decision, as the plug-in's events read it back."""

    request: str  # an id of hybridctl's own: every event of one request carries it
    role: str
    variant: str
    model: str  # the catalog model routed to
    escalated: bool
    rollout: str
    started: float  # time.time() when routed
    grant: str = ""  # the approved escalation request it went on
    held: str = ""  # why an escalation that needs approval was not served: no valid grant

    def labels(self) -> tuple[str, str, str, str]:
        """The metric labels: role, variant, model, rollout_id."""
        return (self.role, self.variant, self.model, self.rollout)

    def tags(self) -> list[str]:
        """LiteLLM request tags, as ``hybridctl report --input-format litellm`` reads them."""
        tags = [
            f"role:{self.role}",
            f"variant:{self.variant}",
            f"model:{self.model}",
            f"rollout:{self.rollout}",
        ]
        if self.grant:
            tags.append(f"approval:{self.grant}")
        return [*tags, "escalated"] if self.escalated else tags


def headers_of(data: Mapping[str, Any]) -> dict[str, str]:
    """The client's HTTP headers, lower-cased, as the proxy passes them on."""
    for holder in (data.get("proxy_server_request"), data.get("metadata")):
        headers = holder.get("headers") if isinstance(holder, Mapping) else None
        if isinstance(headers, Mapping):
            return {str(k).lower(): str(v) for k, v in headers.items()}
    return {}


def request_user(data: Mapping[str, Any], key_alias: str | None) -> str:
    """Who the request is for: its ``user`` field, else the x-hybridctl-user
    header, else the API key's alias; "" when none (everyone alike: one bucket)."""
    user = data.get("user")
    if isinstance(user, str) and user:
        return user
    header = headers_of(data).get(USER_HEADER, "")
    if header:
        return header
    return key_alias or ""


def request_task(data: Mapping[str, Any]) -> dict[str, Any] | None:
    """The task context escalation scores: ``metadata.task``, else the JSON
    object in the x-hybridctl-task header; None when neither is a JSON object."""
    metadata = data.get("metadata")
    task = metadata.get("task") if isinstance(metadata, Mapping) else None
    if isinstance(task, dict):
        return task
    header = headers_of(data).get(TASK_HEADER)
    if not header or len(header) > MAX_TASK_BYTES:
        return None
    try:
        parsed = json.loads(header)
    except (ValueError, RecursionError):
        return None
    return parsed if isinstance(parsed, dict) else None


def route_request(
    data: dict[str, Any],
    router: Router,
    *,
    key_alias: str | None,
    deployed: Callable[[str], bool],
) -> Routed | None:
    """Route a request that asks for a role, rewriting ``data`` in place; None
    (``data`` untouched) for any other model name. NotDeployed (``data``
    untouched) for a route to a model this gateway does not deploy."""
    role = data.get("model")
    candidate_roles = router.candidate.roles if router.candidate is not None else {}
    if not isinstance(role, str) or (role not in router.stable.roles and role not in candidate_roles):
        return None
    rollout = router.rollout_id
    try:
        route = router.route(role, request_user(data, key_alias), request_task(data))
    except KeyError:  # a role the candidate dropped: its users stay on the role's entry
        return None
    if not deployed(route.model):
        raise NotDeployed(role, route.model)
    routed = Routed(
        uuid.uuid4().hex,
        role,
        route.variant,
        route.model,
        route.escalated,
        rollout,
        time.time(),
        route.grant,
        route.held,
    )
    data["model"] = route.model
    data["fallbacks"] = [m for m in route.fallbacks if deployed(m)]
    metadata = data.get("metadata")
    if not isinstance(metadata, dict):
        metadata = data["metadata"] = {}
    metadata[METADATA_KEY] = routed._asdict()
    tags = metadata.get("tags")
    metadata["tags"] = [*(tags if isinstance(tags, list) else []), *routed.tags()]
    return routed


def routed_of(metadata: Any) -> Routed | None:
    """The decision ``route_request`` wrote, read back from an event's metadata."""
    if not isinstance(metadata, Mapping):
        return None
    saved = metadata.get(METADATA_KEY)
    if not isinstance(saved, Mapping):
        return None
    try:
        return Routed(**{field: saved[field] for field in Routed._fields})
    except (KeyError, TypeError):
        return None
