"""Metric providers: where a step's figures come from, behind one protocol,
in the manner of Argo Rollouts' ``metricproviders/<name>``. Each reads both
variants' figures over the step (and this month's spend, for the budget
gate); ``measure`` judges them the same way whatever read them. A new source
(a SQL database, a gateway's own metrics) is one more module here and one
more entry in ``provider_for``."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import NamedTuple, Protocol

from hybridctl.analysis.figures import Figures
from hybridctl.analysis.source import NO_USAGE_HINT, Measuring
from hybridctl.analysis.subject import Step, Variants
from hybridctl.errors import UsageError


class Observation(NamedTuple):
    """Both variants' figures over the step, as one provider read them."""

    stable: Figures
    candidate: Figures
    savings: float | None  # 1 - candidate cost / stable's, for the same workload where it can tell
    month_to_date: float | None  # spend since the month began, every variant (the budget gate)
    source: str  # as records name it: "usage", "prometheus http://prom:9090" (never credentials)
    problems: tuple[str, ...] = ()  # why figures are missing: an unreachable server, a bad answer
    savings_batches: tuple[float, ...] = ()  # the savings in consecutive slices of the step (its spread)


class MetricsProvider(Protocol):
    def observe(self, step: Step, variants: Variants, now: datetime) -> Observation:
        """Both variants' figures since the step began; a figure it cannot have is None."""


def provider_for(measuring: Measuring, usage: Sequence[Path] = ()) -> MetricsProvider:
    """Usage files given on the command line, else the ``[metrics]`` provider in
    settings, else the usage files in settings."""
    from hybridctl.analysis.providers.usage import UsageEvents

    source = measuring.metrics
    if usage:
        return UsageEvents(tuple(usage))
    if source is not None and source.provider == "sql" and source.url is not None:
        from hybridctl.analysis.providers.usage import PushedDown

        return PushedDown(source.url)
    if source is not None and source.provider == "prometheus" and source.url is not None:
        from hybridctl.analysis.providers.prometheus import Prometheus

        return Prometheus(source, measuring.ca_bundle)
    if source is not None and source.url is not None:
        return UsageEvents((), url=source.url, token_env=source.token_env, ca_bundle=measuring.ca_bundle)
    if measuring.usage:
        return UsageEvents(measuring.usage)
    raise UsageError("no usage input was given, so the gates cannot judge the candidate", hint=NO_USAGE_HINT)
