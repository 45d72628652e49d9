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
from hybridctl.config.model import TIER_THRESHOLDS, Pricing
from hybridctl.usage.stats import LatencySketch, Totals, latency_bucket

CellKey = tuple[int, str, str, str, str, str, bool]  # segment, day, role, model, provider, variant, escalated
DIMENSIONS = ("segment", "day", "role", "model", "provider", "variant", "escalated")

# A cell: sums at the positions below, and the latency histogram (a dict) at
# LATENCY. A list rather than an object: the scanning loops add into it a
# million times a second, and the compiled reader fills the same layout.
Cell = list[Any]

# positions in a cell
REQUESTS, ERRORS, INPUT, OUTPUT, CACHED = 0, 1, 2, 3, 4
RECORDED_COST, RECORDED_N = 5, 6  # events that carried their own cost
OPEN_INPUT, OPEN_OUTPUT, OPEN_CACHED = 7, 8, 9  # tokens of events priced from the price list
QUALITY_SUM, QUALITY_N, LATENCY = 10, 11, 12
CACHE_WRITE, OPEN_CACHE_WRITE = 13, 14  # input tokens written to a prompt cache (part of INPUT)
# Then, for each of TIER_THRESHOLDS, the tokens (input, output, cached, cache write) of
# the requests with more input tokens than it: all of them, then those priced from the list.
LONG = 15
TOKENS = 4
# Then the errors a fallback answered, and the errors whose record says whether one did
# (a source that records fallbacks): availability counts requests with no answer at all.
RECOVERED = LONG + 2 * TOKENS * len(TIER_THRESHOLDS)
OUTCOME_KNOWN = RECOVERED + 1
CELL_SIZE = OUTCOME_KNOWN + 1
# The fast readers hand back every request that a tier may price (and every one with a
# cache write), so their cells have nothing past LATENCY but zeros.
LONG_REQUEST = min(TIER_THRESHOLDS)


def new_cell() -> Cell:
    cell: Cell = [0] * CELL_SIZE
    cell[RECORDED_COST] = cell[QUALITY_SUM] = 0.0
    cell[LATENCY] = {}
    return cell


def widened(cell: Cell) -> Cell:
    """A cell of a fast reader (up to LATENCY) at full size."""
    return cell + [0] * (CELL_SIZE - len(cell))


def _long_slot(threshold_index: int, open_tokens: bool) -> int:
    return LONG + (2 * threshold_index + open_tokens) * TOKENS


def add_event(
    cells: dict[CellKey, Cell],
    key: CellKey,
    ok: bool,
    input_tokens: int,
    output_tokens: int,
    cached_tokens: int,
    cost: float | None,
    quality: float | None,
    latency_s: float | None,
    cache_write_tokens: int = 0,
    answered: bool | None = None,
) -> None:
    """Count one request into its cell (the scanner's fast path inlines the same)."""
    cell = cells.get(key)
    if cell is None:
        cell = cells[key] = new_cell()
    cell[REQUESTS] += 1
    if not ok:
        cell[ERRORS] += 1
        if answered is not None:
            cell[OUTCOME_KNOWN] += 1
            cell[RECOVERED] += answered
    cell[INPUT] += input_tokens
    cell[OUTPUT] += output_tokens
    cell[CACHED] += cached_tokens
    cell[CACHE_WRITE] += cache_write_tokens
    if cost is None:
        cell[OPEN_INPUT] += input_tokens
        cell[OPEN_OUTPUT] += output_tokens
        cell[OPEN_CACHED] += cached_tokens
        cell[OPEN_CACHE_WRITE] += cache_write_tokens
    else:
        cell[RECORDED_COST] += cost
        cell[RECORDED_N] += 1
    if input_tokens > LONG_REQUEST:
        tokens = (input_tokens, output_tokens, cached_tokens, cache_write_tokens)
        for index, threshold in enumerate(TIER_THRESHOLDS):
            if input_tokens > threshold:
                for open_tokens in (False, True) if cost is None else (False,):
                    at = _long_slot(index, open_tokens)
                    for offset, count in enumerate(tokens):
                        cell[at + offset] += count
    if quality is not None:
        cell[QUALITY_SUM] += quality
        cell[QUALITY_N] += 1
    if latency_s is not None:
        histogram = cell[LATENCY]
        bucket = latency_bucket(latency_s)
        histogram[bucket] = histogram.get(bucket, 0) + 1


