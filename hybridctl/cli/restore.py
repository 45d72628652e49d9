"""hybridctl restore: put a backup back into the config directory."""

from __future__ import annotations

from typing import Annotated

import typer

from hybridctl.cli.options import Changing, JsonOut, OptionalReason, ignored_rules, with_options

EXAMPLES = """\
[bold]Examples[/bold]

  hybridctl restore 3                           [dim]# by backup id[/dim]

  hybridctl restore previous                    [dim]# the backup before the current one[/dim]

  hybridctl restore 2026-11-21T14:00Z           [dim]# as it was at that time (no offset: local time)[/dim]

  hybridctl restore 3 --dry-run                 [dim]# show the diff and checks only[/dim]

  hybridctl restore 3 --reason "undo bad threshold" --force
"""


@with_options
def command(
    target: Annotated[str, typer.Argument(metavar="ID|TIME|previous", help="Which backup to restore.")],
    place: Changing,
    out: JsonOut,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Show the diff and checks; change nothing.")
    ] = False,
    force: Annotated[
        bool, typer.Option("--force", help="Restore even an invalid backup, or over changes no backup holds.")
    ] = False,
    reason: OptionalReason = None,
) -> None:
    """Restore a backup: show the diff, check it, write all files or none, record it.

    Refuses an invalid backup (exit 1) and working changes no backup holds (exit 3) unless --force.
    """
    from hybridctl.output.store import render_restore
    from hybridctl.store.restore import restore

    result = restore(
        place.workspace(), target, dry_run=dry_run, force=force, reason=reason, ignore=ignored_rules()
    )
    render_restore(result, out.as_json)
