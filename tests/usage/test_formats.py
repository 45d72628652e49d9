"""Logs as the real systems write them: one list of requests, written out in
each tool's published shape, must read back to the figures the test computes
from that list, by auto-detection, plain and gzip."""

from __future__ import annotations

import csv
import gzip
import io
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from hybridctl.usage import scan
from hybridctl.usage.scan import ScanSpec, Source


@dataclass(frozen=True)
class Request:
    start: datetime
    role: str
    model: str  # the provider's model id
    provider: str
    base_input: int  # prompt tokens, not counting the cache
    cache_read: int
    cache_write: int
    output: int
    latency_s: float
    status: int  # HTTP status of the call
    cost: float

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300

    @property
    def input_tokens(self) -> int:  # hybridctl's convention: every prompt token, cached or not
        return self.base_input + self.cache_read + self.cache_write

    @property
    def end(self) -> datetime:
        return self.start + timedelta(seconds=self.latency_s)


T0 = datetime(2026, 11, 17, 23, 30, tzinfo=timezone.utc)
REQUESTS = [
    Request(T0, "architect", "glm-4.5", "zai", 1000, 200, 0, 300, 1.5, 200, 0.00124),
    Request(
        T0 + timedelta(minutes=45),
        "critic",
        "claude-opus-4-1",
        "anthropic",
        3,
        12304,
        5000,
        550,
        4.25,
        200,
        0.15,
    ),
    Request(T0 + timedelta(minutes=50), "implementer", "glm-4.5", "zai", 800, 0, 0, 0, 0.75, 429, 0.0),
    Request(
        T0 + timedelta(hours=2),
        "critic",
        "gemini-2.5-flash-lite",
        "google",
        5000,
        0,
        0,
        900,
        0.5,
        200,
        0.00086,
    ),
]
# An OpenTelemetry trace also holds spans that are not model calls.
HTTP_SPAN_ATTRIBUTES = {"http.request.method": "POST", "url.full": "https://tools.internal/search"}


def iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def nanos(moment: datetime) -> str:
    return str(int(moment.timestamp()) * 10**9 + moment.microsecond * 1000)


def litellm_payload(r: Request) -> dict[str, Any]:
    """LiteLLM's StandardLoggingPayload, as a logging callback writes it."""
    return {
        "id": f"chatcmpl-{r.start.minute}",
        "trace_id": "trace-1",
        "call_type": "acompletion",
        "response_cost": r.cost,
        "response_cost_failure_debug_info": None,
        "status": "success" if r.ok else "failure",
        "total_tokens": r.input_tokens + r.output,
        "prompt_tokens": r.input_tokens,
        "completion_tokens": r.output,
        "startTime": r.start.timestamp(),
        "endTime": r.end.timestamp(),
        "completionStartTime": r.end.timestamp(),
        "response_time": r.latency_s,
        "model": r.model,
        "model_id": "deployment-1",
        "model_group": r.role,
        "custom_llm_provider": r.provider,
        "api_base": "https://api.example/v1",
        "metadata": {"user_api_key_hash": "hashed", "user_api_key_alias": None, "requester_metadata": {}},
        "cache_hit": None,
        "cache_key": None,
        "saved_cache_cost": 0.0,
        "request_tags": [f"role:{r.role}"],
        "end_user": "alice",
        "requester_ip_address": "10.0.0.1",
        "messages": [{"role": "user", "content": "Plan the migration, café ✓"}],
        "response": {
            "usage": {
                "prompt_tokens": r.input_tokens,
                "completion_tokens": r.output,
                "prompt_tokens_details": {"cached_tokens": r.cache_read},
                "cache_creation_input_tokens": r.cache_write,
            }
        }
        if r.ok
        else None,
        "error_str": None if r.ok else "RateLimitError: 429",
        "error_information": None if r.ok else {"error_code": "429", "error_class": "RateLimitError"},
        "model_parameters": {"temperature": 0.2},
        "hidden_params": {"model_id": "deployment-1"},
    }


OPENROUTER_SLUGS = {"glm-4.5": "z-ai/glm-4.5", "claude-opus-4-1": "anthropic/claude-opus-4.1"}


