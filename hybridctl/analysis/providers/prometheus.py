"""The Prometheus provider: live metrics from a Prometheus server's HTTP API
(``GET /api/v1/query``).

One query per figure and variant, each a PromQL template: ``{variant}``
becomes ``stable`` or ``candidate``, ``{window}`` the age of the current step
(``35m``), ``{rollout}`` the rollout id (for applications that label their
series with it, so one rollout's candidate is never judged on another's
traffic), ``{month}`` the age of the month (for month-to-date spend). A query
that returns nothing, NaN, or an error is "no data": never a pass."""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from datetime import datetime, timedelta
from pathlib import Path
from typing import NamedTuple

from hybridctl.analysis.figures import Figures
from hybridctl.analysis.providers import Observation
from hybridctl.analysis.source import MetricsSource
from hybridctl.analysis.subject import Step, Variants
from hybridctl.remote.http import Caller, Policy, fan_out, token_from
from hybridctl.text import clean, show_value
from hybridctl.urls import shown_url
from hybridctl.usage.stats import Totals, same_workload_savings

VARIANTS = ("stable", "candidate")

# The metrics an application exports (docs/reference/metrics.md), and the figure each query gives.
# A counter that was never incremented has no series, and Prometheus answers an
# empty vector for it: "or vector(0)" reads it as the zero it is (a variant with
# no errors yet has 0 errors, not "no data"). Requests and latency stay without:
# no series there means the application exports nothing, which is inconclusive.
# Unanswered requests stay without too: an application that does not count them
# has its errors judged as requests without an answer (Figures.availability_basis).
DEFAULT_QUERIES: dict[str, str] = {
    "requests": 'sum(increase(llm_requests_total{variant="{variant}"}[{window}]))',
    "errors": 'sum(increase(llm_errors_total{variant="{variant}"}[{window}])) or vector(0)',
    "unanswered": 'sum(increase(llm_unanswered_total{variant="{variant}"}[{window}]))',
    "latency-p95": (
        "histogram_quantile(0.95, sum by (le) "
        '(rate(llm_latency_seconds_bucket{variant="{variant}"}[{window}])))'
    ),
    "latency-buckets": 'sum by (le) (increase(llm_latency_seconds_bucket{variant="{variant}"}[{window}]))',
    "cost": 'sum(increase(llm_cost_usd_total{variant="{variant}"}[{window}])) or vector(0)',
    "escalations": 'sum(increase(llm_escalations_total{variant="{variant}"}[{window}])) or vector(0)',
    "satisfaction": (
        'sum(increase(llm_satisfaction_sum{variant="{variant}"}[{window}])) / '
        'sum(increase(llm_satisfaction_count{variant="{variant}"}[{window}]))'
    ),
    "spend-month": "sum(increase(llm_cost_usd_total[{month}])) or vector(0)",
}
PER_VARIANT = tuple(name for name in DEFAULT_QUERIES if name != "spend-month")
# A query's answer: a number or a series per role is a few hundred bytes; up to 49
# queries run, 16 in flight, so this bounds what a hostile server can make hybridctl hold.
MAX_ANSWER_BYTES = 4 << 20


class Sample(NamedTuple):
    """One query's answer: the sum of its series, each series by its ``role``
    label when it has one (and by its ``le`` label: a histogram's buckets), or
    why there is none."""

    value: float | None
    by_role: dict[str, float]
    problem: str | None = None
    by_le: Mapping[float, float] = {}


def duration(span: timedelta) -> str:
    """A PromQL range, whole minutes (at least one): 35m, 1440m."""
    return f"{max(1, int(span.total_seconds() // 60))}m"


def fill_query(template: str, **values: str) -> str:
    """Fill the placeholders; PromQL's own braces are left alone."""
    for name, value in values.items():
        template = template.replace("{" + name + "}", value)
    return template


