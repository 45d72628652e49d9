"""The one place values from files, logs and flags become message text.

Anything a user did not write for hybridctl to print (a config value, a key,
a model name from a log, a reason) reaches a message through ``show_value``
or ``clean``: secrets are replaced whole, control characters are escaped so
a file cannot rewrite the terminal, and long values are shortened without
ever building the whole text of a huge one.
"""

from __future__ import annotations

import difflib
import json
import re
from functools import lru_cache
from typing import Any

from hybridctl.errors import UsageError
from hybridctl.redaction import held_generation, hide_held, redact_text
from hybridctl.secrets import ENV_REFERENCE, SECRET_KEY, find_secret

# C0 and C1 controls, DEL, and the Unicode marks that reorder text on screen.
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
_LINE_BREAK = re.compile("[\n\t]")


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group(0))
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def printable(text: str, *, keep_lines: bool = False) -> str:
    """Text safe for a terminal or a CI log: control characters as escapes.
    Newlines and tabs stay when ``keep_lines`` (multi-line output), else they
    are escaped too (a one-line message)."""
    text = _CONTROL.sub(_escape, text)
    return text if keep_lines else _LINE_BREAK.sub(_escape, text)


def clean(text: str, *, keep_lines: bool = False) -> str:
    """Free text for a message: secrets redacted, then control characters escaped."""
    if len(text) < 256:  # file names and JSON paths repeat across thousands of findings
        return _clean_short(text, keep_lines, held_generation())
    return printable(redact_text(hide_held(text)), keep_lines=keep_lines)


@lru_cache(maxsize=4096)
def _clean_short(text: str, keep_lines: bool, generation: int) -> str:
    """``generation``: a secret held since a text was cleaned must hide in it too."""
    return printable(redact_text(hide_held(text)), keep_lines=keep_lines)


def secret_label(text: str) -> str | None:
    """How a secret-looking string is shown instead of itself; None when it is not one."""
    found = find_secret(text)
    if found is None:
        return None
    return f"[redacted: {found[0]}, {len(text)} characters]"


def _is_secret_under(key: str | None, text: str) -> bool:
    return key is not None and bool(SECRET_KEY.match(key)) and bool(text) and not ENV_REFERENCE.match(text)


def _integer(value: int) -> str:
    digits = max(1, int(abs(value).bit_length() * 0.30103))
    if digits > 40:  # str() of a huge int is slow, and refused past 4,300 digits
        return f"<an integer of about {digits:,} digits>"
    return str(value)


class _Budget(Exception):
    """The preview is long enough."""


def _preview(value: Any, key: str | None, out: list[str], budget: list[int]) -> None:
    def emit(text: str) -> None:
        out.append(text)
        budget[0] -= len(text)
        if budget[0] < 0:
            raise _Budget

    if isinstance(value, bool) or value is None:
        emit(json.dumps(value))
    elif isinstance(value, int):
        emit(_integer(value))
    elif isinstance(value, float):
        emit(repr(value))
    elif isinstance(value, str):
        label = secret_label(value) or ("[redacted secret]" if _is_secret_under(key, value) else None)
        if label is not None:
            emit(label)
        else:
            # json.dumps of a slice: a 5 MB string costs no more than its first characters.
            emit(printable(json.dumps(value[: max(budget[0], 0) + 2], ensure_ascii=False)))
    elif isinstance(value, dict):
        emit("{")
        for index, (item_key, item) in enumerate(value.items()):
            if index:
                emit(", ")
            shown_key = str(item_key)
            emit(secret_label(shown_key) or printable(json.dumps(shown_key, ensure_ascii=False)))
            emit(": ")
            _preview(item, shown_key, out, budget)
        emit("}")
    elif isinstance(value, list):
        emit("[")
        for index, item in enumerate(value):
            if index:
                emit(", ")
            _preview(item, None, out, budget)
        emit("]")
    else:
        emit(printable(type(value).__name__))


def show_value(value: Any, *, key: str | None = None, width: int = 60) -> str:
    """A value as JSON-like text for a message: at most ``width`` characters,
    a secret never shown (not even in part), control characters escaped."""
    out: list[str] = []
    try:
        _preview(value, key, out, [width])
    except _Budget:
        text = "".join(out)
        return text[: width - 1] + "…"
    return "".join(out)


def show_name(name: str, width: int = 80) -> str:
    """A key, slug or model name inside quotes in a message."""
    label = secret_label(name)
    if label is not None:
        return label
    text = printable(name)
    return text if len(text) <= width else text[: width - 1] + "…"


def money(value: float | None) -> str:
    """US dollars as every message, table and report shows them: cents from $1
    up; below that four decimals, since a request costs fractions of a cent;
    nothing at all is $0.00."""
    if value is None:
        return "-"
    if value == 0:
        return "$0.00"
    sign = "-" if value < 0 else ""
    amount = abs(value)
    return f"{sign}${amount:,.4f}" if amount < 1 else f"{sign}${amount:,.2f}"


def elapsed(seconds: float | None) -> str:
    """A wait as people read it: seconds under two minutes, minutes under two hours, then hours."""
    if seconds is None:
        return "-"
    seconds = max(0.0, seconds)
    if seconds < 120:
        return f"{seconds:.0f}s"
    return f"{seconds / 60:.0f}m" if seconds < 7200 else f"{seconds / 3600:.1f}h"


def did_you_mean(word: str, choices: list[str]) -> str | None:
    """A hint naming the closest choice, if one is close."""
    if secret_label(word) is not None or len(word) > 200:
        return None  # never echo a secret; difflib is quadratic in the length
    close = difflib.get_close_matches(word, choices, n=1, cutoff=0.6)
    return f"did you mean '{close[0]}'?" if close else None


def checked_reason(reason: str) -> str:
    """A reason as recorded in history: refused when blank, or when it holds a
    secret (history is forever, and printed by every command that reads it)."""

    if not reason.strip():
        raise UsageError("--reason must say why; it is empty", hint="--reason 'what happened and why'")
    if find_secret(reason) is not None:
        raise UsageError(
            "--reason holds what looks like an API key or token; history keeps reasons forever",
            hint="describe the change without the secret (and rotate it if it was real)",
        )
    return reason.strip()
