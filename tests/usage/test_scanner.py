"""The compiled reader: it is built, it takes plain event lines itself, and on
any line at all it builds the cube the general path builds (what it does not
take, it hands back, and the general path reads or reports it)."""

from __future__ import annotations

import json
import os
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hybridctl.usage import scan
from hybridctl.usage.events import ALIASES
from hybridctl.usage.scan import OTHER_RECORD_KEYS, ScanSpec, Source

pytestmark = pytest.mark.skipif(
    os.environ.get("HYBRIDCTL_READER") == "msgspec", reason="the compiled reader is switched off"
)
CUT = (datetime(2026, 11, 21, 12, 0, tzinfo=timezone.utc),)
PLAIN = {
    "time": "2026-11-21T10:00:00.250Z",
    "request_id": "req-1",
    "user": "user-1",
    "role": "critic",
    "model": "glm-4.5",
    "provider": "zai",
    "variant": "stable",
    "escalated": False,
    "input_tokens": 1200,
    "output_tokens": 300,
    "cached_tokens": 100,
    "latency_ms": 1478.9,
    "status": "ok",
}


def line(**changes: Any) -> str:
    return json.dumps({**PLAIN, **changes})


# Lines the compiled reader must either read exactly as the general path does, or hand back.
TRICKY = [
    line(),
    line(time="2026-11-21 12:00:00Z"),  # a space for the T, on the cut
    line(time="2026-11-21T11:59:59.999999Z"),
    line(time="2026-11-21T12:00:00.1Z"),  # one digit of fraction: 3.10 and 3.11 differ
    line(time="2026-11-21T12:00:00.123456789Z"),
    line(time="2026-11-21T12:00:00+00:00"),
    line(time="2026-11-21T13:00:00+01:00Z"),
    line(time="2024-02-29T00:00:00Z"),
    line(time="2026-02-29T00:00:00Z"),  # not a day
    line(time="2026-11-21T24:00:00Z"),
    line(time="2026-13-01T00:00:00Z"),
    line(time="0000-01-01T00:00:00Z"),
    line(time=1763722800),
    line(time=""),
    line(time=None),
    line(role="crit\\u0069c"),
    line(role="r\u00f4le"),
    line(role=7),
    line(model=""),
    line(provider=None),
    line(escalated=True),
    line(escalated="yes"),
    line(escalated=1),
    line(input_tokens=12.0),
    line(input_tokens="12"),
    line(input_tokens=-1),
    line(output_tokens=-0),
    line(cached_tokens=5000),
    line(input_tokens=10**15),
    line(input_tokens=10**14),
    line(latency_ms=0),
    line(latency_ms=-3),
    line(latency_ms=1e-12),
    line(latency_ms=12345678901234567890),
    line(latency_ms=1.5e3),
    line(latency_ms="fast"),
    line(latency_ms=None, latency_s=0.5),
    line(latency_ms=None, latency=2),
    line(status=" OK "),
    line(status="Success"),
    line(status="200"),
    line(status="error"),
    line(status=None, error_type="timeout"),
    line(status=None, error_type=""),
    line(status=None, error=True),
    line(status=None, error="boom"),
    line(status=None, error=0),
    line(cost=0.125),
    line(cost=0.1, quality=4),
    line(cost="0.5"),
    line(cost=None, cost_usd=0.25),
    line(prompt_tokens=99),
    line(input_tokens=None, prompt_tokens=99),
    line(attributes=None),
    line(attributes={"gen_ai.request.model": "claude-opus-4-1"}),
    line(data={"tokens_prompt": 10}),
    line(spend=0.2, startTime="2026-11-21T10:00:00Z"),
    line(tokens_prompt=5),
    line(extra={"nested": [1, 2.5e-3, {"deep": [True, False, None, 'x"y', "a\\b"]}]}),
    line(extra="caf\u00e9"),
    '{"role": "r\u00f4le", "input_tokens": 5}',  # raw UTF-8 in the line
    line(extra=json.loads("[" * 80 + "]" * 80)),  # deeper than the reader follows
    '{"role": "critic", "role": "architect", "input_tokens": 5}',
    '{"role": "critic" , "input_tokens" : 5 }\r',
    '\x0c{"role": "critic"}',
    '{"role": "critic"}\x0c',
    '{"role": "critic", "latency": NaN}',
    '{"role": "critic", "latency_ms": 01}',
    '{"role": "critic", "latency_ms": 1.}',
    '{"role": "critic", "input_tokens": 5,}',
    '{"role": "critic" "input_tokens": 5}',
    '{"role": "critic"',
    "{}",
    "[]",
    "null",
    "not json",
    "   ",
]


