"""The queue read back from events: who holds a request when, its deadlines,
its decision, and who may decide."""

from __future__ import annotations

from hybridctl.config.model import ApprovalPolicy, ApprovalTeam
from hybridctl.escalations.queue import decided_event, fold
from hybridctl.times import format_utc
from tests.escalations.helpers import POLICY, at, requested


def test_a_request_is_with_the_primary_team_then_the_secondary_then_expired() -> None:
    request = fold([requested("esc-00000001")])["esc-00000001"]
    assert [(s.name, s.team, s.at) for s in request.schedule()] == [
        ("created", "primary", 0.0),
        ("primary-reminder", "primary", 900.0),
        ("handover", "secondary", 1800.0),
        ("secondary-reminder", "secondary", 3600.0),
        ("expired", "secondary", 5400.0),
    ]
    assert (request.holder(at(1799)).name, request.deadline(at(1799))) == ("primary", at(1800))
    assert (request.holder(at(1800)).name, request.deadline(at(1800))) == ("secondary", at(5400))
    assert request.status(at(5399)) == "pending" and request.status(at(5400)) == "expired"


def test_without_a_secondary_team_a_request_expires_at_the_primary_timeout() -> None:
    alone = ApprovalPolicy(None, None, (ApprovalTeam("primary", None, 600),), None)
    request = fold([requested("esc-00000001", policy=alone)])["esc-00000001"]
    assert [s.name for s in request.schedule()] == ["created", "primary-reminder", "expired"]
    assert request.expires == at(600) and request.status(at(600)) == "expired"


def test_the_first_decision_stands_and_events_of_unknown_requests_are_passed_over() -> None:
    first = fold([requested("esc-00000001")])["esc-00000001"]
    approve = decided_event(first, "approved", actor="tech_lead", reason="ok", now=at(600))
    reject = decided_event(first, "rejected", actor="tech_lead", reason="no", now=at(700))
    stray = {**approve, "id": "esc-ffffffff"}
    broken = {"event": "requested", "id": "esc-00000002"}  # fields missing: not a request
    queue = fold([requested("esc-00000001"), stray, broken, approve, reject])
    assert list(queue) == ["esc-00000001"]
    decision = queue["esc-00000001"].decision
    assert decision is not None
    assert (decision.verdict, decision.team, decision.grant_expires) == (
        "approved",
        "primary",
        at(600 + 3600),
    )
    assert queue["esc-00000001"].review_seconds() == 600
    assert queue["esc-00000001"].status(at(10**6)) == "approved"


def test_deadlines_keep_the_timeouts_the_request_was_given() -> None:
    event = requested("esc-00000001")
    later_policy_change = POLICY._replace(teams=(ApprovalTeam("primary", None, 60),))
    assert later_policy_change.teams[0].timeout_s == 60
    request = fold([event])["esc-00000001"]
    assert request.expires == at(5400)
    assert request.to_dict(at(60))["deadline"] == format_utc(at(1800))


def test_the_holders_members_decide_and_after_the_handover_the_primarys_too() -> None:
    request = fold([requested("esc-00000001")])["esc-00000001"]
    assert request.may_decide("tech_lead", at(10)) and not request.may_decide("engineering_manager", at(10))
    assert request.may_decide("engineering_manager", at(1800)) and request.may_decide("tech_lead", at(1800))
    assert not request.may_decide("mallory", at(1800))
