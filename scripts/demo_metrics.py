"""A stand-in for Prometheus in `make demo`: its HTTP API (GET /api/v1/query)
answering hybridctl's default queries from the simulated traffic in a usage log.

A real application exports the counters docs/reference/metrics.md lists (llm_requests_total,
llm_errors_total, llm_unanswered_total, llm_latency_seconds_bucket, llm_cost_usd_total,
llm_escalations_total, each labelled with `variant`) and Prometheus answers
the queries. Here the same figures come straight from the events
`hybridctl simulate` appends: for each query, the metric its PromQL names, its
`variant` label and its `[window]`, over the events inside that window. Each
request is priced by the catalog in configs/model-config.json.

    python scripts/demo_metrics.py --port 9090 --log traffic.jsonl --config configs/model-config.json
"""

from __future__ import annotations

import argparse
import json
import re
import threading
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, NamedTuple
from urllib.parse import parse_qs, urlsplit

from demo_server import serve_json

from hybridctl.config.snapshot import ConfigFiles


class Event(NamedTuple):
    time: datetime
    variant: str
    failed: bool
    unanswered: bool  # failed, and no fallback answered
    latency_s: float
    cost: float
    escalated: bool
    rollout: str  # the rollout_id the request was routed under


class Traffic:
    """The log's events, read as it grows (only the new lines each time)."""

    def __init__(self, log: Path, config: Path) -> None:
        self.log, self.offset, self.events = log, 0, list[Event]()
        self.catalog = ConfigFiles.from_mapping({config.name: config.read_bytes()}).catalog()
        self.lock = threading.Lock()

    def since(self, start: datetime) -> list[Event]:
        with self.lock:
            if self.log.exists():
                with self.log.open("rb") as stream:
                    stream.seek(self.offset)
                    chunk = stream.read()
                complete = chunk[: chunk.rfind(b"\n") + 1]
                self.offset += len(complete)
                for line in complete.splitlines():
                    self.events.append(self._event(json.loads(line)))
            return [e for e in self.events if e.time >= start]

    def _event(self, raw: dict[str, Any]) -> Event:
        model = self.catalog.resolve(raw["model"])
        tokens = (raw.get("input_tokens", 0), raw.get("output_tokens", 0), raw.get("cached_tokens", 0))
        cost = model.pricing.cost(*tokens) if model is not None and model.pricing is not None else 0.0
        return Event(
            datetime.fromisoformat(raw["time"].replace("Z", "+00:00")),
            raw.get("variant") or "stable",
            raw.get("status") not in (None, "ok"),
            raw.get("status") not in (None, "ok") and not raw.get("answered", False),
            raw.get("latency_ms", 0) / 1000,
            cost,
            bool(raw.get("escalated")),
            str(raw.get("rollout_id") or ""),
        )


def _p95(events: list[Event]) -> float | None:
    latencies = sorted(e.latency_s for e in events)
    return latencies[int(0.95 * (len(latencies) - 1))] if latencies else None


BOUNDS = (0.25, 0.5, 1.0, 2.5, 5.0, 10.0, float("inf"))  # a histogram's buckets, as prometheus-client's


def _buckets(events: list[Event]) -> list[dict[str, Any]]:
    """One series per bucket: requests at most that slow, labelled by ``le``."""
    now = datetime.now(timezone.utc).timestamp()
    return [
        {
            "metric": {"le": "+Inf" if bound == float("inf") else repr(bound)},
            "value": [now, repr(float(count))],
        }
        for bound in BOUNDS
        for count in [sum(e.latency_s <= bound for e in events)]
    ]


FIGURES: dict[str, Callable[[list[Event]], float | None]] = {
    "llm_requests_total": lambda es: float(len(es)),
    "llm_errors_total": lambda es: float(sum(e.failed for e in es)),
    "llm_unanswered_total": lambda es: float(sum(e.unanswered for e in es)),
    "llm_cost_usd_total": lambda es: sum(e.cost for e in es),
    "llm_escalations_total": lambda es: float(sum(e.escalated for e in es)),
    "llm_latency_seconds_bucket": _p95,
}


def answer(traffic: Traffic, query: str) -> dict[str, Any]:
    metric = next((name for name in FIGURES if name in query), None)
    window = re.search(r"\[(\d+)m\]", query)
    if metric is None or window is None:
        return {"status": "success", "data": {"resultType": "vector", "result": []}}  # no such series
    variant = re.search(r'variant="(\w+)"', query)
    rollout = re.search(r'rollout_id="([\w.-]*)"', query)
    start = datetime.now(timezone.utc) - timedelta(minutes=int(window.group(1)))
    events = [
        e
        for e in traffic.since(start)
        if (variant is None or e.variant == variant.group(1))
        and (rollout is None or e.rollout == rollout.group(1))
    ]
    if metric == "llm_latency_seconds_bucket" and "sum by (le) (increase(" in query and events:
        return {"status": "success", "data": {"resultType": "vector", "result": _buckets(events)}}
    value = FIGURES[metric](events) if events else None
    now = datetime.now(timezone.utc).timestamp()
    result = [] if value is None else [{"metric": {}, "value": [now, repr(value)]}]
    return {"status": "success", "data": {"resultType": "vector", "result": result}}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--log", type=Path, required=True)
    parser.add_argument("--config", type=Path, required=True)
    args = parser.parse_args()
    traffic = Traffic(args.log, args.config)

    def reply(method: str, path: str, body: bytes) -> tuple[int, Any]:
        parts = urlsplit(path)
        query = parse_qs(parts.query).get("query", [""])[0]
        return 200 if parts.path == "/api/v1/query" else 404, answer(traffic, query)

    serve_json(args.port, reply)


if __name__ == "__main__":
    main()
