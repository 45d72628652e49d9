"""A bundle to route with: the current state's, or an application's file
(read, checked to be a bundle, its hash known to this release)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from hybridctl.errors import UsageError
from hybridctl.rollout.bundle import render_bundle
from hybridctl.routing.buckets import UnknownHash, bucketer
from hybridctl.store.setup import Setup


def bundle_to_route(setup: Setup, path: Path | None) -> dict[str, Any]:
    if path is None:
        return render_bundle(setup)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise UsageError(
            f"cannot read the bundle {path}: {exc}", hint="hybridctl render writes one"
        ) from None
    if not isinstance(data, dict) or "stable" not in data:
        raise UsageError(f"{path} is not a bundle", hint="hybridctl render writes one")
    try:
        bucketer(str(data.get("rollout_id") or ""), str((data.get("bucketing") or {}).get("hash", "sha256")))
    except UnknownHash as exc:
        raise UsageError(f"{path}: {exc}") from None
    return data
