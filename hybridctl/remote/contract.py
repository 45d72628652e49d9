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
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from hybridctl.text import show_value

if TYPE_CHECKING:
    import jsonschema

DIGEST_LEFT_OUT = ("generated_at", "digest")


def bundle_digest(bundle: Mapping[str, object]) -> str:
    """sha256 of the bundle's canonical JSON (keys sorted, no spaces, UTF-8),
    without `generated_at` and `digest`: the same state always has the same digest."""
    content = {k: v for k, v in bundle.items() if k not in DIGEST_LEFT_OUT}
    canonical = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return "sha256:" + hashlib.sha256(canonical.encode()).hexdigest()


class NotABundle(ValueError):
    """Bytes that are not a bundle to serve, and why. ``unreadable``: not even JSON."""

    def __init__(self, message: str, *, unreadable: bool = False) -> None:
        super().__init__(message)
        self.message = message
        self.unreadable = unreadable


@lru_cache(maxsize=1)
def _bundle_validator() -> jsonschema.protocols.Validator:
    from jsonschema import Draft202012Validator

    from hybridctl.resources import data_dir

    schema = json.loads((data_dir("schemas") / "bundle.schema.json").read_text(encoding="utf-8"))
    return Draft202012Validator(schema)


def read_bundle(body: bytes) -> dict[str, Any]:
    """A bundle as hybridctl renders it (bundle.schema.json, its digest matching),
    or NotABundle saying why not. Whatever the bytes (truncated, nested past any
    depth, not UTF-8), never another exception."""
    try:
        bundle = json.loads(body)
    except (ValueError, RecursionError):  # RecursionError: brackets nested past the parser's depth
        raise NotABundle("the body is not JSON", unreadable=True) from None
    if not isinstance(bundle, dict):
        raise NotABundle("not a bundle: the body is not a JSON object")
    error = next(iter(_bundle_validator().iter_errors(bundle)), None)
    if error is not None:
        where = "$" + "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in error.absolute_path)
        why = f"{error.validator} {show_value(error.validator_value, width=60)}"
        raise NotABundle(f"not a bundle (bundle.schema.json): {where}: {why}")
    if bundle.get("digest") != bundle_digest(bundle):
        raise NotABundle("the digest does not match the bundle")
    return bundle
