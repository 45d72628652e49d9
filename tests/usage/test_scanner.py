"""The fast readers (compiled and msgspec): the compiled one is built and takes
plain event lines itself, and on any line at all each builds the cube the
general path builds (what it does not take, it hands back, and the general
path reads or reports it). One table of cases every reader passes, so no
report depends on whether a compiler was there at install."""

from __future__ import annotations

import json
import os
from dataclasses import replace
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hybridctl.usage import fast as fast_path
from hybridctl.usage import general as general_path
from hybridctl.usage import scan, sources
from hybridctl.usage.chunks import OTHER_RECORD_KEYS
from hybridctl.usage.cube import LATENCY
from hybridctl.usage.events import ALIASES
from hybridctl.usage.scan import ScanSpec, Source
from hybridctl.usage.stats import latency_bucket
from tests.helpers import READERS

compiled_only = pytest.mark.skipif(
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
    # hostile lines (fuzzing found each one ending a report with a traceback, or readers disagreeing)
    line(input_tokens=1e999),
    line(input_tokens="inf"),
    line(output_tokens="-inf"),
    line(cost="NaN"),
    line(cost=int("9" * 400)),
    line(latency_ms=int("9" * 400)),
    '{"role": "critic", "input_tokens": 5, "unread": ' + "1" * 5000 + "}",
    '{"role": "critic", "input_tokens": ' + "1" * 5000 + "}",
    "{}{}",
    '{"role": "critic", "input_tokens": 5}{"role": "architect", "input_tokens": 7}',
    line(status=None, error="no"),
    line(status=None, error="false"),
    line(status=None, error=""),
    line(time="2026-W47-5T10:00:00Z"),
    line(time="2026-325T10:00:00Z"),
    line(time="20261121T100000Z"),
    line(time=1e300),
    line(time=-1e300),
    line(time=float("inf")),
    '{"role": "critic", "input_tokens": 5, "x": ' + "[" * 1000 + "]" * 1000 + "}",
    '{"role": "critic", "input_tokens": 5, "x": ' + "{" * 1000 + "}" * 1000 + "}",
    line(total_cost=0.5),
    line(providerName="Z.AI"),
    line(generation_time=1200),
    # offsets, as Python's isoformat() and most loggers write them
    line(time="2026-11-21T12:00:00+00:00"),  # on the cut
    line(time="2026-11-21T13:00:00.000+01:00"),
    line(time="2026-11-21T11:59:59.999999-00:00"),
    line(time="2026-11-22T00:30:00.123456+02:00"),  # the day before, in UTC
    line(time="2026-11-20T23:30:00-05:00"),  # the day after, in UTC
    line(time="2026-11-21 12:00:00+05:30"),
    line(time="2026-11-21T12:00:00+24:00"),
    line(time="2026-11-21T12:00:00+0200"),
    line(time="2026-11-21T11:59:59,5Z"),  # a comma before the fraction
    line(time="2026-11-21T11:59:59.12+00:00"),
    line(time="2026-11-21T11:59:59.1234567Z"),  # cut to microseconds, not rounded
    line(time="2026-11-21T11:59:59.Z"),
    line(time="2026-11-21T12:00:00+02"),
    line(time="9999-12-31T23:00:00-02:00"),  # past year 9999 in UTC
    line(time="0001-01-01T00:00:00+00:01"),  # before year 1 in UTC
    # epoch numbers: seconds, milliseconds, microseconds, nanoseconds
    line(time=1795269600),
    line(time=1795269600123),
    line(time=1795269600123456),
    line(time=1795269600123456789),
    line(time=-1),
    line(time=0),
    line(time=-1795269600123456789),
    line(time=-62135596801),
    line(time=253402300800),
    line(time=99999999999999999999),
    line(time=1795269600.5),
    line(time=1.7952696e9),
    # float epochs, as time.time() and JavaScript write them: every digit json reads,
    # halfway microseconds (rounded half to even), each unit, the edges of years 1 and 9999
    line(time=1795269600.1234567),
    line(time=1795269600.0078125),  # 7812.5 microseconds exactly: rounded to 7812
    line(time=1795269600.0234375),  # 23437.5: rounded to 23438
    line(time=-1.0078125),
    line(time=1795269600123.4567),
    line(time=1795269600123456.7),
    line(time=1.7952696001234568e18),
    line(time=99999999999.99999),
    line(time=1e11),
    line(time=-62135596800.5),
    line(time=253402300799.9999995),
    line(time=1e300),
    '{"role": "critic", "input_tokens": 5, "time": 1795269600.' + "1234567890" * 6 + "}",  # 70 digits
    # UTF-8 text, read and unread
    line(model="模型-4.5", provider="zäi"),
    line(role="r\u00f4le", note="café 😀"),
    line(note="😀" * 50),
    line(role="é" * 128),  # 256 bytes: longer than a cell key's text may be
    line(status="O\u212a"),  # "OK" with a Kelvin sign: str.lower() makes it "ok"
    '{"role": "critic", "input_tokens": 5, "status": "OK"}',
    '{"role": "critic", "input_tokens": 5, "note": "\\ud800"}',  # an escaped lone surrogate
]


