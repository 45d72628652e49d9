"""The compiled reader: ``_scanner.c`` (built at install when a C compiler is
there) parses and adds up each line of a chunk in C, with the field names,
status words and rules of the Python tables it is given."""

from __future__ import annotations

import sys
from datetime import datetime, timedelta

from hybridctl.usage.chunks import FAST_FIELDS, OTHER_RECORD_KEYS, naive_utc
from hybridctl.usage.cube import LONG_REQUEST, Cell, CellKey, merge_cells, widened
from hybridctl.usage.events import (
    _OK_STATUSES,
    ALIASES,
)
from hybridctl.usage.stats import LOG_GAMMA, MIN_LATENCY


class CompiledReader:
    def __init__(self, boundaries: tuple[datetime, ...]) -> None:
        from hybridctl.usage import _scanner  # absent where no compiler built it

        epoch = datetime(1970, 1, 1)
        self.aggregator = _scanner.Aggregator(
            fields=[*(ALIASES[name] for name in FAST_FIELDS), ("error",)],
            punt=OTHER_RECORD_KEYS,
            boundaries=[(moment - epoch) // timedelta(microseconds=1) for moment in naive_utc(boundaries)],
            log_gamma=LOG_GAMMA,
            min_latency=MIN_LATENCY,
            long_input=LONG_REQUEST,
            ok_statuses=sorted(_OK_STATUSES),
            any_fraction=sys.version_info >= (3, 11),  # as fromisoformat reads them in this Python
        )

    def take(self, data: memoryview, cells: dict[CellKey, Cell]) -> tuple[list[int], int, int, int] | None:
        return self.aggregator.feed(data)

    def finish(self, cells: dict[CellKey, Cell]) -> dict[CellKey, Cell]:
        merged = {key: widened(cell) for key, cell in self.aggregator.cells().items()}
        merge_cells(merged, cells)
        return merged
