"""What both fast readers share: the fields they read (in the order
``_scanner.c`` numbers them), the keys that send a line to the general path,
and the protocol a chunk reader follows."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Protocol

from hybridctl.usage.cube import Cell, CellKey
from hybridctl.usage.events import (
    ANTHROPIC_CACHE_NAMES,
    CACHE_WRITE_NAMES,
)
from hybridctl.usage.formats import MARKER_KEYS


def naive_utc(moments: tuple[datetime, ...]) -> tuple[datetime, ...]:
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
# OpenTelemetry attributes, another tool's record (formats.dialect_of), or
# whether a fallback answered a failed request.
OTHER_RECORD_KEYS = (
    "attributes",
    "answered",
    *sorted(MARKER_KEYS),
    *CACHE_WRITE_NAMES,
    *ANTHROPIC_CACHE_NAMES,
)


READERS = ("compiled", "msgspec")


class ChunkReader(Protocol):
    def take(self, data: memoryview, cells: dict[CellKey, Cell]) -> tuple[list[int], int, int, int] | None:
        """Add up what it can of a chunk of whole lines: the indexes of the
        records it hands back, the number of records, of untimed events and
        of lines; None hands back the whole chunk."""

    def finish(self, cells: dict[CellKey, Cell]) -> dict[CellKey, Cell]:
        """All the cells: its own and ``cells``, those of the lines handed back."""
