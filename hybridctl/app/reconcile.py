"""Automated analysis: measure the current step on live metrics, and take the
action the measurement calls for, the way Argo Rollouts' analysis runs do.

A measurement is the gates' verdict plus the rollback triggers, from the
metrics provider in settings (a Prometheus server, or usage events). Each one
is recorded in the store, so ``history`` shows why the rollout moved:

- a failed measurement (a gate fails, or a rollback trigger holds): after
  ``failureLimit`` of them in a row, an automatic rollback;
- a trigger that stable breaks as well: an automatic pause (an incident, not
  a bad candidate; the pause reaches the hooks);
- a hold for lack of data (no data, metrics unreachable, impossible figures):
  after ``inconclusiveLimit`` in a row, or ``maxInconclusiveMinutes`` of them,
  an automatic pause for a person; never a pass;
- a hold for lack of evidence (too few requests yet, or an interval that
  still straddles a limit): recorded, and measured again at the next
  interval; the confidence sequences stay valid however many times;
- a go: promotion once the step's soak time has passed.

``reconcile`` measures without holding the lock (a slow metrics server must
never block a person's rollback), then applies the decision under the lock
only if the rollout is still where the measurement found it.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any, NamedTuple

from hybridctl.analysis.measure import Measurement, measure
from hybridctl.analysis.source import NO_SOURCE_HINT
from hybridctl.app.delivery import Delivery, deliver
from hybridctl.app.workspace import Workspace
from hybridctl.config.model import Analysis
from hybridctl.errors import UsageError
from hybridctl.rollout.judge import soak_until
from hybridctl.rollout.machine import Action
from hybridctl.rollout.pausing import apply_pause
from hybridctl.rollout.promotion import apply_promotion
from hybridctl.rollout.revisions import step_of, variants_of
from hybridctl.rollout.rollback import apply_rollback
from hybridctl.rollout.state import RolloutState, Stage, StepAnalysis
from hybridctl.rollout.transaction import Transaction, TransitionResult, load_state
from hybridctl.store.setup import settle_races
from hybridctl.times import format_utc, utc_now

# What a reconcile did; the ones a person must look at exit 1.
WAITED, PROMOTED, COMPLETED, IDLE = "waited", "promoted", "completed", "idle"
ROLLED_BACK, PAUSED, HELD = "rolled-back", "paused", "held"
NEEDS_A_PERSON = (ROLLED_BACK, PAUSED, HELD)


class ReconcileResult(NamedTuple):
    outcome: str  # waited, promoted, completed, idle, rolled-back, paused, held
    summary: str
    state: RolloutState  # after
    measurement: Measurement | None
    transition: TransitionResult | None
    next_measurement: datetime | None = None

    @property
    def needs_a_person(self) -> bool:
        return self.outcome in NEEDS_A_PERSON

    @property
    def moved(self) -> TransitionResult | None:
        """The transition this reconcile applied, if any (a measurement alone moves nothing)."""
        done = self.transition
        if done is None or done.status != "applied" or done.action == Action.ANALYSIS.value:
            return None
        return done

    def to_dict(self) -> dict[str, Any]:
        return {
            "version": 1,
            "outcome": self.outcome,
            "needs_a_person": self.needs_a_person,
            "summary": self.summary,
            "state": self.state.to_dict(),
            "measurement": None if self.measurement is None else self.measurement.to_dict(),
            "transition": None if self.transition is None else self.transition.to_dict(),
            "next_measurement": None if self.next_measurement is None else format_utc(self.next_measurement),
        }


# -- deciding -----------------------------------------------------------------------


def _counted(analysis: StepAnalysis, measurement: Measurement, now: datetime) -> StepAnalysis:
    """The step's counters after one more measurement: a hold counts towards a
    pause only when data is missing."""
    verdict = measurement.verdict
    failed = verdict == "fail"
    inconclusive = verdict == "hold" and not measurement.incidents and measurement.report.missing()
    return StepAnalysis(
        measurements=analysis.measurements + 1,
        failures=analysis.failures + 1 if failed else 0,
        inconclusive=analysis.inconclusive + 1 if inconclusive else 0,
        inconclusive_since=(analysis.inconclusive_since or now) if inconclusive else None,
        last_measured=now,
        last_verdict=verdict,
    )


def due_at(state: RolloutState, interval_s: float) -> datetime | None:
    """When the step's next measurement is due: one interval after the last
    one, or after the step began (its traffic needs time to add up)."""
    if not state.in_flight or state.paused or not state.enabled or state.stage is Stage.STAGED:
        return None
    base = state.analysis.last_measured or state.step_started
    return None if base is None else base + timedelta(seconds=interval_s)


def _quiet(state: RolloutState) -> ReconcileResult | None:
    """Nothing to measure: no rollout in flight, paused, or the kill switch on."""
    if not state.enabled:
        return ReconcileResult(
            HELD, "the kill switch is on; hybridctl enable --reason '...' resumes", state, None, None
        )
    if not state.in_flight:
        what = "the last rollout was rolled back" if state.stage is Stage.ABORTED else "no rollout in flight"
        return ReconcileResult(IDLE, f"nothing to do: {what}", state, None, None)
    if state.paused:
        return ReconcileResult(
            HELD, "the rollout is paused; hybridctl resume --reason '...' hands it back", state, None, None
        )
    return None


def reconcile(
    workspace: Workspace, *, interval_s: float | None = None, now: datetime | None = None
) -> ReconcileResult:
    """One measurement (when one is due) and the action it calls for.
    ``interval_s`` overrides rollout.analysis.intervalSeconds."""
    now = now or utc_now()
    store = workspace.open_store()
    state = load_state(store)
    quiet = _quiet(state)
    if quiet is not None:
        return quiet
    if not workspace.measuring.can_measure():  # before the first move: nothing starts that cannot be judged
        raise UsageError(
            "rollout reconcile has nothing to measure the canary on: no [metrics] source "
            "and no usage files in settings",
            hint=NO_SOURCE_HINT,
        )
    if state.stage is Stage.STAGED:
        return _apply(workspace, state, None, interval_s, now)
    variants = variants_of(store, state, workspace)
    interval = variants.strategy.analysis.interval_s if interval_s is None else interval_s
    at = due_at(state, interval)
    if at is not None and at > now:
        last = state.analysis
        seen = (
            f"measured {format_utc(last.last_measured)} ({last.last_verdict})"
            if last.last_measured
            else f"step began {format_utc(state.step_started or now)}"
        )
        return ReconcileResult(WAITED, f"{seen}; next measurement at {format_utc(at)}", state, None, None, at)
    measured = measure(workspace.measuring, step_of(state), variants, now)
    return _apply(workspace, state, measured, interval_s, now)


def _apply(
    workspace: Workspace,
    seen: RolloutState,
    measurement: Measurement | None,
    interval_s: float | None,
    now: datetime,
) -> ReconcileResult:
    """Under the lock: record the measurement and act on it, unless the rollout
    moved while it was taken (then the measurement is stale, and dropped)."""
    with workspace.mutation("rollout reconcile") as store:
        state = load_state(store)
        if state != seen:
            return ReconcileResult(
                WAITED, "the rollout moved while it was measured; nothing done", state, None, None
            )
        settings = variants_of(store, state, workspace).strategy.analysis
        interval = settings.interval_s if interval_s is None else interval_s

        def done(outcome: str, result: TransitionResult, measured: Measurement | None) -> ReconcileResult:
            return ReconcileResult(
                outcome, result.summary, result.after, measured, result, due_at(result.after, interval)
            )

        if measurement is None:  # staged: the first step needs no verdict (no canary traffic yet)
            txn = Transaction(workspace, store, Action.PROMOTE, "automatic: start the canary", now)
            txn.details = {"automatic": True}
            return done(PROMOTED, apply_promotion(txn), None)
        counted = _counted(state.analysis, measurement, now)
        decided = _decide(state, measurement, counted, settings, now)
        txn = Transaction(workspace, store, decided.action, decided.reason, now)
        txn.details = {"automatic": True, "analysis": {**measurement.to_dict(), "step": counted.to_dict()}}
        if decided.action is Action.ROLLBACK:
            return done(ROLLED_BACK, apply_rollback(txn), measurement)
        if decided.action is Action.PAUSE:
            return done(PAUSED, apply_pause(txn, True, analysis=counted), measurement)
        if decided.action is Action.PROMOTE:
            result = apply_promotion(txn, judged=measurement.report)
            return done(COMPLETED if result.after.stage is Stage.STABLE else PROMOTED, result, measurement)
        summary = f"{decided.reason} ({measurement.why()})"
        return done(
            WAITED, txn.record(state.with_(analysis=counted), kind="analysis", summary=summary), measurement
        )


class _Decision(NamedTuple):
    action: Action  # rollback, pause, promote, or analysis (recorded, then wait)
    reason: str


def _decide(
    state: RolloutState, measurement: Measurement, counted: StepAnalysis, settings: Analysis, now: datetime
) -> _Decision:
    """What a measurement calls for, given the step's counters after it: roll
    back at the failure limit, pause at the inconclusive limit (or after too
    long), promote a go once the soak is over, else record it and wait."""
    why, where, verdict = measurement.why(), f"at {state.weight}%", measurement.verdict
    if verdict == "fail" and counted.failures >= settings.failure_limit:
        return _Decision(Action.ROLLBACK, f"automatic rollback {where}: {why}")
    if measurement.incidents and not measurement.triggers:
        return _Decision(Action.PAUSE, f"automatic pause {where}: an incident, not the candidate: {why}")
    if counted.inconclusive:
        since = counted.inconclusive_since or now
        too_long = now - since >= timedelta(minutes=settings.max_inconclusive_minutes)
        if counted.inconclusive >= settings.inconclusive_limit or too_long:
            run = f"{counted.inconclusive} inconclusive measurement(s) since {format_utc(since)}"
            return _Decision(Action.PAUSE, f"automatic pause {where}: {run}: {why}")
    until = soak_until(state)
    if verdict == "go" and (until is None or now >= until):
        return _Decision(Action.PROMOTE, f"automatic promote {where}: {why}")
    if verdict == "go" and until is not None:
        waiting = f"soaking until {format_utc(until)}"
    elif verdict == "fail":
        waiting = f"failure {counted.failures} of {settings.failure_limit} before a rollback"
    elif counted.inconclusive:
        waiting = f"no data {counted.inconclusive} of {settings.inconclusive_limit} before a pause"
    else:
        waiting = "more requests needed; measured again at the next interval"
    return _Decision(Action.ANALYSIS, f"measurement {counted.measurements} {where}: {verdict}; {waiting}")


reconcile = settle_races(reconcile)  # on a shared store, measured and decided again on top of theirs


# -- running until the rollout ends -------------------------------------------------

TIMED_OUT, NOTHING = "timed-out", "nothing"


class RunStep(NamedTuple):
    """One turn of ``run``: what reconcile did, and its delivery."""

    result: ReconcileResult
    delivery: Delivery | None
    at: datetime
    deadline: datetime | None


class RunResult(NamedTuple):
    outcome: str  # completed, rolled-back, paused, held, timed-out, nothing
    turns: int
    last: ReconcileResult
    delivered: bool  # every transition reached every target

    def to_dict(self) -> dict[str, Any]:
        return {
            "version": 1,
            "outcome": self.outcome,
            "turns": self.turns,
            "delivered": self.delivered,
            "last": self.last.to_dict(),
        }


def run(
    workspace: Workspace,
    *,
    interval_s: float | None = None,
    timeout_s: float | None = None,
    send: bool = True,
    on_turn: Callable[[RunStep], None] = lambda turn: None,
    sleep: Callable[[float], None] = time.sleep,
) -> RunResult:
    """Reconcile until the rollout completes, rolls back, pauses or times out;
    each transition is delivered to the targets and hooks as it happens."""
    started = utc_now()
    deadline = None if timeout_s is None else started + timedelta(seconds=timeout_s)
    delivered, turns = True, 0
    while True:
        result = reconcile(workspace, interval_s=interval_s)
        turns += 1
        delivery = None if result.moved is None else deliver(workspace, result.moved, send=send)
        delivered = delivered and (delivery is None or delivery.ok)
        on_turn(RunStep(result, delivery, utc_now(), deadline))
        if result.outcome in (COMPLETED, ROLLED_BACK, PAUSED, HELD):
            return RunResult(result.outcome, turns, result, delivered)
        if result.outcome == IDLE:
            ended = (
                NOTHING if turns == 1 else ROLLED_BACK if result.state.stage is Stage.ABORTED else COMPLETED
            )
            return RunResult(ended, turns, result, delivered)
        now = utc_now()
        if deadline is not None and now >= deadline:
            return RunResult(TIMED_OUT, turns, result, delivered)
        wait = (result.next_measurement - now).total_seconds() if result.next_measurement else 1.0
        if deadline is not None:
            wait = min(wait, (deadline - now).total_seconds())
        sleep(max(wait, 0.05))
