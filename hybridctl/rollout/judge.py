"""Judging a step before more traffic goes to the candidate: its soak time,
then the gates (analysis/measure.py), for promote and canary set."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from hybridctl.analysis.gates import GateReport, GatesFailed, GatesInconclusive
from hybridctl.analysis.source import NO_USAGE_HINT, Measuring
from hybridctl.errors import RefusedError, UsageError
from hybridctl.rollout.revisions import step_of, variants_of
from hybridctl.rollout.state import RolloutState, Stage
from hybridctl.rollout.transaction import Transaction
from hybridctl.store.setup import Setup
from hybridctl.times import utc_now

if TYPE_CHECKING:
    from hybridctl.store.repo import Store


def gate_report(
    store: Store,
    state: RolloutState,
    usage: Sequence[Path],
    *,
    setup: Setup,
    measuring: Measuring,
    now: datetime | None = None,
) -> GateReport:
    """Gates on the current step, candidate against stable: on ``usage`` when
    given, else on the metrics provider or the usage files in settings."""
    from hybridctl.analysis.measure import measure  # usage logs and metrics: only a promotion judges

    variants = variants_of(store, state, setup)
    return measure(measuring, step_of(state), variants, now or utc_now(), usage).report


def soak_until(state: RolloutState) -> datetime | None:
    """When the current step may be left, by its minimum soak time."""
    if (
        state.stage is not Stage.CANARY
        or state.step_started is None
        or not (0 <= state.step < len(state.plan))
    ):
        return None
    return state.step_started + timedelta(hours=state.plan[state.step].min_soak_hours)


def guard_increase(txn: Transaction, usage: Sequence[Path], force: bool) -> GateReport | None:
    """Soak time and gates before more traffic goes to the candidate (only once it has some)."""
    state = txn.before
    if state.weight == 0:
        return None  # staged: no canary traffic to judge yet
    until = soak_until(state)
    if until is not None and txn.now < until:
        if not force:
            raise RefusedError(
                f"step {state.step + 1} must soak until {until:%Y-%m-%d %H:%M} UTC "
                f"({state.plan[state.step].min_soak_hours:g} h from its start)",
                hint="wait (hybridctl rollout plan shows when), or --force --reason '...'",
            )
        txn.forced.append(f"soak time (until {until:%Y-%m-%d %H:%M} UTC)")
    if not txn.measuring.can_measure(usage):
        if not force:
            raise UsageError(
                "no usage input was given, so the gates cannot judge the candidate",
                hint=f"{NO_USAGE_HINT}; or --force --reason '...' to promote without a verdict",
            )
        txn.forced.append("gates (no usage input)")
        return None
    report = gate_report(txn.store, state, usage, setup=txn.workspace, measuring=txn.measuring, now=txn.now)
    if report.verdict != "go":
        if not force:
            refused = GatesFailed if report.verdict == "fail" else GatesInconclusive
            what = (
                "failed"
                if report.verdict == "fail"
                else "hold: no verdict yet (too little usage or evidence)"
            )
            raise refused(
                f"the gates {what}; the candidate stays at {state.weight}%",
                report,
                hint="see the gate table; --force --reason '...' overrides, and is recorded",
            )
        txn.forced.append(f"gates ({report.verdict})")
    return report