def _number(raw: object) -> float | None:
    """A sample value as Prometheus writes it (a string); None for NaN and ±Inf."""
    if not isinstance(raw, (str, int, float)) or isinstance(raw, bool):
        raise _Malformed("a sample value that is not a number")
    try:
        value = float(raw)
    except (ValueError, OverflowError):
        raise _Malformed(f"a sample value that is not a number: {show_value(raw, width=40)}") from None
    return value if math.isfinite(value) else None


class _Malformed(Exception):
    """The answer is not what the Prometheus HTTP API sends."""


def parse(body: bytes) -> Sample:
    """A /api/v1/query answer: a vector (summed; by role when labelled) or a
    scalar. Whatever the body, a Sample: a malformed answer is "no data" with
    the reason, never an exception."""
    try:
        answer = json.loads(body)
    except (ValueError, RecursionError):  # RecursionError: brackets nested past the parser's depth
        return Sample(None, {}, "the answer is not JSON")
    try:
        return _sample(answer)
    except _Malformed as exc:
        return Sample(None, {}, f"a malformed answer: {exc}")


def _sample(answer: object) -> Sample:
    if not isinstance(answer, dict):
        raise _Malformed("not a JSON object")
    if answer.get("status") != "success":
        error = answer.get("error")
        shown = clean(str(error))[:200] if isinstance(error, (str, int, float)) else ""
        return Sample(None, {}, f"query failed: {shown}" if shown else "query failed")
    data = answer.get("data")
    if not isinstance(data, dict):
        raise _Malformed("data is not an object")
    kind, result = data.get("resultType"), data.get("result")
    if kind == "scalar":
        if not isinstance(result, list) or len(result) != 2:
            raise _Malformed("a scalar that is not [time, value]")
        value = _number(result[1])
        return Sample(value, {}, None if value is not None else "no data (NaN)")
    if kind in ("matrix", "string"):
        return Sample(None, {}, f"a {kind} result; the query must return a vector or a scalar")
    if kind != "vector":
        raise _Malformed(f"resultType {show_value(kind, width=30)}")
    if not isinstance(result, list):
        raise _Malformed("a vector whose result is not a list")
    return _summed(result)


def _summed(result: list[object]) -> Sample:
    values: list[float] = []
    by_role: dict[str, float] = {}
    by_le: dict[float, float] = {}
    for series in result:
        if not isinstance(series, dict):
            raise _Malformed("a series that is not an object")
        metric, point = series.get("metric", {}), series.get("value")
        if not isinstance(metric, dict):
            raise _Malformed("a series whose metric is not an object")
        if not isinstance(point, list) or len(point) != 2:
            raise _Malformed("a series whose value is not [time, value]")
        value = _number(point[1])
        if value is None:
            continue
        values.append(value)
        role, bound = metric.get("role"), _bound(metric.get("le"))
        if isinstance(role, str):
            by_role[role] = by_role.get(role, 0.0) + value
        if bound is not None:
            by_le[bound] = by_le.get(bound, 0.0) + value
    if not values:
        return Sample(None, {}, "no data")
    total = sum(values)  # float sums overflow to inf (checked next); math.fsum would raise
    if not all(math.isfinite(v) for v in (total, *by_role.values(), *by_le.values())):
        return Sample(None, {}, "the series add up to more than a number can hold")
    return Sample(total, by_role, None, by_le)


def _bound(label: object) -> float | None:
    """A histogram bucket's ``le`` label ("0.5", "+Inf"); None for anything else."""
    if not isinstance(label, str) or len(label) > 40:
        return None
    try:
        bound = float(label)
    except ValueError:
        return None
    return None if math.isnan(bound) or bound < 0 else bound


