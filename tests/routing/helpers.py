"""A rollout bundle and its documented bucketing, for the routing tests and the
command-line tests of route."""

from __future__ import annotations

import copy
import hashlib
import json
from typing import Any

from tests.helpers import CONFIGS

ROLLOUT = "20261201-abcdef12"


def documented_bucket(user: str) -> int:
    return int(hashlib.sha256(f"{ROLLOUT}:{user}".encode()).hexdigest()[:8], 16) % 100 + 1


def bundle(weight: int = 10, *, approval: bool = False, **changes: Any) -> dict[str, Any]:
    """The shipped strategy; without its approval section unless ``approval``
    (the tests of scoring; test_grants.py covers approvals)."""
    stable = json.loads((CONFIGS / "model-config.json").read_text())
    if not approval:
        del stable["escalation"]["approval"]
    candidate = copy.deepcopy(stable)
    candidate["roles"]["critic"]["primary"] = "gemini-2.5-flash-lite"
    return {
        "rollout_id": ROLLOUT,
        "weight": weight,
        "enabled": True,
        "forced": {},
        "stable": {"modelConfig": stable},
        "candidate": {"modelConfig": candidate},
        **changes,
    }
