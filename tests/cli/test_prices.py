"""Prices that match the bill: cache writes and reads in both token
conventions, tiers priced per request, a short name several price lists
price differently, and a check of recorded costs against the list. Every
expected figure is computed here from the providers' published rates."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.helpers import READERS, Project, RunFn, write_usage

# Anthropic's published rates for Claude Opus 4.1, USD per million tokens (5-minute cache writes).
OPUS = {"input": 15.0, "output": 75.0, "cache_read": 1.5, "cache_write": 18.75}
# Gemini 2.5 Pro: a request with more than 200k input tokens pays the higher rates for all its tokens.
GEMINI_PRO = {"input": 1.25, "output": 10.0, "input_above": 2.5, "output_above": 15.0}


def opus_cost(base_input: int, cache_read: int, cache_write: int, output: int) -> float:
    return (
        base_input * OPUS["input"]
        + cache_read * OPUS["cache_read"]
        + cache_write * OPUS["cache_write"]
        + output * OPUS["output"]
    ) / 1e6


def gemini_cost(input_tokens: int, output: int) -> float:
    above = input_tokens > 200_000
    rate_in = GEMINI_PRO["input_above" if above else "input"]
    rate_out = GEMINI_PRO["output_above" if above else "output"]
    return (input_tokens * rate_in + output * rate_out) / 1e6


def total_cost(cli: RunFn, project: Project, path: Path, *args: str) -> dict[str, Any]:
    run = cli("report", "usage", str(path), "--by", "model", "--json", "--no-cache", *args, cwd=project.root)
    assert run.exit_code == 0, run.stdout + run.stderr
    return dict(run.json())


@pytest.mark.parametrize("reader", READERS)
def test_a_cache_write_costs_more_and_a_read_less_in_either_token_convention(
    cli: RunFn, project: Project, reader: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HYBRIDCTL_READER", reader)
    time = "2026-11-21T10:00:00Z"
    path = write_usage(
        project.root / "usage.jsonl",
        [
            # Anthropic's usage object, with the dated model id its API returns: caches beside input
            {
                "time": time,
                "model": "claude-opus-4-1-20250805",
                "provider": "anthropic",
                "input_tokens": 3,
                "cache_read_input_tokens": 12304,
                "cache_creation_input_tokens": 5000,
                "output_tokens": 550,
            },
            # the same request in OpenTelemetry's convention: caches inside input
            {
                "time": time,
                "model": "claude-opus-4-1",
                "input_tokens": 3 + 12304 + 5000,
                "cached_tokens": 12304,
                "cache_write_tokens": 5000,
                "output_tokens": 550,
            },
            {"time": time, "model": "glm-4.5", "input_tokens": 1000, "output_tokens": 10},  # a plain line
        ],
    )

    report = total_cost(cli, project, path)

    opus = next(row for row in report["rows"] if row["model"] == "claude-4.1-opus")
    assert opus["requests"] == 2
    assert opus["input_tokens"] == 2 * (3 + 12304 + 5000)
    assert opus["cost"] == pytest.approx(2 * opus_cost(3, 12304, 5000, 550))
    assert opus["cost"] == pytest.approx(2 * 0.153501)  # not the $0.041 of pricing caches as input
    assert report["total"]["premium_share"] == pytest.approx(2 / 3)


LITELLM_MAP = {
    "gemini/gemini-2.5-pro": {
        "input_cost_per_token": GEMINI_PRO["input"] / 1e6,
        "output_cost_per_token": GEMINI_PRO["output"] / 1e6,
        "input_cost_per_token_above_200k_tokens": GEMINI_PRO["input_above"] / 1e6,
        "output_cost_per_token_above_200k_tokens": GEMINI_PRO["output_above"] / 1e6,
        "litellm_provider": "gemini",
        "mode": "chat",
    },
    "anthropic/claude-3.5-sonnet": {
        "input_cost_per_token": 3e-06,
        "output_cost_per_token": 1.5e-05,
        "cache_creation_input_token_cost": 3.75e-06,
        "cache_read_input_token_cost": 3e-07,
        "litellm_provider": "anthropic",
    },
    "replicate/claude-3.5-sonnet": {
        "input_cost_per_token": 3.75e-06,
        "output_cost_per_token": 1.875e-05,
        "litellm_provider": "replicate",
    },
    "openrouter/claude-3.5-haiku": {"input_cost_per_token": 8e-07, "output_cost_per_token": 4e-06},
    "bedrock/claude-3.5-haiku": {"input_cost_per_token": 8e-07, "output_cost_per_token": 4e-06},
}


@pytest.fixture
def imported(cli: RunFn, project: Project) -> Project:
    source = project.root / "model_prices_and_context_window.json"
    source.write_text(json.dumps(LITELLM_MAP))
    assert cli("prices", "import", str(source), cwd=project.root).exit_code == 0
    return project


@pytest.mark.parametrize("reader", READERS)
def test_a_request_above_a_tier_pays_the_tier_for_all_its_tokens(
    cli: RunFn, imported: Project, reader: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HYBRIDCTL_READER", reader)
    sizes = [(300_000, 1_000), (100_000, 1_000), (200_000, 500), (200_001, 500)]
    path = write_usage(
        imported.root / "usage.jsonl",
        [
            {"time": "2026-11-21T10:00:00Z", "model": "gemini-2.5-pro", "input_tokens": i, "output_tokens": o}
            for i, o in sizes
        ],
    )
    overrides = json.loads((imported.configs / "prices.json").read_text())["models"]
    assert overrides["gemini/gemini-2.5-pro"]["above"] == {
        "tokens": 200_000,
        "inputPerMillion": 2.5,
        "outputPerMillion": 15.0,
    }

    report = total_cost(cli, imported, path)

    assert report["total"]["cost"] == pytest.approx(sum(gemini_cost(i, o) for i, o in sizes))
    assert gemini_cost(300_000, 1_000) == pytest.approx(0.765)  # not the flat rate's 0.385
    assert total_cost(cli, imported, path, "--recompute")["total"]["cost"] == pytest.approx(
        report["total"]["cost"]
    )


def test_a_name_several_price_lists_price_differently_is_resolved_by_provider_or_flagged(
    cli: RunFn, imported: Project
) -> None:
    time = "2026-11-21T10:00:00Z"
    path = write_usage(
        imported.root / "usage.jsonl",
        [
            {"time": time, "model": "claude-3.5-sonnet", "provider": "Anthropic", "input_tokens": 1000},
            {"time": time, "model": "claude-3.5-sonnet", "provider": "replicate", "input_tokens": 1000},
            {"time": time, "model": "claude-3.5-sonnet", "input_tokens": 1000},  # which one? unpriced
            {"time": time, "model": "claude-3.5-haiku", "input_tokens": 1000},  # same price everywhere
        ],
    )

    report = total_cost(cli, imported, path)

    assert report["total"]["cost"] == pytest.approx((1000 * 3 + 1000 * 3.75 + 1000 * 0.8) / 1e6)
    assert report["unpriced_models"] == {"claude-3.5-sonnet (ambiguous: anthropic, replicate)": 1}


def test_prices_check_lists_recorded_costs_that_differ_from_the_list(cli: RunFn, project: Project) -> None:
    listed = opus_cost(3, 12304, 5000, 550)
    path = write_usage(
        project.root / "payloads.jsonl",
        [
            {  # LiteLLM's StandardLoggingPayload, priced as if cache tokens were plain input
                "id": f"req-{n}",
                "call_type": "acompletion",
                "status": "success",
                "response_cost": recorded,
                "startTime": 1795269600.0,
                "endTime": 1795269604.0,
                "model": "claude-opus-4-1",
                "custom_llm_provider": "anthropic",
                "prompt_tokens": 3 + 12304 + 5000,
                "completion_tokens": 550,
                "response": {
                    "usage": {
                        "prompt_tokens_details": {"cached_tokens": 12304},
                        "cache_creation_input_tokens": 5000,
                    }
                },
            }
            for n, recorded in enumerate([0.041, listed, listed * 1.01], 1)
        ],
    )

    run = cli("prices", "check", str(path), "--json", cwd=project.root)

    assert run.exit_code == 1
    result = run.json()
    assert (result["checked"], result["differing"]) == (3, 1)
    assert result["largest_differences"] == [
        {
            "source": str(path),
            "line": 1,
            "request_id": "req-1",
            "model": "claude-4.1-opus",
            "recorded": 0.041,
            "price_list": pytest.approx(listed),
            "difference": pytest.approx(0.041 - listed),
        }
    ]
    text = cli("prices", "check", str(path), "--tolerance", "0.001", cwd=project.root)
    assert text.exit_code == 1 and "2 of 3 recorded costs differ" in text.stdout
    assert cli("prices", "check", str(path), "--tolerance", "0.8", cwd=project.root).exit_code == 0
