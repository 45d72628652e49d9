"""hybridctl status: where the rollout stands, for people, CI and monitors."""

from __future__ import annotations

from typing import Annotated

import typer

from hybridctl.cli.options import JsonOut, Place, Usage, with_options

EXAMPLES = """\
[bold]Examples[/bold]

  hybridctl status --usage usage.jsonl

  hybridctl status --json                       [dim]# exit 0 healthy, 1 failing or drifted[/dim]

  hybridctl status --watch --interval 30
"""


@with_options
def command(
    place: Place,
    out: JsonOut,
    usage: Usage = None,
    watch: Annotated[bool, typer.Option("--watch", "-w", help="Refresh until interrupted.")] = False,
    interval: Annotated[float, typer.Option("--interval", help="Seconds between refreshes.")] = 10.0,
    count: Annotated[int | None, typer.Option("--count", help="Stop after this many refreshes.")] = None,
    remote: Annotated[
        bool, typer.Option("--remote", help="Also ask every target which bundle it serves.")
    ] = False,
) -> None:
    """Stage, weight, revisions, models per role, gates and the last action.

    Exit 0 when healthy (an aborted rollout serving stable is); 1 when failing its gates, a rollback
    is recommended, the config directory drifted from what is served, or (--remote) a target serves
    another bundle or none.
    """
    from hybridctl.app.status import status
    from hybridctl.output.rollout import render_status, watch_status

    space = place.workspace()
    if watch:
        result = watch_status(
            lambda: status(space, usage=tuple(usage or ()), remote=remote),
            as_json=out.as_json,
            interval=interval,
            count=count,
        )
    else:
        result = status(space, usage=tuple(usage or ()), remote=remote)
        render_status(result, out.as_json)
    if not result.healthy:
        raise typer.Exit(1)
