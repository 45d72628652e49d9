"""Tokens and keys from the environment: checked once, held as secrets.

A token is read from the variable settings name (never from a flag, which
would land in shell history and process lists). One that cannot be sent in an
HTTP header, or too short to be told apart from ordinary words in messages,
is refused naming its variable, never its value.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

from hybridctl.errors import UsageError
from hybridctl.redaction import MIN_SECRET_LENGTH, hold_secret

# RFC 9110 field values are visible ASCII and spaces; a token is one word of them.
_HEADER_SAFE = frozenset(chr(code) for code in range(0x21, 0x7F))


def token_problem(value: str) -> str | None:
    """Why ``value`` cannot serve as a bearer token or API key, or None."""
    if any(character not in _HEADER_SAFE for character in value):
        return (
            "holds a character an HTTP header cannot carry "
            "(a space, a line break, a control or non-ASCII character)"
        )
    if len(value) < MIN_SECRET_LENGTH:
        return f"is shorter than {MIN_SECRET_LENGTH} characters, too short to be a secret"
    return None


def token_from(variable: str, environ: Mapping[str, str] | None = None) -> str | None:
    """The token in ``variable`` (None when unset or empty), held as a secret
    of the process whatever its shape; refused (exit 2) when it cannot be used."""
    value = (os.environ if environ is None else environ).get(variable)
    if not value:
        return None
    hold_secret(value)
    for line in value.splitlines():
        hold_secret(line.strip())  # the parts a message could quote on their own
    problem = token_problem(value)
    if problem is not None:
        raise UsageError(
            f"the token in {variable} {problem}",
            hint=f"set {variable} to the token alone, e.g. {variable}=$(tr -d '\\n' < token-file)",
        )
    return value


GRANT_KEY_ENV = "HYBRIDCTL_GRANT_KEY"
MIN_GRANT_KEY_CHARS = 32


def grant_key(environ: Mapping[str, str] | None = None) -> bytes | None:
    """The key approval grants are signed and checked with (HYBRIDCTL_GRANT_KEY),
    held as a secret; None when unset. Refused (exit 2) when shorter than a
    random token: a guessable key would let anyone make a grant."""
    value = token_from(GRANT_KEY_ENV, environ)
    if value is None:
        return None
    if len(value) < MIN_GRANT_KEY_CHARS:
        raise UsageError(
            f"the key in {GRANT_KEY_ENV} is shorter than {MIN_GRANT_KEY_CHARS} characters",
            hint=f"export {GRANT_KEY_ENV}=$(openssl rand -hex 32), the same on every machine that "
            "approves and every gateway that routes",
        )
    return value.encode()