def _query(http: Caller, base: str, promql: str, at: datetime, headers: dict[str, str]) -> Sample:
    from urllib.parse import urlencode

    url = f"{base.rstrip('/')}/api/v1/query?" + urlencode({"query": promql, "time": f"{at.timestamp():.3f}"})
    answer = http.request("GET", url, headers=headers)
    if answer.error is not None:
        return Sample(None, {}, f"unreachable: {answer.error}")
    if answer.status in (401, 403):
        return Sample(None, {}, f"HTTP {answer.status} (check the token: [metrics] token-env)")
    if answer.status != 200 and answer.status != 400 and answer.status != 422:
        return Sample(None, {}, f"HTTP {answer.status}")
    return parse(answer.body)


class Readings(NamedTuple):
    """Every figure of both variants, and month-to-date spend."""

    variants: dict[str, dict[str, Sample]]  # variant -> figure -> sample
    spend_month: Sample
    savings_batches: tuple[float, ...] = ()  # the savings in each slice of the step

    def problems(self) -> tuple[str, ...]:
        """Why figures are missing, once each: 'candidate errors: no data'."""
        seen: list[str] = []
        for variant, samples in self.variants.items():
            for name, sample in samples.items():
                if sample.problem and name in ("requests", "errors", "latency-p95", "cost", "escalations"):
                    seen.append(f"{variant} {name}: {sample.problem}")
                negative = sorted(role for role, value in sample.by_role.items() if value < 0)
                if negative and name != "satisfaction":
                    seen.append(f"{variant} {name}: negative for {', '.join(negative[:3])}")
        return tuple(dict.fromkeys(seen))


def read(
    source: MetricsSource,
    *,
    window: timedelta,
    month: timedelta,
    at: datetime,
    rollout: str = "",
    ca_bundle: Path | None,
    policy: Policy = Policy(max_bytes=MAX_ANSWER_BYTES),
) -> Readings:
    """Run every query at once (a bounded pool), at time ``at``."""
    assert source.url is not None
    queries = {**DEFAULT_QUERIES, **source.queries}  # settings name only the ones they replace
    token = token_from(source.token_env)
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    jobs: list[tuple[str, str, str]] = [
        (variant, name, fill_query(queries[name], variant=variant, window=duration(window), rollout=rollout))
        for variant in VARIANTS
        for name in PER_VARIANT
    ]
    jobs.append(("", "spend-month", fill_query(queries["spend-month"], month=duration(month))))
    slices = batch_jobs(queries, window, rollout)
    base = source.url

    with Caller(ca_bundle, policy) as http:
        asked = [job[2] for job in jobs] + [job[3] for job in slices]
        samples = fan_out(lambda promql: _query(http, base, promql, at, headers), asked, policy.concurrency)
    variants: dict[str, dict[str, Sample]] = {v: {} for v in VARIANTS}
    spend = Sample(None, {}, "not asked")
    for (variant, name, _), sample in zip(jobs, samples, strict=False):
        if variant:
            variants[variant][name] = sample
        else:
            spend = sample
    sliced = [(i, v, n, sample) for (i, v, n, _), sample in zip(slices, samples[len(jobs) :], strict=True)]
    return Readings(variants, spend, batch_savings(sliced))


BATCHES = 8  # slices of the step the savings is measured in, for its spread (batch means)


