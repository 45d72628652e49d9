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

import bisect
import csv
import gc
import glob
import gzip
import io
import itertools
import json
import os
import re
import sys
import zlib
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Executor, ProcessPoolExecutor, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import IO, Any, NamedTuple, Protocol, cast

from hybridctl.errors import CheckFailed, UsageError
from hybridctl.times import parse_log_time
from hybridctl.usage.cube import LONG_REQUEST, CellKey, Cube, add_event, merge_cells, widened
from hybridctl.usage.events import (
    _OK_STATUSES,
    ALIASES,
    ANTHROPIC_CACHE_NAMES,
    CACHE_WRITE_NAMES,
    UsageEvent,
    is_usage,
    latency_of,
    request_ok,
)
from hybridctl.usage.formats import DIALECTS, MARKER_KEYS, dialect_of, to_usage_events
from hybridctl.usage.progress import file_progress
from hybridctl.usage.reader import (
    available_reader as available_reader,  # re-exported: where readers are chosen
)
from hybridctl.usage.stats import LOG_GAMMA, MIN_LATENCY

CHUNK = 4 << 20
# The longest line read: a line over it is a bad line, skipped without being held whole
# (a small gzip can unpack to one line of gigabytes). A usage record with a full prompt
# and response fits many times over.
MAX_LINE = 8 << 20
TOO_LONG = f"line longer than {MAX_LINE >> 20} MiB (the most a usage line may be); skipped"
PARALLEL_MIN_BYTES = 32 << 20
KEEP_BAD = 5
CONTAINERS = ("jsonl", "json", "csv")
INPUT_FORMATS = ("auto", "jsonl", "csv", "openrouter", "litellm", "otlp", "otel", "langfuse", "helicone")


class ScanSpec(NamedTuple):
    boundaries: tuple[datetime, ...] = ()  # segment cut points, UTC, ascending
    input_format: str = "auto"
    strict: bool = False

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
    path: Path | None  # None: standard input
    label: str

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


class _Gzip(gzip.GzipFile):
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
        return cast(bytes, self._guard(lambda: super(_Gzip, self).read1(size), b""))

    def peek(self, n: int = 0) -> bytes:
        return cast(bytes, self._guard(lambda: super(_Gzip, self).peek(n), b""))

    def readline(self, size: int | None = -1) -> bytes:
        return cast(bytes, self._guard(lambda: super(_Gzip, self).readline(size), b""))

    def readinto(self, buffer: Any) -> int:
        with memoryview(buffer) as view, view.cast("B") as target:
            filled = 0
            while filled < len(target) and (piece := self.read1(len(target) - filled)):
                target[filled : filled + len(piece)] = piece
                filled += len(piece)
        return filled


Reader = io.BufferedReader | _Gzip  # both can peek, read, seek and tell


def _open(source: Source) -> Reader:
    raw = cast(io.BufferedReader, sys.stdin.buffer if source.path is None else source.path.open("rb"))
    if raw.peek(2)[:2] == b"\x1f\x8b":
        return _Gzip(fileobj=raw)
    return raw


def _report_damage(handle: Reader, source: Source, spec: ScanSpec, stats: ScanStats, lines: int) -> None:
    damage = getattr(handle, "damage", None)
    if damage is not None:
        stats.lines += 1
        stats.add_bad(source.label, lines + 1, damage, spec.strict)
        # a damaged file comes first among the bad lines shown: it explains the others
        entry = (source.label, lines + 1, damage)
        stats.first_bad = [entry, *(bad for bad in stats.first_bad if bad != entry)][:KEEP_BAD]


def _container(source: Source, head: bytes, input_format: str) -> str:
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


# -- the general path ----------------------------------------------------------------


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


def _add(
    cells: dict[CellKey, list[Any]], event: Any, boundaries: tuple[datetime, ...], stats: ScanStats
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
    )
    stats.events += 1


def _records(handle: io.BufferedIOBase, container: str) -> Iterator[tuple[int, dict[str, Any] | str]]:
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
        yield from _csv_rows(text)
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


