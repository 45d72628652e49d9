"""One chat completion against an OpenAI-compatible endpoint (a provider's,
or a gateway's), bounded in size and time, retried on 5xx and timeouts by
the HTTP policy; the key from the environment, never shown."""

from __future__ import annotations

import json
import os
from collections.abc import Mapping, Sequence
from typing import Any, NamedTuple
from urllib.parse import urlsplit

from hybridctl.config.model import Pricing
from hybridctl.credentials import token_problem
from hybridctl.evals.assertions import Reply
from hybridctl.redaction import hold_secret
from hybridctl.remote.http import Caller
from hybridctl.urls import hold_url_secrets


class Endpoint(NamedTuple):
    """Where one model is asked: ``{base_url}/chat/completions`` with ``model``."""

    base_url: str
    model: str  # the name the endpoint knows the model by
    key_env: str | None  # the variable holding its key
    pricing: Pricing | None = None  # the catalog's, for the cost of an answer


def chat_url(base_url: str) -> str:
    """The chat completions URL of a base URL; Google's API answers the OpenAI
    protocol under /openai."""
    base = hold_url_secrets(base_url).rstrip("/")
    host = urlsplit(base).hostname or ""
    if host.endswith("generativelanguage.googleapis.com") and not base.endswith("/openai"):
        base += "/openai"
    return base + "/chat/completions"


def _key(endpoint: Endpoint) -> tuple[str | None, str | None]:
    if not endpoint.key_env:
        return None, None
    key = os.environ.get(endpoint.key_env)
    if not key:
        return None, f"{endpoint.key_env} is not set"
    hold_secret(key)
    problem = token_problem(key)
    return (None, f"the key in {endpoint.key_env} {problem}") if problem else (key, None)


def ask(
    http: Caller, endpoint: Endpoint, messages: Sequence[Mapping[str, str]], max_tokens: int | None
) -> Reply:
    """The model's answer to the messages, or why there is none."""
    key, problem = _key(endpoint)
    if problem is not None:
        return Reply(None, 0.0, None, problem)
    request: dict[str, Any] = {"model": endpoint.model, "messages": list(messages)}
    if max_tokens is not None:
        request["max_tokens"] = max_tokens
    headers = {"Content-Type": "application/json"}
    if key:
        headers["Authorization"] = f"Bearer {key}"
    answer = http.request(
        "POST", chat_url(endpoint.base_url), headers=headers, body=json.dumps(request).encode()
    )
    if answer.error is not None:
        return Reply(None, answer.latency_s, None, answer.error)
    if answer.status != 200:
        return Reply(None, answer.latency_s, None, f"HTTP {answer.status}")
    return _reply(answer.body, answer.latency_s, endpoint.pricing)


def _reply(body: bytes, latency_s: float, pricing: Pricing | None) -> Reply:
    try:
        data = json.loads(body)
        text = data["choices"][0]["message"]["content"]
    except (ValueError, RecursionError, KeyError, IndexError, TypeError):
        return Reply(None, latency_s, None, "not a chat completion")
    if not isinstance(text, str):
        return Reply(None, latency_s, None, "an answer without text")
    usage = data.get("usage") if isinstance(data, dict) else None
    cost = None
    if pricing is not None and isinstance(usage, dict):
        tokens = [usage.get("prompt_tokens"), usage.get("completion_tokens")]
        if all(isinstance(t, int) and not isinstance(t, bool) and t >= 0 for t in tokens):
            cost = pricing.request_cost(int(tokens[0]), int(tokens[1]))  # type: ignore[arg-type]
    return Reply(text, latency_s, cost)  # kept for the assertions only, never recorded
