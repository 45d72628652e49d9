"""The cube: usage aggregated into cells, the form every report reads.

A cell is one combination of (segment, UTC day, role, model, provider,
variant, escalated) and holds sums and a latency histogram, so its size
grows with the number of distinct combinations, never with the number of
events. Costs are kept as token sums, priced when a report is made: a price
change needs no rescan, and --recompute is free.

A segment is a time window: reports cut the timeline at --since/--until or
at rollout transitions, and each event falls in exactly one window.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, NamedTuple

from hybridctl.config.catalog import Catalog
from hybridctl.usage.stats import LatencySketch, Totals, latency_bucket

CellKey = tuple[int, str, str, str, str, str, bool]  # segment, day, role, model, provider, variant, escalated
DIMENSIONS = ("segment", "day", "role", "model", "provider", "variant", "escalated")

# positions in a cell (a list, for speed in the scanning loop)
REQUESTS, ERRORS, INPUT, OUTPUT, CACHED = 0, 1, 2, 3, 4
RECORDED_COST, RECORDED_N = 5, 6  # events that carried their own cost
OPEN_INPUT, OPEN_OUTPUT, OPEN_CACHED = 7, 8, 9  # tokens of events priced from the price list
QUALITY_SUM, QUALITY_N, LATENCY = 10, 11, 12


def new_cell() -> list[Any]:
    return [0, 0, 0, 0, 0, 0.0, 0, 0, 0, 0, 0.0, 0, {}]


def add_event(
    cells: dict[CellKey, list[Any]],
    key: CellKey,
    ok: bool,
    input_tokens: int,
    output_tokens: int,
    cached_tokens: int,
    cost: float | None,
    quality: float | None,
    latency_s: float | None,
) -> None:
    """Count one request into its cell (the scanner's fast path inlines the same)."""
    cell = cells.get(key)
    if cell is None:
        cell = cells[key] = new_cell()
    cell[REQUESTS] += 1
    if not ok:
        cell[ERRORS] += 1
    cell[INPUT] += input_tokens
    cell[OUTPUT] += output_tokens
    cell[CACHED] += cached_tokens
    if cost is None:
        cell[OPEN_INPUT] += input_tokens
        cell[OPEN_OUTPUT] += output_tokens
        cell[OPEN_CACHED] += cached_tokens
    else:
        cell[RECORDED_COST] += cost
        cell[RECORDED_N] += 1
    if quality is not None:
        cell[QUALITY_SUM] += quality
        cell[QUALITY_N] += 1
    if latency_s is not None:
        histogram = cell[LATENCY]
        bucket = latency_bucket(latency_s)
        histogram[bucket] = histogram.get(bucket, 0) + 1


def merge_cells(into: dict[CellKey, list[Any]], other: dict[CellKey, list[Any]]) -> None:
    for key, cell in other.items():
        mine = into.get(key)
        if mine is None:
            into[key] = [*cell[:LATENCY], dict(cell[LATENCY])]
            continue
        for index in range(LATENCY):
            mine[index] += cell[index]
        histogram = mine[LATENCY]
        for bucket, count in cell[LATENCY].items():
            histogram[bucket] = histogram.get(bucket, 0) + count


class Priced(NamedTuple):
    totals: Totals
    unpriced: dict[str, int]  # model -> requests without a price


class Cube(NamedTuple):
    cells: dict[CellKey, list[Any]]

    @classmethod
    def empty(cls) -> Cube:
        return cls({})

    def merge(self, other: Cube) -> None:
        merge_cells(self.cells, other.cells)

    @property
    def requests(self) -> int:
        return sum(cell[REQUESTS] for cell in self.cells.values())

    def to_json(self) -> list[Any]:
        return [[*key, *cell[:LATENCY], list(cell[LATENCY].items())] for key, cell in self.cells.items()]

    @classmethod
    def from_json(cls, rows: Iterable[list[Any]]) -> Cube:
        cells: dict[CellKey, list[Any]] = {}
        for row in rows:
            key = (int(row[0]), row[1], row[2], row[3], row[4], row[5], bool(row[6]))
            cells[key] = [*row[7 : 7 + LATENCY], {int(b): int(n) for b, n in row[7 + LATENCY]}]
        return cls(cells)

    def rollup(
        self,
        catalog: Catalog,
        group: Callable[[CellKey], Any],
        *,
        where: Callable[[CellKey], bool] | None = None,
        recompute: bool = False,
    ) -> dict[Any, Priced]:
        """Totals per group of cells, priced: a recorded cost stands (unless
        ``recompute``), other tokens get their model's price; a model without a
        price is counted as unpriced, never as free."""
        out: dict[Any, Priced] = {}
        for key, cell in self.cells.items():
            if where is not None and not where(key):
                continue
            group_key = group(key)
            priced = out.get(group_key)
            if priced is None:
                priced = out[group_key] = Priced(Totals(), {})
            add_cell(priced, key, cell, catalog, recompute)
        return out


def add_cell(priced: Priced, key: CellKey, cell: list[Any], catalog: Catalog, recompute: bool) -> None:
    """Add a cell into its group's totals, priced by the catalog; requests of a
    model without a price are counted under ``unpriced`` by the model's catalog id."""
    totals = priced.totals
    requests = cell[REQUESTS]
    model = key[3]
    resolved = catalog.resolve(model)
    totals.requests += requests
    totals.errors += cell[ERRORS]
    totals.escalated += requests if key[6] else 0
    totals.premium += requests if resolved is not None and resolved.tier == "premium" else 0
    totals.input_tokens += cell[INPUT]
    totals.output_tokens += cell[OUTPUT]
    totals.cached_tokens += cell[CACHED]
    totals.quality_sum += cell[QUALITY_SUM]
    totals.quality_count += cell[QUALITY_N]
    totals.latency.merge(LatencySketch(dict(cell[LATENCY]), sum(cell[LATENCY].values())))
    if recompute:  # every request at the price list's price
        unrecorded, tokens = requests, (cell[INPUT], cell[OUTPUT], cell[CACHED])
    else:  # recorded costs as they are; the price list for the rest
        totals.cost += cell[RECORDED_COST]
        totals.priced += cell[RECORDED_N]
        unrecorded, tokens = (
            requests - cell[RECORDED_N],
            (cell[OPEN_INPUT], cell[OPEN_OUTPUT], cell[OPEN_CACHED]),
        )
    if not unrecorded:
        return
    pricing = None if resolved is None else resolved.pricing
    if pricing is None:
        name = resolved.id if resolved is not None else model
        priced.unpriced[name] = priced.unpriced.get(name, 0) + unrecorded
    else:
        totals.cost += pricing.cost(*tokens)
        totals.priced += unrecorded