def openrouter_row(r: Request) -> dict[str, Any]:
    """A row of OpenRouter's activity export (CSV)."""
    return {
        "generation_id": f"gen-{r.start.minute}",
        "created_at": r.start.strftime("%Y-%m-%d %H:%M:%S.%f")[:-3],
        "cost_total": r.cost,
        "cost_web_search": 0,
        "cost_cache": 0,
        "byok_usage_inference": 0,
        "tokens_prompt": r.input_tokens,
        "tokens_completion": r.output,
        "tokens_reasoning": 0,
        "tokens_cached": r.cache_read,
        "model_permaslug": OPENROUTER_SLUGS.get(r.model, f"google/{r.model}"),
        "provider_name": r.provider.title(),
        "variant": "standard",
        "cancelled": "false",
        "streamed": "true",
        "user": "",
        "finish_reason_raw": "stop" if r.ok else "error",
        "finish_reason_normalized": "stop" if r.ok else "error",
        "generation_time_ms": round(r.latency_s * 1000),
        "time_to_first_token_ms": 120,
        "app_name": "agents",
        "api_key_name": "prod",
    }


def otel_attributes(r: Request) -> dict[str, Any]:
    return {
        "gen_ai.operation.name": "chat",
        "gen_ai.agent.name": r.role,
        "gen_ai.provider.name": r.provider,
        "gen_ai.request.model": r.model,
        "gen_ai.usage.input_tokens": r.input_tokens,
        "gen_ai.usage.output_tokens": r.output,
        "gen_ai.usage.cache_read.input_tokens": r.cache_read,
        **({} if r.ok else {"error.type": str(r.status)}),
    }


def otlp_value(value: Any) -> dict[str, Any]:
    if isinstance(value, bool):
        return {"boolValue": value}
    if isinstance(value, int):
        return {"intValue": str(value)}
    if isinstance(value, float):
        return {"doubleValue": value}
    return {"stringValue": value}


def otlp_span(attributes: dict[str, Any], start: datetime, end: datetime, ok: bool) -> dict[str, Any]:
    return {
        "traceId": "5b8efff798038103d269b633813fc60c",
        "spanId": "eee19b7ec3c1b174",
        "name": "chat",
        "kind": 3,
        "startTimeUnixNano": nanos(start),
        "endTimeUnixNano": nanos(end),
        "attributes": [{"key": k, "value": otlp_value(v)} for k, v in attributes.items()],
        "status": {} if ok else {"code": 2, "message": "rate limited"},
    }


def otlp_export(requests: list[Request]) -> dict[str, Any]:
    """One line of the OpenTelemetry Collector's file exporter (OTLP/JSON)."""
    spans = [otlp_span(otel_attributes(r), r.start, r.end, r.ok) for r in requests]
    spans.append(otlp_span(HTTP_SPAN_ATTRIBUTES, T0, T0 + timedelta(seconds=1), True))
    return {
        "resourceSpans": [
            {
                "resource": {"attributes": [{"key": "service.name", "value": {"stringValue": "agents"}}]},
                "scopeSpans": [{"scope": {"name": "agents.llm", "version": "1.0"}, "spans": spans}],
            }
        ]
    }


def console_span(r: Request) -> dict[str, Any]:
    """A span as the OpenTelemetry SDK's ConsoleSpanExporter prints it."""
    return {
        "name": f"chat {r.model}",
        "context": {
            "trace_id": "0x5b8efff798038103d269b633813fc60c",
            "span_id": "0xeee19b7ec3c1b174",
            "trace_state": "[]",
        },
        "kind": "SpanKind.CLIENT",
        "parent_id": None,
        "start_time": iso(r.start),
        "end_time": iso(r.end),
        # the SDK leaves a successful span UNSET; OK only when set explicitly
        "status": {"status_code": "UNSET" if r.role != "critic" else "OK"}
        if r.ok
        else {"status_code": "ERROR", "description": "429 Too Many Requests"},
        "attributes": otel_attributes(r),
        "events": [],
        "links": [],
        "resource": {"attributes": {"service.name": "agents"}, "schema_url": ""},
    }


