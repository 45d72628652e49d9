"""Is each configured model served? ``GET {baseUrl}/models`` (the
OpenAI-compatible list every provider in the catalog offers) with the
provider's key from the environment, and each model's provider id looked up
in the answer."""

from __future__ import annotations

import json
import os
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any, NamedTuple
from urllib.parse import quote, urlsplit

from hybridctl.credentials import token_problem
from hybridctl.redaction import hold_secret
from hybridctl.remote.http import Answer, Caller, Policy, fan_out
from hybridctl.urls import hold_url_secrets, shown_url

OK, MISSING, UNREACHABLE, UNAUTHORIZED = "ok", "missing", "unreachable", "unauthorized"
MAX_PAGES = 20  # a provider that pages its list (Anthropic) is followed this far
# OpenRouter's list, with descriptions and prices of every model, is a few MB.
MAX_LIST_BYTES = 32 << 20


class Provider(NamedTuple):
    name: str
    base_url: str
    key_env: str | None  # the environment variable holding its API key


class ModelCheck(NamedTuple):
    provider: str
    model: str  # catalog id
    provider_model_id: str
    in_use: bool  # some role is served by it (primary, escalation or fallback)
    status: str  # ok, missing, unreachable, unauthorized
    why: str
    latency_s: float | None

    def to_dict(self) -> dict[str, Any]:
        return self._asdict()


class ProvidersReport(NamedTuple):
    results: list[ModelCheck]
    offline: bool = False

    @property
    def ok(self) -> bool:
        """Every model in use is served by a provider that answered."""
        return all(r.status == OK for r in self.results if r.in_use)

    def to_dict(self) -> dict[str, Any]:
        counts = {
            s: sum(r.status == s for r in self.results) for s in (OK, MISSING, UNREACHABLE, UNAUTHORIZED)
        }
        return {
            "version": 1,
            "ok": self.ok,
            "offline": self.offline,
            "counts": counts,
            "models": [r.to_dict() for r in self.results],
        }


class Listing(NamedTuple):
    """A provider's answer: the model ids it serves, or why there are none."""

    ids: frozenset[str]
    status: str
    why: str
    latency_s: float | None


def _headers(provider: Provider, key: str) -> dict[str, str]:
    """The key where the provider reads it: a bearer token (OpenAI-compatible), and
    Anthropic's and Google's own headers for their native endpoints."""
    headers = {"Authorization": f"Bearer {key}"}
    host = urlsplit(provider.base_url).hostname or ""
    if host.endswith("anthropic.com"):
        headers.update({"x-api-key": key, "anthropic-version": "2023-06-01"})
    if host.endswith("googleapis.com"):
        headers["x-goog-api-key"] = key
    return headers


def _page(answer: Answer) -> tuple[list[str], str | None] | None:
    try:
        body = json.loads(answer.body)
    except (ValueError, RecursionError):  # RecursionError: brackets nested past the parser's depth
        return None
    data = body.get("data", body.get("models")) if isinstance(body, dict) else None
    if not isinstance(data, list):
        return None
    ids = [
        str(m.get("id") or m.get("name"))
        for m in data
        if isinstance(m, dict) and (m.get("id") or m.get("name"))
    ]
    after = body.get("last_id") if body.get("has_more") else None
    return ids, after if isinstance(after, str) else None


def _key(provider: Provider) -> tuple[str | None, str | None]:
    """The provider's key from its variable, held as a secret, or why it cannot be used."""
    if not provider.key_env:
        return None, None
    key = os.environ.get(provider.key_env)
    if not key:
        return None, f"{provider.key_env} is not set"
    hold_secret(key)
    problem = token_problem(key)
    return (None, f"the key in {provider.key_env} {problem}") if problem else (key, None)


def _list(http: Caller, provider: Provider) -> Listing:
    key, problem = _key(provider)
    if problem is not None:
        return Listing(frozenset(), UNAUTHORIZED, problem, None)
    headers = _headers(provider, key) if key else {}
    url = hold_url_secrets(provider.base_url).rstrip("/") + "/models"
    shown = shown_url(url)
    ids: list[str] = []
    latency = 0.0
    after: str | None = None
    taken = 0
    for _ in range(MAX_PAGES):
        page_url = url if after is None else f"{url}?limit=1000&after_id={quote(after, safe='')}"
        answer = http.request("GET", page_url, headers=headers)
        latency += answer.latency_s
        if answer.error is not None:
            return Listing(frozenset(), UNREACHABLE, answer.error, latency)
        if answer.status in (401, 403):
            why = f"HTTP {answer.status}: the key in {provider.key_env or '(none)'} was refused"
            return Listing(frozenset(), UNAUTHORIZED, why, latency)
        if answer.status != 200:
            return Listing(frozenset(), UNREACHABLE, f"HTTP {answer.status} from {shown}", latency)
        taken += len(answer.body)
        if taken > MAX_LIST_BYTES:  # every page together, not only each one
            why = f"{shown} lists more than {MAX_LIST_BYTES >> 20} MiB of models (the limit)"
            return Listing(frozenset(), UNREACHABLE, why, latency)
        page = _page(answer)
        if page is None:
            return Listing(frozenset(), UNREACHABLE, f"{shown} did not answer with a model list", latency)
        ids.extend(page[0])
        after = page[1]
        if after is None:
            break
    return Listing(frozenset(ids), OK, f"{len(ids)} models listed", latency)


def served_as(model_id: str, listed: frozenset[str]) -> str | None:
    """The listed id that serves ``model_id``: itself, Google's ``models/`` form,
    or a dated release of an alias (claude-opus-4-1 -> claude-opus-4-1-20250805)."""
    for candidate in (model_id, f"models/{model_id}"):
        if candidate in listed:
            return candidate
    dated = re.compile(re.escape(model_id) + r"-\d{8}$")
    return next((found for found in sorted(listed, reverse=True) if dated.match(found)), None)


class Wanted(NamedTuple):
    model: str
    provider: str
    provider_model_id: str
    in_use: bool


def check(
    providers: Sequence[Provider],
    models: Sequence[Wanted],
    *,
    ca_bundle: Path | None = None,
    policy: Policy = Policy(attempts=2, timeout_s=10, max_bytes=MAX_LIST_BYTES),
) -> ProvidersReport:
    """Ask each provider once (all at once), then judge every model."""
    by_name = {p.name: p for p in providers}
    asked = [p for p in providers if any(m.provider == p.name for m in models)]
    with Caller(ca_bundle, policy) as http:
        listings = dict(
            zip(
                [p.name for p in asked],
                fan_out(lambda p: _list(http, p), asked, policy.concurrency),
                strict=True,
            )
        )
    results: list[ModelCheck] = []
    for model in models:
        listing = listings.get(model.provider)
        if model.provider not in by_name or listing is None:
            status, why, latency = UNREACHABLE, f"provider {model.provider} has no baseUrl in providers", None
        elif listing.status != OK:
            status, why, latency = listing.status, listing.why, listing.latency_s
        else:
            found = served_as(model.provider_model_id, listing.ids)
            latency = listing.latency_s
            if found is None:
                status, why = MISSING, f"{model.provider} does not list {model.provider_model_id}"
            else:
                status, why = OK, "served" if found == model.provider_model_id else f"served as {found}"
        results.append(
            ModelCheck(
                model.provider, model.model, model.provider_model_id, model.in_use, status, why, latency
            )
        )
    return ProvidersReport(results)
