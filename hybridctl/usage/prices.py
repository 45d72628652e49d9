"""What a request cost: the price of its model.

Prices come from the model catalog in model-config.json, and from a price
overrides file (``prices.json`` beside it) that ``hybridctl prices import``
fills from LiteLLM's price map and people may edit. An override wins over
the catalog. A model is found by its catalog id, provider model id or an
alias, case-insensitively, with or without a routing prefix
(``openrouter/z-ai/glm-4.5`` finds ``z-ai/glm-4.5``); OpenRouter's ``:free``
variants cost nothing. Any other model is *unpriced*: reports list it, and
never count it as free.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, NamedTuple

from hybridctl.config.model import Pricing, Strategy
from hybridctl.errors import UsageError
from hybridctl.usage.events import UsageEvent

FREE = Pricing(0.0, 0.0, 0.0)
OVERRIDES_FILE = "prices.json"


class PriceBook(NamedTuple):
    """Prices by every name a model goes by, lower-cased."""

    prices: dict[str, Pricing]
    sources: dict[str, str] = {}  # noqa: RUF012 - name -> "catalog" or "overrides"; never mutated

    @classmethod
    def from_strategy(cls, strategy: Strategy, overrides: dict[str, Pricing] | None = None) -> PriceBook:
        prices: dict[str, Pricing] = {}
        sources: dict[str, str] = {}
        for spec in strategy.models.values():
            for name in spec.names:
                prices.setdefault(name.lower(), spec.pricing)
                sources.setdefault(name.lower(), "catalog")
        for name, pricing in (overrides or {}).items():
            prices[name.lower()] = pricing
            sources[name.lower()] = "overrides"
        # Price lists key models with a provider prefix (deepseek/deepseek-chat); logs
        # often drop it. Exact names win; the first of two same-named models wins.
        for name in list(prices):
            short = name
            while "/" in short:
                short = short.split("/", 1)[1]
                prices.setdefault(short, prices[name])
                sources.setdefault(short, sources[name])
        return cls(prices, sources)

    def pricing(self, model: str | None) -> Pricing | None:
        if not model:
            return None
        name = model.lower()
        while True:
            found = self.prices.get(name)
            if found is not None:
                return found
            if name.endswith(":free"):
                return FREE
            if "/" not in name:
                return None
            name = name.split("/", 1)[1]  # drop a routing prefix: openrouter/z-ai/glm-4.5

    def listing(self) -> list[dict[str, Any]]:
        """One row per priced name, sorted, with where its price comes from."""
        return [
            {
                "model": name,
                "source": self.sources.get(name, "catalog"),
                "input_per_million": p.input_per_million,
                "output_per_million": p.output_per_million,
                "cache_read_per_million": p.cache_read_per_million,
            }
            for name, p in sorted(self.prices.items())
        ]

    def cost(self, event: UsageEvent, *, recompute: bool = False) -> float | None:
        """USD of one request: the cost the event recorded, else its model's price;
        None when neither is known."""
        if event.cost is not None and not recompute:
            return event.cost
        pricing = self.pricing(event.model)
        if pricing is None:
            return None
        return pricing.cost(event.input_tokens, event.output_tokens, event.cached_tokens)


def premium_names(strategy: Strategy) -> frozenset[str]:
    """Every name of the catalog's premium-tier models, lower-cased."""
    return frozenset(
        name.lower() for spec in strategy.models.values() if spec.tier == "premium" for name in spec.names
    )


def load_overrides(path: Path) -> dict[str, Pricing]:
    """The price overrides file, or nothing when there is none."""
    if not path.is_file():
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return {name: Pricing.from_dict(entry) for name, entry in data["models"].items()}
    except (ValueError, KeyError, TypeError) as exc:
        raise UsageError(
            f"{path} is not a price overrides file: {exc}",
            hint="hybridctl prices import writes one; fix or remove it",
        ) from None


def overrides_document(prices: dict[str, Pricing], source: str, imported_at: str) -> dict[str, Any]:
    def entry(p: Pricing) -> dict[str, float]:
        out = {"inputPerMillion": p.input_per_million, "outputPerMillion": p.output_per_million}
        if p.cache_read_per_million is not None:
            out["cacheReadPerMillion"] = p.cache_read_per_million
        return out

    return {
        "version": 1,
        "source": source,
        "imported_at": imported_at,
        "models": {name: entry(prices[name]) for name in sorted(prices)},
    }


class PricedStrategy(NamedTuple):
    """The strategy in a config directory, with the prices that cost its usage."""

    strategy: Strategy
    prices: PriceBook
    premium: frozenset[str]


def load_priced_strategy(config_dir: Path, configs: dict[str, bytes]) -> PricedStrategy:
    """The strategy of ``configs`` (the managed files of ``config_dir``) priced by
    its catalog and the overrides file beside it."""
    from hybridctl.config.schema import load_schema
    from hybridctl.config.snapshot import ConfigFiles

    files = ConfigFiles.from_mapping(configs)
    strategy = files.strategy()
    if strategy is None:
        raise UsageError(
            f"the model config in {config_dir} does not validate, so it cannot price usage",
            hint="hybridctl validate shows why",
        )
    if files.data("prices") is not None and not load_schema("prices").is_valid(files.data("prices")):
        raise UsageError(
            f"{config_dir / OVERRIDES_FILE} does not validate, so it cannot price usage",
            hint="hybridctl validate shows why",
        )
    overrides = files.price_overrides()
    return PricedStrategy(strategy, PriceBook.from_strategy(strategy, overrides), premium_names(strategy))
