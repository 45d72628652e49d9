"""Remember the cube of each usage file, so a repeated report reads no events.

An entry is keyed by the file's absolute path and the scan's parameters, and
holds the file's size, modification time and inode when it was read, a
digest of its first 64 KiB, and where the scan stopped. Used as is when the
file is unchanged; when a JSON-lines log has only grown (same first bytes,
the old end still a line end), only the new lines are read and merged in.
Anything else reads the file again. Compressed files and standard input are
not cached.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Any

import msgspec

from hybridctl.fsutil import atomic_write
from hybridctl.usage.cube import Cube
from hybridctl.usage.scan import Scanned, ScanSpec, ScanStats, Source, scan_source

FORMAT = 4  # 2: cells carry cache writes and the tokens of long requests; 3: records by path; 4: fallbacks
_HEAD = 64 << 10


def cache_dir(configured: Path | None = None) -> Path:
    if configured is not None:
        return configured
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "hybridctl" / "usage"


def _head_digest(path: Path) -> str:
    with path.open("rb") as handle:
        return hashlib.sha256(handle.read(_HEAD)).hexdigest()


def _entry_path(directory: Path, path: Path, spec: ScanSpec) -> Path:
    key = hashlib.sha256(f"{path.resolve()}\0{spec.key()}".encode()).hexdigest()[:32]
    return directory / f"{key}.json"


def _load(entry: Path) -> dict[str, Any] | None:

    try:
        data = msgspec.json.decode(entry.read_bytes())
    except (OSError, msgspec.DecodeError):
        return None
    return data if isinstance(data, dict) and data.get("format") == FORMAT else None


def _stats_from(data: dict[str, Any]) -> ScanStats:
    first_bad = [(str(source), int(line), str(message)) for source, line, message in data["first_bad"]]
    return ScanStats(data["records"], data["events"], data["bad"], data["untimed"], first_bad, data["fast"])


def cached_scan(
    source: Source, spec: ScanSpec, directory: Path | None, progress: Any = None
) -> tuple[Scanned, str]:
    """The cube of a source, from the cache when it can be; also says how it was had:
    'cache', 'appended' (only new lines read), 'scan', or 'uncached'."""
    if source.url is not None:  # a database or files its engine aggregates: only aggregates come back
        from hybridctl.usage.sql.source import scan

        return scan(source.url, spec), "pushed down"
    if directory is None or source.path is None or spec.strict or not source.plain_file:
        return scan_source(source, spec, progress), "uncached"

    path = source.path
    status = path.stat()
    entry = _entry_path(directory, path, spec)
    cached = _load(entry)
    head = _head_digest(path)
    how = "scan"
    result: Scanned | None = None
    if cached is not None and cached["head"] == head and cached["inode"] == status.st_ino:
        cube = Cube.from_json(cached["cells"])
        stats = _stats_from(cached["stats"])
        if cached["size"] == status.st_size and cached["mtime_ns"] == status.st_mtime_ns:
            if progress is not None:
                progress(status.st_size)  # read already: the bar counts it as done
            return Scanned(cube, stats, cached["resume_at"], cached["lines"]), "cache"
        resume = cached["resume_at"]
        if resume is not None and status.st_size > cached["size"] and _ends_a_line(path, resume):
            if progress is not None:
                progress(resume)
            more = scan_source(source, spec, progress, start=resume)
            cube.merge(more.cube)
            stats.merge(more.stats, cached["lines"])
            result, how = Scanned(cube, stats, more.resume_at, cached["lines"] + more.lines), "appended"
    if result is None:
        result = scan_source(source, spec, progress)
    if result.resume_at is not None or how == "scan":
        directory.mkdir(parents=True, exist_ok=True)
        payload = {
            "format": FORMAT,
            "path": str(path.resolve()),
            "size": status.st_size,
            "mtime_ns": status.st_mtime_ns,
            "inode": status.st_ino,
            "head": head,
            "resume_at": result.resume_at,
            "lines": result.lines,
            "stats": {
                "records": result.stats.lines,
                "events": result.stats.events,
                "bad": result.stats.bad,
                "untimed": result.stats.untimed,
                "fast": result.stats.fast,
                "first_bad": result.stats.first_bad,
            },
            "cells": result.cube.to_json(),
        }
        atomic_write(entry, msgspec.json.encode(payload))
    return result, how


def _ends_a_line(path: Path, offset: int) -> bool:
    if offset == 0:
        return True
    with path.open("rb") as handle:
        handle.seek(offset - 1)
        return handle.read(1) == b"\n"