def langfuse_observation(r: Request) -> dict[str, Any]:
    """A generation from Langfuse's observations API (latency in seconds)."""
    return {
        "id": f"obs-{r.start.minute}",
        "traceId": "trace-1",
        "type": "GENERATION",
        "name": r.role,
        "startTime": iso(r.start),
        "endTime": iso(r.end),
        "completionStartTime": iso(r.end),
        "model": r.model,
        "modelParameters": {"temperature": 0.2},
        "input": [{"role": "user", "content": "Plan the migration"}],
        "output": {"role": "assistant", "content": "ok"},
        "metadata": {"role": r.role},
        "level": "DEFAULT" if r.ok else "ERROR",
        "statusMessage": None if r.ok else "429 Too Many Requests",
        "usage": {
            "input": r.base_input,
            "output": r.output,
            "total": r.base_input + r.output,
            "unit": "TOKENS",
        },
        "usageDetails": {
            "input": r.base_input,
            "output": r.output,
            "cache_read_input_tokens": r.cache_read,
            "cache_creation_input_tokens": r.cache_write,
            "total": r.input_tokens + r.output,
        },
        "costDetails": {"total": r.cost},
        "calculatedTotalCost": r.cost,
        "totalCost": r.cost,
        "latency": r.latency_s,
        "timeToFirstToken": 0.1,
        "promptTokens": r.base_input,
        "completionTokens": r.output,
    }


def helicone_request(r: Request) -> dict[str, Any]:
    """A request from Helicone's export tool (cache tokens beside the prompt tokens)."""
    return {
        "response_id": f"resp-{r.start.minute}",
        "response_created_at": iso(r.end),
        "response_status": r.status,
        "request_id": f"req-{r.start.minute}",
        "request_created_at": iso(r.start),
        "request_user_id": "alice",
        "request_properties": {"Helicone-Property-Role": r.role},
        "request_path": "/v1/chat/completions",
        "model": r.model,
        "provider": r.provider.upper(),
        "delay_ms": round(r.latency_s * 1000),
        "time_to_first_token": 100,
        "total_tokens": r.input_tokens + r.output,
        "prompt_tokens": r.base_input,
        "completion_tokens": r.output,
        "prompt_cache_write_tokens": r.cache_write,
        "prompt_cache_read_tokens": r.cache_read,
        "cost": r.cost,
        "country_code": "DE",
    }


def jsonl(records: list[dict[str, Any]]) -> str:
    return "".join(json.dumps(record, ensure_ascii=False) + "\n" for record in records)


def as_csv(records: list[dict[str, Any]]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(records[0]))
    writer.writeheader()
    for record in records:
        writer.writerow({k: json.dumps(v) if isinstance(v, (dict, list)) else v for k, v in record.items()})
    return out.getvalue()


FORMATS: dict[str, Callable[[], str]] = {
    "litellm-payload.jsonl": lambda: jsonl([litellm_payload(r) for r in REQUESTS]),
    "openrouter-activity.csv": lambda: as_csv([openrouter_row(r) for r in REQUESTS]),
    "otlp-file-exporter.jsonl": lambda: jsonl([otlp_export(REQUESTS[:2]), otlp_export(REQUESTS[2:])]),
    "otlp-one-document.json": lambda: json.dumps(otlp_export(REQUESTS), indent=2),
    "otel-console-pretty.txt": lambda: "".join(
        json.dumps(console_span(r), indent=4) + "\n" for r in REQUESTS
    ),
    "otel-console-lines.jsonl": lambda: jsonl([console_span(r) for r in REQUESTS]),
    "langfuse-observations.json": lambda: json.dumps(
        {
            "data": [langfuse_observation(r) for r in REQUESTS],
            "meta": {"page": 1, "totalItems": len(REQUESTS)},
        }
    ),
    "langfuse-observations.jsonl": lambda: jsonl([langfuse_observation(r) for r in REQUESTS]),
    "helicone-export.jsonl": lambda: jsonl([helicone_request(r) for r in REQUESTS]),
    "helicone-export.csv": lambda: as_csv([helicone_request(r) for r in REQUESTS]),
}
# What each format cannot carry: OpenRouter knows no roles; a span no cost.
NO_ROLES = {"openrouter-activity.csv"}
NO_COST = {name for name in FORMATS if name.startswith(("otlp", "otel"))}


