"""The one resolver: any name a log or a price list writes -> catalog id, tier, price."""

from __future__ import annotations

import json

import pytest

from hybridctl.config.catalog import Catalog
from hybridctl.config.model import Pricing, Strategy
from tests.helpers import CONFIGS


@pytest.fixture
def catalog() -> Catalog:
    strategy = Strategy.from_dict(json.loads((CONFIGS / "model-config.json").read_text()))
    return Catalog(strategy, {"deepseek/deepseek-chat": Pricing(0.27, 1.1), "glm-4.5": Pricing(0.5, 2.0)})


@pytest.mark.parametrize(
    "name, model_id",
    [
        ("glm-4.5", "glm-4.5"),
        ("GLM 4.5", "glm-4.5"),
        ("z-ai/glm-4.5", "glm-4.5"),
        ("openrouter/z-ai/glm-4.5", "glm-4.5"),
        ("claude-opus-4-1", "claude-4.1-opus"),
        ("anthropic/claude-opus-4.1", "claude-4.1-opus"),
        ("deepseek-chat", "deepseek/deepseek-chat"),
        ("claude-opus-4-1-20250805", "claude-4.1-opus"),  # the dated id Anthropic's API returns
        ("anthropic/claude-opus-4-1@20250805", "claude-4.1-opus"),  # Vertex AI's form
        ("glm-4.5-latest", "glm-4.5"),
        ("claude-opus-4-1-2025", "claude-opus-4-1-2025"),  # not a date: unknown, left as written
    ],
)
def test_every_name_resolves_to_one_catalog_id(catalog: Catalog, name: str, model_id: str) -> None:
    assert catalog.canonical(name) == model_id


def test_tier_price_and_overrides_come_from_the_one_resolver(catalog: Catalog) -> None:
    assert catalog.is_premium("anthropic/claude-opus-4.1")
    assert not catalog.is_premium("glm-4.5")
    assert catalog.pricing("GLM-4.5") == Pricing(0.5, 2.0)  # the override wins, under every name
    assert catalog.pricing("vendor/some-model:free") == Pricing(0.0, 0.0, 0.0)
    assert catalog.pricing("mystery") is None and catalog.canonical("mystery") == "mystery"
