"""The LiteLLM proxy plug-in: ``litellm_settings.callbacks:
["hybridctl.gateway.litellm_plugin.handler"]`` in the proxy's config (``hybridctl
render --format litellm-proxy`` writes it so), with ``pip install
'hybridctl[litellm]'`` in the proxy's environment.

Before each call it routes a request that asks for a role as the routing
library would (gateway/requests.py), by the bundle ``HYBRIDCTL_BUNDLE`` names
(gateway/source.py: re-read every ``HYBRIDCTL_BUNDLE_INTERVAL`` seconds, the
last good one kept). After each, it counts the request in the series the
automated analysis reads (gateway/metrics.py, on ``HYBRIDCTL_METRICS_PORT``)
and, with ``HYBRIDCTL_USAGE_LOG``, writes it to a usage log hybridctl's
reports read. Nothing here ever fails a request: before any bundle has been
read, or whatever goes wrong, the request goes where it asked, to the role's
own entry, which serves stable.
"""

from __future__ import annotations

import logging
import math
import os
import sys
import threading
import time
from collections import OrderedDict
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from litellm.integrations.custom_logger import CustomLogger

from hybridctl.credentials import grant_key
from hybridctl.errors import HybridctlError
from hybridctl.gateway.escalation_requests import ESCALATIONS_TOKEN_ENV, ESCALATIONS_URL_ENV, RequestFiler
from hybridctl.gateway.metrics import ADDRESS_ENV, PORT_ENV, GatewayMetrics, start_exporter
from hybridctl.gateway.requests import (
    NotDeployed,
    Routed,
    request_task,
    request_user,
    route_request,
    routed_of,
)
from hybridctl.gateway.source import BUNDLE_ENV, TOKEN_ENV, BundleWatcher, interval_from_env, source_from
from hybridctl.gateway.usage_log import LOG_ENV, UsageLog, usage_record

if TYPE_CHECKING:
    from prometheus_client import CollectorRegistry

log = logging.getLogger("hybridctl.gateway")
ROUTED_CALLS = frozenset(("completion", "acompletion", "text_completion", "atext_completion"))
MAX_PENDING = 100_000  # requests whose model call failed, awaiting their outcome


_deployed: tuple[int, int, frozenset[str]] = (0, -1, frozenset())  # router id, model count, names


def _deployed_names() -> frozenset[str] | None:
    """The model names the proxy's router serves; None outside a proxy, or before it has one.
    Worked out again only when the router or its model list changes."""
    global _deployed
    server = sys.modules.get("litellm.proxy.proxy_server")  # imported by the proxy; never here
    router = getattr(server, "llm_router", None)
    if router is None:
        return None
    key = (id(router), len(getattr(router, "model_list", None) or ()))
    if key != _deployed[:2]:
        _deployed = (*key, frozenset(router.get_model_names()))
    return _deployed[2]