def general_and_fast(path: Path, spec: ScanSpec, reader: str) -> tuple[Any, Any]:
    source = Source(path, path.name)
    with path.open("rb") as handle:
        general = general_path.scan_general(handle, source, "jsonl", spec)
    with path.open("rb") as handle:
        cube, stats, _ = fast_path.scan_fast(handle, source, spec, reader=reader)
    return general, (cube, stats)


@compiled_only
def test_the_compiled_reader_is_built_in_this_install() -> None:
    assert scan.available_reader() == "compiled"


@pytest.mark.parametrize("reader", READERS)
@pytest.mark.parametrize("boundaries", [(), CUT])
@pytest.mark.parametrize("index", range(len(TRICKY)))
def test_each_tricky_line_reads_as_the_general_path_reads_it(
    tmp_path: Path, index: int, boundaries: tuple[datetime, ...], reader: str
) -> None:
    path = tmp_path / "usage.jsonl"
    path.write_text("\n".join([line(), TRICKY[index], line(role="architect")]) + "\n")

    (general, general_stats), (compiled, compiled_stats) = general_and_fast(
        path, ScanSpec(boundaries), reader
    )

    assert compiled.cells == general.cells
    assert replace(compiled_stats, fast=0) == general_stats


@compiled_only
def test_plain_event_lines_are_all_taken_by_the_compiled_reader() -> None:
    from hybridctl.usage.compiled_reader import CompiledReader as _CompiledReader

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


@pytest.mark.parametrize("reader", READERS)
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.one_of(records, exact), min_size=1, max_size=30), st.booleans())
def test_any_lines_read_as_the_general_path_reads_them(
    tmp_path: Path, reader: str, lines: list[dict[str, Any]], cut: bool
) -> None:
    path = tmp_path / "generated.jsonl"
    text = "\n".join(json.dumps(record, ensure_ascii=index % 2 == 0) for index, record in enumerate(lines))
    path.write_bytes(text.encode())

    (general, general_stats), (compiled, compiled_stats) = general_and_fast(
        path, ScanSpec(CUT if cut else ()), reader
    )

    assert replace(compiled_stats, fast=0) == general_stats
    assert compiled.cells.keys() == general.cells.keys()
    for key, cell in general.cells.items():  # float sums may differ in the last bit: another order
        sums = [v for i, v in enumerate(cell) if i != LATENCY]
        assert [v for i, v in enumerate(compiled.cells[key]) if i != LATENCY] == pytest.approx(
            sums, rel=1e-12
        )
        assert compiled.cells[key][LATENCY] == cell[LATENCY], key


