"""The routing library applications import: sticky traffic split, escalation
scoring and fallback chains, driven by a bundle from ``hybridctl render``.

Names load on first use, so a command that needs only the bucketing rules
(``routing.buckets``) does not import the router."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from hybridctl.routing.buckets import bucket
    from hybridctl.routing.router import Route, Router, escalation_score

__all__ = ["Route", "Router", "bucket", "escalation_score"]


def __getattr__(name: str) -> Any:
    if name == "bucket":
        from hybridctl.routing import buckets

        return buckets.bucket
    if name in ("Route", "Router", "escalation_score"):
        from hybridctl.routing import router

        return getattr(router, name)
    raise AttributeError(f"module 'hybridctl.routing' has no attribute {name!r}")
