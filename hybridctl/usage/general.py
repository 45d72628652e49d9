"""The general path: any format (JSON lines, a JSON array, CSV; plain or gzip;
hybridctl events, OpenTelemetry names, OpenRouter, LiteLLM) through
``formats.to_usage_event``, one record at a time, with the record's line
number when it is bad. The fast readers hand it every line they cannot take."""

from __future__ import annotations

import bisect
import csv
import io
import json
from collections.abc import Callable, Iterator
from datetime import datetime
from typing import IO, Any, cast

from hybridctl.usage.cube import Cell, CellKey, Cube, add_event
from hybridctl.usage.events import (
    UsageEvent,
)
from hybridctl.usage.formats import to_usage_events
from hybridctl.usage.progress import file_progress
from hybridctl.usage.sources import (
    CHUNK,
    MAX_LINE,
    TOO_LONG,
    ScanSpec,
    ScanStats,
    Source,
    open_source,
    report_damage,
)


def cell_key(
    moment: datetime | None,
    boundaries: tuple[datetime, ...],
    role: str | None,
    model: str | None,
    provider: str | None,
    variant: str | None,
    escalated: bool,
) -> CellKey:
    """The cell a request counts in: its segment of the boundaries and its UTC
    day (untimed: no day, before every boundary), then what it was."""
    if moment is None:
        day, segment = "", (-1 if boundaries else 0)
    else:
        day = moment.date().isoformat()
        segment = bisect.bisect_right(boundaries, moment) if boundaries else 0
    return (segment, day, role or "", model or "", provider or "", variant or "", escalated)


def add_record(
    cells: dict[CellKey, Cell], event: Any, boundaries: tuple[datetime, ...], stats: ScanStats
) -> None:
    if event.time is None:
        stats.untimed += 1
    key = cell_key(
        event.time, boundaries, event.role, event.model, event.provider, event.variant, event.escalated
    )
    add_event(
        cells,
        key,
        event.ok,
        event.input_tokens,
        event.output_tokens,
        event.cached_tokens,
        event.cost,
        event.quality,
        event.latency_s,
        event.cache_write_tokens,
        event.answered,
    )
    stats.events += 1


def records_of(handle: io.BufferedIOBase, container: str) -> Iterator[tuple[int, dict[str, Any] | str]]:
    """(line or item number, record or the reason it is not one)."""
    if container == "json":
        number = 0
        for document in _documents(handle):
            if isinstance(document, str):
                yield number + 1, document
                return
            # an API response ({"data": [...]}), an array, or one record
            items = document.get("data", document) if isinstance(document, dict) else document
            for item in items if isinstance(items, list) else [items]:
                number += 1
                yield number, item if isinstance(item, dict) else "expected a JSON object"
        return
    if container == "csv":
        text = io.TextIOWrapper(cast(IO[bytes], handle), encoding="utf-8-sig", errors="replace", newline="")
        yield from csv_rows(text)
        return
    number = 0
    while line := handle.readline(MAX_LINE + 1):
        number += 1
        if len(line) > MAX_LINE and not line.endswith(b"\n"):
            while (rest := handle.readline(CHUNK)) and not rest.endswith(b"\n"):
                pass  # the rest of a line over the cap, never held whole
            yield number, TOO_LONG
        elif line.strip():  # without its newline, a message's "line 1 column N" is the column
            yield number, parse_line(line.removesuffix(b"\n"))


def csv_rows(
    text: IO[str], fieldnames: list[str] | None = None, line_base: int = 0
) -> Iterator[tuple[int, dict[str, Any] | str]]:
    """The rows of a CSV text as records (empty cells left out), or why a row is not one."""
    csv.field_size_limit(MAX_LINE)
    reader = csv.DictReader(text, fieldnames=fieldnames)
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:  # a field over the cap, a NUL byte: this row, not the report
            yield line_base + reader.line_num, f"not a CSV row: {exc}"
            continue
        yield (
            line_base + reader.line_num,
            {k: v for k, v in row.items() if k is not None and v not in (None, "")},
        )


def _documents(handle: io.BufferedIOBase) -> Iterator[Any]:
    """The JSON documents of a file: one, or several one after another (the
    OpenTelemetry console exporter prints each span as an indented document);
    a string says why the rest is not JSON."""
    try:
        text = handle.read().decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        yield f"not JSON: not UTF-8 text ({exc.reason} at byte {exc.start})"
        return
    decoder = json.JSONDecoder()
    at = 0
    while True:
        while at < len(text) and text[at] in " \t\r\n":
            at += 1
        if at == len(text):
            return
        try:
            document, at = decoder.raw_decode(text, at)
        except ValueError as exc:
            yield f"not JSON: {exc}"
            return
        except RecursionError:
            yield "not JSON: nested too deeply"
            return
        yield document


def parse_line(line: bytes) -> dict[str, Any] | str:
    """A JSON-lines record, or why it is not one."""
    try:
        record = json.loads(line)
    except ValueError as exc:
        try:  # an integer of more than 4,300 digits is valid JSON; read it as a (non-finite) float
            record = json.loads(line, parse_int=_long_int)
        except ValueError:
            return f"not JSON: {exc}"
        except RecursionError:
            return "not JSON: nested too deeply"
    except RecursionError:
        return "not JSON: nested too deeply"
    return record if isinstance(record, dict) else "expected a JSON object"


