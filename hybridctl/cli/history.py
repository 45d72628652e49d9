"""hybridctl history: every recorded change, oldest first."""

from __future__ import annotations

from typing import Annotated

import typer

from hybridctl.cli.options import JsonOut, Place, with_options

EXAMPLES = """\
[bold]Examples[/bold]

  hybridctl history

  hybridctl history --limit 10 --json
"""


@with_options
def command(
    place: Place,
    out: JsonOut,
    limit: Annotated[int | None, typer.Option("--limit", "-n", help="Show the newest this many.")] = None,
) -> None:
    """One row per recorded change: backups, restores and rollout steps."""
    from hybridctl.output.store import render_history
    from hybridctl.store.history import history

    render_history(history(place.workspace(), limit=limit), out.as_json)
