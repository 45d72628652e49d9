"""Every legal and illegal transition, as a table."""

from __future__ import annotations

import pytest

from hybridctl.errors import RefusedError
from hybridctl.rollout.machine import Action, check, legal_actions
from hybridctl.rollout.state import RolloutState, Stage

A = Action
STATES = {
    "stable": RolloutState(stage=Stage.STABLE),
    "staged": RolloutState(stage=Stage.STAGED),
    "canary": RolloutState(stage=Stage.CANARY, weight=10),
    "paused staged": RolloutState(stage=Stage.STAGED, paused=True),
    "paused canary": RolloutState(stage=Stage.CANARY, weight=50, paused=True),
    "aborted": RolloutState(stage=Stage.ABORTED),
    "disabled canary": RolloutState(stage=Stage.CANARY, weight=10, enabled=False),
}
CONTROLS = {A.DISABLE, A.FORCE}  # the emergency controls: legal everywhere the switch is on
IN_FLIGHT = {A.PROMOTE, A.PROMOTE_FULL, A.CANARY_SET, A.PAUSE, A.ROLLBACK} | CONTROLS
LEGAL = {
    "stable": {A.STAGE, A.ROLLBACK} | CONTROLS,
    "staged": IN_FLIGHT,
    "canary": IN_FLIGHT,
    "paused staged": {A.RESUME, A.ROLLBACK} | CONTROLS,
    "paused canary": {A.RESUME, A.ROLLBACK} | CONTROLS,
    "aborted": {A.RETRY, A.STAGE, A.ROLLBACK} | CONTROLS,
    # The kill switch freezes the rollout: only enable, force and rollback.
    "disabled canary": {A.ENABLE, A.FORCE, A.ROLLBACK},
}
CASES = [(name, action) for name in STATES for action in Action]


@pytest.mark.parametrize("name, action", CASES, ids=[f"{n}-{a.value}" for n, a in CASES])
def test_transition_table(name: str, action: Action) -> None:
    state = STATES[name]
    if action in LEGAL[name]:
        check(state, action)
        return
    with pytest.raises(RefusedError) as refused:
        check(state, action)
    assert refused.value.exit_code == 3
    assert refused.value.hint is not None
    named = refused.value.hint.removeprefix("legal now: ").split(", ")
    assert set(named) - {"stage --force"} == {a.value for a in LEGAL[name]}


@pytest.mark.parametrize("name", ["staged", "canary", "paused canary"])
def test_stage_with_force_replaces_an_in_flight_candidate(name: str) -> None:
    check(STATES[name], A.STAGE, force=True)


def test_rollback_is_legal_from_every_state() -> None:
    assert all(A.ROLLBACK in legal_actions(state) for state in STATES.values())


def test_the_refusal_says_why() -> None:
    with pytest.raises(RefusedError, match="a candidate is in flight"):
        check(STATES["canary"], A.STAGE)


def test_a_refusal_while_paused_says_paused_once_and_how_to_go_on() -> None:
    with pytest.raises(RefusedError) as refused:
        check(STATES["paused canary"], A.PROMOTE)

    said = "cannot promote: the rollout is paused at canary 50%; resume hands it back"
    assert refused.value.message == said
    assert refused.value.hint == "legal now: resume, rollback, disable, force"
