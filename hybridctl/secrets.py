"""Recognise API keys and tokens, so they are reported and never printed."""

from __future__ import annotations

import re
from typing import Any

SECRET_PATTERNS = [
    ("an Anthropic API key", re.compile(r"sk-ant-[A-Za-z0-9_-]{20,}")),
    ("an OpenRouter API key", re.compile(r"sk-or-v1-[A-Za-z0-9]{20,}")),
    ("an OpenAI API key", re.compile(r"\bsk-(?:proj-|svcacct-)?[A-Za-z0-9_-]{20,}")),
    ("a Google API key", re.compile(r"\bAIza[0-9A-Za-z_-]{35}")),
    ("a Z.ai API key", re.compile(r"\b[0-9a-f]{32}\.[A-Za-z0-9]{16}\b")),
    ("a GitHub token", re.compile(r"\bgh[pousr]_[A-Za-z0-9]{36,}")),
    ("an AWS access key id", re.compile(r"\bAKIA[0-9A-Z]{16}\b")),
    ("a bearer token", re.compile(r"\b(?i:bearer)\s+[A-Za-z0-9._~+/-]{20,}")),
]
# Keys whose value is a secret whatever it looks like.
SECRET_KEY = re.compile(
    r"(?i)^(api[_-]?key|access[_-]?token|auth[_-]?token|token|secret|client[_-]?secret|password|authorization)$"
)
# Values that name where a secret lives instead of holding it.
ENV_REFERENCE = re.compile(r"^(\$\{?[A-Za-z_][A-Za-z0-9_]*\}?|env:[A-Za-z_][A-Za-z0-9_]*|[A-Z_][A-Z0-9_]*)$")
REDACTED = "[redacted secret]"
# One pass that finds whether any pattern could match: most text holds no secret.
_ANY_SECRET = re.compile("|".join(f"(?:{pattern.pattern})" for _, pattern in SECRET_PATTERNS))
_ANY_SECRET_KEY = re.compile(
    r"(?i)(api[_-]?key|access[_-]?token|auth[_-]?token|token|secret|password|authorization)"
)
# `"apiKey": "value"` in JSON, `apiKey: value` in YAML, `token=value` anywhere.
_ASSIGNMENT = re.compile(
    r"""(?i)(["']?)(api[_-]?key|access[_-]?token|auth[_-]?token|token|secret|client[_-]?secret|password"""
    r"""|authorization)\1(\s*[:=]\s*)(["']?)([^"'\s,}]+)\4"""
)


def _redact_assignment(match: re.Match[str]) -> str:
    quote, key, separator, value_quote, value = match.groups()
    if ENV_REFERENCE.match(value):
        return match.group(0)
    return f"{quote}{key}{quote}{separator}{value_quote}{REDACTED}{value_quote}"


def find_secret(text: str) -> tuple[str, re.Match[str]] | None:
    """The kind and position of the first secret-looking run in a text."""
    if _ANY_SECRET.search(text) is None:
        return None
    for kind, pattern in SECRET_PATTERNS:
        match = pattern.search(text)
        if match:
            return kind, match
    return None


def redact_text(text: str) -> str:
    """Free text (a unified diff, a log line) with secret-looking runs and the
    values of secret-named keys replaced."""
    if _ANY_SECRET.search(text) is not None:
        for _, pattern in SECRET_PATTERNS:
            text = pattern.sub(REDACTED, text)
    if _ANY_SECRET_KEY.search(text) is None:
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
