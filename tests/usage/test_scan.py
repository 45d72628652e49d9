"""Reading usage: both paths agree, every format reads, bad lines are counted
with their line numbers, time windows cut exactly, and the cache is exact."""

from __future__ import annotations

import gzip
import json
from dataclasses import replace
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest

from hybridctl.errors import CheckFailed
from hybridctl.usage import fast as fast_path
from hybridctl.usage import general as general_path
from hybridctl.usage import parallel as parallel_path
from hybridctl.usage import scan, sources
from hybridctl.usage.cache import cached_scan
from hybridctl.usage.scan import ScanSpec, Source
from tests.helpers import CORPUS, READERS, simulated_events

# The compiled reader is built by the dev install; HYBRIDCTL_READER=msgspec runs the suite without it.

ODD_LINES = [
    '{"time": "2026-11-21T01:00:00+05:30", "role": "critic", "model": "glm-4.5", "input_tokens": 10}',
    '{"timestamp": "2026-11-21T02:00:00Z", "gen_ai.agent.name": "architect",'
    ' "gen_ai.request.model": "glm-4.5", "gen_ai.usage.input_tokens": 100, "gen_ai.usage.output_tokens": 20}',
    '{"time": "2026-11-21T03:00:00Z", "attributes": {"gen_ai.request.model": "claude-opus-4-1",'
    ' "gen_ai.usage.input_tokens": 5}}',
    '{"time": "2026-11-21T04:00:00Z", "model": "glm-4.5", "input_tokens": "12", "output_tokens": 3.0}',
    "{not json",
    "[1, 2]",
    '{"time": "2026-11-21T05:00:00Z", "model": "glm-4.5", "input_tokens": -1}',
    '{"time": "yesterday", "model": "glm-4.5"}',
    '{"model": "glm-4.5", "input_tokens": 7, "output_tokens": 1}',
    "",
    '{"time": "2026-11-21T06:00:00Z", "model": "glm-4.5", "status": "200", "latency": 0.5}',
    '{"time": "2026-11-21T07:00:00Z", "model": "glm-4.5", "error": true, "cost": 0.5, "quality": 4}',
    '{"time": "2026-11-21T08:00:00Z", "model": "glm-4.5", "cached_tokens": 50, "input_tokens": 10}',
    '{"time": "2026-11-21T09:00:00+01:00Z", "model": "glm-4.5"}',
]


def write_mixed(path: Path) -> Path:
    events = [json.dumps(e) for e in simulated_events(3000)]
    lines = events[:1000] + ODD_LINES + events[1000:2000] + ODD_LINES + events[2000:]
    path.write_text("\n".join(lines) + "\n")
    return path


def both_paths(path: Path, spec: ScanSpec, reader: str) -> tuple[Any, Any]:
    source = Source(path, path.name)
    with path.open("rb") as handle:
        fast, fast_stats, _ = fast_path.scan_fast(handle, source, spec, reader=reader)
    with path.open("rb") as handle:
        general, general_stats = general_path.scan_general(handle, source, "jsonl", spec)
    return (fast, fast_stats), (general, general_stats)


@pytest.mark.parametrize("reader", READERS)
@pytest.mark.parametrize("boundaries", [(), (datetime(2026, 11, 21, 0, 0, tzinfo=timezone.utc),)])
def test_fast_and_general_paths_build_identical_cubes(
    tmp_path: Path, boundaries: tuple[datetime, ...], reader: str
) -> None:
    path = write_mixed(tmp_path / "mixed.jsonl")

    (fast, fast_stats), (general, general_stats) = both_paths(path, ScanSpec(boundaries), reader)

    assert fast.cells == general.cells
    assert replace(fast_stats, fast=0) == general_stats
    assert fast_stats.fast > 0 or reader == "msgspec"  # msgspec hands back a chunk with one odd line
    assert fast_stats.bad == 10  # five bad kinds, twice
    assert [line for _, line, _ in fast_stats.first_bad] == [1005, 1006, 1007, 1008, 1014]


