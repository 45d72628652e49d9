"""The routing library applications import: sticky traffic split, escalation
scoring and fallback chains, driven by a bundle from ``hybridctl render``."""

from __future__ import annotations

from hybridctl.routing.router import Route, Router, bucket, escalation_score

__all__ = ["Route", "Router", "bucket", "escalation_score"]
