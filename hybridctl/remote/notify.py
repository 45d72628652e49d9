"""Notifications: every transition and control POSTs a JSON event to each hook
(Slack and Teams incoming webhooks read its `text`). A failed hook is
reported and retried, and never blocks anything."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from hybridctl.remote.http import Policy, client, fan_out, request, token_from

if TYPE_CHECKING:
    import httpx


class Hook(NamedTuple):
    url: str
    header: str = "Authorization"  # where the token goes
    token_env: str | None = None  # the environment variable holding it, if the hook needs one

    def headers(self) -> dict[str, str]:
        token = token_from(self.token_env) if self.token_env else None
        if token is None:
            return {}
        return {self.header: f"Bearer {token}" if self.header.lower() == "authorization" else token}


class Sent(NamedTuple):
    url: str
    ok: bool
    why: str
    attempts: int

    def to_dict(self) -> dict[str, Any]:
        return self._asdict()


def notify(
    event: Mapping[str, object],
    hooks: Sequence[Hook],
    *,
    ca_bundle: Path | None = None,
    policy: Policy = Policy(),
) -> list[Sent]:
    if not hooks:
        return []
    body = json.dumps(event, ensure_ascii=False).encode()

    def one(http: httpx.Client, hook: Hook) -> Sent:
        headers = {**hook.headers(), "Content-Type": "application/json"}
        answer = request(http, "POST", hook.url, policy=policy, headers=headers, body=body)
        if answer.error is None and answer.status is not None and 200 <= answer.status < 300:
            return Sent(hook.url, True, "delivered", answer.attempts)
        why = answer.error or f"HTTP {answer.status}"
        return Sent(hook.url, False, why, answer.attempts)

    with client(ca_bundle, policy) as http:
        return fan_out(lambda hook: one(http, hook), hooks, policy.concurrency)