@compiled_only
def test_a_second_init_is_refused_and_changes_nothing() -> None:
    from hybridctl.usage.compiled_reader import CompiledReader as _CompiledReader

    reader = _CompiledReader(())
    with pytest.raises(RuntimeError, match="set up once"):
        type(reader.aggregator).__init__(
            reader.aggregator, fields=[], punt=[], boundaries=[], log_gamma=9.0, min_latency=5.0
        )
    reader.aggregator.feed(line(latency_ms=2000).encode())

    histogram = next(iter(reader.aggregator.cells().values()))[-1]
    assert histogram == {latency_bucket(2.0): 1}


@compiled_only
def test_cells_are_not_read_while_another_thread_feeds() -> None:
    import threading

    from hybridctl.usage.compiled_reader import CompiledReader as _CompiledReader

    reader = _CompiledReader(())
    data = ("\n".join(line(role=f"r{n % 500}") for n in range(200_000)) + "\n").encode()
    refused = 0
    for _ in range(5):  # the feeding thread must still be running when cells() is called
        feeding = threading.Thread(target=reader.aggregator.feed, args=(data,))
        feeding.start()
        while feeding.is_alive():
            try:
                reader.aggregator.cells()
            except RuntimeError as exc:
                assert "not being fed" in str(exc)
                refused += 1
        feeding.join()
        if refused:
            break
    assert refused
    assert sum(cell[0] for cell in reader.aggregator.cells().values()) % 200_000 == 0


RAW_LINES = [
    b'{"role": "critic", "input_tokens": 5, "note": "\xff"}',  # not UTF-8: a bad line
    b'{"role": "critic", "input_tokens": 5, "note": "\xc3"}',  # cut off
    b'{"role": "critic", "input_tokens": 5, "note": "\xc0\xaf"}',  # overlong
    b'{"role": "critic", "input_tokens": 5, "note": "\xf4\x90\x80\x80"}',  # past U+10FFFF
    b'{"role": "critic", "input_tokens": 5, "note": "\xed\xa0\x80"}',  # a surrogate: json.loads takes it
    b'{"role": "\xed\xa0\x80", "input_tokens": 5}',
    b'{"role": "crit\xc3\xa9", "input_tokens": 5, "note": "\xe2\x82\xac \xf0\x9f\x98\x80"}',
    b'{"r\xc3\xb4le": "critic", "input_tokens": 5}',  # a key outside ASCII
]


@pytest.mark.parametrize("reader", READERS)
@pytest.mark.parametrize("index", range(len(RAW_LINES)))
def test_each_raw_byte_line_reads_as_the_general_path_reads_it(
    tmp_path: Path, index: int, reader: str
) -> None:
    path = tmp_path / "usage.jsonl"
    path.write_bytes(b"\n".join([line().encode(), RAW_LINES[index], line(role="architect").encode()]) + b"\n")

    (general, general_stats), (fast, fast_stats) = general_and_fast(path, ScanSpec(CUT), reader)

    assert fast.cells == general.cells
    assert replace(fast_stats, fast=0) == general_stats


# -- CSV: the compiled reader takes rows as csv.DictReader splits them ---------------------

