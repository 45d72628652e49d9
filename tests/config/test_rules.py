"""Details of the semantic rules the corpus does not pin down one by one."""

from __future__ import annotations

import json

import pytest

from hybridctl.config.model import Pricing, Strategy
from hybridctl.config.rules.cross import _model_mentions
from hybridctl.config.rules.modes import compile_js_regex
from tests.helpers import CONFIGS


@pytest.fixture
def strategy() -> Strategy:
    return Strategy.from_dict(json.loads((CONFIGS / "model-config.json").read_text()))


def test_mentions_resolve_ids_provider_ids_and_aliases_case_insensitively(strategy: Strategy) -> None:
    text = 'Use "glm-4.5". Escalate to Claude Opus 4.1 (claude-opus-4-1); GLM-4.5 again; then gpt-5.'

    assert _model_mentions(text, strategy) == [
        ("glm-4.5", "glm-4.5"),
        ("Claude Opus 4.1", "claude-4.1-opus"),
        ("claude-opus-4-1", "claude-4.1-opus"),
        ("GLM-4.5", "glm-4.5"),
        ("gpt-5", None),
    ]


def test_mentions_do_not_match_inside_longer_names(strategy: Strategy) -> None:
    assert _model_mentions("glm-4.5-air and glm-4.51 and myglm-4.5", strategy) == [
        ("glm-4.5-air", None),
        ("glm-4.51", None),
    ]


def test_seed_default_fallback_chains(strategy: Strategy) -> None:
    assert strategy.fallback_chain("implementer") == [
        "openrouter/sonoma-sky-alpha",
        "meta-llama/llama-3.2-3b-instruct:free",
    ]
    assert strategy.models_of("architect") == [
        "glm-4.5",
        "claude-4.1-opus",
        "openrouter/sonoma-sky-alpha",
        "meta-llama/llama-3.2-3b-instruct:free",
    ]
    assert strategy.criteria_of("integrator") == (
        "multiServiceImpact",
        "securityCritical",
        "architecturalComplexity",
    )


def test_litellm_per_token_prices_convert_to_per_million() -> None:
    pricing = Pricing.from_dict(
        {"input_cost_per_token": 6e-7, "output_cost_per_token": 2.2e-6, "cache_read_input_token_cost": 1.5e-6}
    )

    assert pricing.input_per_million == pytest.approx(0.6)
    assert pricing.output_per_million == pytest.approx(2.2)
    assert pricing.cache_read_per_million == pytest.approx(1.5)


@pytest.mark.parametrize(
    "pattern, path, matches",
    [
        (r".*/handoffs/(?!0-system/chat_history/).*\.md$", "a/handoffs/x.md", True),
        (r".*/handoffs/(?!0-system/chat_history/).*\.md$", "a/handoffs/0-system/chat_history/x.md", False),
        (r"(?<dir>src|lib)/.*\.ts$", "lib/a.ts", True),
        (r"(?<!test)\.ts$", "a.ts", True),
    ],
)
def test_javascript_file_regexes_compile_with_their_meaning(pattern: str, path: str, matches: bool) -> None:
    assert bool(compile_js_regex(pattern).search(path)) is matches
