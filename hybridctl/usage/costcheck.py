"""Do recorded costs match the price list? Gateways record a cost per request
(LiteLLM's ``spend``, OpenRouter's ``total_cost``) and reports take it as it
is; when a gateway prices wrong (LiteLLM has had bugs with prompt caching),
the bill and the report part. This recomputes each request with a recorded
cost at the price list's prices, and lists those that differ by more than a
tolerance."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from hybridctl.config.catalog import Catalog
from hybridctl.usage.scan import ScanSpec, ScanStats, Source, iter_events

SHOWN = 20  # the largest differences listed; the counts cover all
CENT_FRACTION = 1e-6  # differences below a millionth of a dollar are rounding


class CostDifference(NamedTuple):
    source: str
    line: int
    request_id: str | None
    model: str
    recorded: float
    listed: float

    @property
    def relative(self) -> float:
        return (self.recorded - self.listed) / self.listed if self.listed else float("inf")

    def to_dict(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "line": self.line,
            "request_id": self.request_id,
            "model": self.model,
            "recorded": self.recorded,
            "price_list": self.listed,
            "difference": self.recorded - self.listed,
        }


@dataclass
class CostCheck:
    tolerance: float
    checked: int = 0  # requests with a recorded cost and a listed price
    no_recorded_cost: int = 0
    unpriced: int = 0  # a recorded cost, but no price to check it against
    differing: int = 0
    recorded_total: float = 0.0
    listed_total: float = 0.0
    largest: list[CostDifference] = field(default_factory=list)
    stats: ScanStats = field(default_factory=ScanStats)

    @property
    def ok(self) -> bool:
        return self.differing == 0

    def to_dict(self) -> dict[str, Any]:
        return {
            "version": 1,
            "tolerance": self.tolerance,
            "checked": self.checked,
            "differing": self.differing,
            "no_recorded_cost": self.no_recorded_cost,
            "unpriced": self.unpriced,
            "recorded_total": self.recorded_total,
            "price_list_total": self.listed_total,
            "largest_differences": [d.to_dict() for d in self.largest],
            "input": self.stats.to_dict(),
        }


def check_costs(sources: Sequence[Source], spec: ScanSpec, catalog: Catalog, tolerance: float) -> CostCheck:
    """Each request's recorded cost against its price at the list's prices."""
    result = CostCheck(tolerance)
    for source in sources:
        for line, _, event in iter_events(source, spec, result.stats):
            if event.cost is None:
                result.no_recorded_cost += 1
                continue
            found = catalog.resolve(event.model, event.provider)
            if found is None or found.pricing is None:
                result.unpriced += 1
                continue
            listed = found.pricing.request_cost(
                event.input_tokens, event.output_tokens, event.cached_tokens, event.cache_write_tokens
            )
            result.checked += 1
            result.recorded_total += event.cost
            result.listed_total += listed
            gap = abs(event.cost - listed)
            if gap > CENT_FRACTION and gap > tolerance * listed:
                result.differing += 1
                result.largest.append(
                    CostDifference(source.label, line, event.request_id, found.id, event.cost, listed)
                )
                if len(result.largest) > 4 * SHOWN:  # keep memory flat on a log of millions
                    result.largest = _top(result.largest)
    result.largest = _top(result.largest)
    return result


def _top(differences: list[CostDifference]) -> list[CostDifference]:
    return sorted(differences, key=lambda d: abs(d.recorded - d.listed), reverse=True)[:SHOWN]
