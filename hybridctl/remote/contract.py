"""The management contract between hybridctl and an application (documented in
docs/reference/contract.md and in schemas/management.openapi.json).

    PUT <url>   the bundle as JSON; Content-Type: application/json;
                Authorization: Bearer <token>; Idempotency-Key: <bundle digest>.
                Any 2xx means accepted.
    GET <url>   JSON whose "digest" is the digest of the bundle served now
                (returning the whole stored bundle satisfies this).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping

DIGEST_LEFT_OUT = ("generated_at", "digest")


def bundle_digest(bundle: Mapping[str, object]) -> str:
    """sha256 of the bundle's canonical JSON (keys sorted, no spaces, UTF-8),
    without `generated_at` and `digest`: the same state always has the same digest."""
    content = {k: v for k, v in bundle.items() if k not in DIGEST_LEFT_OUT}
    canonical = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return "sha256:" + hashlib.sha256(canonical.encode()).hexdigest()
