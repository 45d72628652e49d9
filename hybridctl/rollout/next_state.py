"""What each transition does to the rollout state, as pure functions: the
state before and the transition's inputs in, the state after out. The
transition modules add what is not pure (the lock, validation, the store)."""

from __future__ import annotations

from datetime import datetime

from hybridctl.rollout.state import CanaryStep, RolloutState, Snapshot, Stage, StepAnalysis


def step_for(plan: tuple[CanaryStep, ...], weight: int) -> int:
    """Index of the last plan step at or below a weight (-1 below the first)."""
    return max((i for i, step in enumerate(plan) if step.weight <= weight), default=-1)


def staged(
    before: RolloutState,
    candidate: Snapshot,
    *,
    plan: tuple[CanaryStep, ...],
    bucketing: str,
    now: datetime,
) -> RolloutState:
    """A new candidate recorded at weight 0; its rollout id names the day and the configs."""
    return before.with_(
        stage=Stage.STAGED,
        weight=0,
        paused=False,
        rollout_id=f"{now:%Y%m%d}-{candidate.digest[7:15]}",
        bucketing=bucketing,
        plan=plan,
        step=-1,
        step_started=now,
        candidate=candidate,
    )


def completed(state: RolloutState) -> RolloutState:
    """The candidate at 100%: the new stable; the old one can be rolled back to."""
    assert state.candidate is not None and state.stable is not None
    return RolloutState(
        stage=Stage.STABLE,
        stable=state.candidate,
        plan=state.plan,
        previous=(*state.previous, state.stable),
        rolled_back=state.rolled_back,
    )


def weighted(state: RolloutState, weight: int, now: datetime) -> RolloutState:
    """The candidate at ``weight`` percent (1-100), a new step from ``now``."""
    if weight >= 100:
        return completed(state)
    return state.with_(stage=Stage.CANARY, weight=weight, step=step_for(state.plan, weight), step_started=now)


def paused(state: RolloutState, pause: bool, analysis: StepAnalysis | None = None) -> RolloutState:
    """Paused or resumed. A resume gives the step's analysis a fresh start: a person has looked."""
    return state.with_(paused=pause, analysis=analysis or (state.analysis if pause else StepAnalysis()))


def retried(state: RolloutState, now: datetime) -> RolloutState:
    """The aborted candidate back at the plan's first step."""
    assert state.candidate is not None
    first = state.plan[0].weight if state.plan else 10
    return state.with_(
        stage=Stage.CANARY,
        weight=first,
        step=0 if state.plan else -1,
        step_started=now,
        paused=False,
        rolled_back=tuple(r for r in state.rolled_back if r != state.candidate.revision),
    )


def rolled_back(state: RolloutState, target: Snapshot, previous: tuple[Snapshot, ...]) -> RolloutState:
    """Serving ``target``: an in-flight candidate is aborted (kept for retry); after
    100%, ``target`` is stable again. ``previous``: the stables before the current
    one (oldest first); those after ``target`` leave the list."""
    assert state.stable is not None
    revisions = [s.revision for s in previous]
    kept = tuple(previous[: revisions.index(target.revision)]) if target.revision in revisions else previous
    taken_out = [] if target.revision == state.stable.revision else [state.stable.revision]
    if state.in_flight and state.candidate is not None:
        taken_out.append(state.candidate.revision)
    gone = (*state.rolled_back, *(r for r in taken_out if r not in state.rolled_back))
    if state.in_flight:
        return state.with_(
            stage=Stage.ABORTED, weight=0, paused=False, stable=target, previous=kept, rolled_back=gone
        )
    if state.stage is Stage.ABORTED:  # the aborted candidate stays available to retry
        return state.with_(stable=target, previous=kept, rolled_back=gone)
    return RolloutState(stage=Stage.STABLE, stable=target, plan=state.plan, previous=kept, rolled_back=gone)


def partly_rolled_back(state: RolloutState, candidate: Snapshot, now: datetime) -> RolloutState:
    """A new candidate (some roles back on stable's models) at the same weight."""
    return state.with_(candidate=candidate, step_started=now)


def switched(state: RolloutState, enabled: bool) -> RolloutState:
    """The kill switch: off, everyone on stable and the rollout frozen where it is."""
    return state.with_(enabled=enabled)


def forced(state: RolloutState, pins: dict[str, str]) -> RolloutState:
    """Roles pinned to one model for everyone (``pins``: role -> catalog model)."""
    return state.with_(forced=tuple(sorted(pins.items())))
