"""The msgspec reader (the fast path where no C compiler built the compiled one):
it decodes a chunk of JSON lines into a struct holding only the known field
names, and adds them up with the functions the general path calls."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from hybridctl.times import parse_log_time
from hybridctl.usage.chunks import FAST_FIELDS, OTHER_RECORD_KEYS
from hybridctl.usage.cube import Cell, CellKey, add_event
from hybridctl.usage.events import (
    ALIASES,
    is_usage,
    latency_of,
    request_ok,
)
from hybridctl.usage.general import cell_key

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
    cells: dict[CellKey, Cell],
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
        # FAST_FIELDS, in their order (three short unpacks read better than one of fifteen)
        time_value, role, model, provider, variant, escalated = fields[:6]
        input_tokens, output_tokens, cached_tokens, latency_ms, latency_s = fields[6:11]
        status, error_type, cost, quality = fields[11:]
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


def decoded_struct() -> tuple[Any, Callable[[Any], tuple[Any, ...] | None]]:
    global _DECODING
    if _DECODING is None:
        _DECODING = _decoding()
    return _DECODING


# A line of nothing but the whitespace bytes.strip() removes, after a newline (the decoder skips them).
_BLANK_LINE = re.compile(rb"\n[ \t\r\x0b\x0c]*(?=\n)")


class MsgspecReader:
    def __init__(self, boundaries: tuple[datetime, ...]) -> None:
        import msgspec  # ~10 ms, only when this reader is the one used

        struct, self.read = decoded_struct()
        self.decoder = msgspec.json.Decoder(struct)
        self.errors = (msgspec.DecodeError, msgspec.ValidationError)
        self.boundaries = boundaries

    def take(self, data: memoryview, cells: dict[CellKey, Cell]) -> tuple[list[int], int, int, int] | None:
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

    def finish(self, cells: dict[CellKey, Cell]) -> dict[CellKey, Cell]:
        return cells  # its loop adds into the same cells