def _long_int(text: str) -> int | float:
    """An integer of any length: too long for ``int()``, it is read as a float
    (infinite), which any field that reads it refuses, as the compiled reader does."""
    return int(text) if len(text) <= 4000 else float(text)


def take_record(
    cells: dict[CellKey, Cell],
    record: dict[str, Any] | str,
    number: int,
    source: Source,
    spec: ScanSpec,
    stats: ScanStats,
) -> None:
    """Add one record, or count it as bad: ``record`` is the reason it is not one."""
    for event in _events_of(record, number, source, spec, stats):
        add_record(cells, event, spec.boundaries, stats)


def _events_of(
    record: dict[str, Any] | str, number: int, source: Source, spec: ScanSpec, stats: ScanStats
) -> list[UsageEvent]:
    """A record's usage events; none, counted as bad, when it is not one (``record``
    is then the reason) or a field is wrong."""
    if isinstance(record, str):
        stats.add_bad(source.label, number, record, spec.strict)
        return []
    try:
        return to_usage_events(record, spec.dialect)
    except (ValueError, TypeError, KeyError) as exc:
        stats.add_bad(source.label, number, str(exc), spec.strict)
        return []


def iter_events(
    source: Source, spec: ScanSpec, stats: ScanStats
) -> Iterator[tuple[int, dict[str, Any], UsageEvent]]:
    """Every usage event of a source with its line (or item) number and the record it
    came from, one by one, the general way; bad records are counted into ``stats``.
    For checks that need each request, not the sums."""
    with open_source(source) as handle:
        container = container_of(source, handle.peek(4096)[:4096], spec.input_format)
        for number, record in records_of(handle, container):
            stats.lines += 1
            for event in _events_of(record, number, source, spec, stats):
                stats.events += 1
                yield number, cast(dict[str, Any], record), event
        report_damage(handle, source, spec, stats, stats.lines)


def scan_general(
    handle: io.BufferedIOBase,
    source: Source,
    container: str,
    spec: ScanSpec,
    progress: Callable[[int], None] | None = None,
) -> tuple[Cube, ScanStats]:
    cells: dict[CellKey, Cell] = {}
    stats = ScanStats()
    tick = file_progress(handle, progress)
    for number, record in records_of(handle, container):
        stats.lines += 1
        take_record(cells, record, number, source, spec, stats)
        if not number % 4096:
            tick()
    tick()
    return Cube(cells), stats


def general_lines(
    data: bytes,
    only: list[int] | None,
    cells: dict[CellKey, Cell],
    source: Source,
    spec: ScanSpec,
    stats: ScanStats,
    line_base: int,
) -> int:
    """Lines of a chunk the fast path could not take, the general way; returns
    the number of lines in the chunk.
    ``only``: indexes among the chunk's non-blank lines; None: every line."""
    wanted = None if only is None else set(only)
    record_index = -1
    lines = data.split(b"\n")
    for number, line in enumerate(lines, line_base + 1):
        if not line.strip():
            continue
        record_index += 1
        if wanted is not None and record_index not in wanted:
            continue
        if wanted is None:
            stats.lines += 1
        take_record(cells, parse_line(line), number, source, spec, stats)
    return len(lines) - (1 if data.endswith(b"\n") else 0)


class Prefixed(io.RawIOBase):
    """Bytes already read, then the rest of a stream."""

    def __init__(self, prefix: bytes, rest: io.BufferedIOBase) -> None:
        self.prefix, self.rest = memoryview(prefix), rest

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        if self.prefix:
            size = min(len(buffer), len(self.prefix))
            buffer[:size] = self.prefix[:size]
            self.prefix = self.prefix[size:]
            return size
        return self.rest.readinto(buffer) or 0


def csv_text(data: bytes | io.RawIOBase) -> IO[str]:
    raw = io.BufferedReader(data) if isinstance(data, io.RawIOBase) else io.BytesIO(data)
    return io.TextIOWrapper(raw, encoding="utf-8", errors="replace", newline="")


def csv_general(
    data: bytes | io.RawIOBase,
    only: set[int] | None,
    header: list[str],
    line_base: int,
    cells: dict[CellKey, Cell],
    source: Source,
    spec: ScanSpec,
    stats: ScanStats,
) -> None:
    """CSV rows the general way: ``only`` those (by index among the rows), or all,
    counting them as records."""
    for index, (number, record) in enumerate(csv_rows(csv_text(data), header, line_base)):
        if only is None:
            stats.lines += 1
        elif index not in only:
            continue
        take_record(cells, record, number, source, spec, stats)


def container_of(source: Source, head: bytes, input_format: str) -> str:
    if input_format in ("jsonl", "csv"):
        return input_format
    name = (source.label.removesuffix(".gz")).lower()
    if name.endswith(".csv"):
        return "csv"
    if name.endswith((".jsonl", ".ndjson")):
        return "jsonl"
    first = head.lstrip()[:1]
    if first == b"[":
        return "json"
    if first == b"{":  # one object per line, or one pretty-printed document (an API response)
        return "json" if isinstance(parse_line(head.lstrip().split(b"\n", 1)[0]), str) else "jsonl"
    return "csv"
