"""hybridctl push: the current bundle to every target, read back and compared."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from hybridctl.cli.options import JsonOut, Place, with_options

EXAMPLES = """\
[bold]Examples[/bold]

  hybridctl push                                    [dim]# every target in settings[/dim]

  hybridctl push --target https://app-1.internal/hybridctl/bundle --ca-bundle corp-ca.pem

  hybridctl push --json                             [dim]# exit 0 every target serves it, 4 otherwise[/dim]
"""


@with_options
def command(
    place: Place,
    out: JsonOut,
    target: Annotated[
        list[str] | None,
        typer.Option(
            "--target", help="A management endpoint URL (repeatable).", show_default="targets in settings"
        ),
    ] = None,
    ca_bundle: Annotated[
        Path | None,
        typer.Option(
            "--ca-bundle",
            help="A CA (PEM) to trust beside the system's.",
            show_default="ca-bundle in settings",
        ),
    ] = None,
) -> None:
    """Send the current bundle to every target, read each back, and compare digests.

    Exit 0 when every target serves it; 4 when any failed or serves another bundle.
    """
    from hybridctl.app.delivery import push
    from hybridctl.errors import UsageError
    from hybridctl.output.rollout import render_push
    from hybridctl.urls import http_url

    space = place.workspace()
    targets = tuple(http_url(url, "--target") for url in target or ())  # checked like targets in settings
    if not (targets or space.remote.targets):
        raise UsageError("no targets to push to", hint="--target URL, or targets = [...] in hybridctl.toml")
    report = push(space, targets, ca_bundle)
    render_push(report, out.as_json)
    if not report.ok:
        raise typer.Exit(4)
