"""The fast path for JSON lines: 4 MiB at a time, by the compiled reader or
the msgspec one; whatever a reader cannot take goes down the general path."""

from __future__ import annotations

import gc
import io
from collections.abc import Callable

from hybridctl.usage import sources
from hybridctl.usage.chunks import ChunkReader
from hybridctl.usage.compiled_reader import CompiledReader
from hybridctl.usage.cube import Cell, CellKey, Cube
from hybridctl.usage.general import general_lines
from hybridctl.usage.msgspec_reader import MsgspecReader
from hybridctl.usage.progress import file_progress
from hybridctl.usage.reader import available_reader
from hybridctl.usage.sources import MAX_LINE, TOO_LONG, ScanSpec, ScanStats, Source


def scan_fast(
    handle: io.BufferedIOBase,
    source: Source,
    spec: ScanSpec,
    *,
    stop: int | None = None,
    progress: Callable[[int], None] | None = None,
    reader: str | None = None,
) -> tuple[Cube, ScanStats, int]:
    """JSON lines from the handle's position (to ``stop`` bytes further, if given);
    also returns the number of lines read, to number bad lines across ranges."""
    reader = reader or available_reader()
    if reader == "compiled":
        return fast_chunks(handle, source, spec, CompiledReader(spec.boundaries), stop, progress)
    # The msgspec loop makes no reference cycles; the collector would only rescan its short-lived tuples.
    collecting = gc.isenabled()
    gc.disable()
    try:
        return fast_chunks(handle, source, spec, MsgspecReader(spec.boundaries), stop, progress)
    finally:
        if collecting:
            gc.enable()


def fast_chunks(
    handle: io.BufferedIOBase,
    source: Source,
    spec: ScanSpec,
    reader: ChunkReader,
    remaining: int | None,
    progress: Callable[[int], None] | None,
) -> tuple[Cube, ScanStats, int]:
    cells: dict[CellKey, Cell] = {}
    stats = ScanStats()
    line_base = 0
    tick = file_progress(handle, progress)
    # One buffer, read into and reused: a fresh 4 MiB object per chunk costs page faults and copies.
    buffer = bytearray(sources.CHUNK)  # read when called: tests and the fuzz run vary it
    kept = 0  # bytes at the start of the buffer: a line not yet whole
    skipping = False  # inside a line over MAX_LINE: dropped until its newline
    while True:
        if kept == len(buffer):  # a line longer than the buffer
            if len(buffer) >= MAX_LINE:
                skipping, kept = True, 0
            else:
                buffer.extend(bytes(len(buffer)))
        size = len(buffer) - kept if remaining is None else min(len(buffer) - kept, remaining)
        with memoryview(buffer) as view:
            got = (handle.readinto(view[kept : kept + size]) or 0) if size > 0 else 0
        if remaining is not None:
            remaining -= got
        filled = kept + got
        last = got == 0 or (remaining is not None and remaining <= 0)
        if skipping:
            end = buffer.find(b"\n", 0, filled)
            if end < 0 and not last:
                kept = 0
                continue
            filled, skipping = _drop_long_line(buffer, filled, end, source, spec, stats, line_base), False
            line_base += 1
            kept = filled
            if filled == 0 and last:
                break
        if filled == 0:
            break
        if last and getattr(handle, "damage", None) is not None:
            filled = buffer.rfind(b"\n", 0, filled) + 1  # a line cut by the damage is part of it
            if filled == 0:
                break
        cut = filled if last else buffer.rfind(b"\n", 0, filled) + 1
        if cut == 0:
            kept = filled
            continue
        tick()
        with memoryview(buffer) as view, view[:cut] as data:
            lines = _take_chunk(reader, data, cells, source, spec, stats, line_base)
        line_base += lines
        buffer[: filled - cut] = buffer[cut:filled]
        kept = filled - cut
        if last:
            break
    tick()  # the end of the file (a gzip trailer is read last)
    return Cube(reader.finish(cells)), stats, line_base


def _take_chunk(
    reader: ChunkReader,
    data: memoryview,
    cells: dict[CellKey, Cell],
    source: Source,
    spec: ScanSpec,
    stats: ScanStats,
    line_base: int,
) -> int:
    """A chunk of whole lines: the reader takes what it can, the general path
    the rest (all of it when the reader hands the chunk back); its line count."""
    taken = reader.take(data, cells)
    if taken is None:  # a line it cannot take: line by line
        return general_lines(bytes(data), None, cells, source, spec, stats, line_base)
    failed, records, untimed, lines = taken
    stats.lines += records
    stats.events += records - len(failed)
    stats.fast += records - len(failed)
    stats.untimed += untimed
    if failed:
        general_lines(bytes(data), failed, cells, source, spec, stats, line_base)
    return lines


def _drop_long_line(
    buffer: bytearray, filled: int, end: int, source: Source, spec: ScanSpec, stats: ScanStats, line_base: int
) -> int:
    """The end of a line over MAX_LINE reached (``end``: its newline, or -1 at
    the end of input): count it as a bad line, keep what follows it; the
    number of bytes left in the buffer."""
    stats.lines += 1
    stats.add_bad(source.label, line_base + 1, TOO_LONG, spec.strict)
    end = filled if end < 0 else end + 1
    buffer[: filled - end] = buffer[end:filled]
    return filled - end
