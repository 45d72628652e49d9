"""Which moves are legal from which state. Pure: no files, no git.

    stable --stage--> staged --promote--> canary 10 --promote--> canary 50 --promote--> stable
                        |                   |  (canary set N, pause/resume)            (new stable)
                        +----rollback-------+--> aborted --retry--> canary (first step)

``rollback`` is legal everywhere: in flight it aborts; otherwise it undoes the
last promotion to 100%.
"""

from __future__ import annotations

from enum import Enum

from hybridctl.errors import RefusedError
from hybridctl.rollout.state import RolloutState, Stage


class Action(str, Enum):
    STAGE = "stage"
    PROMOTE = "promote"
    PROMOTE_FULL = "promote --full"
    CANARY_SET = "canary set"
    PAUSE = "pause"
    RESUME = "resume"
    ROLLBACK = "rollback"
    RETRY = "retry"
    DISABLE = "disable"
    ENABLE = "enable"
    FORCE = "force"
    ANALYSIS = "analysis"  # a measurement recorded by rollout reconcile; never a move of its own


# Emergency controls: legal in every state, they do not move the rollout.
CONTROLS = (Action.DISABLE, Action.FORCE)


def legal_actions(state: RolloutState) -> list[Action]:
    if not state.enabled:  # the kill switch freezes the rollout where it is
        return [Action.ENABLE, Action.FORCE, Action.ROLLBACK]
    return _moves(state) + list(CONTROLS)


def _moves(state: RolloutState) -> list[Action]:
    if state.stage is Stage.STABLE:
        return [Action.STAGE, Action.ROLLBACK]
    if state.stage is Stage.ABORTED:
        return [Action.RETRY, Action.STAGE, Action.ROLLBACK]
    if state.paused:
        return [Action.RESUME, Action.ROLLBACK]
    return [Action.PROMOTE, Action.PROMOTE_FULL, Action.CANARY_SET, Action.PAUSE, Action.ROLLBACK]


def describe(state: RolloutState) -> str:
    if state.stage is Stage.CANARY:
        where = f"at canary {state.weight}%"
        if state.plan and 0 <= state.step < len(state.plan):
            where += f" (step {state.step + 1} of {len(state.plan)})"
    elif state.stage is Stage.STAGED:
        where = "staged (weight 0)"
    else:
        where = state.stage.value
    where = f"paused {where}" if state.paused else where
    return where if state.enabled else f"{where}, disabled (kill switch: everyone on stable)"


def check(state: RolloutState, action: Action, *, force: bool = False) -> None:
    """Refuse (exit 3) a move that is not legal now, naming the ones that are."""
    if action is Action.STAGE and state.in_flight and force and state.enabled:
        return  # --force replaces an in-flight candidate
    legal = legal_actions(state)
    if action in legal:
        return
    moves = ", ".join(a.value for a in legal)
    why = ""
    if action is Action.STAGE and state.in_flight:
        why = " (a candidate is in flight: roll it back, or stage --force to replace it)"
        moves += ", stage --force"
    elif state.paused and action in (Action.PROMOTE, Action.PROMOTE_FULL, Action.CANARY_SET):
        why = "; resume hands it back"
    raise RefusedError(
        f"cannot {action.value}: the rollout is {describe(state)}{why}", hint=f"legal now: {moves}"
    )
