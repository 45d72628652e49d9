"""What counts as a secret in free text: the value of a key named like one,
unless it names where the secret lives (an environment reference)."""

from __future__ import annotations

import pytest

from hybridctl.redaction import REDACTED, redact_text

KEY = "sk-live-" + "7" * 24


@pytest.mark.parametrize(
    "line",
    [
        f"token: {KEY}",
        f'"api_key": "{KEY}"',
        f"  api_key: {KEY}",
        f"password={KEY}",
    ],
)
def test_the_value_of_a_secret_named_key_is_redacted(line: str) -> None:
    assert KEY not in redact_text(line) and REDACTED in redact_text(line)


@pytest.mark.parametrize(
    "line",
    [
        "api_key: os.environ/ANTHROPIC_API_KEY",  # LiteLLM's reference to the environment
        "api_key: ${ANTHROPIC_API_KEY}",
        "apiKey: env:ZAI_API_KEY",
        "input_cost_per_token: 1.5e-05",  # a price, not a token
        "cache_read_input_token_cost: 1.5e-06",
        "max_token: 4096",
    ],
)
def test_references_and_keys_that_only_contain_a_secret_word_are_left_alone(line: str) -> None:
    assert redact_text(line) == line
