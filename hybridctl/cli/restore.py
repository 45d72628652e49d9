"""hybridctl restore: put a backup back into the config directory."""

from __future__ import annotations

import typer

from hybridctl.cli.options import (
    ConfigDir,
    Json,
    LockTimeout,
    OptionalReason,
    StorePath,
    ignored_rules,
    workspace,
)

EXAMPLES = """\
[bold]Examples[/bold]

  hybridctl restore 3                           [dim]# by backup id[/dim]

  hybridctl restore previous                    [dim]# the backup before the current one[/dim]

  hybridctl restore 2026-11-21T14:00Z           [dim]# as it was at that time (no offset: local time)[/dim]

  hybridctl restore 3 --dry-run                 [dim]# show the diff and checks only[/dim]

  hybridctl restore 3 --reason "undo bad threshold" --force
"""


def restore(
    target: str = typer.Argument(..., metavar="ID|TIME|previous", help="Which backup to restore."),
    dry_run: bool = typer.Option(False, "--dry-run", help="Show the diff and checks; change nothing."),
    force: bool = typer.Option(
        False, "--force", help="Restore even an invalid backup, or over changes no backup holds."
    ),
    reason: OptionalReason = None,
    config_dir: ConfigDir = None,
    store: StorePath = None,
    lock_timeout: LockTimeout = None,
    as_json: Json = False,
) -> None:
    """Restore a backup: show the diff, check it, write all files or none, record it.

    Refuses an invalid backup (exit 1) and working changes no backup holds (exit 3) unless --force.
    """
    from hybridctl.output.store import render_restore
    from hybridctl.store.restore import restore as run_restore

    result = run_restore(
        workspace(config_dir, store, lock_timeout),
        target,
        dry_run=dry_run,
        force=force,
        reason=reason,
        ignore=ignored_rules(),
    )
    render_restore(result, as_json)
