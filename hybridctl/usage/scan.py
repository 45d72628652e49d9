"""Read usage inputs into a cube, fast, in constant memory.

Two paths lead every record to the same cell:

- the general path: any format (JSON lines, a JSON array, CSV; plain or
  gzip; hybridctl events, OpenTelemetry names, OpenRouter, LiteLLM) through
  ``formats.to_usage_event``, one record at a time, with the record's line
  number when it is bad;
- the fast path, for JSON lines, 4 MiB at a time, by one of two readers:
  the compiled one (``_scanner.c``, built at install when a C compiler is
  there) parses and adds up each line in C; the msgspec one decodes a chunk
  into a struct holding only the known field names, and adds them up with
  the functions the general path calls (``add_decoded``). Both take their
  field names from ``events.ALIASES``, the
  table the general path reads, so all resolve names alike; the test suite
  checks they build identical cubes. Any line a fast reader cannot take
  whole (a type it would have to coerce, nested OpenTelemetry attributes,
  another record type, a bad value) goes down the general path, which also
  reports it if it is bad.

Large plain files are cut into byte ranges at line ends and scanned in
parallel, one range per CPU (up to 4): by threads with the compiled reader
(it runs without the GIL), by processes with msgspec. Their cubes merge
exactly.
"""

from __future__ import annotations

from collections.abc import Callable

from hybridctl.usage import parallel
from hybridctl.usage.csv_fast import csv_header, scan_csv_fast
from hybridctl.usage.fast import scan_fast
from hybridctl.usage.formats import dialect_of
from hybridctl.usage.general import container_of, parse_line, scan_general
from hybridctl.usage.general import iter_events as iter_events  # re-exported: the public reading API
from hybridctl.usage.reader import (
    available_reader as available_reader,  # re-exported: where readers are chosen
)
from hybridctl.usage.sources import INPUT_FORMATS as INPUT_FORMATS
from hybridctl.usage.sources import Scanned as Scanned
from hybridctl.usage.sources import ScanSpec as ScanSpec
from hybridctl.usage.sources import ScanStats as ScanStats
from hybridctl.usage.sources import Source as Source
from hybridctl.usage.sources import open_source, report_damage
from hybridctl.usage.sources import resolve_sources as resolve_sources


def scan_source(
    source: Source, spec: ScanSpec, progress: Callable[[int], None] | None = None, *, start: int = 0
) -> Scanned:
    """Scan one source; ``start`` resumes a plain JSON-lines file where an earlier scan ended.
    ``progress`` hears of the file's bytes as they are read, and of all of them by the end."""
    if progress is None or source.path is None:
        return _scan_source(source, spec, progress, start)
    size = source.path.stat().st_size
    told = start
    report = progress

    def counted(amount: int) -> None:
        nonlocal told
        amount = min(amount, size - told)  # a file growing while read is not counted past its size
        if amount > 0:
            told += amount
            report(amount)

    scanned = _scan_source(source, spec, counted, start)
    counted(size - told)  # what no reader reported as such (a header, a trailer, a closed stream)
    return scanned


def _scan_source(
    source: Source, spec: ScanSpec, progress: Callable[[int], None] | None, start: int
) -> Scanned:
    plain = source.plain_file
    with open_source(source) as handle:
        head = handle.peek(4096)[:4096]
        container = container_of(source, head, spec.input_format)
        fast = container == "jsonl" and spec.dialect in ("auto", "events") and _looks_like_events(head)
        if (
            container == "csv"
            and spec.dialect in ("auto", "events")
            and available_reader() == "compiled"
            and (header := csv_header(handle)) is not None
        ):
            cube, stats = scan_csv_fast(handle, source, spec, header, progress)
            report_damage(handle, source, spec, stats, stats.lines)
            return Scanned(cube, stats, None)
        if not fast:
            cube, stats = scan_general(handle, source, container, spec, progress)
            report_damage(handle, source, spec, stats, stats.lines)
            return Scanned(cube, stats, None)
        assert source.path is not None or not plain
        if (
            plain
            and start == 0
            and source.path is not None
            and source.path.stat().st_size >= parallel.PARALLEL_MIN_BYTES
        ):
            return parallel.scan_parallel(source, spec, progress)
        if start:
            handle.seek(start)
        cube, stats, lines = scan_fast(handle, source, spec, progress=progress)
        report_damage(handle, source, spec, stats, lines)
        return Scanned(cube, stats, handle.tell() if plain else None, lines)


def _looks_like_events(head: bytes) -> bool:
    """The first line of a file in hybridctl's own shape (or OpenTelemetry names)."""
    record = parse_line(head.split(b"\n", 1)[0])
    if isinstance(record, str):
        return True  # the fast path reports the bad line like the general one would

    return dialect_of(record) == "events"
