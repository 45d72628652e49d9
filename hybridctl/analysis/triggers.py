"""The rollback triggers (the rollout plan's "roll back at once if"), judged
on the gates' figures once both variants have the minimum sample. A trigger
on a count (error rate, availability) holds when the candidate's confidence
sequence lies wholly beyond it; a trigger stable breaks as well is an
incident, not a bad candidate: reconcile pauses instead of rolling back."""

from __future__ import annotations

from typing import NamedTuple

from hybridctl.analysis.evidence import GateResult
from hybridctl.analysis.figures import Figures
from hybridctl.analysis.judging import savings_interval, shown
from hybridctl.config.model import Gates, RollbackTriggers
from hybridctl.sequential import PASS, Design, Interval, proportion


class TriggerJudgement(NamedTuple):
    reasons: list[str]  # triggers the candidate breaks and stable does not: roll back
    incidents: list[str]  # absolute triggers both variants break: pause, and tell a person


def _rate(figures: Figures, events: float | None, design: Design) -> Interval | None:
    if events is None or figures.requests is None:
        return None
    return proportion(events, figures.requests, design)


def _beyond(
    candidate: Interval | None, stable: Interval | None, limit: float, text: str, found: TriggerJudgement
) -> None:
    """A share that must stay at most ``limit``: broken when the candidate's whole
    interval is above it; an incident when stable's estimate is above it too."""
    if candidate is None or candidate.low <= limit:
        return
    if stable is not None and stable.estimate > limit:
        found.incidents.append(f"{text}: stable {shown(stable)} breaks it as well")
    else:
        found.reasons.append(text)


def _availability_basis(figures: Figures) -> str:
    if figures.availability_basis == "answers":
        return ""
    return " (every error counted as unanswered: the source records no fallbacks)"


def judge_triggers(
    stable: Figures,
    candidate: Figures,
    judged: list[GateResult],
    savings: float | None,
    triggers: RollbackTriggers,
    gates: Gates,
    savings_batches: tuple[float, ...] = (),
) -> TriggerJudgement:
    """The triggers the figures meet; none before the minimum sample (``judged``
    starts with the sample-size gate: a few early errors are not an error rate)."""
    found = TriggerJudgement([], [])
    if not judged or judged[0].status != PASS:
        return found
    design, t = Design(gates.confidence, gates.planned_requests), triggers
    if t.max_error_rate is not None:
        ours, theirs = _rate(candidate, candidate.errors, design), _rate(stable, stable.errors, design)
        text = f"error rate {shown(ours)} > {t.max_error_rate:.1%}"
        _beyond(ours, theirs, t.max_error_rate, text, found)
    if t.min_availability is not None:
        ours = _rate(candidate, candidate.without_answer, design)
        theirs = _rate(stable, stable.without_answer, design)
        if ours is not None:
            flipped = Interval(1 - ours.estimate, 1 - ours.high, 1 - ours.low, ours.confidence)
            text = f"availability {shown(flipped)} < {t.min_availability:.2%}{_availability_basis(candidate)}"
            _beyond(ours, theirs, 1 - t.min_availability, text, found)
    if t.min_cost_savings is not None and savings is not None:
        fewest = min(stable.requests or 0.0, candidate.requests or 0.0)
        spread = savings_interval(savings, savings_batches, design, fewest)
        if spread is not None and spread.high < t.min_cost_savings:
            found.reasons.append(f"cost savings {shown(spread)} < {t.min_cost_savings:.1%}")
        elif spread is None and savings < t.min_cost_savings:
            found.reasons.append(f"cost savings {savings:.1%} < {t.min_cost_savings:.1%} (estimate)")
    if t.max_satisfaction_drop is not None and candidate.quality is not None and stable.quality:
        drop = 1 - candidate.quality / stable.quality
        if drop > t.max_satisfaction_drop:
            found.reasons.append(f"satisfaction down {drop:.1%} > {t.max_satisfaction_drop:.1%} (estimate)")
    return found
