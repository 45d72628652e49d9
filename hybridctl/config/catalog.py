"""The one resolver from a model name, as anything writes it, to what the
strategy knows of that model: its catalog id, its tier and its price.

Validation, pricing, the premium share, grouping in reports and the gates all
ask this module. A model is found by its catalog id, provider model id or an
alias, case-insensitively; with or without a routing prefix
(``openrouter/z-ai/glm-4.5`` finds ``z-ai/glm-4.5``); and with dots, spaces
and underscores read as dashes (``anthropic/claude-opus-4.1`` finds
``claude-opus-4-1``). Names in the price overrides (``prices.json``) are
models too: their price wins over the catalog's. OpenRouter's ``:free``
variants cost nothing; a snapshot date (``claude-opus-4-1-20250805``) is
read past. A short name that several price lists price differently is
resolved by the provider the log names, or stays unpriced and is listed as
ambiguous, never priced by whichever came first. Any other name is unknown:
reports list it as unpriced, never as free.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import NamedTuple, TypedDict

from hybridctl.config.model import Pricing, Strategy

FREE = Pricing(0.0, 0.0, 0.0)
_LOOSE = re.compile(r"[.\s_]+")


class Resolved(NamedTuple):
    id: str  # the catalog id, or the overrides entry as written
    tier: str | None  # None for a model only the overrides price
    pricing: Pricing | None
    source: str  # "catalog", "overrides" or "free"


def _loose(name: str) -> str:
    return _LOOSE.sub("-", name.lower())


_DATED = re.compile(r"(?:-|@)(?:20\d\d-?[01]\d-?[0-3]\d|latest)$")


def _undated(name: str) -> str:
    """A model id without the snapshot date providers add (claude-opus-4-1-20250805,
    gpt-4o-2024-08-06, claude-3-5-sonnet@20240620 on Vertex): the catalog names the model."""
    return _DATED.sub("", name)


def _suffixes(name: str) -> Iterator[str]:
    """The name, then without each routing prefix in turn."""
    yield name
    while "/" in name:
        name = name.split("/", 1)[1]
        yield name


class PriceRow(TypedDict):
    """One name a price is found by, as `prices list` shows it."""

    model: str
    id: str
    source: str
    input_per_million: float
    output_per_million: float
    cache_read_per_million: float | None
    cache_write_per_million: float | None


class Catalog:
    """Every model a strategy (and its price overrides) know, by every name."""

    def __init__(self, strategy: Strategy | None, overrides: Mapping[str, Pricing] | None = None) -> None:
        self.strategy = strategy
        self._exact: dict[str, Resolved] = {}
        self._loose: dict[str, Resolved] = {}
        overrides = overrides or {}
        for spec in (strategy.models if strategy else {}).values():
            pricing = overrides.get(spec.id, spec.pricing)
            entry = Resolved(spec.id, spec.tier, pricing, "overrides" if spec.id in overrides else "catalog")
            for name in spec.names:
                self._add(name, entry, override=False)
        for name, pricing in overrides.items():
            known = self._find(name)
            if known is not None and known.source == "catalog" and known.tier is not None:
                entry = known._replace(pricing=pricing, source="overrides")
            else:
                entry = Resolved(name, None, pricing, "overrides")
            self._add(name, entry, override=True)
        # Price lists key models with a provider prefix (deepseek/deepseek-chat); logs
        # often drop it. Exact names win. A short name that several prefixed entries
        # price differently (claude-3.5-sonnet: anthropic 3/15, replicate 3.75/18.75)
        # is ambiguous: the event's provider picks one, or it stays unpriced.
        self._by_provider: dict[str, dict[str, Resolved]] = {}
        shorts: dict[str, dict[str, Resolved]] = {}
        for name, entry in list(self._exact.items()):
            for short in list(_suffixes(name))[1:]:
                shorts.setdefault(short, {})[name.split("/", 1)[0]] = entry
        for short, entries in shorts.items():
            self._by_provider[short] = entries
            if short in self._exact:
                continue
            prices = {e.pricing for e in entries.values()}
            chosen = next(iter(entries.values()))
            if len(prices) > 1 and all(e.tier is None for e in entries.values()):
                providers = ", ".join(sorted(entries))
                chosen = Resolved(f"{short} (ambiguous: {providers})", None, None, "ambiguous")
            self._exact[short] = chosen
            self._loose.setdefault(_loose(short), chosen)
        self._memo: dict[tuple[str, str | None], Resolved | None] = {}

    def _add(self, name: str, entry: Resolved, *, override: bool) -> None:
        key = name.lower()
        if override or key not in self._exact:
            self._exact[key] = entry
        if override or _loose(name) not in self._loose:
            self._loose[_loose(name)] = entry

    def resolve(self, name: str | None, provider: str | None = None) -> Resolved | None:
        """What the strategy knows of a model name (served by ``provider``, when
        the log says); None when nothing."""
        if not name:
            return None
        memo_key = (name, provider.lower() if provider else None)
        if memo_key not in self._memo:
            self._memo[memo_key] = self._find(name, memo_key[1])
        return self._memo[memo_key]

    def _find(self, name: str, provider: str | None = None) -> Resolved | None:
        lowered = name.lower()
        for candidate in (lowered, _undated(lowered)):
            for short in _suffixes(candidate):
                entry = self._exact.get(short)
                if entry is not None:
                    return self._for_provider(short, entry, provider)
            for short in _suffixes(candidate):
                entry = self._loose.get(_loose(short))
                if entry is not None:
                    return entry
        if lowered.endswith(":free"):
            return Resolved(name, "free", FREE, "free")
        return None

    def _for_provider(self, short: str, entry: Resolved, provider: str | None) -> Resolved:
        """The entry of the provider that served the request, for a name several price."""
        if entry.source != "ambiguous" or provider is None:
            return entry
        entries = self._by_provider.get(short, {})
        wanted = _loose(provider)
        for prefix, candidate in entries.items():
            if (
                _loose(prefix) == wanted
                or _loose(prefix).startswith(wanted)
                or wanted.startswith(_loose(prefix))
            ):
                return candidate
        return entry

    def canonical(self, name: str) -> str:
        """The catalog id of a model name; the name itself when it is unknown."""
        found = self.resolve(name)
        return found.id if found is not None else name

    def pricing(self, name: str | None) -> Pricing | None:
        found = self.resolve(name)
        return None if found is None else found.pricing

    def is_premium(self, name: str) -> bool:
        found = self.resolve(name)
        return found is not None and found.tier == "premium"

    def premium_ids(self) -> list[str]:
        return [
            m for m, spec in (self.strategy.models if self.strategy else {}).items() if spec.tier == "premium"
        ]

    def listing(self) -> list[PriceRow]:
        """One row per name a price is found by, sorted, with where it comes from."""
        return [
            {
                "model": name,
                "id": entry.id,
                "source": entry.source,
                "input_per_million": entry.pricing.input_per_million,
                "output_per_million": entry.pricing.output_per_million,
                "cache_read_per_million": entry.pricing.cache_read_per_million,
                "cache_write_per_million": entry.pricing.cache_write_per_million,
            }
            for name, entry in sorted(self._exact.items())
            if entry.pricing is not None
        ]
