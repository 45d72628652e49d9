"""Approval grants: what an application passes with a task (``"approval"`` in
its task context) so that an escalation that needs approval is served by the
premium model.

A grant names the approved request, the role it is for and when it expires,
signed with HMAC-SHA256 under a key the approving side and the router share
(``HYBRIDCTL_GRANT_KEY``): the router checks it without reaching the store,
and nobody can make one, stretch one or move one to another role without the
key. Any machine holding the key derives the same grant from the request's
record, so it is never stored.

    hxg1.<base64url of {"id", "role", "exp"}>.<base64url of the HMAC>
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
from typing import Any, NamedTuple

GRANT_VERSION = "hxg1"
GRANT_KEY_ENV = "HYBRIDCTL_GRANT_KEY"  # where hybridctl's commands and the gateway plug-in read the key
MAX_GRANT_CHARS = 1024  # a grant is ~150 characters; anything longer is not one


class Grant(NamedTuple):
    id: str  # the approved request
    role: str
    expires: int  # seconds since the epoch, UTC

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "role": self.role, "expires": self.expires}


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _signature(key: bytes, signed: str) -> str:
    return _b64(hmac.new(key, signed.encode(), hashlib.sha256).digest())


def sign_grant(key: bytes, grant: Grant) -> str:
    """The grant as the application passes it."""
    payload = json.dumps(
        {"id": grant.id, "role": grant.role, "exp": grant.expires}, sort_keys=True, separators=(",", ":")
    )
    signed = f"{GRANT_VERSION}.{_b64(payload.encode())}"
    return f"{signed}.{_signature(key, signed)}"


def read_grant(token: object, key: bytes | None) -> tuple[Grant | None, str]:
    """The grant a token carries when its signature holds under ``key``;
    otherwise None and why not (in words a log or ``route explain`` shows)."""
    if token is None or token == "":
        return None, "no grant"
    if not isinstance(token, str) or len(token) > MAX_GRANT_CHARS:
        return None, "the approval is not a grant"
    if key is None:
        return None, f"this router has no grant key ({GRANT_KEY_ENV}) to check grants with"
    parts = token.split(".")
    if len(parts) != 3 or parts[0] != GRANT_VERSION:
        return None, "the approval is not a grant"
    signed = f"{parts[0]}.{parts[1]}"
    if not hmac.compare_digest(parts[2].encode(), _signature(key, signed).encode()):
        return None, "the grant's signature does not hold (another key, or altered)"
    try:
        data = json.loads(_unb64(parts[1]))
        grant = Grant(str(data["id"]), str(data["role"]), int(data["exp"]))
    except (ValueError, KeyError, TypeError, binascii.Error):
        return None, "the approval is not a grant"
    return grant, ""


def grant_problem(grant: Grant, role: str, now: float) -> str:
    """Why a grant whose signature holds does not let ``role`` escalate at ``now`` ("" when it does)."""
    if grant.role != role:
        return f"grant {grant.id} is for role '{grant.role}', not '{role}'"
    if now >= grant.expires:
        return f"grant {grant.id} expired"
    return ""


def check_grant(token: object, key: bytes | None, role: str, now: float) -> tuple[Grant | None, str]:
    """A grant valid for ``role`` at ``now``, or None and why it is refused."""
    grant, why = read_grant(token, key)
    if grant is None:
        return None, why
    problem = grant_problem(grant, role, now)
    return (None, problem) if problem else (grant, "")