def read(path: Path, input_format: str = "auto") -> scan.Scanned:
    return scan.scan_source(Source(path, path.name), ScanSpec(input_format=input_format))


def figures(scanned: scan.Scanned, with_roles: bool) -> dict[str, Any]:
    cells = scanned.cube.cells
    return {
        "requests": sum(c[0] for c in cells.values()),
        "errors": sum(c[1] for c in cells.values()),
        "input": sum(c[2] for c in cells.values()),
        "output": sum(c[3] for c in cells.values()),
        "cached": sum(c[4] for c in cells.values()),
        "cost": round(sum(c[5] for c in cells.values()), 9),
        "timed": sum(c[0] for k, c in cells.items() if k[1]),
        "days": sorted({k[1] for k in cells}),
        "latencies": sum(sum(c[12].values()) for c in cells.values()),
        "roles": sorted({k[2] for k in cells}) if with_roles else [],
        "variants": sorted({k[5] for k in cells}),
    }


def expected(with_roles: bool, with_cost: bool) -> dict[str, Any]:
    return {
        "requests": len(REQUESTS),
        "errors": sum(not r.ok for r in REQUESTS),
        "input": sum(r.input_tokens for r in REQUESTS),
        "output": sum(r.output for r in REQUESTS),
        "cached": sum(r.cache_read for r in REQUESTS),
        "cost": round(sum(r.cost for r in REQUESTS), 9) if with_cost else 0,
        "timed": len(REQUESTS),
        "days": sorted({r.start.date().isoformat() for r in REQUESTS}),
        "latencies": len(REQUESTS),
        "roles": sorted({r.role for r in REQUESTS}) if with_roles else [],
        "variants": [""],
    }


@pytest.mark.parametrize("name", sorted(FORMATS))
def test_each_real_format_reads_back_to_the_requests_it_holds(name: str, tmp_path: Path) -> None:
    path = tmp_path / name
    path.write_text(FORMATS[name](), encoding="utf-8")
    compressed = tmp_path / f"{name}.gz"
    compressed.write_bytes(gzip.compress(path.read_bytes()))

    for source in (path, compressed):
        scanned = read(source)

        assert scanned.stats.bad == 0, scanned.stats.first_bad
        assert figures(scanned, name not in NO_ROLES) == expected(name not in NO_ROLES, name not in NO_COST)


def test_latencies_land_in_the_right_buckets_whatever_the_unit(tmp_path: Path) -> None:
    from hybridctl.usage.stats import latency_bucket

    want = sorted(latency_bucket(r.latency_s) for r in REQUESTS)
    for name in (
        "langfuse-observations.jsonl",
        "helicone-export.jsonl",
        "openrouter-activity.csv",
        "litellm-payload.jsonl",
        "otlp-file-exporter.jsonl",
        "otel-console-lines.jsonl",
    ):
        path = tmp_path / name
        path.write_text(FORMATS[name](), encoding="utf-8")
        buckets = sorted(
            b for c in read(path).cube.cells.values() for b, n in c[12].items() for _ in range(n)
        )
        assert buckets == want, name


def test_a_forced_format_refuses_other_records_instead_of_misreading_them(tmp_path: Path) -> None:
    path = tmp_path / "payload.jsonl"
    path.write_text(FORMATS["litellm-payload.jsonl"]())

    scanned = read(path, "openrouter")

    assert (scanned.stats.events, scanned.stats.bad) == (0, len(REQUESTS))
    assert "not a OpenRouter record (it looks like LiteLLM)" in scanned.stats.first_bad[0][2]
    assert read(path, "litellm").stats.events == len(REQUESTS)
    assert read(path, "jsonl").stats.events == len(REQUESTS)  # a container: each record is still detected


def test_openrouters_model_variant_is_not_a_rollout_variant(tmp_path: Path) -> None:
    path = tmp_path / "activity.csv"
    path.write_text(FORMATS["openrouter-activity.csv"]())

    variants = {key[5] for key in read(path).cube.cells}

    assert variants == {""}  # "standard" is OpenRouter's, not stable or candidate


def test_the_command_line_offers_every_input_format() -> None:
    from hybridctl.cli.options import InputFormat

    assert [choice.value for choice in InputFormat] == list(scan.INPUT_FORMATS)
