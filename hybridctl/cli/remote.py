"""hybridctl push and hybridctl serve."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from hybridctl.cli.options import ConfigDir, Json, StorePath, workspace

PUSH_EXAMPLES = """\
[bold]Examples[/bold]

  hybridctl push                                    [dim]# every target in settings[/dim]

  hybridctl push --target https://app-1.internal/hybridctl/bundle --ca-bundle corp-ca.pem

  hybridctl push --json                             [dim]# exit 0 every target serves it, 4 otherwise[/dim]
"""
SERVE_EXAMPLES = """\
[bold]Examples[/bold]

  hybridctl serve --port 8700 --dir /var/lib/app/hybridctl   [dim]# PUT/GET http://127.0.0.1:8700/bundle[/dim]

  HYBRIDCTL_TARGET_TOKEN=... hybridctl serve --port 8700 --dir state   [dim]# require the bearer token[/dim]
"""
CaBundle = Annotated[
    Path | None,
    typer.Option(
        "--ca-bundle", help="A CA (PEM) to trust beside the system's.", show_default="ca-bundle in settings"
    ),
]


def push(
    target: Annotated[
        list[str] | None,
        typer.Option(
            "--target", help="A management endpoint URL (repeatable).", show_default="targets in settings"
        ),
    ] = None,
    ca_bundle: CaBundle = None,
    config_dir: ConfigDir = None,
    store: StorePath = None,
    as_json: Json = False,
) -> None:
    """Send the current bundle to every target, read each back, and compare digests.

    Exit 0 when every target serves it; 4 when any failed or serves another bundle.
    """
    from hybridctl.errors import UsageError
    from hybridctl.output.rollout import render_push
    from hybridctl.rollout.deliver import push as run

    space = workspace(config_dir, store, None)
    if not (target or space.remote.targets):
        raise UsageError("no targets to push to", hint="--target URL, or targets = [...] in hybridctl.toml")
    report = run(space, target or (), ca_bundle)
    render_push(report, as_json)
    if not report.ok:
        raise typer.Exit(4)


def serve(
    port: Annotated[int, typer.Option("--port", help="Port to listen on.")] = 8700,
    host: Annotated[str, typer.Option("--host", help="Address to listen on.")] = "127.0.0.1",
    directory: Annotated[Path, typer.Option("--dir", help="Where the received bundle is kept.")] = Path(
        "hybridctl-endpoint"
    ),
    token_env: Annotated[
        str,
        typer.Option(
            "--token-env", help="Require the bearer token held in this environment variable, when set."
        ),
    ] = "HYBRIDCTL_TARGET_TOKEN",
) -> None:
    """A reference management endpoint: PUT a bundle, GET what is served, /healthz.

    For an application that wants hybridctl's contract without writing it; Ctrl-C stops.
    """
    import sys

    from hybridctl.remote.http import token_from
    from hybridctl.remote.serve import serve as make

    endpoint = make(host, port, directory, token_from(token_env))
    sys.stderr.write(
        f"serving the management contract on http://{host}:{endpoint.server_port}/ (bundle in {directory})\n"
    )
    sys.stderr.flush()
    with endpoint:
        endpoint.serve_forever()
