"""Large plain files cut into byte ranges at line ends and scanned in
parallel, one range per CPU (up to 4): by threads with the compiled reader
(it runs without the GIL), by processes with msgspec. Their cubes merge
exactly."""

from __future__ import annotations

import itertools
import os
from collections.abc import Callable
from concurrent.futures import Executor, ProcessPoolExecutor, ThreadPoolExecutor
from pathlib import Path
from typing import Any

from hybridctl.usage.cube import Cell, CellKey, Cube, merge_cells
from hybridctl.usage.fast import scan_fast
from hybridctl.usage.reader import available_reader
from hybridctl.usage.sources import Scanned, ScanSpec, ScanStats, Source

PARALLEL_MIN_BYTES = 32 << 20


def _ranges(path: Path, parts: int) -> list[tuple[int, int]]:
    size = path.stat().st_size
    cuts = [0]
    with path.open("rb") as handle:
        for i in range(1, parts):
            handle.seek(size * i // parts)
            handle.readline()
            cuts.append(min(handle.tell(), size))
    cuts.append(size)
    return [(a, b) for a, b in itertools.pairwise(cuts) if b > a]


def _scan_range(
    path: str,
    label: str,
    start: int,
    stop: int,
    spec: ScanSpec,
    reader: str,
    progress: Callable[[int], None] | None = None,
) -> tuple[Any, ScanStats, int]:
    with open(path, "rb") as handle:
        handle.seek(start)
        cube, stats, lines = scan_fast(
            handle, Source(Path(path), label), spec, stop=stop - start, reader=reader, progress=progress
        )
    return cube.cells, stats, lines


def scan_parallel(source: Source, spec: ScanSpec, progress: Callable[[int], None] | None) -> Scanned:

    assert source.path is not None
    parts = max(1, min(4, os.cpu_count() or 1))
    ranges = _ranges(source.path, parts)
    if not ranges:  # emptied since it was measured (a log rotated): nothing to read
        return Scanned(Cube({}), ScanStats(), 0, 0)
    cells: dict[CellKey, Cell] = {}
    stats = ScanStats()
    reader = available_reader()
    # The compiled reader lets go of the GIL, so threads suffice and cost no start-up.
    pool: Executor = (ThreadPoolExecutor if reader == "compiled" else ProcessPoolExecutor)(
        max_workers=len(ranges)
    )
    # Threads report each chunk as they read it (the bar moves from the start);
    # processes cannot call back, and report each range when it is done.
    threads = reader == "compiled"
    with pool:
        futures = [
            pool.submit(
                _scan_range, str(source.path), source.label, a, b, spec, reader, progress if threads else None
            )
            for a, b in ranges
        ]
        line_offset = 0
        for future, (a, b) in zip(futures, ranges, strict=True):
            part_cells, part_stats, lines = future.result()
            merge_cells(cells, part_cells)
            stats.merge(part_stats, line_offset)
            line_offset += lines
            if progress is not None and not threads:
                progress(b - a)
    return Scanned(Cube(cells), stats, ranges[-1][1] if ranges else 0, line_offset)
