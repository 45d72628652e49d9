"""Approval grants, and the router escalating a task that needs approval only
with a valid, unexpired grant for its role."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from pathlib import Path
from typing import Any

import pytest

from hybridctl.routing.grants import Grant, check_grant, read_grant, sign_grant
from hybridctl.routing.router import Route, Router
from tests.helpers import CONFIGS

KEY = b"k" * 40
OTHER_KEY = b"o" * 40
NOW = 1_800_000_000.0
TASK = {"affected_services": 4, "security_impact": "auth_bypass"}  # 0.3 + 0.4 >= 0.5


def bundle(change: Any = None) -> dict[str, Any]:
    config = json.loads((CONFIGS / "model-config.json").read_text())
    if change is not None:
        change(config)
    return {"rollout_id": "r", "weight": 0, "stable": {"modelConfig": config}}


def test_a_grant_is_what_the_documented_format_says() -> None:
    token = sign_grant(KEY, Grant("esc-0a1b2c3d", "architect", 1_800_003_600))
    version, payload, signature = token.split(".")
    assert version == "hxg1"
    decoded = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    assert decoded == {"id": "esc-0a1b2c3d", "role": "architect", "exp": 1_800_003_600}
    mac = hmac.new(KEY, f"{version}.{payload}".encode(), hashlib.sha256).digest()
    assert signature == base64.urlsafe_b64encode(mac).rstrip(b"=").decode()


def test_a_grant_is_refused_when_altered_signed_elsewhere_expired_or_for_another_role() -> None:
    token = sign_grant(KEY, Grant("esc-0a1b2c3d", "architect", int(NOW) + 60))
    assert check_grant(token, KEY, "architect", NOW) == (
        Grant("esc-0a1b2c3d", "architect", int(NOW) + 60),
        "",
    )
    version, _, signature = token.split(".")
    stretched = base64.urlsafe_b64encode(
        json.dumps({"id": "esc-0a1b2c3d", "role": "architect", "exp": int(NOW) + 10**6}).encode()
    ).rstrip(b"=")
    assert "signature" in check_grant(f"{version}.{stretched.decode()}.{signature}", KEY, "architect", NOW)[1]
    assert "signature" in check_grant(token, OTHER_KEY, "architect", NOW)[1]
    assert check_grant(token, KEY, "architect", NOW + 60)[1] == "grant esc-0a1b2c3d expired"
    assert "for role 'architect', not 'integrator'" in check_grant(token, KEY, "integrator", NOW)[1]
    assert "no grant key" in check_grant(token, None, "architect", NOW)[1]
    for junk in (None, "", 42, "hxg1", "x" * 5000, "hxg2.a.b", ["hxg1"]):
        grant, why = read_grant(junk, KEY)
        assert grant is None and why


def routed(
    task: dict[str, Any] | None, role: str = "architect", *, key: bytes | None = KEY, change: Any = None
) -> Route:
    return Router(bundle(change), grant_key=key, clock=lambda: NOW).route(role, "u-1", task)


def test_the_router_escalates_a_task_that_needs_approval_only_with_a_valid_grant_for_its_role() -> None:
    good = sign_grant(KEY, Grant("esc-0a1b2c3d", "architect", int(NOW) + 60))
    with_grant = routed({**TASK, "approval": good})
    assert (with_grant.model, with_grant.escalated, with_grant.grant, with_grant.held) == (
        "claude-4.1-opus",
        True,
        "esc-0a1b2c3d",
        "",
    )

    without = routed(TASK)
    assert (without.model, without.escalated, without.held) == ("glm-4.5", False, "no grant")
    assert without.criteria == ("multiServiceImpact", "securityCritical") and without.score == 0.7

    expired = routed({**TASK, "approval": sign_grant(KEY, Grant("esc-0a1b2c3d", "architect", int(NOW)))})
    assert expired.model == "glm-4.5" and expired.held == "grant esc-0a1b2c3d expired"

    other_role = routed({**TASK, "approval": good}, "integrator")
    assert other_role.model == "glm-4.5" and "not 'integrator'" in other_role.held

    no_key = routed({**TASK, "approval": good}, key=None)
    assert no_key.model == "glm-4.5" and "no grant key" in no_key.held


def test_a_grant_does_not_escalate_a_task_that_does_not_meet_the_criteria() -> None:
    good = sign_grant(KEY, Grant("esc-0a1b2c3d", "architect", int(NOW) + 60))
    route = routed({"affected_services": 1, "approval": good})
    assert (route.model, route.escalated, route.grant, route.held) == ("glm-4.5", False, "", "")


def test_approval_limited_to_roles_and_criteria_leaves_other_escalations_alone() -> None:
    def only_security_on_architect(config: dict[str, Any]) -> None:
        config["escalation"]["approval"]["roles"] = ["architect"]
        config["escalation"]["approval"]["criteria"] = ["securityCritical"]

    change = only_security_on_architect
    # integrator: not listed, escalates at once
    assert routed(TASK, "integrator", change=change).model == "claude-4.1-opus"
    # architect without securityCritical: 0.3 + 0.2 (performance) escalates without approval
    plain = {"affected_services": 4, "performance_requirement": 2.0}
    assert routed(plain, change=change).model == "claude-4.1-opus"
    # architect with securityCritical: held
    assert routed(TASK, change=change).held == "no grant"


def test_without_an_approval_section_escalations_need_no_grant() -> None:
    def no_approval(config: dict[str, Any]) -> None:
        del config["escalation"]["approval"]

    route = routed(TASK, change=no_approval, key=None)
    assert (route.model, route.escalated, route.held) == ("claude-4.1-opus", True, "")


@pytest.mark.parametrize("path", [CONFIGS / "model-config.json"])
def test_the_shipped_config_reviews_every_escalation(path: Path) -> None:
    config = json.loads(path.read_text())
    approval = config["escalation"]["approval"]
    assert approval["teams"]["primary"]["timeoutSeconds"] == 1800
    assert approval["teams"]["secondary"]["timeoutSeconds"] == 3600
    assert "roles" not in approval and "criteria" not in approval


def test_a_grant_seen_before_is_still_refused_once_expired_or_for_another_role() -> None:
    now = [NOW]
    router = Router(bundle(), grant_key=KEY, clock=lambda: now[0])
    task = {**TASK, "approval": sign_grant(KEY, Grant("esc-0a1b2c3d", "architect", int(NOW) + 60))}
    assert router.route("architect", "u-1", task).grant == "esc-0a1b2c3d"
    assert router.route("architect", "u-2", task).grant == "esc-0a1b2c3d"  # its signature kept
    assert "not 'integrator'" in router.route("integrator", "u-1", task).held
    now[0] = NOW + 60
    assert router.route("architect", "u-1", task).held == "grant esc-0a1b2c3d expired"
