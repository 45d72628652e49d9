"""Recognise API keys and tokens, so they are reported and never printed."""

from __future__ import annotations

import re
from typing import Any

# (kind, probe, pattern). Each probe starts with a literal and every match of
# its pattern contains a match of it: re finds such a literal at memchr speed,
# while a pattern that starts with \b is tried at every position. Most text
# holds no secret, and machine output can be megabytes.
_PATTERNS: list[tuple[str, str, str]] = [
    ("an Anthropic API key", r"sk-ant-", r"sk-ant-[A-Za-z0-9_-]{20,}"),
    ("an OpenRouter API key", r"sk-or-v1-", r"sk-or-v1-[A-Za-z0-9]{20,}"),
    ("an OpenAI API key", r"sk-", r"\bsk-(?:proj-|svcacct-)?[A-Za-z0-9_-]{20,}"),
    ("a Google API key", r"AIza", r"\bAIza[0-9A-Za-z_-]{35}"),
    ("a Z.ai API key", r"\.[A-Za-z0-9]{16}", r"\b[0-9a-f]{32}\.[A-Za-z0-9]{16}\b"),
    ("a GitHub token", r"gh[pousr]_", r"\bgh[pousr]_[A-Za-z0-9]{36,}"),
    ("an AWS access key id", r"AKIA", r"\bAKIA[0-9A-Z]{16}\b"),
    ("a bearer token", r"(?i:bearer)", r"\b(?i:bearer)\s+[A-Za-z0-9._~+/-]{20,}"),
]
_COMPILED = [(kind, re.compile(probe), re.compile(pattern)) for kind, probe, pattern in _PATTERNS]
SECRET_PATTERNS = [(kind, pattern) for kind, _, pattern in _COMPILED]
_KEY_WORDS = ("key", "token", "secret", "password", "authorization")


def _candidates(text: str) -> list[tuple[str, re.Pattern[str]]]:
    """The patterns that could match: those whose probe does."""
    return [(kind, pattern) for kind, probe, pattern in _COMPILED if probe.search(text)]


# Keys whose value is a secret whatever it looks like.
SECRET_KEY = re.compile(
    r"(?i)^(api[_-]?key|access[_-]?token|auth[_-]?token|token|secret|client[_-]?secret|password|authorization)$"
)
# Values that name where a secret lives instead of holding it.
# (``os.environ/NAME`` is LiteLLM's form.)
ENV_REFERENCE = re.compile(
    r"^(\$\{?[A-Za-z_][A-Za-z0-9_]*\}?|(env:|os\.environ/)[A-Za-z_][A-Za-z0-9_]*|[A-Z_][A-Z0-9_]*)$"
)
REDACTED = "[redacted secret]"
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


_URL_PASSWORD = re.compile(r"(?i)\b[a-z][a-z0-9+.-]*://[^\s/?#@:]*:[^\s/?#@]+@")


def url_password(text: str) -> re.Match[str] | None:
    """Where a text holds a URL with a password in it (``scheme://user:password@``)."""
    return _URL_PASSWORD.search(text) if "://" in text and "@" in text else None


def _redact_parameter(match: re.Match[str]) -> str:
    return match.group(0) if match.group(2).startswith("[redacted") else f"{match.group(1)}{REDACTED}"


def _redact_urls(text: str) -> str:
    if "://" in text and "@" in text:
        # (REDACTED holds a space, which userinfo cannot: redacting twice changes nothing)
        text = _URL_USERINFO.sub(lambda m: f"{m.group(1)}{REDACTED}@", text)
    if "=" in text and ("?" in text or "&" in text):
        text = _QUERY_CREDENTIAL.sub(_redact_parameter, text)
    return text


def find_secret(text: str) -> tuple[str, re.Match[str]] | None:
    """The kind and position of the first secret-looking run in a text."""
    for kind, pattern in _candidates(text):
        match = pattern.search(text)
        if match:
            return kind, match
    return None


def redact_text(text: str) -> str:
    """Free text (a unified diff, a log line) with secret-looking runs and the
    values of secret-named keys replaced."""
    for _, pattern in _candidates(text):
        text = pattern.sub(REDACTED, text)
    text = _redact_urls(text)
    lowered = text.lower()
    if not any(word in lowered for word in _KEY_WORDS):
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