def merge_cells(into: dict[CellKey, Cell], other: dict[CellKey, Cell]) -> None:
    for key, cell in other.items():
        mine = into.get(key)
        if mine is None:
            copy = list(cell)
            copy[LATENCY] = dict(cell[LATENCY])
            into[key] = copy
            continue
        for index in range(CELL_SIZE):
            if index != LATENCY:
                mine[index] += cell[index]
        histogram = mine[LATENCY]
        for bucket, count in cell[LATENCY].items():
            histogram[bucket] = histogram.get(bucket, 0) + count


class Priced(NamedTuple):
    totals: Totals
    unpriced: dict[str, int]  # model -> requests without a price


class Cube(NamedTuple):
    cells: dict[CellKey, Cell]

    @classmethod
    def empty(cls) -> Cube:
        return cls({})

    def merge(self, other: Cube) -> None:
        merge_cells(self.cells, other.cells)

    @property
    def requests(self) -> int:
        return sum(cell[REQUESTS] for cell in self.cells.values())

    def to_json(self) -> list[Any]:
        return [
            [*key, *cell[:LATENCY], list(cell[LATENCY].items()), *cell[LATENCY + 1 :]]
            for key, cell in self.cells.items()
        ]

    @classmethod
    def from_json(cls, rows: Iterable[list[Any]]) -> Cube:
        cells: dict[CellKey, Cell] = {}
        for row in rows:
            key = (int(row[0]), row[1], row[2], row[3], row[4], row[5], bool(row[6]))
            cell = list(row[7:])
            cell[LATENCY] = {int(b): int(n) for b, n in cell[LATENCY]}
            cells[key] = cell
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


def add_cell(priced: Priced, key: CellKey, cell: Cell, catalog: Catalog, recompute: bool) -> None:
    """Add a cell into its group's totals, priced by the catalog; requests of a
    model without a price are counted under ``unpriced`` by the model's catalog id."""
    totals = priced.totals
    requests = cell[REQUESTS]
    model = key[3]
    resolved = catalog.resolve(model, key[4] or None)
    totals.requests += requests
    totals.errors += cell[ERRORS]
    totals.escalated += requests if key[6] else 0
    totals.premium += requests if resolved is not None and resolved.tier == "premium" else 0
    totals.input_tokens += cell[INPUT]
    totals.output_tokens += cell[OUTPUT]
    totals.cached_tokens += cell[CACHED]
    totals.quality_sum += cell[QUALITY_SUM]
    totals.quality_count += cell[QUALITY_N]
    totals.recovered += cell[RECOVERED]
    totals.outcome_known += cell[OUTCOME_KNOWN]
    totals.latency.merge(LatencySketch(dict(cell[LATENCY]), sum(cell[LATENCY].values())))
    if recompute:  # every request at the price list's price
        unrecorded = requests
    else:  # recorded costs as they are; the price list for the rest
        totals.cost += cell[RECORDED_COST]
        totals.priced += cell[RECORDED_N]
        unrecorded = requests - cell[RECORDED_N]
    if not unrecorded:
        return
    pricing = None if resolved is None else resolved.pricing
    if pricing is None:
        name = resolved.id if resolved is not None else model
        priced.unpriced[name] = priced.unpriced.get(name, 0) + unrecorded
    else:
        totals.cost += cell_cost(pricing, cell, every_request=recompute)
        totals.priced += unrecorded


def cell_cost(pricing: Pricing, cell: Cell, *, every_request: bool) -> float:
    """A cell's requests priced by the list: those without a recorded cost, or every
    one; each request above a price tier at the tier's prices."""
    if every_request:
        cost = pricing.cost(cell[INPUT], cell[OUTPUT], cell[CACHED], cell[CACHE_WRITE])
    else:
        cost = pricing.cost(cell[OPEN_INPUT], cell[OPEN_OUTPUT], cell[OPEN_CACHED], cell[OPEN_CACHE_WRITE])
    if pricing.above is not None:
        at = _long_slot(TIER_THRESHOLDS.index(pricing.above.tokens), not every_request)
        cost += pricing.tier_extra(*cell[at : at + TOKENS])
    return cost
