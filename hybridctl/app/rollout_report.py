"""The rollout report: each step of the latest rollout, who moved it and why,
its gates, and how each variant did while the step lasted."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any, NamedTuple

from hybridctl.config.catalog import Catalog
from hybridctl.escalations.stats import ReviewSummary
from hybridctl.store.records import Record
from hybridctl.usage.cube import Priced
from hybridctl.usage.reports import UsageData
from hybridctl.usage.stats import Totals

ROLLOUT_KINDS = (
    "stage",
    "promote",
    "canary-set",
    "pause",
    "resume",
    "rollback",
    "retry",
    "disable",
    "enable",
    "force",
)


class StepReport(NamedTuple):
    revision: int
    time: datetime
    action: str
    actor: str
    reason: str
    source: dict[str, Any]  # stage, weight before
    target: dict[str, Any]  # stage, weight after
    gates: dict[str, Any] | None
    forced: list[str]
    usage: dict[str, Totals]  # variant -> usage while this step lasted
    automatic: bool = False  # made by rollout reconcile, on a measurement
    measurements: int | None = None  # automatic: measurements of the step it ended, its own included
    evals: dict[str, Any] | None = None  # the eval run the quality gate read (stage, or the first promotion)


class RolloutReport(NamedTuple):
    steps: list[StepReport]
    candidate: int | None
    stable: int | None
    data: UsageData | None
    escalations: ReviewSummary | None = None  # requests made since the rollout was staged

    def to_dict(self) -> dict[str, Any]:
        def variant(t: Totals) -> dict[str, Any]:
            return {
                "requests": t.requests,
                "cost_per_request": t.cost_per_request,
                "error_rate": t.error_rate,
                "p95_latency_s": t.latency.quantile(0.95),
                "quality": t.quality,
            }

        return {
            "version": 1,
            "report": "rollout",
            "candidate_revision": self.candidate,
            "stable_revision": self.stable,
            "steps": [
                {
                    "revision": s.revision,
                    "time": s.time.isoformat(),
                    "action": s.action,
                    "actor": s.actor,
                    "reason": s.reason,
                    "from": s.source,
                    "to": s.target,
                    "forced": s.forced,
                    "automatic": s.automatic,
                    "measurements": s.measurements,
                    "gates": s.gates,
                    "evals": s.evals,
                    "usage": {v: variant(t) for v, t in s.usage.items()},
                }
                for s in self.steps
            ],
            "escalations": None if self.escalations is None else self.escalations.to_dict(),
        }


def rollout_transitions(records: Iterable[Record]) -> list[Record]:
    """The transitions of the latest rollout, oldest first: back to its stage."""
    picked = []
    for record in records:  # newest first
        if record.kind not in ROLLOUT_KINDS:
            continue
        picked.append(record)
        if record.kind == "stage":
            break
    return list(reversed(picked))


def rollout_report(
    transitions: Sequence[Record],
    data: UsageData | None,
    catalog: Catalog,
) -> RolloutReport:
    """Each step of the rollout with who, when, why, its gates, and how each
    variant did while it lasted (segments cut at the transitions)."""
    steps = []
    by_step: dict[tuple[int, str], Priced] = {}
    if data is not None:  # the cube was cut at every transition: segment i+1 is step i
        by_step = data.cube.rollup(catalog, lambda k: (k[0], k[5]))
    for index, record in enumerate(transitions):
        usage = {
            variant: priced.totals
            for (segment, variant), priced in by_step.items()
            if segment == index + 1 and variant
        }
        details = record.details
        measured = details.get("analysis") or {}
        steps.append(
            StepReport(
                record.revision,
                record.time,
                details.get("action", record.kind),
                record.actor,
                record.reason,
                details.get("from", {}),
                details.get("to", {}),
                details.get("gates") or measured.get("gates"),
                details.get("forced", []),
                usage,
                bool(details.get("automatic")),
                (measured.get("step") or {}).get("measurements"),
                details.get("eval") if isinstance(details.get("eval"), dict) else None,
            )
        )
    last = transitions[-1].details if transitions else {}
    candidate = (last.get("candidate") or {}).get("revision")
    stable = (last.get("stable") or {}).get("revision")
    return RolloutReport(steps, candidate, stable, data)


def boundaries_of(transitions: Sequence[Record]) -> tuple[datetime, ...]:
    return tuple(record.time for record in transitions)
