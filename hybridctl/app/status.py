"""What the rollout is doing: status for people and CI, and the plan ahead."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, NamedTuple, TypedDict

from hybridctl.analysis.gates import GateReport
from hybridctl.analysis.triggers import judge_triggers
from hybridctl.app.delivery import remote_status
from hybridctl.app.workspace import Workspace
from hybridctl.config.document import LoadFailed
from hybridctl.config.model import Strategy
from hybridctl.config.snapshot import ConfigFiles
from hybridctl.errors import UsageError
from hybridctl.remote.push import PushReport
from hybridctl.rollout.judge import gate_report, soak_until
from hybridctl.rollout.machine import describe, legal_actions
from hybridctl.rollout.revisions import trusted
from hybridctl.rollout.state import CanaryStep, RolloutState, Snapshot, Stage
from hybridctl.rollout.transaction import load_state
from hybridctl.store.records import digest_files
from hybridctl.times import format_utc, utc_now


class RoleModels(TypedDict):
    primary: str
    escalation: str | None
    fallbacks: list[str]


def _roles(strategy: Strategy | None) -> dict[str, RoleModels]:
    if strategy is None:
        return {}
    return {
        name: {
            "primary": role.primary,
            "escalation": role.escalation_model,
            "fallbacks": strategy.fallback_chain(name),
        }
        for name, role in strategy.roles.items()
    }


class StatusResult(NamedTuple):
    state: RolloutState
    stable_roles: dict[str, RoleModels]
    candidate_roles: dict[str, RoleModels]
    gates: GateReport | None
    rollback_recommended: list[str]
    time_in_step: timedelta | None
    soak_until: datetime | None
    legal: list[str]
    drift: str | None = None  # how the config directory differs from what is served
    remote: PushReport | None = None  # with --remote: what each target serves

    @property
    def healthy(self) -> bool:
        """Serving what the store says, as it says: an aborted rollout serves
        stable, which is healthy (the rollback is a fact, not a standing fault)."""
        failing = self.gates is not None and self.gates.verdict == "fail"
        return (
            not failing
            and not self.rollback_recommended
            and self.drift is None
            and (self.remote is None or self.remote.ok)
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "version": 1,
            "healthy": self.healthy,
            "summary": describe(self.state),
            "state": self.state.to_dict(),
            "models": {"stable": self.stable_roles, "candidate": self.candidate_roles},
            "gates": self.gates.to_dict() if self.gates else None,
            "rollback_recommended": self.rollback_recommended,
            "time_in_step_s": None if self.time_in_step is None else int(self.time_in_step.total_seconds()),
            "soak_until": None if self.soak_until is None else format_utc(self.soak_until),
            "legal": self.legal,
            "drift": self.drift,
            "remote": None if self.remote is None else self.remote.to_dict(),
        }


def status(
    workspace: Workspace, *, usage: Sequence[Path] = (), now: datetime | None = None, remote: bool = False
) -> StatusResult:
    now = now or utc_now()
    store = workspace.open_store()
    state = load_state(store)

    def strategy(snapshot: Snapshot | None) -> Strategy | None:
        if snapshot is None:
            return None
        record = store.at(snapshot.revision)
        files = ConfigFiles.from_mapping(store.configs_at(record))
        return files.strategy(trusted=trusted(workspace, record))

    report = None
    reasons: list[str] = []
    if state.stage is Stage.CANARY and workspace.measuring.can_measure(usage):
        report = gate_report(store, state, usage, setup=workspace, measuring=workspace.measuring, now=now)
        candidate_strategy = strategy(state.candidate)
        if candidate_strategy is not None:  # an incident (stable breaks it too) recommends no rollback
            triggers, gates = candidate_strategy.rollback_triggers, candidate_strategy.gates
            stable, candidate = report.stable, report.candidate
            reasons = judge_triggers(
                stable, candidate, report.results, report.savings, triggers, gates, report.savings_batches
            ).reasons
    started = state.step_started if state.in_flight else None
    if remote and not workspace.remote.targets:
        raise UsageError("no targets to ask", hint="targets = [...] in hybridctl.toml")
    return StatusResult(
        remote=remote_status(workspace) if remote else None,
        drift=_drift(workspace, state),
        state=state,
        stable_roles=_roles(strategy(state.stable)),
        candidate_roles=_roles(strategy(state.candidate)) if state.candidate else {},
        gates=report,
        rollback_recommended=reasons,
        time_in_step=None if started is None else now - started,
        soak_until=soak_until(state),
        legal=[a.value for a in legal_actions(state)],
    )


def _drift(workspace: Workspace, state: RolloutState) -> str | None:
    """Whether the config directory still holds the revision being served."""

    serving = state.serving
    if serving is None:
        return None
    try:
        working = workspace.read_configs()
    except (UsageError, OSError):
        return f"{workspace.shown} holds no config files; r{serving.revision} is being served"
    if digest_files(working)[1] == serving.digest:
        return None
    files = ConfigFiles.from_mapping(working)
    unreadable = [name for kind, name in files.names.items() if isinstance(files.document(kind), LoadFailed)]
    if unreadable:
        return (
            f"{', '.join(unreadable)} in {workspace.shown} cannot be parsed; "
            f"r{serving.revision} is being served (hybridctl validate shows why)"
        )
    side = "the candidate" if state.in_flight else "stable"
    return (
        f"{workspace.shown} differs from r{serving.revision} ({side}, being served): "
        "hybridctl diff shows the edits; stage them, back them up, or restore"
    )


class PlanStep(NamedTuple):
    weight: int
    min_soak_hours: float
    status: str  # done, current, next, pending
    earliest: datetime | None  # when this step may be entered


class PlanResult(NamedTuple):
    state: RolloutState
    steps: list[PlanStep]

    def to_dict(self) -> dict[str, Any]:
        return {
            "version": 1,
            "summary": describe(self.state),
            "steps": [
                {**s._asdict(), "earliest": None if s.earliest is None else format_utc(s.earliest)}
                for s in self.steps
            ],
        }


def plan(workspace: Workspace, *, now: datetime | None = None) -> PlanResult:
    """The plan's steps, then 100%, with the earliest time each may be entered
    if every step is promoted as soon as its soak time allows."""
    now = now or utc_now()
    state = load_state(workspace.open_store())
    steps = list(state.plan)
    if not steps:  # no rollout yet: the plan the working configs would use
        config = ConfigFiles.from_mapping(workspace.read_configs()).strategy()
        steps = [CanaryStep(w, h) for w, h in config.rollout_steps] if config else []
    weights = [(s.weight, s.min_soak_hours) for s in steps] + [(100, 0.0)]
    result: list[PlanStep] = []
    in_flight = state.in_flight
    earliest: datetime | None = now
    current_index = state.step if state.stage is Stage.CANARY else -1
    for index, (weight, soak) in enumerate(weights):
        if in_flight and index <= current_index:
            status = "current" if index == current_index else "done"
            entered = state.step_started if index == current_index else None
            result.append(PlanStep(weight, soak, status, entered))
            if index == current_index and state.step_started is not None:
                earliest = max(now, state.step_started + timedelta(hours=soak))
            continue
        status = "next" if in_flight and index == current_index + 1 else "pending"
        result.append(PlanStep(weight, soak, status, earliest if in_flight else None))
        if earliest is not None:
            earliest = earliest + timedelta(hours=soak)
    return PlanResult(state, result)
