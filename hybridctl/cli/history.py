"""hybridctl history and hybridctl diff."""

from __future__ import annotations

from enum import Enum
from pathlib import Path

import typer

from hybridctl.cli.options import ConfigDir, Json, StorePath, workspace

HISTORY_EXAMPLES = """\
[bold]Examples[/bold]

  hybridctl history

  hybridctl history --limit 10 --json
"""

DIFF_EXAMPLES = """\
[bold]Examples[/bold]

  hybridctl diff                                [dim]# latest revision -> working configs[/dim]

  hybridctl diff 3                              [dim]# revision 3 -> working configs[/dim]

  hybridctl diff 3 7 --format markdown          [dim]# for a pull request[/dim]

  hybridctl diff previous working --usage usage.jsonl   [dim]# and the cost per 1k requests[/dim]

  hybridctl diff 3 --raw                        [dim]# plus a unified diff of the files[/dim]
"""


class DiffFormat(str, Enum):
    text = "text"
    json = "json"
    markdown = "markdown"


def history(
    limit: int | None = typer.Option(None, "--limit", "-n", help="Show the newest this many."),
    config_dir: ConfigDir = None,
    store: StorePath = None,
    as_json: Json = False,
) -> None:
    """One row per recorded change: backups, restores and rollout steps."""
    from hybridctl.output.store import render_history
    from hybridctl.store.history import history as run_history

    render_history(run_history(workspace(config_dir, store, None), limit=limit), as_json)


def diff(
    before: str | None = typer.Argument(None, metavar="[A]", help="Revision, time, 'previous' or 'working'."),
    after: str | None = typer.Argument(None, metavar="[B]", help="Default: the working configs."),
    output_format: DiffFormat = typer.Option(DiffFormat.text, "--format", "-f", help="Output format."),
    raw: bool = typer.Option(False, "--raw", help="Add a unified diff of the files."),
    usage: list[Path] | None = typer.Option(
        None,
        "--usage",
        help="Usage files (as report reads them): estimate the cost per 1,000 requests of each side.",
    ),
    config_dir: ConfigDir = None,
    store: StorePath = None,
) -> None:
    """What changed between two snapshots, role by role and price by price."""
    from hybridctl.app.diff import diff as run_diff
    from hybridctl.output.store import render_diff

    report = run_diff(workspace(config_dir, store, None), before, after, usage_paths=usage or (), raw=raw)
    render_diff(report, output_format.value)
