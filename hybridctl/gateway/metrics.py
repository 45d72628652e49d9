"""The series a gateway exports for the automated analysis, named as the
default Prometheus queries read them (docs/reference/metrics.md), each
labelled ``role``, ``variant``, ``model`` (the catalog model the request was
routed to) and ``rollout_id``; and the bundle the gateway serves.

Zero is zero: Prometheus answers an empty vector for a series that was never
written, so every series the queries read is created at zero for both
variants of every role as soon as a bundle is served: a stable variant with no
errors yet reads 0 errors, not "no data".

With several worker processes (``PROMETHEUS_MULTIPROC_DIR`` set, as
prometheus-client documents), each worker writes its own files and the one
that holds the port serves them all, summed.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from prometheus_client import CollectorRegistry, Counter

    from hybridctl.routing.router import Router

PORT_ENV = "HYBRIDCTL_METRICS_PORT"
ADDRESS_ENV = "HYBRIDCTL_METRICS_ADDRESS"  # default 127.0.0.1: set 0.0.0.0 for a Prometheus elsewhere
LABELS = ("role", "variant", "model", "rollout_id")
# seconds: LLM answers take from a few hundred milliseconds to minutes
LATENCY_BUCKETS = (0.1, 0.25, 0.5, 1.0, 1.5, 2.0, 3.0, 5.0, 7.5, 10.0, 15.0, 30.0, 60.0, 120.0, 300.0)


class GatewayMetrics:
    """The counters, histogram and gauges of one gateway process."""

    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        from prometheus_client import REGISTRY, Counter, Gauge, Histogram

        self.registry = REGISTRY if registry is None else registry
        r = self.registry
        self.requests = Counter(
            "llm_requests", "Requests routed by hybridctl, answered or not", LABELS, registry=r
        )
        self.errors = Counter(
            "llm_errors", "Requests whose model call failed, a fallback's answer or not", LABELS, registry=r
        )
        self.unanswered = Counter(
            "llm_unanswered", "Requests with no answer at all after the fallback chain", LABELS, registry=r
        )
        self.latency = Histogram(
            "llm_latency_seconds",
            "Request latency through the gateway",
            LABELS,
            buckets=LATENCY_BUCKETS,
            registry=r,
        )
        self.cost = Counter("llm_cost_usd", "Spend, USD, as LiteLLM priced it", LABELS, registry=r)
        self.escalations = Counter(
            "llm_escalations", "Requests escalated to the premium model", LABELS, registry=r
        )
        self.held, self.filed = _approval_counters(r)
        self.undeployed = Counter(
            "hybridctl_gateway_undeployed",
            "Requests kept on the role's own entry: the model routed to is not deployed here",
            ("role", "model"),
            registry=r,
        )
        self.bundle = Gauge(
            "hybridctl_bundle_info", "The bundle served: 1 for its digest", ("digest", "rollout_id"),
            registry=r, multiprocess_mode="max",
        )  # fmt: skip
        self.bundle_loaded = Gauge(
            "hybridctl_bundle_loaded_timestamp_seconds",
            "When the bundle served was read (its age: time() minus this)",
            registry=r,
            multiprocess_mode="max",
        )
        self.source_ok = Gauge(
            "hybridctl_bundle_source_ok",
            "1 when the last read of the bundle source was fine, 0 when the last good bundle is kept",
            registry=r,
            multiprocess_mode="min",
        )
        self._served: tuple[str, str] | None = None

    def serve_bundle(self, digest: str, rollout: str, loaded_at: float, router: Router) -> None:
        """A new bundle is served: say which, and create its series at zero."""
        if self._served is not None:
            self.bundle.remove(*self._served)
        self._served = (digest, rollout)
        self.bundle.labels(digest, rollout).set(1)
        self.bundle_loaded.set(loaded_at)
        self.zero(router, rollout)

    def zero(self, router: Router, rollout: str) -> None:
        """Every series the default queries read, at zero, for both variants of every role."""
        sides = [("stable", router.stable), ("candidate", router.candidate or router.stable)]
        for variant, strategy in sides:
            for role, spec in strategy.roles.items():
                labels = (role, variant, spec.primary, rollout)
                for counter in (self.requests, self.errors, self.unanswered, self.cost, self.escalations):
                    counter.labels(*labels)
                self.latency.labels(*labels)

    def source_state(self, ok: bool) -> None:
        self.source_ok.set(1 if ok else 0)


def _approval_counters(registry: CollectorRegistry) -> tuple[Counter, Counter]:
    """Escalations held for want of a grant, and the requests the gateway filed."""
    from prometheus_client import Counter

    held = Counter(
        "hybridctl_escalations_held",
        "Requests that met the escalation criteria but were served by the primary model: "
        "their escalation needs approval and they carried no valid grant",
        ("role", "variant", "rollout_id"),
        registry=registry,
    )
    filed = Counter(
        "hybridctl_escalation_requests",
        "Escalation requests the gateway filed for tasks that gave a reason, by outcome "
        "(created, refused, failed, dropped)",
        ("role", "outcome"),
        registry=registry,
    )
    return held, filed


def start_exporter(port: int, address: str = "127.0.0.1", registry: CollectorRegistry | None = None) -> bool:
    """Serve the metrics at ``address:port``; False when another worker of the
    same gateway already holds the port (it serves them all)."""
    from prometheus_client import start_http_server

    chosen: Any = registry
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import CollectorRegistry, multiprocess

        chosen = CollectorRegistry()
        collect_all: Any = multiprocess.MultiProcessCollector  # untyped in some releases
        collect_all(chosen)
    try:
        if chosen is None:
            start_http_server(port, addr=address)
        else:
            start_http_server(port, addr=address, registry=chosen)
    except OSError:
        return False
    return True
