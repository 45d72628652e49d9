"""Usage inputs: the files (or standard input) a report reads, gzip or plain, and
what a scan of them is asked (ScanSpec) and counts (ScanStats)."""

from __future__ import annotations

import glob
import gzip
import io
import json
import sys
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, NamedTuple, cast

from hybridctl.errors import CheckFailed, UsageError
from hybridctl.usage.cube import Cube
from hybridctl.usage.formats import DIALECTS

CHUNK = 4 << 20


# The longest line read: a line over it is a bad line, skipped without being held whole
# (a small gzip can unpack to one line of gigabytes). A usage record with a full prompt
# and response fits many times over.
MAX_LINE = 8 << 20


TOO_LONG = f"line longer than {MAX_LINE >> 20} MiB (the most a usage line may be); skipped"


KEEP_BAD = 5


CONTAINERS = ("jsonl", "json", "csv")


INPUT_FORMATS = ("auto", "jsonl", "csv", "openrouter", "litellm", "otlp", "otel", "langfuse", "helicone")


class ScanSpec(NamedTuple):
    boundaries: tuple[datetime, ...] = ()  # segment cut points, UTC, ascending
    input_format: str = "auto"
    strict: bool = False
    # Only events in [since, until) are wanted: a database filters on its time index
    # (a file is read whole, its events outside the window fall in segments nobody reads).
    within: tuple[datetime | None, datetime | None] = (None, None)

    @property
    def dialect(self) -> str:
        return self.input_format if self.input_format in DIALECTS else "auto"

    def key(self) -> str:
        return json.dumps([self.input_format, [b.isoformat() for b in self.boundaries]])


@dataclass
class ScanStats:
    lines: int = 0  # records seen (blank lines are not records)
    events: int = 0
    bad: int = 0
    untimed: int = 0  # events without a time, left out of time windows
    first_bad: list[tuple[str, int, str]] = field(default_factory=list)  # source, line, message
    fast: int = 0  # records a fast reader took whole; the general path read the rest

    def add_bad(self, source: str, line: int, message: str, strict: bool) -> None:
        if strict:
            raise CheckFailed(f"{source}:{line}: {message}", hint="fix or remove the line, or drop --strict")
        self.bad += 1
        if len(self.first_bad) < KEEP_BAD:
            self.first_bad.append((source, line, message))

    def merge(self, other: ScanStats, line_offset: int = 0) -> None:
        self.lines += other.lines
        self.events += other.events
        self.bad += other.bad
        self.untimed += other.untimed
        self.fast += other.fast
        for source, line, message in other.first_bad:
            if len(self.first_bad) < KEEP_BAD:
                self.first_bad.append((source, line + line_offset, message))

    def to_dict(self) -> dict[str, Any]:
        return {
            "records": self.lines,
            "events": self.events,
            "bad_lines": self.bad,
            "untimed_events": self.untimed,
            "first_bad_lines": [{"source": s, "line": n, "message": m} for s, n, m in self.first_bad],
            "records_by_path": {"fast": self.fast, "general": self.lines - self.fast},
        }


class Source(NamedTuple):
    path: Path | None  # None: standard input (or a database: url)
    label: str
    url: str | None = None  # a --source: a database URL or a glob its engine reads (usage/sql)

    @property
    def plain_file(self) -> bool:
        if self.path is None:
            return False
        with self.path.open("rb") as handle:
            return handle.read(2) != b"\x1f\x8b"


def resolve_sources(inputs: Sequence[str], fallback: Sequence[Path] = ()) -> list[Source]:
    """Paths, globs and '-' (standard input); the settings' usage files when none given."""

    if not inputs:
        if not fallback:
            raise UsageError(
                "no usage data given", hint="pass usage files (or '-' for stdin), or set usage in settings"
            )
        inputs = [str(p) for p in fallback]
    sources: list[Source] = []
    for item in inputs:
        if item == "-":
            sources.append(Source(None, "<stdin>"))
            continue
        # A user's pattern may be absolute or climb out of the working directory: not Path.glob.
        matches = sorted(glob.glob(item, recursive=True)) if glob.has_magic(item) else [item]  # noqa: PTH207
        files = [Path(m) for m in matches if Path(m).is_file()]
        if not files:
            raise UsageError(
                f"no usage file matches {item}", hint="check the path; globs need quotes in some shells"
            )
        sources.extend(Source(f, str(f)) for f in files)
    return sources


class GzipSource(gzip.GzipFile):
    """A gzip stream that ends where its data stops making sense: a corrupt or
    cut-off archive reads as what came before the damage, and ``damage`` says
    what was wrong, for the report (a rotated log is often cut mid-write)."""

    damage: str | None = None

    def _guard(self, read: Callable[[], Any], empty: Any) -> Any:
        if self.damage is not None:
            return empty
        try:
            return read()
        except (OSError, EOFError, zlib.error) as exc:  # BadGzipFile is an OSError
            self.damage = f"corrupt or cut-off gzip data ({exc or type(exc).__name__}); read what came before"
            return empty

    def read(self, size: int | None = -1) -> bytes:
        # Piece by piece, so that what was unpacked before the damage is kept.
        pieces = []
        wanted = -1 if size is None or size < 0 else size
        while wanted != 0 and (piece := self.read1(wanted if wanted > 0 else CHUNK)):
            pieces.append(piece)
            wanted = wanted - len(piece) if wanted > 0 else -1
        return b"".join(pieces)

    def read1(self, size: int = -1) -> bytes:
        return cast(bytes, self._guard(lambda: super(GzipSource, self).read1(size), b""))

    def peek(self, n: int = 0) -> bytes:
        return cast(bytes, self._guard(lambda: super(GzipSource, self).peek(n), b""))

    def readline(self, size: int | None = -1) -> bytes:
        return cast(bytes, self._guard(lambda: super(GzipSource, self).readline(size), b""))

    def readinto(self, buffer: Any) -> int:
        with memoryview(buffer) as view, view.cast("B") as target:
            filled = 0
            while filled < len(target) and (piece := self.read1(len(target) - filled)):
                target[filled : filled + len(piece)] = piece
                filled += len(piece)
        return filled


Reader = io.BufferedReader | GzipSource  # both can peek, read, seek and tell


def open_source(source: Source) -> Reader:
    raw = cast(io.BufferedReader, sys.stdin.buffer if source.path is None else source.path.open("rb"))
    if raw.peek(2)[:2] == b"\x1f\x8b":
        return GzipSource(fileobj=raw)
    return raw


def report_damage(handle: Reader, source: Source, spec: ScanSpec, stats: ScanStats, lines: int) -> None:
    damage = getattr(handle, "damage", None)
    if damage is not None:
        stats.lines += 1
        stats.add_bad(source.label, lines + 1, damage, spec.strict)
        # a damaged file comes first among the bad lines shown: it explains the others
        entry = (source.label, lines + 1, damage)
        stats.first_bad = [entry, *(bad for bad in stats.first_bad if bad != entry)][:KEEP_BAD]


class Scanned(NamedTuple):
    cube: Cube
    stats: ScanStats
    resume_at: int | None  # a plain JSON-lines file read to this offset: scan on from here when it grows
    lines: int = 0  # physical lines read, to number the bad lines of a later, resumed scan
