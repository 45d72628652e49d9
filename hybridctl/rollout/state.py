"""The rollout state: where the candidate is on its way to 100%.

Each transition commits the state into the store (``state/rollout.json``)
together with the configs; that copy is authoritative. ``rollout.json`` in the
config directory is a mirror for people and applications, rewritten by every
transition, so a damaged or deleted mirror never blocks a rollback.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, replace
from datetime import datetime
from enum import Enum
from pathlib import Path
from typing import Any

from hybridctl.times import format_utc, parse_utc

STATE_FILE = "rollout.json"
STATE_VERSION = 2


class Stage(str, Enum):
    STABLE = "stable"  # no candidate
    STAGED = "staged"  # candidate recorded, weight 0, deployable to staging
    CANARY = "canary"  # candidate serves `weight` percent of users
    ABORTED = "aborted"  # candidate rolled back, kept for retry


@dataclass(frozen=True)
class Snapshot:
    revision: int
    digest: str


@dataclass(frozen=True)
class CanaryStep:
    weight: int
    min_soak_hours: float = 0.0


@dataclass(frozen=True)
class LastAction:
    action: str
    actor: str
    time: datetime
    reason: str
    revision: int


@dataclass(frozen=True)
class StepAnalysis:
    """What the measurements of the current step have said so far; a new step
    starts from nothing."""

    measurements: int = 0
    failures: int = 0  # consecutive failed measurements
    inconclusive: int = 0  # consecutive measurements that held for lack of data
    inconclusive_since: datetime | None = None  # start of the current inconclusive run
    last_measured: datetime | None = None
    last_verdict: str | None = None  # go, fail, hold

    def to_dict(self) -> dict[str, Any]:
        def when(t: datetime | None) -> str | None:
            return None if t is None else format_utc(t)

        return {
            "measurements": self.measurements,
            "failures": self.failures,
            "inconclusive": self.inconclusive,
            "inconclusive_since": when(self.inconclusive_since),
            "last_measured": when(self.last_measured),
            "last_verdict": self.last_verdict,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> StepAnalysis:
        def when(raw: Any) -> datetime | None:
            return None if raw is None else parse_utc(str(raw))

        return cls(
            int(data.get("measurements", 0)),
            int(data.get("failures", 0)),
            int(data.get("inconclusive", 0)),
            when(data.get("inconclusive_since")),
            when(data.get("last_measured")),
            data.get("last_verdict"),
        )


@dataclass(frozen=True)
class RolloutState:
    stage: Stage = Stage.STABLE
    weight: int = 0
    paused: bool = False
    rollout_id: str | None = None
    plan: tuple[CanaryStep, ...] = ()
    step: int = -1  # index into plan; -1 before the first step
    step_started: datetime | None = None
    stable: Snapshot | None = None
    candidate: Snapshot | None = None
    last: LastAction | None = None
    # The stables before the current one, oldest first, that a rollback may go
    # back to (one that was rolled back is never among them).
    previous: tuple[Snapshot, ...] = ()
    rolled_back: tuple[int, ...] = ()  # revisions a rollback took out of service
    enabled: bool = True  # False: the kill switch; everyone on stable, the rollout frozen where it is
    forced: tuple[tuple[str, str], ...] = ()  # (role, catalog model) served to everyone
    # The hash that splits users, fixed for a rollout's life: a rollout staged
    # before murmur3 existed keeps sha256, so no user changes side mid-rollout.
    bucketing: str = "sha256"
    known_previous: bool = True  # False: a version-1 state, whose previous stables history must tell
    analysis: StepAnalysis = StepAnalysis()  # the current step's measurements (rollout reconcile)

    @property
    def in_flight(self) -> bool:
        return self.stage in (Stage.STAGED, Stage.CANARY)

    @property
    def serving(self) -> Snapshot | None:
        """The revision the config directory should hold: the candidate while one
        is in flight, else the stable one."""
        return self.candidate if self.in_flight and self.candidate else self.stable

    def with_(self, **changes: Any) -> RolloutState:
        return replace(self, **changes)

    def to_dict(self) -> dict[str, Any]:
        def snap(s: Snapshot | None) -> dict[str, Any] | None:
            return None if s is None else asdict(s)

        return {
            "version": STATE_VERSION,
            "stage": self.stage.value,
            "weight": self.weight,
            "paused": self.paused,
            "rollout_id": self.rollout_id,
            "plan": [{"weight": s.weight, "minSoakHours": s.min_soak_hours} for s in self.plan],
            "step": self.step,
            "step_started": None if self.step_started is None else format_utc(self.step_started),
            "stable": snap(self.stable),
            "candidate": snap(self.candidate),
            "last": None if self.last is None else {**asdict(self.last), "time": format_utc(self.last.time)},
            "previous": [asdict(s) for s in self.previous],
            "rolled_back": list(self.rolled_back),
            "enabled": self.enabled,
            "forced": dict(self.forced),
            "bucketing": self.bucketing,
            "analysis": self.analysis.to_dict(),
        }

    def to_bytes(self) -> bytes:
        return (json.dumps(self.to_dict(), indent=2) + "\n").encode()

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> RolloutState:
        def snap(raw: Any) -> Snapshot | None:
            return None if raw is None else Snapshot(int(raw["revision"]), str(raw["digest"]))

        last = data.get("last")
        started = data.get("step_started")
        return cls(
            stage=Stage(data["stage"]),
            weight=int(data["weight"]),
            paused=bool(data.get("paused", False)),
            rollout_id=data.get("rollout_id"),
            plan=tuple(
                CanaryStep(int(s["weight"]), float(s.get("minSoakHours", 0))) for s in data.get("plan", [])
            ),
            step=int(data.get("step", -1)),
            step_started=None if started is None else parse_utc(started),
            stable=snap(data.get("stable")),
            candidate=snap(data.get("candidate")),
            last=None
            if last is None
            else LastAction(
                last["action"], last["actor"], parse_utc(last["time"]), last["reason"], int(last["revision"])
            ),
            previous=tuple(Snapshot(int(s["revision"]), str(s["digest"])) for s in data.get("previous", [])),
            rolled_back=tuple(int(r) for r in data.get("rolled_back", [])),
            enabled=bool(data.get("enabled", True)),
            forced=tuple(sorted((str(k), str(v)) for k, v in (data.get("forced") or {}).items())),
            bucketing=str(data.get("bucketing", "sha256")),
            known_previous="previous" in data,
            analysis=StepAnalysis.from_dict(data.get("analysis") or {}),
        )

    @classmethod
    def from_bytes(cls, data: bytes) -> RolloutState:
        return cls.from_dict(json.loads(data))


def stable_digest(config_dir: Path) -> str | None:
    """Digest of the config set that is stable in the current rollout, if any.
    Reads the mirror: good enough to protect a backup from pruning."""
    path = config_dir / STATE_FILE
    if not path.is_file():
        return None
    try:
        state = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    stable = state.get("stable") if isinstance(state, dict) else None
    digest = stable.get("digest") if isinstance(stable, dict) else None
    return digest if isinstance(digest, str) else None
