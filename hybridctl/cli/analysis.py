"""hybridctl rollout reconcile, rollout run, and providers check."""

from __future__ import annotations

from typing import Annotated

import typer

from hybridctl.cli.options import ConfigDir, Json, LockTimeout, NoPush, StorePath, workspace

RECONCILE_EXAMPLES = """\
[bold]Examples[/bold]

  hybridctl rollout reconcile                  [dim]# from cron every few minutes: exit 1 means look[/dim]

  */5 * * * * cd /srv/strategy && hybridctl rollout reconcile --json >> reconcile.log
"""
RUN_EXAMPLES = """\
[bold]Examples[/bold]

  hybridctl rollout run                         [dim]# until it completes, rolls back or pauses[/dim]

  hybridctl rollout run --interval 60 --timeout 7200 --json   [dim]# in CI: one JSON line per turn[/dim]
"""
PROVIDERS_EXAMPLES = """\
[bold]Examples[/bold]

  hybridctl providers check                     [dim]# keys from ZAI_API_KEY, ANTHROPIC_API_KEY, ...[/dim]

  hybridctl providers check --offline           [dim]# in CI without keys: skipped, exit 0[/dim]
"""

# rollout run ends: completed 0, rolled back 1, nothing in flight 3, a push failed 4,
# paused or held for a person 5, timed out 6.
RUN_EXIT = {"completed": 0, "rolled-back": 1, "nothing": 3, "paused": 5, "held": 5, "timed-out": 6}


def reconcile(
    interval: Annotated[
        float | None,
        typer.Option("--interval", help="Seconds between measurements.", show_default="rollout.analysis"),
    ] = None,
    config_dir: ConfigDir = None,
    store: StorePath = None,
    lock_timeout: LockTimeout = None,
    as_json: Json = False,
    no_push: NoPush = False,
) -> None:
    """One measurement and the action it calls for: promote, roll back, pause, or wait.

    Safe from cron or CI: locked, and a second run within the interval changes nothing.
    Exit 0 when nothing needs a person (waited, promoted, completed); 1 when it rolled back,
    paused, or finds the rollout paused or the kill switch on; 4 when a push failed.
    """
    from hybridctl.app.delivery import deliver
    from hybridctl.app.reconcile import reconcile as run
    from hybridctl.output.analysis import render_reconcile

    space = workspace(config_dir, store, lock_timeout)
    result = run(space, interval_s=interval)
    delivery = None if result.moved is None else deliver(space, result.moved, send=not no_push)
    render_reconcile(result, delivery, as_json)
    if delivery is not None and not delivery.ok:
        raise typer.Exit(4)
    if result.needs_a_person:
        raise typer.Exit(1)


def run(
    interval: Annotated[
        float | None,
        typer.Option("--interval", help="Seconds between measurements.", show_default="rollout.analysis"),
    ] = None,
    timeout: Annotated[
        float | None, typer.Option("--timeout", help="Give up after this many seconds (exit 6).")
    ] = None,
    config_dir: ConfigDir = None,
    store: StorePath = None,
    lock_timeout: LockTimeout = None,
    as_json: Json = False,
    no_push: NoPush = False,
) -> None:
    """Reconcile in a loop until the rollout completes, rolls back, pauses or times out.

    Exit 0 completed; 1 rolled back; 3 nothing in flight; 4 a push failed; 5 paused or held
    for a person; 6 timed out (the rollout is still in flight).
    """
    from hybridctl.app.reconcile import run as run_rollout
    from hybridctl.output.analysis import RunView, render_run_end

    space = workspace(config_dir, store, lock_timeout)
    view = RunView(as_json)
    try:
        result = run_rollout(
            space, interval_s=interval, timeout_s=timeout, send=not no_push, on_turn=view.turn
        )
    finally:
        view.close()
    render_run_end(result, as_json)
    if not result.delivered:
        raise typer.Exit(4)
    raise typer.Exit(RUN_EXIT.get(result.outcome, 1))


providers_app = typer.Typer(help="The providers of the model catalog.", no_args_is_help=True)


@providers_app.command("check", epilog=PROVIDERS_EXAMPLES)
def providers_check(
    offline: Annotated[bool, typer.Option("--offline", help="Ask no provider (CI without keys).")] = False,
    config_dir: ConfigDir = None,
    as_json: Json = False,
) -> None:
    """Ask each provider (GET {baseUrl}/models, its key from the environment) whether
    every configured model is served.

    Exit 1 when a model in use is missing, or its provider is unreachable or refuses the key.
    """
    from hybridctl.app.catalog import check_providers
    from hybridctl.output.analysis import render_providers

    report = check_providers(workspace(config_dir, None, None), offline=offline)
    render_providers(report, as_json)
    if not report.ok:
        raise typer.Exit(1)
