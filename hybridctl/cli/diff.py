"""hybridctl diff: what changed between two snapshots, and what each would cost."""

from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import Annotated

import typer

from hybridctl.cli.options import Place, with_options

EXAMPLES = """\
[bold]Examples[/bold]

  hybridctl diff                                [dim]# latest revision -> working configs[/dim]

  hybridctl diff 3                              [dim]# revision 3 -> working configs[/dim]

  hybridctl diff 3 7 --format markdown          [dim]# for a pull request[/dim]

  hybridctl diff previous working --usage usage.jsonl   [dim]# and the cost per 1k requests[/dim]
"""


class DiffFormat(str, Enum):
    text = "text"
    json = "json"
    markdown = "markdown"


@with_options
def command(
    place: Place,
    before: Annotated[
        str | None, typer.Argument(metavar="[A]", help="Revision, time, 'previous' or 'working'.")
    ] = None,
    after: Annotated[str | None, typer.Argument(metavar="[B]", help="Default: the working configs.")] = None,
    output_format: Annotated[
        DiffFormat, typer.Option("--format", "-f", help="Output format.")
    ] = DiffFormat.text,
    raw: Annotated[bool, typer.Option("--raw", help="Add a unified diff of the files.")] = False,
    usage: Annotated[
        list[Path] | None,
        typer.Option(
            "--usage",
            help="Usage files (as report reads them): estimate the cost per 1,000 requests of each side.",
        ),
    ] = None,
) -> None:
    """What changed between two snapshots, role by role and price by price."""
    from hybridctl.app.diff import diff
    from hybridctl.output.store import render_diff

    report = diff(place.workspace(), before, after, usage_paths=usage or (), raw=raw)
    render_diff(report, output_format.value)
