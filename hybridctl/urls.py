"""URLs from settings and configs: checked before anything uses them, and shown
or recorded without the credentials they may carry.

A URL can hold a password (``https://user:pass@host``), a token as its user
(``https://ghp_...@github.com``) or a key in its query (``?api_key=...``).
``shown_url`` is how every message, table, JSON answer and store record names
a URL; ``hold_url_secrets`` makes those parts secrets of the process, so no
message shows them even where a URL is quoted by someone else (git, httpx).
"""

from __future__ import annotations

import re
from urllib.parse import SplitResult, unquote, urlsplit

from hybridctl.errors import UsageError
from hybridctl.redaction import REDACTED, hold_secret
from hybridctl.text import show_name

# Query parameters that carry a credential (AWS, Google and Azure signed URLs,
# webhook and API keys).
_CREDENTIAL_PARAMS = frozenset(
    {
        "access_token",
        "api-key",
        "api_key",
        "apikey",
        "auth",
        "client_secret",
        "code",
        "key",
        "password",
        "secret",
        "sig",
        "signature",
        "token",
        "x-amz-credential",
        "x-amz-security-token",
        "x-amz-signature",
        "x-goog-credential",
        "x-goog-signature",
    }
)
_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://")


def _split(url: str) -> SplitResult | None:
    try:
        return urlsplit(url)
    except ValueError:  # an IPv6 host with a bracket missing
        return None


def _query_secrets(query: str) -> list[tuple[str, str]]:
    pairs = [part.partition("=") for part in query.split("&") if part]
    return [(name, value) for name, _, value in pairs if name.lower() in _CREDENTIAL_PARAMS and value]


def shown_url(url: str) -> str:
    """A URL as messages and records show it: no userinfo, and the values of
    credential-like query parameters replaced. A git scp-like address
    (``git@host:path``) has no password and is shown as it is."""
    if not _SCHEME.match(url):
        return url
    parts = _split(url)
    if parts is None:
        return "<a URL that cannot be parsed>"
    netloc = parts.netloc.rpartition("@")[2]
    query = parts.query
    for name, value in _query_secrets(query):
        query = query.replace(f"{name}={value}", f"{name}={REDACTED}", 1)
    return parts._replace(netloc=netloc, query=query).geturl()


def hold_url_secrets(url: str) -> str:
    """Make the password, a token used as user name, and credential query
    values of ``url`` secrets of this process (raw and percent-decoded); returns ``url``."""
    parts = _split(url) if _SCHEME.match(url) else None
    if parts is None:
        return url
    userinfo = parts.netloc.rpartition("@")[0] if "@" in parts.netloc else ""
    user, _, password = userinfo.partition(":")
    secrets = [password] + [value for _, value in _query_secrets(parts.query)]
    if parts.scheme in ("http", "https"):
        secrets.append(user)  # a token as the user name (https://TOKEN@host) is common
    for value in secrets:
        for form in {value, unquote(value)}:
            if len(form) >= 8:
                hold_secret(form)
    return url


def http_url(value: str, origin: str) -> str:
    """An http(s) URL from settings, checked at once (exit 2, nothing done): a
    scheme, a host and a port that is a number from 1 to 65535."""
    hold_url_secrets(value)
    parts = _split(value.strip()) if value.strip() == value else None
    shown = show_name(shown_url(value))
    way = "an http:// or https:// URL with a host, e.g. https://app.internal:8443/hybridctl/bundle"
    if parts is None or parts.scheme not in ("http", "https") or not parts.hostname:
        raise UsageError(f"{origin}: {shown} is not an http(s) URL", hint=way)
    try:
        port = parts.port
    except ValueError:
        port = -1
    if port is not None and not 0 < port < 65536:
        raise UsageError(f"{origin}: {shown} has a port that is not a number from 1 to 65535", hint=way)
    return value


# A git remote: https://, http://, ssh://, git://, file:// URLs, scp-like
# user@host:path, or a local path. Nothing that git could read as an option,
# and no transport that runs a command (ext::, fd::, a helper's <name>::).
_GIT_SCHEMES = ("https", "http", "ssh", "git", "file")
_SCP_LIKE = re.compile(r"^(?:[A-Za-z0-9._~-]+@)?[A-Za-z0-9.-]+:(?!//)[^\s]+$")
GIT_REMOTE_FORMS = (
    "https://host/path.git, ssh://[user@]host/path.git, user@host:path.git (scp-like), "
    "git:// or file:// URLs, or a local path"
)


def _git_remote_problem(value: str) -> str | None:
    if not value or value != value.strip() or any(ord(c) < 0x20 or c == "\x7f" for c in value):
        return "is empty or holds spaces or control characters"
    if value.startswith("-"):
        return "starts with '-', which git reads as an option"
    if "::" in value.split("/", 1)[0]:
        return "names a git remote helper, which runs a command"
    not_a_url = "is not a URL git can share a store through"
    if _SCHEME.match(value):
        parts = _split(value)
        if parts is None or parts.scheme.lower() not in _GIT_SCHEMES:
            return not_a_url
        host = parts.hostname or ""
        if parts.scheme != "file" and (not host or host.startswith("-")):
            return "has no usable host"
        return None
    if _SCP_LIKE.match(value):
        return "has a host that starts with '-'" if value.rsplit("@", 1)[-1].startswith("-") else None
    return not_a_url if ":" in value.split("/", 1)[0] else None  # else a local path


def git_remote(value: str, origin: str) -> str:
    """A git remote from a flag or settings, checked before git ever sees it
    (exit 2): only the forms docs/explanation/security.md documents."""
    hold_url_secrets(value)
    problem = _git_remote_problem(value)
    if problem is not None:
        raise UsageError(
            f"{origin}: the store remote {show_name(shown_url(value))} {problem}",
            hint=f"a store-remote is one of: {GIT_REMOTE_FORMS}",
        )
    return value