def general_and_compiled(path: Path, spec: ScanSpec) -> tuple[Any, Any]:
    source = Source(path, path.name)
    with path.open("rb") as handle:
        general = scan.scan_general(handle, source, "jsonl", spec)
    with path.open("rb") as handle:
        cube, stats, _ = scan.scan_fast(handle, source, spec, reader="compiled")
    return general, (cube, stats)


def test_the_compiled_reader_is_built_in_this_install() -> None:
    assert scan.available_reader() == "compiled"


@pytest.mark.parametrize("boundaries", [(), CUT])
@pytest.mark.parametrize("index", range(len(TRICKY)))
def test_each_tricky_line_reads_as_the_general_path_reads_it(
    tmp_path: Path, index: int, boundaries: tuple[datetime, ...]
) -> None:
    path = tmp_path / "usage.jsonl"
    path.write_text("\n".join([line(), TRICKY[index], line(role="architect")]) + "\n")

    (general, general_stats), (compiled, compiled_stats) = general_and_compiled(path, ScanSpec(boundaries))

    assert compiled.cells == general.cells
    assert compiled_stats == general_stats


def test_plain_event_lines_are_all_taken_by_the_compiled_reader() -> None:
    from hybridctl.usage.scan import _CompiledReader

    lines = [
        line(),
        line(time="2026-11-21 12:00:00.250000Z", escalated=True, cost=0.5, quality=4),
        json.dumps({"timestamp": "2026-11-21T10:00:00Z", "gen_ai.request.model": "glm-4.5", "latency_s": 1}),
        "",
        line(status="Success", latency_ms=3),
    ]
    reader = _CompiledReader(CUT)

    handed_back, records, untimed, physical = reader.aggregator.feed("\n".join(lines).encode())

    assert (handed_back, records, untimed, physical) == ([], 4, 0, 5)
    assert sum(cell[0] for cell in reader.aggregator.cells().values()) == 4


values = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-5, 10**16),
    st.floats(allow_nan=False, allow_infinity=False, width=32),
    st.sampled_from([0.125, 1.5, 2.25e2, -0.0]),
    st.text(alphabet='aokOK 2T0:-Zé\\"', max_size=8),
    st.sampled_from(["2026-11-21T12:00:00Z", "2026-11-21 11:59:59.999Z", "2026-11-21T12:00:00.5Z", "ok"]),
    st.lists(st.integers(0, 3), max_size=2),
    st.dictionaries(st.sampled_from(["a", "gen_ai.request.model"]), st.integers(0, 3), max_size=2),
)
# Every name a reader looks for, those that make a line another record, and others.
names = st.sampled_from(
    sorted(
        {*(name for aliases in ALIASES.values() for name in aliases), "error", *OTHER_RECORD_KEYS, "other"}
    )
)
records = st.dictionaries(names, values, max_size=10)
# Records shaped like real events, so most lines are ones the compiled reader takes.
exact = st.fixed_dictionaries(
    {
        "time": st.sampled_from(["2026-11-21T11:00:00Z", "2026-11-21T13:00:00.500Z", "2026-11-22 01:00:00Z"]),
        "role": st.sampled_from(["critic", "architect", ""]),
        "input_tokens": st.integers(0, 10**6),
        "output_tokens": st.integers(0, 10**5),
        "latency_ms": st.floats(0, 1e6, allow_nan=False),
        "cost": st.integers(0, 64).map(lambda n: n / 8),
        "quality": st.integers(1, 5),
    }
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.one_of(records, exact), min_size=1, max_size=30), st.booleans())
def test_any_lines_read_as_the_general_path_reads_them(
    tmp_path: Path, lines: list[dict[str, Any]], cut: bool
) -> None:
    path = tmp_path / "generated.jsonl"
    text = "\n".join(json.dumps(record, ensure_ascii=index % 2 == 0) for index, record in enumerate(lines))
    path.write_bytes(text.encode())

    (general, general_stats), (compiled, compiled_stats) = general_and_compiled(
        path, ScanSpec(CUT if cut else ())
    )

    assert compiled_stats == general_stats
    assert compiled.cells.keys() == general.cells.keys()
    for key, cell in general.cells.items():  # float sums may differ in the last bit: another order
        assert compiled.cells[key][:-1] == pytest.approx(cell[:-1], rel=1e-12), key
        assert compiled.cells[key][-1] == cell[-1], key
