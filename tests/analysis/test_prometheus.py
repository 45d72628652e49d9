"""What a Prometheus answer says when it cannot be read: each malformed shape
named for what it is."""

from __future__ import annotations

import pytest

from tests.analysis.helpers import MALFORMED


def test_a_string_result_is_named_as_such() -> None:
    from hybridctl.analysis.providers.prometheus import parse

    assert parse(MALFORMED["a string result"]).problem == (
        "a string result; the query must return a vector or a scalar"
    )
    assert "malformed" in (parse(MALFORMED["an unknown result type"]).problem or "")


def _vector(*series: tuple[dict[str, str], float]) -> bytes:
    import json

    result = [{"metric": labels, "value": [1764547200, repr(value)]} for labels, value in series]
    return json.dumps({"status": "success", "data": {"resultType": "vector", "result": result}}).encode()


def test_histogram_buckets_count_the_requests_slower_than_a_limit() -> None:
    from hybridctl.analysis.providers.prometheus import _figures, parse

    # increase() extrapolates each bucket alone: the 2.5 s bucket dips below the 1 s one.
    buckets = parse(
        _vector(
            ({"le": "0.5"}, 100.0),
            ({"le": "1"}, 700.0),
            ({"le": "2.5"}, 690.0),
            ({"le": "5"}, 950.0),
            ({"le": "+Inf"}, 1000.0),
        )
    )
    requests = parse(_vector(({}, 1000.0)))

    figures = _figures({"requests": requests, "latency-buckets": buckets})

    assert figures.latency_buckets[2] == (2.5, 700.0)  # raised to the bucket before it
    assert figures.slower_than(5.0) == 50.0
    assert figures.slower_than(3.0) == pytest.approx(1000 - (700 + (950 - 700) * (0.5 / 2.5)))
    assert figures.slower_than(10.0) is None  # 50 requests over 5 s: slower than 10 s or not, unknown


def test_buckets_without_an_infinite_one_are_no_distribution() -> None:
    from hybridctl.analysis.providers.prometheus import _figures, parse

    buckets = parse(_vector(({"le": "1"}, 10.0), ({"le": "bogus"}, 3.0), ({}, 5.0)))
    figures = _figures({"requests": parse(_vector(({}, 10.0))), "latency-buckets": buckets})

    assert figures.latency_buckets == () and figures.slower_than(1.0) is None


def test_a_step_of_minutes_is_measured_in_slices_for_the_spread_of_its_savings(local_server: object) -> None:
    from datetime import datetime, timedelta, timezone
    from typing import Any, cast

    from hybridctl.analysis.providers.prometheus import Prometheus
    from hybridctl.analysis.source import MetricsSource
    from hybridctl.analysis.subject import Step
    from tests.analysis.helpers import healthy
    from tests.helpers import PromServer

    server = cast(Any, local_server)(PromServer)
    healthy(server)
    now = datetime(2026, 12, 6, 12, 0, tzinfo=timezone.utc)
    prometheus = Prometheus(MetricsSource("prometheus", server.url))

    long_step = prometheus.observe(Step(now - timedelta(minutes=40), 10, 50), cast(Any, None), now)
    sliced = [q for q in server.queries if " offset " in q]
    server.queries.clear()
    short_step = prometheus.observe(Step(now - timedelta(minutes=2), 10, 50), cast(Any, None), now)

    assert len(long_step.savings_batches) == 8
    assert long_step.savings_batches == tuple(
        [long_step.savings] * 8
    )  # the stand-in answers every slice alike
    assert len(sliced) == 7 * 2 * 2  # the last slice ends now: no offset
    assert any('llm_cost_usd_total{variant="candidate"}[5m] offset 35m' in q for q in sliced)
    assert short_step.savings_batches == () and not any(" offset " in q for q in server.queries)
