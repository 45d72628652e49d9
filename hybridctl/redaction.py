"""Redaction: the one place secrets are replaced before anything is shown or
stored. Three kinds of secret: values this process holds (a token read from
the environment, a URL's password), runs that look like keys (secrets.py),
and the values of secret-named keys and URL credentials in free text.

Every message (text.clean), every machine output (output.write) and every
store record (records.Record.to_json, through ``scrubbed``) goes through it.
"""

from __future__ import annotations

import math
import re
from functools import lru_cache
from typing import Any

from hybridctl.secrets import ENV_REFERENCE, KEY_WORDS, SECRET_KEY, candidates

REDACTED = "[redacted secret]"

# Secrets hybridctl itself holds (a target's token, read from the environment):
# whatever they look like, no message may contain them.
_HELD: set[str] = set()
# Shorter values are refused as tokens (credentials.py): held, they would hide
# ordinary words ("the") in every message.
MIN_SECRET_LENGTH = 8
_generation = [0]  # bumped when the held set changes: caches of cleaned text key on it


def held_generation() -> int:
    """Changes whenever a secret is held or forgotten (text.clean caches by it)."""
    return _generation[0]


def _held_changed() -> None:
    _generation[0] += 1


def hold_secret(value: str) -> str:
    """Remember a secret this process holds, so that every message hides it; returns it."""
    if len(value) >= MIN_SECRET_LENGTH and value not in _HELD:
        _HELD.add(value)
        _held_changed()
    return value


def forget_held_secrets() -> None:
    """Start over with no secret held: for a process that runs several commands
    in turn (Typer's test runner does), as each command's own process would."""
    _HELD.clear()
    _held_changed()


@lru_cache(maxsize=64)
def _as_a_word(value: str) -> re.Pattern[str]:
    """A held value made only of letters is replaced where it stands as a word
    of its own, never inside a longer one (held, "password" must not turn the
    "passwords" of a message into "[redacted secret]s"). Any other value is
    replaced wherever it is."""
    return re.compile(rf"(?<![A-Za-z]){re.escape(value)}(?![A-Za-z])")


def hide_held(text: str) -> str:
    for value in _HELD:
        if value in text:
            whole = value.isalpha()  # letters only: never inside a longer word
            text = _as_a_word(value).sub(REDACTED, text) if whole else text.replace(value, REDACTED)
    return text


# `"apiKey": "value"` in JSON, `apiKey: value` in YAML, `token=value` anywhere.
# The key stands alone: `input_cost_per_token: 3e-06` is not a token.
_ASSIGNMENT = re.compile(
    r"""(?i)(?<![\w-])(["']?)(api[_-]?key|access[_-]?token|auth[_-]?token|token|secret|client[_-]?secret|password"""
    r"""|authorization)\1(\s*[:=]\s*)(["']?)([^"'\s,}]+)\4"""
)


def _redact_assignment(match: re.Match[str]) -> str:
    quote, key, separator, value_quote, value = match.groups()
    if ENV_REFERENCE.match(value) or value.startswith("[redacted"):  # redacting twice changes nothing
        return match.group(0)
    return f"{quote}{key}{quote}{separator}{value_quote}{REDACTED}{value_quote}"


# A URL's userinfo in free text (a message quoting a URL, git's own errors): for
# http(s) all of it (a token is often the user name), for other schemes the
# password. And credential-like query parameters.
_URL_USERINFO = re.compile(r"(?i)\b(https?://|[a-z][a-z0-9+.-]*://[^\s/?#@:]*:)([^\s/?#@]+)@")
_QUERY_CREDENTIAL = re.compile(
    r"(?i)([?&](?:access_token|api[-_]?key|apikey|auth|client_secret|code|key|password|secret|sig|signature"
    r"|token|x-amz-credential|x-amz-security-token|x-amz-signature|x-goog-credential|x-goog-signature)=)"
    r"([^&#\s\"'<>]+)"
)


def _redact_parameter(match: re.Match[str]) -> str:
    return match.group(0) if match.group(2).startswith("[redacted") else f"{match.group(1)}{REDACTED}"


def _redact_urls(text: str) -> str:
    if "://" in text and "@" in text:
        # (REDACTED holds a space, which userinfo cannot: redacting twice changes nothing)
        text = _URL_USERINFO.sub(lambda m: f"{m.group(1)}{REDACTED}@", text)
    if "=" in text and ("?" in text or "&" in text):
        text = _QUERY_CREDENTIAL.sub(_redact_parameter, text)
    return text


def redact_text(text: str) -> str:
    """Free text (a unified diff, a log line) with secret-looking runs and the
    values of secret-named keys replaced."""
    for _, pattern in candidates(text):
        text = pattern.sub(REDACTED, text)
    text = _redact_urls(text)
    lowered = text.lower()
    if not any(word in lowered for word in KEY_WORDS):
        return text
    return _ASSIGNMENT.sub(_redact_assignment, text)


def redact(value: Any, key: str | None = None) -> Any:
    """A copy of a value with every secret replaced, for anything that is printed."""
    if isinstance(value, str):
        if key is not None and SECRET_KEY.match(key) and value and not ENV_REFERENCE.match(value):
            return REDACTED
        return redact_text(value)
    if isinstance(value, dict):
        return {k: redact(v, k) for k, v in value.items()}
    if isinstance(value, list):
        return [redact(item) for item in value]
    return value


def scrubbed(value: Any) -> Any:
    """A copy of a JSON-like value fit to be stored for ever: every string with
    held secrets, secret-looking runs and URL credentials redacted, and every
    non-finite number (NaN, Infinity: not JSON) as null."""
    if isinstance(value, str):
        return redact_text(hide_held(value))
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {scrubbed(k) if isinstance(k, str) else k: scrubbed(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [scrubbed(item) for item in value]
    return value
