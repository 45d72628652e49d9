"""Requests made as the store records them, at chosen moments."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

from hybridctl.config.model import ApprovalPolicy, ApprovalTeam
from hybridctl.escalations.queue import requested_event

T0 = datetime(2026, 12, 1, 9, 0, tzinfo=timezone.utc)
POLICY = ApprovalPolicy(
    None,
    None,
    (
        ApprovalTeam("primary", ("tech_lead",), 1800),
        ApprovalTeam("secondary", ("engineering_manager",), 3600),
    ),
    20,
    3600,
)


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def requested(request_id: str, seconds: float = 0, policy: ApprovalPolicy = POLICY) -> dict[str, Any]:
    return requested_event(
        request_id,
        role="architect",
        reason="auth redesign",
        requester="app",
        now=at(seconds),
        context={"affected_services": 4, "security_impact": "auth_bypass"},
        score=0.7,
        criteria=["multiServiceImpact", "securityCritical"],
        model="claude-4.1-opus",
        approval=policy,
    )
