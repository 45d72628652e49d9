"""The live rollout state, ``rollout.json`` in the config directory (written only
by hybridctl)."""

from __future__ import annotations

import json
from pathlib import Path

STATE_FILE = "rollout.json"


def stable_digest(config_dir: Path) -> str | None:
    """Digest of the config set that is stable in the current rollout, if any."""
    path = config_dir / STATE_FILE
    if not path.is_file():
        return None
    try:
        state = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    stable = state.get("stable") if isinstance(state, dict) else None
    digest = stable.get("digest") if isinstance(stable, dict) else None
    return digest if isinstance(digest, str) else None