@pytest.mark.parametrize("reader", READERS)  # threads, processes
def test_parallel_ranges_match_one_pass_and_number_bad_lines_in_the_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, reader: str
) -> None:
    monkeypatch.setenv("HYBRIDCTL_READER", reader)
    assert scan.available_reader() == reader
    path = write_mixed(tmp_path / "mixed.jsonl")
    one_pass = scan.scan_source(Source(path, "m"), ScanSpec())
    monkeypatch.setattr(parallel_path, "PARALLEL_MIN_BYTES", 1)
    monkeypatch.setattr(sources, "CHUNK", 64 << 10)  # many chunks per range too

    parallel = scan.scan_source(Source(path, "m"), ScanSpec())

    assert parallel.cube.cells == one_pass.cube.cells
    assert replace(parallel.stats, fast=0) == replace(one_pass.stats, fast=0)  # chunks cut elsewhere
    assert parallel.lines == one_pass.lines == 3000 + 2 * len(ODD_LINES)


EXPECTED = {  # file: (requests, input tokens, output tokens, errors)
    "openrouter-generations.json": (3, 1710, 360, 1),
    "openrouter-sdk.jsonl": (1, 800, 100, 0),
    "litellm-spendlogs.json": (2, 1050, 200, 1),
    "litellm-spendlogs.csv": (2, 1050, 200, 1),
    "events.csv": (3, 4000, 800, 1),
    "otel.jsonl": (2, 3500, 700, 1),
}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_each_input_format_reads_into_the_same_figures(name: str, tmp_path: Path) -> None:
    path = CORPUS / "usage" / name
    compressed = tmp_path / f"{name}.gz"
    compressed.write_bytes(gzip.compress(path.read_bytes()))

    for source in (Source(path, name), Source(compressed, compressed.name)):
        result = scan.scan_source(source, ScanSpec())
        cells = result.cube.cells.values()
        figures = (
            sum(c[0] for c in cells),
            sum(c[2] for c in cells),
            sum(c[3] for c in cells),
            sum(c[1] for c in cells),
        )
        assert figures == EXPECTED[name]
        assert result.stats.bad == 0


def test_openrouter_and_litellm_fields_land_where_they_belong() -> None:
    from hybridctl.usage.formats import from_litellm, from_openrouter

    generation = json.loads((CORPUS / "usage" / "openrouter-generations.json").read_text())[0]
    spend = json.loads((CORPUS / "usage" / "litellm-spendlogs.json").read_text())

    event = from_openrouter(generation)
    assert (event.model, event.provider, event.input_tokens, event.cached_tokens, event.cost) == (
        "z-ai/glm-4.5",
        "Z.AI",
        1010,
        300,
        0.0015,
    )
    assert event.latency_s == 1.25 and event.user == "user-1" and event.ok
    first, failed = from_litellm(spend[0]), from_litellm(spend[1])
    assert (first.role, first.variant, first.cached_tokens, first.latency_s, first.user) == (
        "implementer",
        "candidate",
        100,
        1.5,
        "alice",
    )
    assert (failed.ok, failed.error_type, failed.escalated, failed.role) == (
        False,
        "RateLimitError",
        True,
        "architect",
    )


def test_since_and_until_cut_exactly_and_days_are_utc(tmp_path: Path) -> None:
    path = tmp_path / "midnight.jsonl"
    times = [
        "2026-11-20T23:59:59Z",
        "2026-11-21T00:00:00Z",
        "2026-11-21T01:30:00+02:00",
        "2026-11-21T00:30:00-01:00",
        "2026-11-22T00:00:00Z",
    ]
    path.write_text(
        "".join(json.dumps({"time": t, "model": "glm-4.5", "input_tokens": 1}) + "\n" for t in times)
    )
    since = datetime(2026, 11, 21, 0, 0, tzinfo=timezone.utc)
    until = datetime(2026, 11, 22, 0, 0, tzinfo=timezone.utc)

    cube = scan.scan_source(Source(path, "m"), ScanSpec((since, until))).cube

    by_segment_day = {(k[0], k[1]): c[0] for k, c in cube.cells.items()}
    # 01:30+02:00 is 23:30 UTC the day before; 00:30-01:00 is 01:30 UTC
    assert by_segment_day == {(0, "2026-11-20"): 2, (1, "2026-11-21"): 2, (2, "2026-11-22"): 1}


