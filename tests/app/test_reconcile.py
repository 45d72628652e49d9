"""reconcile, called directly with a chosen clock, against a
Prometheus-API-shaped server written here: one measurement per interval, and a
pause when a step stays inconclusive for too long."""

from __future__ import annotations

import dataclasses
from datetime import timedelta

from hybridctl.app import reconcile as analysis
from hybridctl.rollout.state import Stage
from hybridctl.times import utc_now
from tests.analysis.helpers import Start, configure, healthy
from tests.helpers import Project, PromServer


def test_reconcile_within_the_interval_changes_nothing(project: Project, local_server: Start) -> None:
    prometheus = local_server(PromServer)
    healthy(prometheus)
    configure(project, prometheus.url, soak_hours=2, analysis_settings={"intervalSeconds": 300})
    (project.root / "hybridctl.toml").write_text(f'[metrics]\nurl = "{prometheus.url}"\n')
    from hybridctl.app.settings import load_settings
    from hybridctl.rollout.staging import stage

    space = dataclasses.replace(project.workspace(), metrics=load_settings(project.root).metrics)
    stage(space, reason="s")
    t0 = utc_now()
    analysis.reconcile(space, now=t0)  # staged -> 10%
    space = dataclasses.replace(space, metrics=load_settings(project.root).metrics)
    early = analysis.reconcile(space, now=t0 + timedelta(seconds=100))
    measured = analysis.reconcile(space, now=t0 + timedelta(seconds=301))
    head = space.open_store().head()
    again = analysis.reconcile(space, now=t0 + timedelta(seconds=302))

    assert early.outcome == "waited" and early.measurement is None
    assert measured.measurement is not None and measured.measurement.verdict == "go"
    assert again.outcome == "waited" and again.measurement is None
    assert space.open_store().head() == head  # no second record
    assert again.next_measurement == t0 + timedelta(seconds=601)


def test_a_step_inconclusive_for_too_long_pauses(project: Project, local_server: Start) -> None:
    prometheus = local_server(PromServer)
    healthy(prometheus)
    prometheus.set("stable", requests=None)
    configure(
        project, prometheus.url, analysis_settings={"inconclusiveLimit": 100, "maxInconclusiveMinutes": 30}
    )
    from hybridctl.app.settings import load_settings
    from hybridctl.rollout.staging import stage

    space = dataclasses.replace(project.workspace(), metrics=load_settings(project.root).metrics)
    stage(space, reason="s")
    t0 = utc_now()
    analysis.reconcile(space, now=t0)
    first = analysis.reconcile(space, now=t0 + timedelta(minutes=1))
    later = analysis.reconcile(space, now=t0 + timedelta(minutes=32))

    assert first.outcome == "waited"
    assert later.outcome == "paused" and later.state.paused and later.state.stage is Stage.CANARY
