"""What the plug-in does to a request, without LiteLLM: the role asked for is
routed as the routing library routes it (sticky split, kill switch, forced
models, escalation), and the decision is written where LiteLLM's logs carry
it. Buckets are worked out here from the documented rule, with mmh3."""

from __future__ import annotations

import json
import time
from typing import Any

import mmh3
import pytest

from hybridctl.gateway.requests import (
    NotDeployed,
    request_task,
    request_user,
    route_request,
    routed_of,
)
from hybridctl.routing.grants import Grant, sign_grant
from hybridctl.routing.router import Router
from tests.gateway.helpers import CHEAP, ROLLOUT, make_bundle


def bucket(user: str) -> int:
    return mmh3.hash(f"{ROLLOUT}:{user}", 0, signed=False) % 100 + 1


def ask(role: str, user: str | None = None, **extra: Any) -> dict[str, Any]:
    data: dict[str, Any] = {"model": role, "messages": [{"role": "user", "content": "hi"}], **extra}
    if user is not None:
        data["user"] = user
    return data


def everything(_: str) -> bool:
    return True


def test_a_role_is_routed_by_the_users_bucket_and_the_decision_travels_with_the_request() -> None:
    router = Router(make_bundle(weight=10))
    users = [f"u-{n}" for n in range(2000)]

    routed = {}
    for user in users:
        data = ask("critic", user)
        decision = route_request(data, router, key_alias=None, deployed=everything)
        assert decision is not None and data["model"] == decision.model
        assert routed_of(data["metadata"]) == decision
        routed[user] = decision

    assert {u for u, d in routed.items() if d.variant == "candidate"} == {u for u in users if bucket(u) <= 10}
    assert all(d.model == CHEAP for d in routed.values() if d.variant == "candidate")
    assert all(d.model == "glm-4.5" for d in routed.values() if d.variant == "stable")
    one = routed["u-1"]
    data = ask("critic", "u-1", metadata={"tags": ["team:a"]})
    route_request(data, router, key_alias=None, deployed=everything)
    assert data["metadata"]["tags"][0] == "team:a"
    assert f"variant:{one.variant}" in data["metadata"]["tags"] and "role:critic" in data["metadata"]["tags"]
    assert f"rollout:{ROLLOUT}" in data["metadata"]["tags"]


def test_the_user_is_the_user_field_else_the_header_else_the_keys_alias() -> None:
    header = {"proxy_server_request": {"headers": {"X-Hybridctl-User": "from-header"}}}

    assert request_user({"user": "from-field", **header}, "alias") == "from-field"
    assert request_user(header, "alias") == "from-header"
    assert (
        request_user({"metadata": {"headers": {"x-hybridctl-user": "in-metadata"}}}, "alias") == "in-metadata"
    )
    assert request_user({}, "alias") == "alias"
    assert request_user({"user": ""}, None) == ""


@pytest.mark.parametrize(
    "data, expected",
    [
        ({"metadata": {"task": {"complexity_score": 0.9}}}, {"complexity_score": 0.9}),
        (
            {"proxy_server_request": {"headers": {"x-hybridctl-task": '{"security_impact": "x"}'}}},
            {"security_impact": "x"},
        ),
        ({"proxy_server_request": {"headers": {"x-hybridctl-task": "not json"}}}, None),
        ({"proxy_server_request": {"headers": {"x-hybridctl-task": "[1, 2]"}}}, None),
        ({"proxy_server_request": {"headers": {"x-hybridctl-task": "[" * 100_000}}}, None),
        ({"metadata": {"task": "a string"}}, None),
        ({}, None),
    ],
)
def test_the_task_context_is_metadata_task_else_a_json_object_header(
    data: dict[str, Any], expected: dict[str, Any] | None
) -> None:
    assert request_task(data) == expected


def test_a_task_that_meets_the_criteria_escalates_with_its_grant_and_is_tagged() -> None:
    key = b"r" * 32
    router = Router(make_bundle(weight=0), grant_key=key)
    grant = sign_grant(key, Grant("esc-00c0ffee", "architect", int(time.time()) + 600))
    task = {"affected_services": ["a", "b", "c"], "security_impact": "data_breach", "approval": grant}
    data = ask("architect", "u-1", metadata={"task": task})

    decision = route_request(data, router, key_alias=None, deployed=everything)

    assert decision is not None and decision.escalated and data["model"] == "claude-4.1-opus"
    assert decision.grant == "esc-00c0ffee"
    assert {"escalated", "approval:esc-00c0ffee"} <= set(data["metadata"]["tags"])
    assert data["fallbacks"] == [
        "glm-4.5",
        "openrouter/sonoma-sky-alpha",
        "meta-llama/llama-3.2-3b-instruct:free",
    ]


def test_the_kill_switch_and_forced_models_are_honoured() -> None:
    users = [f"u-{n}" for n in range(300)]
    off = Router(make_bundle(weight=50, enabled=False))
    forced = Router(make_bundle(weight=50, forced={"critic": "claude-4.1-opus"}))

    def models(router: Router, role: str) -> set[str]:
        chosen = set()
        for user in users:
            data = ask(role, user)
            route_request(data, router, key_alias=None, deployed=everything)
            chosen.add(data["model"])
        return chosen

    assert models(off, "critic") == {"glm-4.5"}
    assert models(forced, "critic") == {"claude-4.1-opus"}
    assert models(forced, "implementer") == {"glm-4.5"}


def test_other_model_names_pass_untouched() -> None:
    router = Router(make_bundle())
    data = ask("claude-4.1-opus", "u-1")
    before = json.dumps(data, sort_keys=True)

    assert route_request(data, router, key_alias=None, deployed=everything) is None
    assert json.dumps(data, sort_keys=True) == before


def test_a_route_to_a_model_not_deployed_keeps_the_roles_own_entry() -> None:
    router = Router(make_bundle(weight=100))
    data = ask("critic", "u-1")

    with pytest.raises(NotDeployed) as raised:
        route_request(data, router, key_alias=None, deployed=lambda model: model != CHEAP)

    assert (raised.value.role, raised.value.model) == ("critic", CHEAP)
    assert data["model"] == "critic" and "metadata" not in data


def test_fallbacks_not_deployed_are_left_out() -> None:
    router = Router(make_bundle(weight=0))
    data = ask("critic", "u-1")

    route_request(data, router, key_alias=None, deployed=lambda model: model != "openrouter/sonoma-sky-alpha")

    assert data["fallbacks"] == ["meta-llama/llama-3.2-3b-instruct:free"]


@pytest.mark.parametrize("metadata", [None, "x", {}, {"hybridctl": "x"}, {"hybridctl": {"role": "critic"}}])
def test_an_event_without_a_whole_decision_is_not_one_of_ours(metadata: Any) -> None:
    assert routed_of(metadata) is None
