"""The usage-events provider: figures added up from usage logs (files, or a
JSON-lines URL fetched for the measurement), each request priced by its own
variant's catalog, savings for the same workload (each role and escalation
cell weighted alike)."""

from __future__ import annotations

import tempfile
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import NamedTuple

from hybridctl.analysis.figures import Figures
from hybridctl.analysis.providers import Observation
from hybridctl.analysis.subject import Step, Variants
from hybridctl.config.catalog import Catalog
from hybridctl.usage.cube import Cube, Priced, add_cell
from hybridctl.usage.stats import Totals, same_workload_savings


@dataclass
class VariantUsage:
    """One variant's requests since the step began: in total, and per workload
    cell (role, escalated or not)."""

    total: Totals = field(default_factory=Totals)
    cells: dict[tuple[str, bool], Totals] = field(default_factory=dict)


BATCHES = 8  # slices of the step the savings is measured in, for its spread (batch means)


def collect(
    cube: Cube, since: datetime | None, stable: Catalog, candidate: Catalog, segments: range | None = None
) -> tuple[VariantUsage, VariantUsage]:
    """Per-variant usage since the step began (or in ``segments``); each request
    priced by its own side's catalog and price overrides. ``cube`` was read with
    the step's start as its first boundary (segments 1 and up: after it)."""
    usage = {"stable": VariantUsage(), "candidate": VariantUsage()}
    books = {"stable": stable, "candidate": candidate}
    wanted = segments if segments is not None else range(0, 1) if since is None else range(1, BATCHES + 1)
    for key, cell in cube.cells.items():
        side = usage.get(key[5])
        if side is None or key[0] not in wanted:
            continue
        book = books[key[5]]
        add_cell(Priced(side.total, {}), key, cell, book, False)
        workload = side.cells.setdefault((key[2], key[6]), Totals())
        add_cell(Priced(workload, {}), key, cell, book, False)
    return usage["stable"], usage["candidate"]


def month_spend(cube: Cube, month_start: datetime, stable: Catalog, candidate: Catalog) -> float:
    """Spend of every request since the month began (UTC days), each priced by
    its variant's catalog (the stable one for traffic outside a rollout)."""
    first_day = month_start.strftime("%Y-%m-%d")
    spent = Totals()
    for key, cell in cube.cells.items():
        if key[1] >= first_day:
            add_cell(Priced(spent, {}), key, cell, candidate if key[5] == "candidate" else stable, False)
    return spent.cost


def slices(since: datetime | None, now: datetime) -> tuple[datetime, ...]:
    """The step's start and the starts of its later slices: BATCHES equal ones."""
    if since is None:
        return ()
    width = (now - since) / BATCHES
    if width.total_seconds() <= 0:
        return (since,)
    return tuple(since + width * i for i in range(BATCHES))


def usage_since(paths: tuple[Path, ...], since: datetime | None, now: datetime | None = None) -> Cube:
    from hybridctl.usage.reports import read_usage
    from hybridctl.usage.scan import ScanSpec, resolve_sources

    boundaries = slices(since, now) if now is not None else () if since is None else (since,)
    return read_usage(resolve_sources([str(p) for p in paths]), ScanSpec(boundaries), None).cube


def batch_savings(
    cube: Cube, since: datetime | None, stable: Catalog, candidate: Catalog
) -> tuple[float, ...]:
    """The same-workload savings in each slice where both variants have priced requests."""
    if since is None:
        return ()
    found = []
    for segment in range(1, BATCHES + 1):
        stable_part, candidate_part = collect(cube, since, stable, candidate, range(segment, segment + 1))
        value = same_workload_savings(stable_part.cells, candidate_part.cells)
        if value is not None:
            found.append(value)
    return tuple(found)


def month_start(now: datetime) -> datetime:
    return now.replace(day=1, hour=0, minute=0, second=0, microsecond=0)


def observe_cube(cube: Cube, step: Step, variants: Variants, now: datetime) -> Observation:
    """Both variants' figures from usage events read into ``cube`` (cut at the step's start)."""
    stable_book, candidate_book = variants.stable.catalog(), variants.candidate.catalog()
    stable, candidate = collect(cube, step.started, stable_book, candidate_book)
    savings = same_workload_savings(stable.cells, candidate.cells)
    spent = month_spend(cube, month_start(now), stable_book, candidate_book)
    batches = batch_savings(cube, step.started, stable_book, candidate_book)
    return Observation(
        Figures.from_totals(stable.total),
        Figures.from_totals(candidate.total),
        savings,
        spent,
        "usage",
        savings_batches=batches,
    )


class UsageEvents(NamedTuple):
    """Usage logs at ``paths``, or a JSON-lines file at ``url`` ([metrics]
    provider = "usage"), fetched afresh for each measurement."""

    paths: tuple[Path, ...]
    url: str | None = None
    token_env: str = ""
    ca_bundle: Path | None = None

    def observe(self, step: Step, variants: Variants, now: datetime) -> Observation:
        if self.url is None:
            return observe_cube(usage_since(self.paths, step.started, now), step, variants, now)
        from hybridctl.remote.http import download  # httpx: ~68 ms, only for usage at a URL

        with tempfile.TemporaryDirectory(prefix="hybridctl-usage-") as scratch:
            target = Path(scratch) / "usage.jsonl"
            download(self.url, target, token_env=self.token_env, ca_bundle=self.ca_bundle)
            return observe_cube(usage_since((target,), step.started, now), step, variants, now)


class PushedDown(NamedTuple):
    """Usage in a database or files its engine aggregates ([metrics] provider =
    "sql"): the step's cube computed there, cut into the savings' slices."""

    url: str

    def observe(self, step: Step, variants: Variants, now: datetime) -> Observation:
        from hybridctl.usage.scan import ScanSpec
        from hybridctl.usage.sql.source import label, scan

        cube = scan(self.url, ScanSpec(slices(step.started, now))).cube
        return observe_cube(cube, step, variants, now)._replace(source=f"sql {label(self.url)}")