CSV_HEADER = (
    "time,role,model,provider,variant,escalated,input_tokens,output_tokens,"
    "cached_tokens,latency_ms,status,note"
)
CSV_ROWS = [
    "2026-11-21T10:00:00.250Z,critic,glm-4.5,zai,stable,false,1200,300,100,1478.9,ok,plain",
    '2026-11-21T12:00:00+00:00,"architect",glm-4.5,zai,candidate,True,10,1,0,2.5,"ok","quoted, with a comma"',
    '2026-11-21T13:00:00.123456+01:00,critic,glm-4.5,zai,,yes,7,,,,,"a ""doubled"" quote in a note"',
    '1795269600,"cri""tic",glm-4.5,zai,,1,7,1,0,1,ok,',  # a doubled quote in a read field
    '1795269600123,critic,glm-4.5,zai,,no,7,1,0,1e3,Success,"a note\nover two lines"',
    "2026-11-21T10:00:00Z,critic,glm-4.5,zai,,maybe,12.0,1,0,1,ok,x",  # a fraction: float() reads it
    "2026-11-21T10:00:00Z,critic,glm-4.5,zai,,Y,+12,1,0,-1,200,x",
    "2026-11-21T10:00:00Z,critic,glm-4.5,zai,,, 12,1,0,1,ok,x",
    "2026-11-21T10:00:00Z,critic,glm-4.5,zai,,,-3,1,0,1,ok,x",  # a negative count: a bad row
    "yesterday,critic,glm-4.5,zai,,,3,1,0,1,ok,x",
    "2026-11-21 10:00:00 UTC,critic,glm-4.5,zai,,,3,1,0,1,ok,x",
    "2026-11-21T10:00:00Z,rôle,模型,zäi,,,3,1,0,1,ok,café",
    "2026-11-21T10:00:00Z,critic,glm-4.5,zai,,,3,1,0,NaN,ok,x",
    "2026-11-21T10:00:00Z,critic,glm-4.5,zai,,,3,1,0,01,ok,x",
    "2026-11-21T10:00:00Z,critic,glm-4.5",  # fewer cells than the header
    "2026-11-21T10:00:00Z,critic,glm-4.5,zai,,,3,1,0,1,ok,x,extra,cells",
    "",  # a blank line is no row
    ",,,,,,,,,,,",  # every cell empty: no model, no tokens
    "2026-11-21T10:00:00Z,critic,,zai,,,,,,1,ok,x",
    '2026-11-21T10:00:00Z,critic,glm-4.5,zai,,,3,1,0,1,ok,"text"after',  # csv reads on after the quote
    "2026-11-21T10:00:00Z,critic,glm-4.5,zai,,,3,1,0,1,ok,bare\rreturn",
    '2026-11-21T10:00:00Z,critic,glm-4.5,zai,,,3,1,0,1,ok,"a return\rin quotes: a line for line_num"',
    "2026-11-21T10:00:00Z,critic,glm-4.5,zai,,,-3,1,0,1,ok,a bad row after it: its line number",
    "2026-11-21T10:00:00Z,critic,glm-4.5,zai,,,3,1,0,1,ok,a\x00nul",
    '2026-11-21T10:00:00Z,critic,glm-4.5,zai,,,3,1,0,1,ok,un"quoted',
    "2026-11-21T10:00:00Z,critic,glm-4.5,zai,,,300000,1,0,1,ok,long request",
    "2026-11-21T10:00:00Z,critic,glm-4.5,zai,,,3,1,0,1,O\u212a,x",
    "2026-11-21T10:00:00Z,critic,glm-4.5,zai,,,3,1,0,1,ok\x1f,x",  # str.strip() takes \x1f for a space
    "1795269600.25,critic,glm-4.5,zai,stable,false,3,1,0,1,ok,float epoch seconds",
    "1795269600250.5,critic,glm-4.5,zai,stable,false,3,1,0,1,ok,float epoch milliseconds",
    "-0.5,critic,glm-4.5,zai,stable,false,3,1,0,1,ok,before 1970",
    "1795269600.,critic,glm-4.5,zai,stable,false,3,1,0,1,ok,a point and no fraction",
    "1.7952696e9,critic,glm-4.5,zai,stable,false,3,1,0,1,ok,an exponent: not an epoch in text",
]


def csv_general_and_fast(path: Path, spec: ScanSpec) -> tuple[Any, Any]:
    source = Source(path, path.name)
    with path.open("rb") as handle:
        general = general_path.scan_general(handle, source, "csv", spec)
    fast = scan.scan_source(source, spec)
    return general, (fast.cube, fast.stats)


