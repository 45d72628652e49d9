"""hybridctl init: scaffold configs, schemas and the store."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from hybridctl.cli.options import JsonOut, Place, with_options

EXAMPLES = """\
[bold]Examples[/bold]

  hybridctl init                      [dim]# here: configs/, schemas/, backups/[/dim]

  hybridctl init my-strategy          [dim]# in a new directory[/dim]

  hybridctl init --store ../history   [dim]# keep the store elsewhere (writes hybridctl.toml)[/dim]

  hybridctl init --store-only         [dim]# a store for configs you already have[/dim]

  hybridctl init --store-remote git@git.internal:platform/hybridctl-store.git   [dim]# share it[/dim]
"""


@with_options
def command(
    place: Place,
    out: JsonOut,
    directory: Annotated[Path, typer.Argument(help="Where to create the setup.")] = Path(),
    store_only: Annotated[
        bool, typer.Option("--store-only", help="Only create the store, for existing configs.")
    ] = False,
    store_remote: Annotated[
        str | None,
        typer.Option(
            "--store-remote",
            help="A git URL the team shares the store through: joins it (clone) or publishes this one.",
        ),
    ] = None,
) -> None:
    """Create a working setup: the default strategy, its schemas, and a store with a first backup.

    Refuses to overwrite anything that exists.
    """
    from hybridctl.app.scaffold import init_project, init_store
    from hybridctl.app.settings import load_settings
    from hybridctl.output.store import render_init

    if store_remote is not None:
        from hybridctl.urls import git_remote

        git_remote(store_remote, "--store-remote")  # before anything runs or is made
    if store_only:
        result = init_store(place.workspace())
    else:
        actor = load_settings().actor
        result = init_project(directory, store=place.store, actor=actor, store_remote=store_remote)
    render_init(result, out.as_json)
