"""The deployable bundle: what an application needs to route traffic."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from hybridctl.config.snapshot import ConfigFiles
from hybridctl.errors import UsageError
from hybridctl.remote.contract import bundle_digest
from hybridctl.rollout.state import Snapshot, Stage
from hybridctl.rollout.transaction import load_state
from hybridctl.routing import buckets
from hybridctl.store.setup import Setup
from hybridctl.times import format_utc, utc_now

BUNDLE_VERSION = 3  # 2: digest, enabled, forced; 3: bucketing.hash murmur3, bucketing.bucket


def render_bundle(workspace: Setup, now: datetime | None = None) -> dict[str, Any]:

    store = workspace.open_store()
    state = load_state(store)
    stable = state.stable
    if stable is None:
        raise UsageError("the store has nothing recorded to render", hint="hybridctl init")

    def side(snapshot: Snapshot) -> dict[str, Any]:
        files = ConfigFiles.from_mapping(store.configs_at(store.at(snapshot.revision)))
        return {
            "revision": snapshot.revision,
            "digest": snapshot.digest,
            "modelConfig": files.data("model-config"),
            "modes": files.data("modes"),
        }

    serving = state.stage in (Stage.CANARY, Stage.STAGED) and state.candidate is not None
    bundle = {
        "version": BUNDLE_VERSION,
        "generated_at": format_utc(now or utc_now()),
        "rollout_id": state.rollout_id,
        "stage": state.stage.value,
        "paused": state.paused,
        "weight": state.weight if state.stage is Stage.CANARY else 0,
        "bucketing": {
            "key": "rollout_id:user_id",
            "hash": state.bucketing,
            "buckets": 100,
            "bucket": buckets.RULES.get(state.bucketing, ""),
            "rule": "candidate when bucket <= weight",
        },
        "enabled": state.enabled,
        "forced": dict(state.forced),
        "stable": side(stable),
        "candidate": side(state.candidate) if serving and state.candidate else None,
    }
    bundle["digest"] = bundle_digest(bundle)
    return bundle
