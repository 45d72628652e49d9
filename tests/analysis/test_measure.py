"""The budget gate's projection: month-to-date spend plus the rest of the
month at the next step's weight, at each variant's measured cost per request."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from hybridctl.rollout.state import Stage
from tests.helpers import CONFIGS


def test_the_budget_projection_is_month_to_date_plus_the_rest_at_the_next_weight() -> None:
    from datetime import datetime, timezone

    from hybridctl.analysis.figures import Figures
    from hybridctl.analysis.measure import budget_projection
    from hybridctl.config.model import Strategy
    from hybridctl.rollout.revisions import step_of
    from hybridctl.rollout.state import CanaryStep, RolloutState

    config = json.loads((CONFIGS / "model-config.json").read_text())
    config["budgets"] = {"monthly": 1000.0}
    config["gates"]["maxMonthlyBudgetShare"] = 1.0
    strategy = Strategy.from_dict(config)
    now = datetime(2026, 11, 10, 12, 0, tzinfo=timezone.utc)
    state = RolloutState(
        stage=Stage.CANARY,
        weight=10,
        plan=(CanaryStep(10), CanaryStep(50)),
        step=0,
        step_started=now - timedelta(hours=2),
    )
    stable = Figures(requests=900, cost=3.6, priced=900)  # $0.004 a request
    candidate = Figures(requests=100, cost=0.1, priced=100)  # $0.001

    projection = budget_projection(200.0, stable, candidate, step_of(state), strategy, now)

    hours_left = (datetime(2026, 12, 1, tzinfo=timezone.utc) - now).total_seconds() / 3600  # 492 h
    at_half = 0.5 * 0.004 + 0.5 * 0.001
    assert projection is not None and projection.next_weight == 50
    assert projection.projected == pytest.approx(200.0 + (1000 / 2) * at_half * hours_left)
