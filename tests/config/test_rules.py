"""Details of the semantic rules the corpus does not pin down one by one."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

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


@pytest.mark.parametrize(
    "pattern, why",
    [("(" * 3000 + ")" * 3000, "nests too deeply"), ("a{4294967296}", "repeat count is too large")],
)
def test_a_hostile_file_regex_is_a_finding_not_a_crash(
    cli: Any, tmp_path: Path, pattern: str, why: str
) -> None:
    path = tmp_path / "modes.yml"
    mode = {"slug": "a", "name": "A", "roleDefinition": "x", "groups": [["edit", {"fileRegex": pattern}]]}
    path.write_text(json.dumps({"customModes": [mode]}))

    run = cli("validate", "--format", "json", str(path))

    found = [d for d in run.json()["diagnostics"] if d["rule"] == "invalid-file-regex"]
    assert run.exit_code == 1 and len(found) == 1 and why in found[0]["message"]


def test_ten_thousand_findings_print_a_bounded_number_and_count_the_rest(cli: Any, tmp_path: Path) -> None:
    path = tmp_path / "modes.yml"
    path.write_text("customModes: []\n" + "".join(f"k: {i}\n" for i in range(10_000)))

    text = cli("validate", str(path))
    data = cli("validate", "--format", "json", str(path)).json()
    everything = cli("validate", "--format", "json", "--max-findings", "0", str(path)).json()

    # 9,999 duplicate keys and one unknown key: all counted, 100 printed.
    assert text.exit_code == 1 and "10000 errors" in text.stdout
    assert text.stdout.count("duplicate-key") == 100 and "… and 9,900 more finding(s)" in text.stdout
    assert len(data["diagnostics"]) == 100 and data["files"][0]["omitted"] == 9_900
    assert data["summary"]["errors"] == data["files"][0]["errors"] == 10_000
    # Each check keeps its first 1,000 findings and counts the others.
    assert len(everything["diagnostics"]) == 1001
    assert any("8,999 more findings" in note for note in everything["notes"])