def test_the_cache_is_used_resumed_on_append_and_dropped_on_rewrite(tmp_path: Path) -> None:
    path = write_mixed(tmp_path / "log.jsonl")
    cache = tmp_path / "cache"
    first, how_first = cached_scan(Source(path, "log"), ScanSpec(), cache)
    again, how_again = cached_scan(Source(path, "log"), ScanSpec(), cache)
    assert (how_first, how_again) == ("scan", "cache")
    assert again.cube.cells == first.cube.cells and again.stats == first.stats

    with path.open("a") as handle:  # the log grows, with one more bad line
        handle.write("\n".join(json.dumps(e) for e in simulated_events(500, seed=9)) + "\n{bad\n")
    grown, how_grown = cached_scan(Source(path, "log"), ScanSpec(), cache)
    fresh = scan.scan_source(Source(path, "log"), ScanSpec())
    assert how_grown == "appended"
    assert grown.cube.cells == fresh.cube.cells
    assert grown.stats.bad == fresh.stats.bad == 11 and grown.lines == fresh.lines

    path.write_text(path.read_text().replace('"critic"', '"reviewer"', 1))  # an edit, not an append
    edited, how_edited = cached_scan(Source(path, "log"), ScanSpec(), cache)
    assert how_edited == "scan"
    assert edited.cube.cells == scan.scan_source(Source(path, "log"), ScanSpec()).cube.cells


# -- hostile inputs: a bad part is counted and reported, never the end of the report ----------

GOOD = '{"time": "2026-11-21T10:00:00Z", "model": "glm-4.5", "input_tokens": 10}\n'


def scanned_with(path: Path, reader: str, monkeypatch: pytest.MonkeyPatch, **spec: Any) -> scan.Scanned:
    monkeypatch.setenv("HYBRIDCTL_READER", reader)
    return scan.scan_source(Source(path, path.name), ScanSpec(**spec))