def _csv_rows(
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


def _take(
    cells: dict[CellKey, list[Any]],
    record: dict[str, Any] | str,
    number: int,
    source: Source,
    spec: ScanSpec,
    stats: ScanStats,
) -> None:
    """Add one record, or count it as bad: ``record`` is the reason it is not one."""
    for event in _events_of(record, number, source, spec, stats):
        _add(cells, event, spec.boundaries, stats)


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
    with _open(source) as handle:
        container = _container(source, handle.peek(4096)[:4096], spec.input_format)
        for number, record in _records(handle, container):
            stats.lines += 1
            for event in _events_of(record, number, source, spec, stats):
                stats.events += 1
                yield number, cast(dict[str, Any], record), event
        _report_damage(handle, source, spec, stats, stats.lines)


def scan_general(
    handle: io.BufferedIOBase,
    source: Source,
    container: str,
    spec: ScanSpec,
    progress: Callable[[int], None] | None = None,
) -> tuple[Cube, ScanStats]:
    cells: dict[CellKey, list[Any]] = {}
    stats = ScanStats()
    tick = file_progress(handle, progress)
    for number, record in _records(handle, container):
        stats.lines += 1
        _take(cells, record, number, source, spec, stats)
        if not number % 4096:
            tick()
    tick()
    return Cube(cells), stats


# -- the fast path -------------------------------------------------------------------

_TYPES = {
    "time": "str | None",
    "input_tokens": "int | None",
    "output_tokens": "int | None",
    "cached_tokens": "int | None",
    "latency_ms": "float | None",
    "latency_s": "float | None",
    "escalated": "bool | None",
    "cost": "float | None",
    "quality": "float | None",
    "status": "str | None",
}


def _decoding() -> tuple[Any, Callable[[Any], tuple[Any, ...] | None]]:
    """The struct msgspec decodes a line into (a field per alias of events.ALIASES),
    and its accessor: FAST_FIELDS, each the first alias set in the table's
    order, or None when the line is the general path's (nested attributes, an
    error flag in words, another tool's record). The accessor is generated from
    the table, as a chain of attribute reads, because a loop over the aliases
    costs more than the rest of the line; it holds no rule of its own."""
    import msgspec  # ~10 ms, only when this reader is the one used

    fields: list[tuple[str, Any, Any]] = [
        (f"{name}_{i}", eval(_TYPES.get(name, "str | None")), msgspec.field(default=None, name=alias))
        for name, aliases in ALIASES.items()
        for i, alias in enumerate(aliases)
    ]
    # Precise types: an `Any` field makes msgspec decode every line 60% slower.
    fields.append(
        ("attributes", dict[str, Any] | list[Any] | None, msgspec.field(default=None, name="attributes"))
    )
    fields.append(("error", bool | str | int | None, msgspec.field(default=None, name="error")))
    # Another tool's record: present (its value left undecoded) means the general path reads the line.
    others = [key for key in OTHER_RECORD_KEYS if key != "attributes"]
    fields.extend(
        (f"other_{i}", msgspec.Raw, msgspec.field(default=None, name=key)) for i, key in enumerate(others)
    )
    struct = msgspec.defstruct("DecodedEvent", fields, gc=False)

    def first(name: str) -> str:
        chain = f"e.{name}_{len(ALIASES[name]) - 1}"
        for i in range(len(ALIASES[name]) - 2, -1, -1):
            chain = f"(v if (v := e.{name}_{i}) is not None else {chain})"
        return chain

    general = " or ".join(
        [
            "e.attributes is not None",
            "e.error.__class__ is str",
            *(f"e.other_{i} is not None" for i in range(len(others))),
        ]
    )
    source = (
        f"def read(e):\n    return None if {general} else ({', '.join(first(n) for n in FAST_FIELDS)},)\n"
    )
    namespace: dict[str, Any] = {}
    exec(compile(source, "<hybridctl decoded-event accessor>", "exec"), namespace)
    return struct, namespace["read"]


def add_decoded(
    events: Sequence[Any],
    cells: dict[CellKey, list[Any]],
    boundaries: tuple[datetime, ...],
    read: Callable[[Any], tuple[Any, ...] | None],
) -> tuple[list[int], int]:
    """Add up decoded events by the rules the general path applies (events.py,
    times.py, cell_key, add_event); returns the indexes of the events it hands
    back to the general path, which reads them and words what is wrong, and
    the number of untimed events."""
    fallback: list[int] = []
    untimed = 0
    for index, event in enumerate(events):
        fields = read(event)
        if fields is None:
            fallback.append(index)
            continue
        (
            time_value,
            role,
            model,
            provider,
            variant,
            escalated,
            input_tokens,
            output_tokens,
            cached_tokens,
            latency_ms,
            latency_s,
            status,
            error_type,
            cost,
            quality,
        ) = fields
        input_tokens = input_tokens or 0
        output_tokens = output_tokens or 0
        cached_tokens = cached_tokens or 0
        model = model or None
        if input_tokens < 0 or output_tokens < 0 or cached_tokens < 0:
            fallback.append(index)
            continue
        if not is_usage(model, input_tokens, output_tokens, cached_tokens):
            fallback.append(index)
            continue
        if time_value is None:
            moment = None
            untimed += 1
        else:
            try:
                moment = parse_log_time(time_value)
            except ValueError:
                fallback.append(index)
                continue
        key = cell_key(moment, boundaries, role, model, provider, variant, bool(escalated))
        add_event(
            cells,
            key,
            request_ok(status, error_type or None, event.error),
            input_tokens,
            output_tokens,
            min(cached_tokens, input_tokens),
            cost,
            quality,
            latency_of(latency_ms, latency_s),
        )
    return fallback, untimed


_DECODING: tuple[Any, Callable[[Any], tuple[Any, ...] | None]] | None = None


def _decoded() -> tuple[Any, Callable[[Any], tuple[Any, ...] | None]]:
    global _DECODING
    if _DECODING is None:
        _DECODING = _decoding()
    return _DECODING


def _naive_utc(moments: tuple[datetime, ...]) -> tuple[datetime, ...]:
    return tuple(m.astimezone(timezone.utc).replace(tzinfo=None) for m in moments)


# The fields the fast readers read: the order _scanner.c numbers them in, and
# the order the msgspec reader's accessor returns them in.
FAST_FIELDS = (
    "time",
    "role",
    "model",
    "provider",
    "variant",
    "escalated",
    "input_tokens",
    "output_tokens",
    "cached_tokens",
    "latency_ms",
    "latency_s",
    "status",
    "error_type",
    "cost",
    "quality",
)
# Keys that make a line something the general path must read: nested
# OpenTelemetry attributes, or another tool's record (formats.dialect_of).
OTHER_RECORD_KEYS = ("attributes", *sorted(MARKER_KEYS), *CACHE_WRITE_NAMES, *ANTHROPIC_CACHE_NAMES)
READERS = ("compiled", "msgspec")


class _ChunkReader(Protocol):
    def take(
        self, data: memoryview, cells: dict[CellKey, list[Any]]
    ) -> tuple[list[int], int, int, int] | None:
        """Add up what it can of a chunk of whole lines: the indexes of the
        records it hands back, the number of records, of untimed events and
        of lines; None hands back the whole chunk."""

    def finish(self, cells: dict[CellKey, list[Any]]) -> dict[CellKey, list[Any]]:
        """All the cells: its own and ``cells``, those of the lines handed back."""


# A line of nothing but the whitespace bytes.strip() removes, after a newline (the decoder skips them).
_BLANK_LINE = re.compile(rb"\n[ \t\r\x0b\x0c]*(?=\n)")


class _MsgspecReader:
    def __init__(self, boundaries: tuple[datetime, ...]) -> None:
        import msgspec  # ~10 ms, only when this reader is the one used

        struct, self.read = _decoded()
        self.decoder = msgspec.json.Decoder(struct)
        self.errors = (msgspec.DecodeError, msgspec.ValidationError)
        self.boundaries = boundaries

    def take(
        self, data: memoryview, cells: dict[CellKey, list[Any]]
    ) -> tuple[list[int], int, int, int] | None:
        raw = bytes(data)
        if not raw.isascii():
            try:  # msgspec skips unread strings without checking them; json.loads would refuse the line
                raw.decode("utf-8", "surrogatepass")
            except UnicodeDecodeError:
                return None
        try:
            events = self.decoder.decode_lines(raw)
        except (*self.errors, RecursionError, UnicodeDecodeError):  # msgspec 0.18: a surrogate in a field
            return None  # line by line, the general way, which says which line and why
        lines = raw.count(b"\n") + (0 if raw.endswith(b"\n") else 1)
        blank = len(_BLANK_LINE.findall(b"\n" + raw if raw.endswith(b"\n") else b"\n" + raw + b"\n"))
        if len(events) != lines - blank:
            return None  # two documents on one line ({}{}) are not JSON lines
        failed, untimed = add_decoded(events, cells, self.boundaries, self.read)
        return failed, len(events), untimed, lines

    def finish(self, cells: dict[CellKey, list[Any]]) -> dict[CellKey, list[Any]]:
        return cells  # its loop adds into the same cells


class _CompiledReader:
    def __init__(self, boundaries: tuple[datetime, ...]) -> None:
        from hybridctl.usage import _scanner  # absent where no compiler built it

        epoch = datetime(1970, 1, 1)
        self.aggregator = _scanner.Aggregator(
            fields=[*(ALIASES[name] for name in FAST_FIELDS), ("error",)],
            punt=OTHER_RECORD_KEYS,
            boundaries=[(moment - epoch) // timedelta(microseconds=1) for moment in _naive_utc(boundaries)],
            log_gamma=LOG_GAMMA,
            min_latency=MIN_LATENCY,
            long_input=LONG_REQUEST,
            ok_statuses=sorted(_OK_STATUSES),
            any_fraction=sys.version_info >= (3, 11),  # as fromisoformat reads them in this Python
        )

    def take(
        self, data: memoryview, cells: dict[CellKey, list[Any]]
    ) -> tuple[list[int], int, int, int] | None:
        return self.aggregator.feed(data)

    def finish(self, cells: dict[CellKey, list[Any]]) -> dict[CellKey, list[Any]]:
        merged = {key: widened(cell) for key, cell in self.aggregator.cells().items()}
        merge_cells(merged, cells)
        return merged


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
        return _fast_chunks(handle, source, spec, _CompiledReader(spec.boundaries), stop, progress)
    # The msgspec loop makes no reference cycles; the collector would only rescan its short-lived tuples.
    collecting = gc.isenabled()
    gc.disable()
    try:
        return _fast_chunks(handle, source, spec, _MsgspecReader(spec.boundaries), stop, progress)
    finally:
        if collecting:
            gc.enable()


def _fast_chunks(
    handle: io.BufferedIOBase,
    source: Source,
    spec: ScanSpec,
    reader: _ChunkReader,
    remaining: int | None,
    progress: Callable[[int], None] | None,
) -> tuple[Cube, ScanStats, int]:
    cells: dict[CellKey, list[Any]] = {}
    stats = ScanStats()
    line_base = 0
    tick = file_progress(handle, progress)
    # One buffer, read into and reused: a fresh 4 MiB object per chunk costs page faults and copies.
    buffer = bytearray(CHUNK)
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
            stats.lines += 1
            stats.add_bad(source.label, line_base + 1, TOO_LONG, spec.strict)
            line_base += 1
            skipping = False
            end = filled if end < 0 else end + 1
            buffer[: filled - end] = buffer[end:filled]
            filled -= end
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
            taken = reader.take(data, cells)
            if taken is None:  # a line it cannot take: line by line
                lines = _general_lines(bytes(data), None, cells, source, spec, stats, line_base)
            else:
                failed, records, untimed, lines = taken
                stats.lines += records
                stats.events += records - len(failed)
                stats.fast += records - len(failed)
                stats.untimed += untimed
                if failed:
                    _general_lines(bytes(data), failed, cells, source, spec, stats, line_base)
        line_base += lines
        buffer[: filled - cut] = buffer[cut:filled]
        kept = filled - cut
        if last:
            break
    tick()  # the end of the file (a gzip trailer is read last)
    return Cube(reader.finish(cells)), stats, line_base


def _general_lines(
    data: bytes,
    only: list[int] | None,
    cells: dict[CellKey, list[Any]],
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
        _take(cells, parse_line(line), number, source, spec, stats)
    return len(lines) - (1 if data.endswith(b"\n") else 0)


class _Prefixed(io.RawIOBase):
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


def _csv_text(data: bytes | io.RawIOBase) -> IO[str]:
    raw = io.BufferedReader(data) if isinstance(data, io.RawIOBase) else io.BytesIO(data)
    return io.TextIOWrapper(raw, encoding="utf-8", errors="replace", newline="")


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
    reader = _CompiledReader(spec.boundaries)
    reader.aggregator.set_columns(header)
    cells: dict[CellKey, list[Any]] = {}
    stats = ScanStats()
    line_base = 1  # the header
    buffer = bytearray(CHUNK)
    kept = 0
    tick = file_progress(handle, progress, since=0)  # the header, read already, is part of the file
    while True:
        if kept == len(buffer):
            if len(buffer) >= MAX_LINE:  # a row over the cap: the csv module says so
                _csv_general(
                    _Prefixed(bytes(buffer[:kept]), handle),
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
            _csv_general(bytes(buffer[:used]), set(failed), header, line_base, cells, source, spec, stats)
        line_base += lines
        if odd or (last and used < filled):  # rows the csv module splits its own way, from here on
            rest = _Prefixed(bytes(buffer[used:filled]), handle)
            _csv_general(rest, None, header, line_base, cells, source, spec, stats)
            break
        buffer[: filled - used] = buffer[used:filled]
        kept = filled - used
        if last:
            break
    tick()
    return Cube(reader.finish(cells)), stats


def _csv_general(
    data: bytes | io.RawIOBase,
    only: set[int] | None,
    header: list[str],
    line_base: int,
    cells: dict[CellKey, list[Any]],
    source: Source,
    spec: ScanSpec,
    stats: ScanStats,
) -> None:
    """CSV rows the general way: ``only`` those (by index among the rows), or all,
    counting them as records."""
    for index, (number, record) in enumerate(_csv_rows(_csv_text(data), header, line_base)):
        if only is None:
            stats.lines += 1
        elif index not in only:
            continue
        _take(cells, record, number, source, spec, stats)


# -- choosing a path, and parallel ranges ---------------------------------------------


class Scanned(NamedTuple):
    cube: Cube
    stats: ScanStats
    resume_at: int | None  # a plain JSON-lines file read to this offset: scan on from here when it grows
    lines: int = 0  # physical lines read, to number the bad lines of a later, resumed scan


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
    with _open(source) as handle:
        head = handle.peek(4096)[:4096]
        container = _container(source, head, spec.input_format)
        fast = container == "jsonl" and spec.dialect in ("auto", "events") and _looks_like_events(head)
        if (
            container == "csv"
            and spec.dialect in ("auto", "events")
            and available_reader() == "compiled"
            and (header := csv_header(handle)) is not None
        ):
            cube, stats = scan_csv_fast(handle, source, spec, header, progress)
            _report_damage(handle, source, spec, stats, stats.lines)
            return Scanned(cube, stats, None)
        if not fast:
            cube, stats = scan_general(handle, source, container, spec, progress)
            _report_damage(handle, source, spec, stats, stats.lines)
            return Scanned(cube, stats, None)
        assert source.path is not None or not plain
        if (
            plain
            and start == 0
            and source.path is not None
            and source.path.stat().st_size >= PARALLEL_MIN_BYTES
        ):
            return _scan_parallel(source, spec, progress)
        if start:
            handle.seek(start)
        cube, stats, lines = scan_fast(handle, source, spec, progress=progress)
        _report_damage(handle, source, spec, stats, lines)
        return Scanned(cube, stats, handle.tell() if plain else None, lines)


def _looks_like_events(head: bytes) -> bool:
    """The first line of a file in hybridctl's own shape (or OpenTelemetry names)."""
    record = parse_line(head.split(b"\n", 1)[0])
    if isinstance(record, str):
        return True  # the fast path reports the bad line like the general one would

    return dialect_of(record) == "events"


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


def _scan_parallel(source: Source, spec: ScanSpec, progress: Callable[[int], None] | None) -> Scanned:

    assert source.path is not None
    parts = max(1, min(4, os.cpu_count() or 1))
    ranges = _ranges(source.path, parts)
    if not ranges:  # emptied since it was measured (a log rotated): nothing to read
        return Scanned(Cube({}), ScanStats(), 0, 0)
    cells: dict[CellKey, list[Any]] = {}
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
