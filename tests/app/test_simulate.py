"""Simulated usage routes escalations that need approval as a gateway would:
the share ``approved`` carries a grant, the rest stay on the primary model."""

from __future__ import annotations

import copy
import json
from datetime import datetime, timedelta, timezone
from typing import Any

from hybridctl.app.simulate import Workload, simulate
from tests.helpers import CONFIGS

CONFIG = json.loads((CONFIGS / "model-config.json").read_text())


def events(config: dict[str, Any], approved: float) -> list[dict[str, Any]]:
    bundle = {"rollout_id": "", "weight": 0, "stable": {"modelConfig": config}}
    start = datetime(2026, 12, 1, tzinfo=timezone.utc)
    return list(simulate(bundle, Workload(4000, 300, start, timedelta(hours=1), seed=5, approved=approved)))


def test_every_approved_escalation_is_served_as_if_approval_were_not_needed() -> None:
    without = copy.deepcopy(CONFIG)
    del without["escalation"]["approval"]
    assert events(CONFIG, 1.0) == events(without, 1.0)
    assert sum(e["escalated"] for e in events(CONFIG, 1.0)) > 0


def test_rejected_escalations_stay_on_the_primary_model() -> None:
    everything = events(CONFIG, 1.0)
    none = events(CONFIG, 0.0)
    some = events(CONFIG, 0.5)
    escalating = [i for i, e in enumerate(everything) if e["escalated"]]
    assert not any(e["escalated"] for e in none)
    assert all(none[i]["model"] == "glm-4.5" for i in escalating)
    share = sum(e["escalated"] for e in some) / len(escalating)  # the same workload, half approved
    assert 0.3 < share < 0.7, share
