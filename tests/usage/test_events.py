"""Usage events in flat and OpenTelemetry form, and bad lines counted with positions."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import pytest

from hybridctl.errors import CheckFailed
from hybridctl.usage.events import to_event
from hybridctl.usage.scan import ScanSpec, Source, scan_source


def test_flat_and_opentelemetry_names_give_the_same_event() -> None:
    flat = to_event(
        {
            "time": "2026-11-21T10:00:00Z",
            "role": "architect",
            "model": "glm-4.5",
            "input_tokens": 1200,
            "output_tokens": 300,
            "cached_tokens": 200,
            "latency_ms": 850,
            "status": "ok",
            "escalated": False,
        }
    )
    otel = to_event(
        {
            "timestamp": "2026-11-21T11:00:00+01:00",
            "gen_ai.agent.name": "architect",
            "gen_ai.request.model": "glm-4.5",
            "gen_ai.usage.input_tokens": 1200,
            "gen_ai.usage.output_tokens": 300,
            "gen_ai.usage.cache_read.input_tokens": 200,
            "latency_s": 0.85,
        }
    )

    assert flat == otel
    assert flat.time == datetime(2026, 11, 21, 10, tzinfo=timezone.utc)
    assert flat.latency_s == pytest.approx(0.85) and flat.ok


def test_nested_otel_attributes_and_error_status() -> None:
    event = to_event(
        {
            "time": 1763719200,
            "attributes": {"gen_ai.request.model": "claude-opus-4-1", "error.type": "rate_limited"},
        }
    )

    assert event.model == "claude-opus-4-1"
    assert not event.ok and event.error_type == "rate_limited"
    assert event.time == datetime(2025, 11, 21, 10, tzinfo=timezone.utc)


@pytest.mark.parametrize(
    "line, message",
    [
        ("{not json", "not JSON"),
        ("[1, 2]", "expected a JSON object"),
        ('{"input_tokens": "many"}', "input_tokens must be a number"),
        ('{"output_tokens": -3}', "output_tokens must be zero or more"),
        ('{"time": "yesterday"}', "Invalid isoformat"),
        ('{"latency": NaN}', "latency_s must be a finite number"),
        ('{"cost": Infinity}', "cost must be a finite number"),
        ('{"time": -67768042695688190}', "out of range for an epoch time"),
        ('{"role": "critic"', "not JSON: Expecting ',' delimiter: line 1 column 18"),
        ('{"user": ' + "[" * 100_000 + "]" * 100_000 + "}", "not JSON: nested too deeply"),
    ],
)
def test_bad_records_say_what_is_wrong(line: str, message: str, tmp_path: Path) -> None:
    path = tmp_path / "usage.jsonl"
    path.write_text(line + "\n")

    stats = scan_source(Source(path, "usage.jsonl"), ScanSpec()).stats

    assert stats.bad == 1 and message in stats.first_bad[0][2]


def test_bad_lines_are_counted_with_positions_and_strict_makes_them_fatal(tmp_path: Path) -> None:
    path = tmp_path / "usage.jsonl"
    path.write_text(
        '{"role": "critic", "model": "m"}\n\n{broken\n{"role": "critic", "input_tokens": "x"}\n'
        '{"role": "a", "output_tokens": 1}\n'
    )

    scanned = scan_source(Source(path, "usage.jsonl"), ScanSpec())

    roles = {key[2]: cell[0] for key, cell in scanned.cube.cells.items()}
    assert roles == {"critic": 1, "a": 1}
    stats = scanned.stats
    assert (stats.lines, stats.events, stats.bad) == (4, 2, 2)
    assert [(line, message[:8]) for _, line, message in stats.first_bad] == [(3, "not JSON"), (4, "input_to")]
    with pytest.raises(CheckFailed, match=r"usage.jsonl:3: not JSON"):
        scan_source(Source(path, "usage.jsonl"), ScanSpec(strict=True))


@pytest.mark.parametrize("reader", ["compiled", "msgspec"])
def test_a_record_with_no_model_and_no_tokens_is_not_a_usage_event(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, reader: str
) -> None:
    # What reading a YAML config as CSV, or an unrelated log, looks like.
    path = tmp_path / "usage.jsonl"
    path.write_text('{"role": "critic"}\n{"customModes": []}\n{"model": "m"}\n{"input_tokens": 3}\n')

    monkeypatch.setenv("HYBRIDCTL_READER", reader)
    stats = scan_source(Source(path, "usage.jsonl"), ScanSpec()).stats

    assert (stats.events, stats.bad) == (2, 2)
    assert stats.first_bad[0][2] == "not a usage event: no model and no tokens"
