"""Running suites: each case sent to the model each variant routes its role
(and task) to, as many times as it repeats, a bounded number at once."""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any, NamedTuple

from hybridctl.config.catalog import Catalog
from hybridctl.config.escalation import decide
from hybridctl.config.model import Strategy
from hybridctl.evals.assertions import Reply, check
from hybridctl.evals.calls import Endpoint, ask
from hybridctl.evals.suite import Case, Suite
from hybridctl.remote.http import Caller, Policy, fan_out

VARIANTS = ("stable", "candidate")
# A chat answer is text and a usage object; a model that writes more is cut off here.
MAX_ANSWER_BYTES = 4 << 20


class Side(NamedTuple):
    """One variant's configs, as the evals need them."""

    strategy: Strategy
    catalog: Catalog


class RunOptions(NamedTuple):
    gateway: str | None = None  # an OpenAI-compatible gateway instead of each provider's endpoint
    gateway_key_env: str | None = None
    concurrency: int = 4
    timeout_s: float = 60.0  # each call, whole
    attempts: int = 3  # each call: the first try and two retries (5xx, timeouts)
    ca_bundle: Path | None = None


class Attempt(NamedTuple):
    """One answer to one case by one variant's model, judged."""

    suite: str
    case: str
    role: str
    variant: str
    model: str  # catalog id
    repeat: int
    passed: bool
    why: str | None  # the first assertion that failed, or why there is no answer
    latency_s: float
    cost: float | None
    answered: bool  # False: no answer at all (an error, a timeout), a failure too

    def to_dict(self) -> dict[str, Any]:
        return self._asdict()


class Target(NamedTuple):
    model: str
    endpoint: Endpoint | None
    problem: str | None


def target(side: Side, case: Case, options: RunOptions) -> Target:
    """The model a variant routes the case's role and task to, and where to ask it."""
    strategy = side.strategy
    if case.role not in strategy.roles:
        return Target("-", None, f"no role {case.role}")
    try:
        model = decide(strategy, case.role, case.task or {}).model
    except ValueError as exc:
        return Target("-", None, f"a task context the escalation rules cannot read: {exc}")
    resolved = side.catalog.resolve(model)
    pricing = resolved.pricing if resolved is not None else None
    if options.gateway is not None:
        return Target(model, Endpoint(options.gateway, model, options.gateway_key_env, pricing), None)
    spec = strategy.models[model]
    provider = strategy.provider(spec.provider)
    if not provider.base_url:
        return Target(model, None, f"provider {spec.provider} has no baseUrl (or pass --gateway URL)")
    return Target(
        model, Endpoint(provider.base_url, spec.provider_model_id, provider.api_key_env, pricing), None
    )


class _Job(NamedTuple):
    suite: Suite
    case: Case
    variant: str
    repeat: int
    target: Target


def judge(job: _Job, reply: Reply) -> Attempt:
    why = reply.error
    if why is None:
        why = next((found for a in job.case.assertions if (found := check(a, reply)) is not None), None)
    return Attempt(
        job.suite.name,
        job.case.name,
        job.case.role,
        job.variant,
        job.target.model,
        job.repeat,
        why is None,
        why,
        round(reply.latency_s, 4),
        reply.cost,
        reply.error is None,
    )


def run(
    suites: Sequence[Suite],
    sides: Mapping[str, Side],
    options: RunOptions,
    progress: Callable[[int], None] = lambda done: None,
) -> list[Attempt]:
    """Every case of every suite, on each variant in ``sides``, each repeat."""
    jobs = [
        _Job(suite, case, variant, repeat, target(side, case, options))
        for suite in suites
        for case in suite.cases
        for variant, side in sides.items()
        for repeat in range(case.repeats)
    ]
    policy = Policy(
        timeout_s=options.timeout_s,
        attempts=options.attempts,
        backoff_s=1.0,
        concurrency=options.concurrency,
        max_bytes=MAX_ANSWER_BYTES,
    )
    lock = threading.Lock()

    def work(job: _Job) -> Attempt:
        if job.target.endpoint is None:
            reply = Reply(None, 0.0, None, job.target.problem)
        else:
            reply = ask(http, job.target.endpoint, job.case.messages, job.case.max_tokens)
        with lock:
            progress(1)
        return judge(job, reply)

    with Caller(options.ca_bundle, policy) as http:
        return fan_out(work, jobs, options.concurrency)


def total_calls(suites: Sequence[Suite], variants: int) -> int:
    return sum(case.repeats for suite in suites for case in suite.cases) * variants
