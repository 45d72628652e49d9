"""hybridctl backup create|list|show|prune."""

from __future__ import annotations

import typer

from hybridctl.cli.options import ConfigDir, Json, LockTimeout, Reason, StorePath, ignored_rules, workspace

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
def create(
    reason: Reason,
    config_dir: ConfigDir = None,
    store: StorePath = None,
    lock_timeout: LockTimeout = None,
    as_json: Json = False,
) -> None:
    """Validate the configs and record them as a backup (git commit and tag).

    An unchanged config makes no duplicate: it names the backup that holds it.
    """
    from hybridctl.output.store import render_backup
    from hybridctl.store.backup import create_backup

    render_backup(
        create_backup(workspace(config_dir, store, lock_timeout), reason=reason, ignore=ignored_rules()),
        as_json,
    )


@app.command("list", epilog=EXAMPLES)
def list_(
    limit: int | None = typer.Option(None, "--limit", "-n", help="Show at most this many."),
    config_dir: ConfigDir = None,
    store: StorePath = None,
    as_json: Json = False,
) -> None:
    """List backups, newest first."""
    from hybridctl.output.store import render_backup_list
    from hybridctl.store.backup import list_backups

    render_backup_list(list_backups(workspace(config_dir, store, None), limit=limit), as_json)


@app.command("show", epilog=EXAMPLES)
def show(
    backup_id: str = typer.Argument(..., metavar="ID", help="The backup id (hybridctl backup list)."),
    file_name: str | None = typer.Option(None, "--file", help="Print this file of the backup instead."),
    config_dir: ConfigDir = None,
    store: StorePath = None,
    as_json: Json = False,
) -> None:
    """Show a backup: its metadata and files."""
    from hybridctl.output.store import render_backup_show
    from hybridctl.store.backup import show_backup

    render_backup_show(show_backup(workspace(config_dir, store, None), backup_id), as_json, file_name)


@app.command("prune", epilog=EXAMPLES)
def prune(
    keep_days: float = typer.Option(7, "--keep-days", help="Keep backups younger than this."),
    keep_last: int = typer.Option(5, "--keep-last", help="Keep at least the newest this many."),
    dry_run: bool = typer.Option(False, "--dry-run", help="Say what would go; change nothing."),
    config_dir: ConfigDir = None,
    store: StorePath = None,
    lock_timeout: LockTimeout = None,
    as_json: Json = False,
) -> None:
    """Drop old backups from the list (history keeps their records).

    Never drops the backup that is stable in a rollout, or the one matching the working configs.
    """
    from hybridctl.output.store import render_prune
    from hybridctl.rollout.state import stable_digest
    from hybridctl.store.backup import prune_backups

    space = workspace(config_dir, store, lock_timeout)
    stable = {"stable in the rollout": stable_digest(space.config_dir)}
    result = prune_backups(space, keep_days=keep_days, keep_last=keep_last, dry_run=dry_run, keep=stable)
    render_prune(result, as_json)
