"""CSV rows by the compiled reader; what it cannot take, the general way."""

from __future__ import annotations

import csv
from collections.abc import Callable

from hybridctl.usage import sources
from hybridctl.usage.compiled_reader import CompiledReader
from hybridctl.usage.cube import Cell, CellKey, Cube
from hybridctl.usage.formats import MARKER_KEYS
from hybridctl.usage.general import Prefixed, csv_general
from hybridctl.usage.progress import file_progress
from hybridctl.usage.sources import MAX_LINE, Reader, ScanSpec, ScanStats, Source


def csv_header(handle: Reader) -> list[str] | None:
    """The header of a CSV file whose rows the compiled reader can take, read off
    the handle; None (the handle untouched) when the general path must read it:
    a header over lines, names given twice, another tool's columns."""
    first = handle.peek(64 << 10)
    end = first.find(b"\n")
    line = first[: end + 1] if end >= 0 else b""
    if not line or line.count(b'"') % 2 or b"\r" in line.rstrip(b"\r\n"):
        return None
    names = next(csv.reader([line.decode("utf-8-sig", "replace").rstrip("\r\n")]), [])
    if len(set(names)) != len(names) or set(names) & MARKER_KEYS:
        return None
    handle.read(len(line))
    return names


def scan_csv_fast(
    handle: Reader, source: Source, spec: ScanSpec, header: list[str], progress: Callable[[int], None] | None
) -> tuple[Cube, ScanStats]:
    """CSV rows after the header, by the compiled reader; the rows it hands back,
    and from a row the csv module would split its own way the rest, the general way."""
    reader = CompiledReader(spec.boundaries)
    reader.aggregator.set_columns(header)
    cells: dict[CellKey, Cell] = {}
    stats = ScanStats()
    line_base = 1  # the header
    buffer = bytearray(sources.CHUNK)  # read when called: tests and the fuzz run vary it
    kept = 0
    tick = file_progress(handle, progress, since=0)  # the header, read already, is part of the file
    while True:
        if kept == len(buffer):
            if len(buffer) >= MAX_LINE:  # a row over the cap: the csv module says so
                csv_general(
                    Prefixed(bytes(buffer[:kept]), handle),
                    None,
                    header,
                    line_base,
                    cells,
                    source,
                    spec,
                    stats,
                )
                break
            buffer.extend(bytes(len(buffer)))
        with memoryview(buffer) as view:
            got = handle.readinto(view[kept:]) or 0
        filled, last = kept + got, got == 0
        if filled == 0:
            break
        tick()
        with memoryview(buffer) as view, view[:filled] as data:
            failed, records, untimed, lines, used, odd = reader.aggregator.feed_csv(data, last)
        stats.lines += records
        stats.events += records - len(failed)
        stats.fast += records - len(failed)
        stats.untimed += untimed
        if failed:
            csv_general(bytes(buffer[:used]), set(failed), header, line_base, cells, source, spec, stats)
        line_base += lines
        if odd or (last and used < filled):  # rows the csv module splits its own way, from here on
            rest = Prefixed(bytes(buffer[used:filled]), handle)
            csv_general(rest, None, header, line_base, cells, source, spec, stats)
            break
        buffer[: filled - used] = buffer[used:filled]
        kept = filled - used
        if last:
            break
    tick()
    return Cube(reader.finish(cells)), stats