def batch_jobs(queries: dict[str, str], window: timedelta, rollout: str) -> list[tuple[int, str, str, str]]:
    """(slice, variant, figure, PromQL) for requests and cost in each whole-minute
    slice of the step, the last one ending now; none for a step under three
    minutes, or queries without a ``[{window}]`` to move."""
    minutes = int(window.total_seconds() // 60)
    count = min(BATCHES, minutes)
    if count < 3 or any("[{window}]" not in queries[name] for name in ("requests", "cost")):
        return []
    width = minutes // count
    jobs = []
    for index in range(count):
        back = (count - 1 - index) * width
        for variant in VARIANTS:
            for name in ("requests", "cost"):
                moved = (
                    queries[name].replace("[{window}]", "[{window}] offset " + f"{back}m")
                    if back
                    else queries[name]
                )
                jobs.append(
                    (
                        index,
                        variant,
                        name,
                        fill_query(moved, variant=variant, window=f"{width}m", rollout=rollout),
                    )
                )
    return jobs


def batch_savings(samples: list[tuple[int, str, str, Sample]]) -> tuple[float, ...]:
    """The savings in each slice where both variants have requests and cost."""
    by_slice: dict[int, dict[str, dict[str, Sample]]] = {}
    for index, variant, name, sample in samples:
        by_slice.setdefault(index, {v: {} for v in VARIANTS})[variant][name] = sample
    found = []
    for variants in by_slice.values():
        readings = Readings(variants, Sample(None, {}))
        value = _savings(readings, _figures(variants["stable"]), _figures(variants["candidate"]))
        if value is not None:
            found.append(value)
    return tuple(found)


def _figures(samples: dict[str, Sample]) -> Figures:
    def value(name: str) -> float | None:
        sample = samples.get(name)
        return None if sample is None else sample.value

    requests = value("requests")
    buckets = samples.get("latency-buckets")
    return Figures(
        requests=requests,
        errors=value("errors"),
        p95_latency_s=value("latency-p95"),
        cost=value("cost"),
        priced=requests if value("cost") is not None else None,
        escalated=value("escalations"),
        quality=value("satisfaction"),
        unanswered=value("unanswered"),
        latency_buckets=_cumulative(buckets.by_le) if buckets is not None else (),
    )


def _cumulative(by_le: Mapping[float, float]) -> tuple[tuple[float, float], ...]:
    """Buckets in order, when they end at +Inf (else none, and latency is judged
    without them). increase() extrapolates each bucket alone, so a count may dip
    below the one before: raised to it, as histogram_quantile does."""
    ordered = sorted(by_le.items())
    if not ordered or not math.isinf(ordered[-1][0]):
        return ()
    made: list[tuple[float, float]] = []
    for bound, count in ordered:
        made.append((bound, max(count, made[-1][1]) if made else count))
    return tuple(made)


def _savings(readings: Readings, stable: Figures, candidate: Figures) -> float | None:
    """For the same workload when the queries give one series per role (sum by
    (role)), as for usage events; else cost per request against cost per request."""
    s, c = readings.variants["stable"], readings.variants["candidate"]
    by_role = [samples[name].by_role for samples in (s, c) for name in ("requests", "cost")]
    if any(value < 0 for cells in by_role for value in cells.values()):
        return None  # Readings.problems names it; the savings gate has no figure
    roles = set(s["requests"].by_role) & set(c["requests"].by_role)
    roles &= set(s["cost"].by_role) & set(c["cost"].by_role)
    if roles:

        def cells(samples: dict[str, Sample]) -> dict[str, Totals]:
            made = {}
            for role in roles:
                requests = round(samples["requests"].by_role[role])
                made[role] = Totals(requests=requests, priced=requests, cost=samples["cost"].by_role[role])
            return made

        return same_workload_savings(cells(s), cells(c))
    stable_cost, candidate_cost = stable.cost_per_request, candidate.cost_per_request
    if stable_cost is None or candidate_cost is None or stable_cost <= 0:
        return None
    return 1 - candidate_cost / stable_cost


class Prometheus(NamedTuple):
    source: MetricsSource
    ca_bundle: Path | None = None

    def observe(self, step: Step, variants: Variants, now: datetime) -> Observation:
        started = step.started or now
        month = now.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
        readings = read(
            self.source,
            window=now - started,
            month=now - month,
            at=now,
            rollout=step.rollout_id,
            ca_bundle=self.ca_bundle,
        )
        stable, candidate = _figures(readings.variants["stable"]), _figures(readings.variants["candidate"])
        return Observation(
            stable,
            candidate,
            _savings(readings, stable, candidate),
            readings.spend_month.value,
            f"prometheus {shown_url(self.source.url or '')}",
            readings.problems(),
            readings.savings_batches,
        )
