"""hybridctl rollout plan|reconcile|run: the plan ahead, and the automated analysis."""

from __future__ import annotations

from typing import Annotated

import typer

from hybridctl.cli.options import Changing, Delivered, JsonOut, Place, with_options

EXAMPLES = """\
[bold]Examples[/bold]

  hybridctl rollout plan

  hybridctl rollout reconcile                  [dim]# from cron every few minutes: exit 1 means look[/dim]

  */5 * * * * cd /srv/strategy && hybridctl rollout reconcile --json >> reconcile.log

  hybridctl rollout run                         [dim]# until it completes, rolls back or pauses[/dim]

  hybridctl rollout run --interval 60 --timeout 7200 --json   [dim]# in CI: one JSON line per turn[/dim]
"""
Interval = Annotated[
    float | None,
    typer.Option("--interval", help="Seconds between measurements.", show_default="rollout.analysis"),
]
# rollout run ends: completed 0, rolled back 1, nothing in flight 3, a push failed 4,
# paused or held for a person 5, timed out 6.
RUN_EXIT = {"completed": 0, "rolled-back": 1, "nothing": 3, "paused": 5, "held": 5, "timed-out": 6}

app = typer.Typer(help="The rollout plan, and the automated analysis.", no_args_is_help=True)


@app.command("plan", epilog=EXAMPLES)
@with_options
def plan(place: Place, out: JsonOut) -> None:
    """The plan's steps and the earliest time each next step is allowed (its minimum soak time)."""
    from hybridctl.app.status import plan as run
    from hybridctl.output.rollout import render_plan

    render_plan(run(place.workspace()), out.as_json)


@app.command("reconcile", epilog=EXAMPLES)
@with_options
def reconcile(place: Changing, delivered: Delivered, interval: Interval = None) -> None:
    """One measurement and the action it calls for: promote, roll back, pause, or wait.

    Safe from cron or CI: locked, and a second run within the interval changes nothing.
    Exit 0 when nothing needs a person (waited, promoted, completed); 1 when it rolled back,
    paused, or finds the rollout paused or the kill switch on; 4 when a push failed.
    """
    from hybridctl.app.delivery import deliver
    from hybridctl.app.reconcile import reconcile as run
    from hybridctl.output.analysis import render_reconcile

    space = place.workspace()
    result = run(space, interval_s=interval)
    delivery = None if result.moved is None else deliver(space, result.moved, send=not delivered.no_push)
    render_reconcile(result, delivery, delivered.as_json)
    if delivery is not None and not delivery.ok:
        raise typer.Exit(4)
    if result.needs_a_person:
        raise typer.Exit(1)


@app.command("run", epilog=EXAMPLES)
@with_options
def run(
    place: Changing,
    delivered: Delivered,
    interval: Interval = None,
    timeout: Annotated[
        float | None, typer.Option("--timeout", help="Give up after this many seconds (exit 6).")
    ] = None,
) -> None:
    """Reconcile in a loop until the rollout completes, rolls back, pauses or times out.

    Exit 0 completed; 1 rolled back; 3 nothing in flight; 4 a push failed; 5 paused or held
    for a person; 6 timed out (the rollout is still in flight).
    """
    from hybridctl.app.reconcile import run as run_rollout
    from hybridctl.output.analysis import RunView, render_run_end

    space = place.workspace()
    view = RunView(delivered.as_json)
    try:
        result = run_rollout(
            space, interval_s=interval, timeout_s=timeout, send=not delivered.no_push, on_turn=view.turn
        )
    finally:
        view.close()
    render_run_end(result, delivered.as_json)
    if not result.delivered:
        raise typer.Exit(4)
    raise typer.Exit(RUN_EXIT.get(result.outcome, 1))
