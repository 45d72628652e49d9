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


def bundle(weight: int = 10, **changes: Any) -> dict[str, Any]:
    stable = json.loads((CONFIGS / "model-config.json").read_text())
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
