"""What every transition command does once its transition is recorded: print
it, deliver it to the targets and hooks, and exit 4 when a target did not
take it (the transition stays recorded; hybridctl push sends it again)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import typer

if TYPE_CHECKING:
    from hybridctl.app.workspace import Workspace
    from hybridctl.cli.options import Delivered
    from hybridctl.rollout.transaction import TransitionResult


def finish(space: Workspace, result: TransitionResult, delivered: Delivered) -> None:
    from hybridctl.app.delivery import deliver
    from hybridctl.output.rollout import render_transition

    needs_delivery = (space.remote.targets and not delivered.no_push) or space.remote.announcers
    delivery = deliver(space, result, send=not delivered.no_push) if needs_delivery else None
    render_transition(result, delivered.as_json, delivery)
    if delivery is not None and not delivery.ok:
        raise typer.Exit(4)


def forced_reason(force: bool, reason: str | None) -> None:
    """--force overrides checks: only with a reason, which is recorded."""
    if force and not reason:
        from hybridctl.errors import UsageError

        raise UsageError("--force needs --reason", hint="say why the checks are overridden; it is recorded")
