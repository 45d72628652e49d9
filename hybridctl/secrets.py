"""Recognise API keys, tokens and URL passwords, so that they are reported
(validation, reasons) and never printed; redaction.py replaces them."""

from __future__ import annotations

import re

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
KEY_WORDS = ("key", "token", "secret", "password", "authorization")


def candidates(text: str) -> list[tuple[str, re.Pattern[str]]]:
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
_URL_PASSWORD = re.compile(r"(?i)\b[a-z][a-z0-9+.-]*://[^\s/?#@:]*:[^\s/?#@]+@")


def url_password(text: str) -> re.Match[str] | None:
    """Where a text holds a URL with a password in it (``scheme://user:password@``)."""
    return _URL_PASSWORD.search(text) if "://" in text and "@" in text else None


def find_secret(text: str) -> tuple[str, re.Match[str]] | None:
    """The kind and position of the first secret-looking run in a text."""
    for kind, pattern in candidates(text):
        match = pattern.search(text)
        if match:
            return kind, match
    return None