class HybridctlRouting(CustomLogger):
    """Routes each request by the served bundle and counts what became of it."""

    def __init__(
        self, environ: Mapping[str, str] | None = None, registry: CollectorRegistry | None = None
    ) -> None:
        super().__init__()
        env = os.environ if environ is None else environ
        self.metrics = GatewayMetrics(registry)
        self.watcher: BundleWatcher | None = None
        self.usage_log = UsageLog(Path(env[LOG_ENV])) if env.get(LOG_ENV) else None
        self._failed: OrderedDict[str, str] = OrderedDict()  # request id -> error class
        self._lock = threading.Lock()
        self._said: str | None = None  # the source problem last logged
        location = env.get(BUNDLE_ENV)
        try:
            if not location:
                raise HybridctlError(f"{BUNDLE_ENV} is not set")
            self.watcher = BundleWatcher(source_from(location), interval_from_env(env))
        except HybridctlError as error:  # the proxy still serves: every role as rendered
            log.error("hybridctl: %s: every request goes to the role it asks for", error.message)
        else:
            try:
                self.watcher.grant_key = grant_key(env)
            except HybridctlError as error:  # escalations that need approval serve the primary
                log.error("hybridctl: %s: no grant is honoured", error.message)
            self.watcher.start(self._checked)
        self.filer = _filer(env, lambda role, outcome: self.metrics.filed.labels(role, outcome).inc())
        if env.get(PORT_ENV):
            start_exporter(int(env[PORT_ENV]), env.get(ADDRESS_ENV, "127.0.0.1"), registry)

    def _checked(self, changed: bool) -> None:
        watcher = self.watcher
        if watcher is None:
            return
        self.metrics.source_state(watcher.problem is None)
        if watcher.problem != self._said:  # once per change, not once per read
            if watcher.problem is not None:
                log.warning("hybridctl: keeping the last good bundle: %s", watcher.problem)
            elif self._said is not None:
                log.warning("hybridctl: the bundle source is readable again")
            self._said = watcher.problem
        loaded = watcher.current
        if changed and loaded is not None:
            self.metrics.serve_bundle(
                loaded.digest, loaded.router.rollout_id, loaded.loaded_at, loaded.router
            )
            log.info("hybridctl: serving bundle %s", loaded.digest)

    async def async_pre_call_hook(
        self, user_api_key_dict: Any, cache: Any, data: dict[str, Any], call_type: str
    ) -> dict[str, Any]:
        loaded = self.watcher.current if self.watcher is not None else None
        if loaded is None or call_type not in ROUTED_CALLS:
            return data
        names = _deployed_names()
        try:
            routed = route_request(
                data,
                loaded.router,
                key_alias=getattr(user_api_key_dict, "key_alias", None),
                deployed=(lambda _: True) if names is None else names.__contains__,
            )
            if routed is not None and routed.held:
                self.metrics.held.labels(routed.role, routed.variant, routed.rollout).inc()
                task = request_task(data)
                if self.filer is not None and task is not None and routed.held == "no grant":
                    self.filer.offer(
                        routed.role, task, request_user(data, getattr(user_api_key_dict, "key_alias", None))
                    )
        except NotDeployed as problem:
            self.metrics.undeployed.labels(problem.role, problem.model).inc()
        except Exception:  # never fail a request for hybridctl's sake
            log.exception("hybridctl: routing failed; the request goes where it asked")
        return data

    async def async_log_failure_event(
        self, kwargs: Any, response_obj: Any, start_time: Any, end_time: Any
    ) -> None:
        routed = routed_of(_metadata(kwargs))
        if routed is None:
            return
        error = type(kwargs.get("exception")).__name__ if kwargs.get("exception") is not None else "failure"
        with self._lock:
            self._failed.setdefault(routed.request, error)
            while len(self._failed) > MAX_PENDING:
                self._failed.popitem(last=False)

    async def async_log_success_event(
        self, kwargs: Any, response_obj: Any, start_time: Any, end_time: Any
    ) -> None:
        routed = routed_of(_metadata(kwargs))
        if routed is None:
            return
        payload = kwargs.get("standard_logging_object")
        payload = payload if isinstance(payload, dict) else None
        with self._lock:
            error = self._failed.pop(routed.request, None)
        cost = payload.get("response_cost") if payload is not None else None
        self._count(routed, failed=error is not None, answered=True, cost=cost)
        if self.usage_log is not None:
            self._write(usage_record(routed, payload, failed=error is not None, error_class=error))

    async def async_post_call_failure_hook(
        self,
        request_data: dict[str, Any],
        original_exception: Exception,
        user_api_key_dict: Any,
        traceback_str: Any = None,
    ) -> None:
        routed = routed_of(request_data.get("metadata"))
        if routed is None:
            return
        with self._lock:
            error = self._failed.pop(routed.request, None) or type(original_exception).__name__
        self._count(routed, failed=True, answered=False, cost=None)
        if self.usage_log is not None:
            self._write(usage_record(routed, None, failed=True, error_class=error))

    def _count(self, routed: Routed, *, failed: bool, answered: bool, cost: Any) -> None:
        labels = routed.labels()
        metrics = self.metrics
        metrics.requests.labels(*labels).inc()
        if failed:
            metrics.errors.labels(*labels).inc()
        if not answered:
            metrics.unanswered.labels(*labels).inc()
        if routed.escalated:
            metrics.escalations.labels(*labels).inc()
        if answered:
            metrics.latency.labels(*labels).observe(max(0.0, time.time() - routed.started))
        if isinstance(cost, (int, float)) and math.isfinite(cost) and cost > 0:
            metrics.cost.labels(*labels).inc(float(cost))

    def _write(self, record: dict[str, Any]) -> None:
        assert self.usage_log is not None
        try:
            self.usage_log.write(record)
        except (OSError, ValueError):
            log.exception("hybridctl: could not write the usage log")


def _filer(env: Mapping[str, str], counted: Any) -> RequestFiler | None:
    """Where tasks that give a reason get their escalation request filed, if anywhere."""
    location = env.get(ESCALATIONS_URL_ENV)
    if not location:
        return None
    try:
        from hybridctl.credentials import token_from
        from hybridctl.urls import http_url

        url = http_url(location, ESCALATIONS_URL_ENV)
        token = token_from(ESCALATIONS_TOKEN_ENV, env) or token_from(TOKEN_ENV, env)
    except HybridctlError as error:
        log.error("hybridctl: %s: no escalation request is filed", error.message)
        return None
    return RequestFiler(url, token, counted)


def _metadata(kwargs: Any) -> Any:
    params = kwargs.get("litellm_params") if isinstance(kwargs, dict) else None
    return params.get("metadata") if isinstance(params, dict) else None


handler = HybridctlRouting()
