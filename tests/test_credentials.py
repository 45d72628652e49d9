"""Tokens from the environment: refused naming the variable when they cannot
be sent in a header or are too short to be secrets; never shown."""

from __future__ import annotations

import pytest

from hybridctl.credentials import token_from
from hybridctl.errors import UsageError
from hybridctl.redaction import forget_held_secrets
from hybridctl.text import clean


@pytest.fixture(autouse=True)
def _nothing_held() -> None:
    forget_held_secrets()


@pytest.mark.parametrize(
    ("value", "why"),
    [
        ("secret-token-value\n", "header cannot carry"),
        ("secret token value", "header cannot carry"),
        ("sécret-token-value", "header cannot carry"),
        ("tok\x00en-value-here", "header cannot carry"),
        ("x7Q", "shorter than 8"),
        ("s3cret", "shorter than 8"),
    ],
)
def test_a_token_that_cannot_be_used_is_refused_naming_its_variable_never_its_value(
    value: str, why: str
) -> None:
    with pytest.raises(UsageError, match=why) as refused:
        token_from("HYBRIDCTL_TARGET_TOKEN", {"HYBRIDCTL_TARGET_TOKEN": value})

    said = clean(refused.value.message + (refused.value.hint or ""))
    assert "HYBRIDCTL_TARGET_TOKEN" in said
    assert value.strip() not in said and repr(value) not in said


def test_a_good_token_is_held_so_no_message_shows_it() -> None:
    assert token_from("T", {"T": "abc.DEF-123_~+/="}) == "abc.DEF-123_~+/="
    assert clean("got abc.DEF-123_~+/= back") == "got [redacted secret] back"
    assert token_from("T", {}) is None and token_from("T", {"T": ""}) is None


def test_the_lines_of_a_refused_multi_line_value_are_held_too() -> None:
    with pytest.raises(UsageError):
        token_from("T", {"T": "first-line-secret\nsecond-line-secret"})
    assert (
        clean("echo: first-line-secret / second-line-secret") == "echo: [redacted secret] / [redacted secret]"
    )
