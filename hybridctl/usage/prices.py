"""The price overrides file (``prices.json`` beside model-config.json), which
``hybridctl prices import`` fills from LiteLLM's price map and people may
edit, and the strategy of a config directory with the catalog that prices
its usage (``config/catalog.py`` resolves model names).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, NamedTuple

from hybridctl.config.catalog import Catalog
from hybridctl.config.model import Pricing, Strategy
from hybridctl.config.schema import load_schema
from hybridctl.config.snapshot import ConfigFiles
from hybridctl.errors import UsageError

OVERRIDES_FILE = "prices.json"


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
    def entry(p: Pricing) -> dict[str, Any]:
        out: dict[str, Any] = {
            "inputPerMillion": p.input_per_million,
            "outputPerMillion": p.output_per_million,
        }
        if p.cache_read_per_million is not None:
            out["cacheReadPerMillion"] = p.cache_read_per_million
        if p.cache_write_per_million is not None:
            out["cacheWritePerMillion"] = p.cache_write_per_million
        if p.above is not None:
            tier = p.above
            out["above"] = {
                "tokens": tier.tokens,
                "inputPerMillion": tier.input_per_million,
                "outputPerMillion": tier.output_per_million,
                **(
                    {}
                    if tier.cache_read_per_million is None
                    else {"cacheReadPerMillion": tier.cache_read_per_million}
                ),
                **(
                    {}
                    if tier.cache_write_per_million is None
                    else {"cacheWritePerMillion": tier.cache_write_per_million}
                ),
            }
        return out

    return {
        "version": 1,
        "source": source,
        "imported_at": imported_at,
        "models": {name: entry(prices[name]) for name in sorted(prices)},
    }


class PricedStrategy(NamedTuple):
    """The strategy in a config directory, with the catalog that prices its usage."""

    strategy: Strategy
    catalog: Catalog


def load_priced_strategy(config_dir: Path, configs: dict[str, bytes]) -> PricedStrategy:
    """The strategy of ``configs`` (the managed files of ``config_dir``) priced by
    its catalog and the overrides file beside it."""

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
    return PricedStrategy(strategy, Catalog(strategy, files.price_overrides()))
