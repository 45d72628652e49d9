"""After a transition: deliver the new bundle to every target and announce it.

The store is the source of truth: the transition is recorded before anything
is sent, so a failed delivery leaves it recorded, and `hybridctl push` sends
it again. A rollback is retried harder, since what it replaces is what
failed."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any, NamedTuple

from hybridctl.app.workspace import Workspace
from hybridctl.remote.http import HARDER, Policy, token_from
from hybridctl.remote.notify import Sent, notify
from hybridctl.remote.push import PushReport, push_bundle, read_targets
from hybridctl.rollout.bundle import render_bundle
from hybridctl.rollout.machine import Action
from hybridctl.rollout.transaction import TransitionResult


class Delivery(NamedTuple):
    push: PushReport | None  # None: no targets, or --no-push
    notified: list[Sent]
    rollback: bool = False

    @property
    def ok(self) -> bool:
        return self.push is None or self.push.ok

    def to_dict(self) -> dict[str, Any]:
        return {
            "push": None if self.push is None else self.push.to_dict(),
            "notified": [s.to_dict() for s in self.notified],
        }


def push(
    workspace: Workspace, targets: Sequence[str] = (), ca_bundle: Path | None = None, *, harder: bool = False
) -> PushReport:
    """The current bundle to the given targets (default: the configured ones)."""
    chosen = tuple(targets) or workspace.remote.targets
    return push_bundle(
        render_bundle(workspace),
        chosen,
        token=token_from(workspace.remote.token_env),
        ca_bundle=ca_bundle or workspace.remote.ca_bundle,
        policy=HARDER if harder else Policy(),
    )


def remote_status(workspace: Workspace, ca_bundle: Path | None = None) -> PushReport:
    """What each configured target serves, against the bundle of the current state."""
    return read_targets(
        str(render_bundle(workspace)["digest"]),
        workspace.remote.targets,
        token=token_from(workspace.remote.token_env),
        ca_bundle=ca_bundle or workspace.remote.ca_bundle,
    )


def event(result: TransitionResult, digest: str) -> dict[str, object]:
    """What a hook receives: the move, who, why, the verdict, the digest, and a line for people."""
    before, after = result.before, result.after
    verdict = result.gates.verdict if result.gates else None
    text = (
        f"hybridctl {result.action} by {after.last.actor if after.last else '?'}: {result.summary}"
        + (f" (gates: {verdict})" if verdict else "")
        + (f". Reason: {after.last.reason}" if after.last and after.last.reason else "")
    )
    return {
        "version": 1,
        "action": result.action,
        "status": result.status,
        "from": {"stage": before.stage.value, "weight": before.weight, "enabled": before.enabled},
        "to": {"stage": after.stage.value, "weight": after.weight, "enabled": after.enabled},
        "actor": after.last.actor if after.last else None,
        "reason": after.last.reason if after.last else None,
        "revision": result.record.revision if result.record else None,
        "gates": verdict,
        "digest": digest,
        "text": text,
    }


def deliver(workspace: Workspace, result: TransitionResult, *, send: bool = True) -> Delivery:
    """Push the bundle the transition left (when targets are configured and
    ``send``), then announce the transition to every hook."""
    is_rollback = result.action == Action.ROLLBACK.value
    report = None
    if send and workspace.remote.targets:
        report = push(workspace, harder=is_rollback)
    notified: list[Sent] = []
    if result.status == "applied" and workspace.remote.announcers:
        digest = report.digest if report else str(render_bundle(workspace)["digest"])
        notified = notify(
            event(result, digest), workspace.remote.announcers, ca_bundle=workspace.remote.ca_bundle
        )
    return Delivery(report, notified, is_rollback)
