"""Review times per team against figures computed here."""

from __future__ import annotations

import random
import statistics

from hybridctl.escalations.queue import decided_event, fold
from hybridctl.escalations.stats import quantile, summarize
from tests.escalations.helpers import at, requested


def test_quantile_is_numpys_linear_interpolation() -> None:
    rng = random.Random(3)
    values = [rng.uniform(0, 7200) for _ in range(37)]
    cuts = statistics.quantiles(values, n=20, method="inclusive")  # 5%, 10%, ..., 95%
    assert quantile(values, 0.5) == statistics.median(values)
    assert abs((quantile(values, 0.95) or 0) - cuts[-1]) < 1e-9
    assert quantile([], 0.5) is None and quantile([4.0], 0.95) == 4.0


def test_review_times_per_team_breaches_and_the_approval_rate() -> None:
    rng = random.Random(11)
    events = []
    decided: dict[str, list[float]] = {"primary": [], "secondary": []}
    approvals = 0
    for n in range(40):
        request_id = f"esc-{n:08x}"
        created = n * 100.0
        events.append(requested(request_id, created))
        request = fold([events[-1]])[request_id]
        waited = rng.choice([rng.uniform(30, 1790), rng.uniform(1810, 5300)])
        verdict = "approved" if rng.random() < 0.7 else "rejected"
        approvals += verdict == "approved"
        events.append(decided_event(request, verdict, actor="a", reason="r", now=at(created + int(waited))))
        decided["primary" if int(waited) < 1800 else "secondary"].append(float(int(waited)))
    events.append(requested("esc-10000000", 10_000))  # pending 2,000 s: with the secondary, a breach
    events.append(requested("esc-10000001", 11_000))  # pending 1,000 s: with the primary, in time
    events.append(requested("esc-10000002", 0))  # expired undecided: a breach of the secondary
    now = at(12_000)

    summary = summarize(fold(events).values(), now)

    assert summary.counts == {"pending": 2, "approved": approvals, "rejected": 40 - approvals, "expired": 1}
    assert summary.approval_rate == approvals / 41
    by_team = {t.team: t for t in summary.teams}
    for team, times in decided.items():
        assert by_team[team].decided == len(times)
        assert by_team[team].p50_s == statistics.median(times)
        assert (
            abs((by_team[team].p95_s or 0) - statistics.quantiles(times, n=20, method="inclusive")[-1]) < 1e-9
        )
    assert by_team["primary"].breaches == 0
    assert by_team["secondary"].breaches == len(decided["secondary"]) + 2
    assert summary.breaches == len(decided["secondary"]) + 2
    assert summary.oldest_pending_s == 2000
