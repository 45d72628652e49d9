"""The deployable bundle: what an application needs to route traffic."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from hybridctl.config.diff import parse_snapshot
from hybridctl.rollout.state import RolloutState, Snapshot, Stage
from hybridctl.store.records import format_time
from hybridctl.workspace import Workspace, utc_now

BUNDLE_VERSION = 1


def render_bundle(workspace: Workspace, now: datetime | None = None) -> dict[str, Any]:
    from hybridctl.rollout.ops import load_state

    store = workspace.open_store()
    state = load_state(store)
    stable = state.stable
    if stable is None:  # no rollout yet: what was last recorded is what runs
        head = store.head()
        if head is None:
            from hybridctl.errors import UsageError

            raise UsageError(
                "the store has nothing recorded to render", hint="hybridctl init, or backup create"
            )
        stable = Snapshot(head.revision, head.digest)
        state = RolloutState(stable=stable)

    def side(snapshot: Snapshot) -> dict[str, Any]:
        modes, config = parse_snapshot(store.configs_at(store.at(snapshot.revision)))
        return {
            "revision": snapshot.revision,
            "digest": snapshot.digest,
            "modelConfig": config,
            "modes": modes,
        }

    serving = state.stage in (Stage.CANARY, Stage.STAGED) and state.candidate is not None
    return {
        "version": BUNDLE_VERSION,
        "generated_at": format_time(now or utc_now()),
        "rollout_id": state.rollout_id,
        "stage": state.stage.value,
        "paused": state.paused,
        "weight": state.weight if state.stage is Stage.CANARY else 0,
        "bucketing": {
            "key": "rollout_id:user_id",
            "hash": "sha256",
            "buckets": 100,
            "rule": "candidate when bucket <= weight",
        },
        "stable": side(stable),
        "candidate": side(state.candidate) if serving and state.candidate else None,
    }
