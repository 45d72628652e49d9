"""hybridctl backup create|list|show|prune."""

from __future__ import annotations

from typing import Annotated

import typer

from hybridctl.cli.options import Changing, JsonOut, Place, Reason, ignored_rules, with_options

EXAMPLES = """\
[bold]Examples[/bold]

  hybridctl backup create --reason "before raising the escalation threshold"

  hybridctl backup list --limit 5

  hybridctl backup show 3

  hybridctl backup show 3 --file model-config.json

  hybridctl backup prune --keep-days 7 --keep-last 5 --dry-run
"""

app = typer.Typer(help="Record, list, show and prune backups of the config directory.", no_args_is_help=True)


@app.command("create", epilog=EXAMPLES)
@with_options
def create(reason: Reason, place: Changing, out: JsonOut) -> None:
    """Validate the configs and record them as a backup (git commit and tag).

    An unchanged config makes no duplicate: it names the backup that holds it.
    """
    from hybridctl.output.store import render_backup
    from hybridctl.store.backup import create_backup

    render_backup(create_backup(place.workspace(), reason=reason, ignore=ignored_rules()), out.as_json)


@app.command("list", epilog=EXAMPLES)
@with_options
def list_(
    place: Place,
    out: JsonOut,
    limit: Annotated[int | None, typer.Option("--limit", "-n", help="Show at most this many.")] = None,
) -> None:
    """List backups, newest first."""
    from hybridctl.output.store import render_backup_list
    from hybridctl.store.backup import list_backups

    render_backup_list(list_backups(place.workspace(), limit=limit), out.as_json)


@app.command("show", epilog=EXAMPLES)
@with_options
def show(
    backup_id: Annotated[str, typer.Argument(metavar="ID", help="The backup id (hybridctl backup list).")],
    place: Place,
    out: JsonOut,
    file_name: Annotated[
        str | None, typer.Option("--file", help="Print this file of the backup instead.")
    ] = None,
) -> None:
    """Show a backup: its metadata and files."""
    from hybridctl.output.store import render_backup_show
    from hybridctl.store.backup import show_backup

    render_backup_show(show_backup(place.workspace(), backup_id), out.as_json, file_name)


@app.command("prune", epilog=EXAMPLES)
@with_options
def prune(
    place: Changing,
    out: JsonOut,
    keep_days: Annotated[float, typer.Option("--keep-days", help="Keep backups younger than this.")] = 7,
    keep_last: Annotated[int, typer.Option("--keep-last", help="Keep at least the newest this many.")] = 5,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Say what would go; change nothing.")] = False,
) -> None:
    """Drop old backups from the list (history keeps their records).

    Never drops the backup that is stable in a rollout, or the one matching the working configs.
    """
    from hybridctl.output.store import render_prune
    from hybridctl.rollout.state import stable_digest
    from hybridctl.store.backup import prune_backups

    space = place.workspace()
    stable = {"stable in the rollout": stable_digest(space.config_dir)}
    result = prune_backups(space, keep_days=keep_days, keep_last=keep_last, dry_run=dry_run, keep=stable)
    render_prune(result, out.as_json)
