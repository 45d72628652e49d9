"""Where a step's figures come from: the ``[metrics]`` settings, the usage
files in settings, and the CA to trust for a metrics server."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import NamedTuple

DEFAULT_METRICS_TOKEN_ENV = "HYBRIDCTL_METRICS_TOKEN"
NO_USAGE_HINT = 'pass --usage FILE, set usage in settings, or [metrics] provider = "prometheus"'
# rollout reconcile and rollout run take no --usage: they measure what settings name.
NO_SOURCE_HINT = (
    'in hybridctl.toml: [metrics] provider = "prometheus" and url = "http://prometheus:9090", '
    'or usage = ["usage/*.jsonl"]'
)


class MetricsSource(NamedTuple):
    """``[metrics]`` in settings: which provider, where, and its queries."""

    provider: str  # "prometheus", or "usage" (usage events: files, or a JSON-lines URL)
    url: str | None = None
    queries: Mapping[str, str] = {}
    token_env: str = DEFAULT_METRICS_TOKEN_ENV


class Measuring(NamedTuple):
    """Everything a measurement may read, as settings give it."""

    metrics: MetricsSource | None = None
    usage: tuple[Path, ...] = ()  # usage files in settings
    ca_bundle: Path | None = None  # a CA to trust beside the system's (a metrics server's TLS)

    def can_measure(self, usage: Sequence[Path] = ()) -> bool:
        """Whether anything can measure a step: usage given, a metrics source
        with a url, or usage files in settings."""
        metrics = self.metrics
        return bool(usage) or bool(self.usage) or (metrics is not None and metrics.url is not None)
