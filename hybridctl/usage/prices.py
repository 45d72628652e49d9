"""What a request cost: the price of its model, from a strategy's catalog."""

from __future__ import annotations

from typing import NamedTuple

from hybridctl.config.model import Pricing, Strategy
from hybridctl.usage.events import UsageEvent

FREE = Pricing(0.0, 0.0, 0.0)


class PriceBook(NamedTuple):
    """Prices by every name a model goes by (catalog id, provider id, aliases), lower-cased."""

    prices: dict[str, Pricing]

    @classmethod
    def from_strategy(cls, strategy: Strategy) -> PriceBook:
        prices: dict[str, Pricing] = {}
        for spec in strategy.models.values():
            for name in spec.names:
                prices.setdefault(name.lower(), spec.pricing)
        return cls(prices)

    def pricing(self, model: str | None) -> Pricing | None:
        if not model:
            return None
        found = self.prices.get(model.lower())
        if found is None and model.lower().endswith(":free"):
            return FREE  # OpenRouter's ':free' variants cost nothing
        return found

    def cost(self, event: UsageEvent, *, recompute: bool = False) -> float | None:
        """USD of one request: the cost the event recorded, else its model's price;
        None when neither is known (an unpriced model is never costed as 0)."""
        if event.cost is not None and not recompute:
            return event.cost
        pricing = self.pricing(event.model)
        if pricing is None:
            return None
        return pricing.cost(event.input_tokens, event.output_tokens, event.cached_tokens)