@pytest.mark.parametrize("reader", READERS)
def test_a_gzip_cut_off_or_corrupt_reads_what_came_before_and_says_so(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, reader: str
) -> None:
    whole = gzip.compress("".join(json.dumps(e) + "\n" for e in simulated_events(5000)).encode())
    path = tmp_path / "usage.jsonl.gz"
    path.write_bytes(whole[: len(whole) * 2 // 3])  # a rotation that cut the file mid-write

    scanned = scanned_with(path, reader, monkeypatch)

    assert 1000 < scanned.stats.events < 5000
    assert sum(cell[0] for cell in scanned.cube.cells.values()) == scanned.stats.events
    assert scanned.stats.bad == 1 and "cut-off gzip" in scanned.stats.first_bad[0][2]
    assert scanned.stats.first_bad[0][1] == scanned.stats.events + 1
    middle = len(whole) // 2
    path.write_bytes(whole[:middle] + b"\xff" * 64 + whole[middle + 64 :])  # damaged inside
    damaged = scanned_with(path, reader, monkeypatch).stats
    assert 1000 < damaged.events < 5000
    assert any("corrupt or cut-off gzip" in message for _, _, message in damaged.first_bad)
    path.write_bytes(whole[: len(whole) * 2 // 3])
    with pytest.raises(CheckFailed, match="cut-off gzip"):
        scanned_with(path, reader, monkeypatch, strict=True)


@pytest.mark.parametrize("reader", READERS)
def test_a_line_over_the_cap_is_a_bad_line_and_never_held_whole(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, reader: str
) -> None:
    long = '{"model": "' + "x" * (sources.MAX_LINE + 10) + '"}\n'
    for name, text, events in [
        ("middle.jsonl", GOOD * 2 + long + GOOD * 3, 5),
        ("end.jsonl", GOOD * 2 + long.rstrip("\n"), 2),
    ]:
        path = tmp_path / name
        path.write_text(text)

        stats = scanned_with(path, reader, monkeypatch).stats

        assert (stats.events, stats.bad) == (events, 1)
        assert stats.first_bad[0][1:] == (3, sources.TOO_LONG)
    compressed = tmp_path / "bomb.jsonl.gz"  # a small file that unpacks to one huge line
    compressed.write_bytes(gzip.compress((GOOD + long * 3 + GOOD).encode()))
    stats = scanned_with(compressed, reader, monkeypatch).stats
    assert (stats.events, stats.bad) == (2, 3)
    assert [line for _, line, _ in stats.first_bad] == [2, 3, 4]


def test_csv_rows_over_the_cap_or_broken_are_bad_rows(tmp_path: Path) -> None:
    path = tmp_path / "usage.csv"
    big = "a" * (200 << 10)  # over the csv module's own 128 KiB limit, under hybridctl's cap
    path.write_text(
        "time,model,input_tokens,note\n"
        f"2026-11-21T10:00:00Z,glm-4.5,3,{big}\n"
        f'2026-11-21T10:00:00Z,glm-4.5,4,"{"b" * (sources.MAX_LINE + 1)}"\n'
        "2026-11-21T10:00:00Z,glm-4.5,5,ok\n"
    )

    stats = scan.scan_source(Source(path, path.name), ScanSpec()).stats

    assert (stats.events, stats.bad) == (2, 1)
    assert "field larger than field limit" in stats.first_bad[0][2]


def test_a_large_log_emptied_between_two_looks_reads_as_empty(tmp_path: Path) -> None:
    path = tmp_path / "usage.jsonl"
    path.write_text("")  # it was 32 MiB or more when the scan chose parallel ranges

    scanned = parallel_path.scan_parallel(Source(path, path.name), ScanSpec(), None)

    assert (scanned.stats.lines, scanned.cube.cells) == (0, {})


def _events_file(path: Path, count: int) -> bytes:
    """Events with a different user each (so gzip cannot shrink them to nothing)."""
    line = (
        '{"time": "2026-12-01T00:00:00Z", "user": "u-%08x", "role": "critic", "model": "glm-4.5", '
        '"input_tokens": 1000, "output_tokens": 200, "status": "ok"}\n'
    )
    return "".join(line % (i * 2654435761 % 2**32) for i in range(count)).encode()


@pytest.mark.parametrize("reader", ["compiled", "msgspec"])
@pytest.mark.parametrize("shape", ["gzip", "plain", "large plain", "csv", "general"])
def test_progress_counts_bytes_of_the_file_on_disk_up_to_its_size(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, shape: str, reader: str
) -> None:
    if reader == "compiled" and scan.available_reader() != "compiled":
        pytest.skip("the compiled reader is not built here")
    monkeypatch.setenv("HYBRIDCTL_READER", reader)
    body = _events_file(tmp_path, 400_000 if shape in ("large plain", "gzip") else 20_000)
    path = tmp_path / "usage.jsonl"
    if shape == "gzip":
        path = tmp_path / "usage.jsonl.gz"
        path.write_bytes(gzip.compress(body))
    elif shape == "csv":
        path = tmp_path / "usage.csv"
        path.write_text(
            "time,role,model,input_tokens,output_tokens\n"
            + "2026-12-01T00:00:00Z,critic,glm-4.5,1,2\n" * 50_000
        )
    elif shape == "general":
        path.write_bytes(b'{"not": "events"}\n' + body)  # another tool's first line: the general path
    else:
        path.write_bytes(body)
    if shape == "large plain":
        assert path.stat().st_size >= parallel_path.PARALLEL_MIN_BYTES
    reported: list[int] = []

    scanned = scan.scan_source(scan.Source(path, path.name), scan.ScanSpec(), reported.append)

    assert scanned.stats.lines > 0
    assert sum(reported) == path.stat().st_size  # as far as the bar's total, never past it
    if shape in ("gzip", "large plain") and reader == "compiled":
        assert len(reported) > 4  # it moves while reading, not only at the end


def test_version_says_when_the_compiled_reader_was_not_built(monkeypatch: pytest.MonkeyPatch) -> None:
    import sys

    from hybridctl.usage.reader import reader_note

    monkeypatch.delenv("HYBRIDCTL_READER", raising=False)
    import hybridctl.usage

    # As on a machine without a compiler: the module cannot be imported.
    monkeypatch.setitem(sys.modules, "hybridctl.usage._scanner", None)
    monkeypatch.delattr(hybridctl.usage, "_scanner", raising=False)

    assert reader_note() == (
        "usage reader: msgspec; the compiled one was not built (no C compiler at install), "
        "so reports read big logs about 7x slower"
    )
