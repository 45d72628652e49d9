"""What the remote tests and the command-line delivery tests share: the
management contract's documents, a digest computed independently of
hybridctl, and a bundle as hybridctl renders it."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jsonschema
from referencing import Registry, Resource

from hybridctl.remote.contract import bundle_digest
from tests.helpers import TargetServer

SCHEMAS = Path(__file__).parents[2] / "schemas"


Start = Callable[..., TargetServer]


def openapi() -> dict[str, Any]:
    document: dict[str, Any] = json.loads((SCHEMAS / "management.openapi.json").read_text())
    return document


def validator(schema: dict[str, Any]) -> jsonschema.Draft202012Validator:
    """Resolves the document's relative $ref to the shipped bundle schema."""
    bundle_schema = json.loads((SCHEMAS / "bundle.schema.json").read_text())
    registry: Registry[Any] = Registry().with_resource(
        "bundle.schema.json", Resource.from_contents(bundle_schema)
    )
    return jsonschema.Draft202012Validator(schema, registry=registry)


def independent_digest(bundle: dict[str, Any]) -> str:
    content = {k: v for k, v in bundle.items() if k not in ("generated_at", "digest")}
    canonical = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return "sha256:" + hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def bundle(weight: int) -> dict[str, Any]:
    """A bundle as hybridctl renders it (bundle.schema.json), at ``weight``."""
    side = {"revision": 1, "digest": "sha256:" + "1" * 64, "modelConfig": {}, "modes": None}
    made: dict[str, Any] = {
        "version": 3,
        "generated_at": "2026-12-01T00:00:00Z",
        "rollout_id": "r-1",
        "stage": "canary",
        "paused": False,
        "weight": weight,
        "bucketing": {
            "key": "rollout_id:user_id",
            "hash": "murmur3",
            "buckets": 100,
            "rule": "bucket <= weight",
        },
        "enabled": True,
        "forced": {},
        "stable": side,
        "candidate": {**side, "revision": 2, "digest": "sha256:" + "2" * 64},
    }
    made["digest"] = bundle_digest(made)
    return made