@compiled_only
@pytest.mark.parametrize("chunk", [1, 7, 64, 4 << 20])
@pytest.mark.parametrize("ending", ["\n", "\r\n"])
def test_csv_rows_read_as_the_general_path_reads_them(
    tmp_path: Path, chunk: int, ending: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sources, "CHUNK", chunk)  # chunk ends inside cells, quotes and UTF-8
    for index, row in enumerate(CSV_ROWS):
        path = tmp_path / f"usage-{index}.csv"
        rows = [CSV_HEADER, CSV_ROWS[0], row, CSV_ROWS[1]]
        path.write_bytes((ending.join(rows) + ending).encode())

        (general, general_stats), (fast, fast_stats) = csv_general_and_fast(path, ScanSpec(CUT))

        assert fast.cells == general.cells, row
        assert replace(fast_stats, fast=0) == general_stats, row
    unterminated = tmp_path / "unterminated.csv"  # a quote the file never closes
    unterminated.write_bytes(
        ending.join([CSV_HEADER, CSV_ROWS[0], '2026-11-21T10:00:00Z,critic,"m']).encode()
    )
    (general, general_stats), (fast, fast_stats) = csv_general_and_fast(unterminated, ScanSpec())
    assert (fast.cells, replace(fast_stats, fast=0)) == (general.cells, general_stats)
    whole = tmp_path / "whole.csv"
    whole.write_bytes(("\ufeff" + ending.join([CSV_HEADER, *CSV_ROWS])).encode())  # a BOM, no last newline
    (general, general_stats), (fast, fast_stats) = csv_general_and_fast(whole, ScanSpec())
    assert fast.cells == general.cells
    assert replace(fast_stats, fast=0) == general_stats


@compiled_only
def test_plain_csv_rows_are_all_taken_by_the_compiled_reader(tmp_path: Path) -> None:
    path = tmp_path / "usage.csv"
    # quoted cells, commas and doubled quotes in unread cells, a cell over two lines, flags in words
    path.write_text("\n".join([CSV_HEADER, *CSV_ROWS[:3], CSV_ROWS[4]]) + "\n")

    stats = scan.scan_source(Source(path, path.name), ScanSpec()).stats

    assert (stats.lines, stats.fast, stats.bad) == (4, 4, 0)


@compiled_only
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    st.lists(
        st.tuples(
            st.floats(-6.2e10, 2.5e11, allow_nan=False),
            st.sampled_from([1, 1e3, 1e6, 1e9]),
            st.integers(1, 17),
        ),
        min_size=1,
        max_size=40,
    )
)
def test_float_epoch_times_read_as_python_reads_them_and_all_by_the_compiled_reader(
    tmp_path: Path, times: list[tuple[float, float, int]]
) -> None:
    # seconds scaled to each unit, printed with as many digits as repr or a logger gives
    lines = [
        '{"time": %s, "role": "critic", "model": "glm-4.5", "input_tokens": 3}'
        % (repr(seconds * unit) if digits == 17 else f"{seconds * unit:.{digits}f}")
        for seconds, unit, digits in times
    ]
    path = tmp_path / "float-epochs.jsonl"
    path.write_text("\n".join(lines) + "\n")

    (general, general_stats), (fast, fast_stats) = general_and_fast(path, ScanSpec(CUT), "compiled")

    assert fast.cells == general.cells
    assert replace(fast_stats, fast=0) == general_stats
    # every line with a time Python takes, C took itself; only out-of-range times went back
    assert fast_stats.fast == len(lines) - general_stats.bad


@compiled_only
def test_a_float_epoch_halfway_between_microseconds_rounds_to_even_as_python_does(tmp_path: Path) -> None:
    # 1795269600.0078125 is 7812.5 microseconds past 14:00:00 exactly: half to even
    # gives 7812, before a cut at 7813; half away from zero would give 7813, after it
    cut = (datetime(2026, 11, 21, 14, 0, 0, 7813, tzinfo=timezone.utc),)
    path = tmp_path / "halfway.jsonl"
    path.write_text('{"time": 1795269600.0078125, "role": "critic", "model": "glm-4.5", "input_tokens": 3}\n')

    (general, _), (fast, fast_stats) = general_and_fast(path, ScanSpec(cut), "compiled")

    assert fast_stats.fast == 1
    assert [key[0] for key in fast.cells] == [key[0] for key in general.cells] == [0]
