"""Notifications: every transition and control POSTs a JSON event to each hook
(Slack and Teams incoming webhooks read its `text`). A failed hook is
reported and retried, and never blocks anything."""

from __future__ import annotations

import json
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, NamedTuple
from urllib.parse import urlsplit

from hybridctl.redaction import hold_secret
from hybridctl.remote.http import Caller, Policy, fan_out, token_from
from hybridctl.urls import http_url


class Hook(NamedTuple):
    url: str  # empty when url_env names where it is
    header: str = "Authorization"  # where the token goes
    token_env: str | None = None  # the environment variable holding it, if the hook needs one
    url_env: str | None = None  # the variable holding the URL: a Slack or Teams webhook URL is a secret
    team: str | None = None  # an approval team it alerts of escalation requests; None: transitions

    def target(self) -> str | None:
        """The URL to call (held as a secret when it came from the environment,
        and checked like a URL in settings: exit 2 naming the variable)."""
        if self.url_env is None:
            return self.url
        value = os.environ.get(self.url_env)
        if not value:
            return None
        hold_secret(value)
        return http_url(value, f"{self.url_env} ([[notify]] url-env)")

    def check(self) -> None:
        """Refuse a hook that could not be called, before anything is recorded."""
        self.target()
        if self.token_env:
            token_from(self.token_env)

    def shown(self) -> str:
        """How messages name the hook: its origin only, since webhook URLs carry
        their credential in the path."""
        if self.url_env is not None:
            return f"${self.url_env}"
        try:
            parts = urlsplit(self.url)
            port = parts.port
        except ValueError:  # checked when settings are read; never a traceback here
            return "<a webhook URL that cannot be parsed>"
        return f"{parts.scheme}://{parts.hostname or ''}{f':{port}' if port else ''}/…"

    def headers(self) -> dict[str, str]:
        token = token_from(self.token_env) if self.token_env else None
        if token is None:
            return {}
        return {self.header: f"Bearer {token}" if self.header.lower() == "authorization" else token}


class Sent(NamedTuple):
    hook: str  # Hook.shown(): never the whole URL
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

    def one(http: Caller, hook: Hook) -> Sent:
        url = hook.target()
        if url is None:
            return Sent(hook.shown(), False, f"the variable {hook.url_env} is not set", 0)
        headers = {**hook.headers(), "Content-Type": "application/json"}
        answer = http.request("POST", url, headers=headers, body=body)
        if answer.error is None and answer.status is not None and 200 <= answer.status < 300:
            return Sent(hook.shown(), True, "delivered", answer.attempts)
        why = answer.error or f"HTTP {answer.status}"
        return Sent(hook.shown(), False, why, answer.attempts)

    for hook in hooks:
        hook.check()
    with Caller(ca_bundle, policy) as http:
        return fan_out(lambda hook: one(http, hook), hooks, policy.concurrency)
