"""Values in messages: secrets never shown, control characters escaped, huge
values shortened without being built whole."""

from __future__ import annotations

import pytest

from hybridctl.errors import UsageError
from hybridctl.redaction import forget_held_secrets, hold_secret
from hybridctl.text import checked_reason, clean, did_you_mean, printable, show_value

KEY = "sk-ant-api03-" + "Zq7_" * 10


@pytest.mark.parametrize(
    "value",
    [KEY, {"k": KEY}, [1, KEY], {KEY: 1}, f"prefix {KEY} suffix", {"apiKey": "plain-looking-value"}],
)
def test_no_part_of_a_secret_is_shown(value: object) -> None:
    shown = show_value(value, width=200)

    assert "Zq7_Zq7" not in shown and "plain-looking" not in shown
    assert "redacted" in shown


def test_control_characters_and_bidi_marks_are_escaped() -> None:
    assert printable("a\x1b]0;x\x07b\u202ec") == "a\\x1b]0;x\\x07b\\u202ec"
    assert printable("one\ntwo") == "one\\x0atwo"
    assert printable("one\ntwo", keep_lines=True) == "one\ntwo"
    assert "\x1b" not in clean("\x1b[2J")


def test_huge_values_are_shortened_without_building_them() -> None:
    assert show_value(10**5000) == "<an integer of about 5,000 digits>"
    assert len(show_value("x" * 5_000_000, width=60)) == 60
    assert show_value(list(range(10**6)), width=30).endswith("…")


def test_did_you_mean_never_echoes_a_secret() -> None:
    assert did_you_mean("tierr", ["tier", "provider"]) == "did you mean 'tier'?"
    assert did_you_mean(KEY, [KEY[:-1]]) is None


@pytest.mark.parametrize("reason", ["", "  ", f"rotated {KEY}"])
def test_a_blank_reason_or_one_with_a_secret_is_refused(reason: str) -> None:
    with pytest.raises(UsageError):
        checked_reason(reason)


def test_cleaning_twice_changes_nothing_and_plain_words_stay() -> None:
    message = f"literal secret (an Anthropic API key, 47 characters) token: {KEY}"

    once = clean(message)

    assert clean(once) == once
    assert once.startswith("literal secret (an Anthropic API key, 47 characters) token: [redacted")


def test_a_held_secret_is_hidden_until_forgotten_even_in_a_text_seen_before() -> None:
    message = "missing required key 'g-key-4f1e-name'"
    assert clean(message) == message  # now in the cache of short texts
    hold_secret("g-key-4f1e")
    held = clean(message)
    forget_held_secrets()
    assert held == "missing required key '[redacted secret]-name'"
    assert clean(message) == message


def test_short_values_are_never_held_so_ordinary_words_stay() -> None:
    hold_secret("the")
    hold_secret("ssss")
    try:
        assert clean("the candidate: ssss") == "the candidate: ssss"
    finally:
        forget_held_secrets()


def test_a_held_value_of_letters_only_is_hidden_as_a_word_never_inside_one() -> None:
    hold_secret("password")
    try:
        shown = clean("passwords inside URLs; the token is password, or 'password'")
    finally:
        forget_held_secrets()
    assert shown == "passwords inside URLs; the token is [redacted secret], or '[redacted secret]'"


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (0.0, "$0.00"),
        (0.0085, "$0.0085"),
        (0.5, "$0.5000"),
        (1.0, "$1.00"),
        (1234.567, "$1,234.57"),
        (None, "-"),
        (-2.5, "-$2.50"),
    ],
)
def test_money_is_shown_one_way_everywhere(value: float | None, shown: str) -> None:
    from hybridctl.text import money

    assert money(value) == shown
