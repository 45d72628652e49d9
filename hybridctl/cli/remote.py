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

  [dim]# PUT/GET http://127.0.0.1:8700/bundle with the bearer token in HYBRIDCTL_TARGET_TOKEN[/dim]
  HYBRIDCTL_TARGET_TOKEN=... hybridctl serve --port 8700 --dir /var/lib/app/hybridctl

  hybridctl serve --no-auth --port 8700 --dir state   [dim]# a test on loopback: anyone may PUT[/dim]
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
    from hybridctl.app.delivery import push as run
    from hybridctl.errors import UsageError
    from hybridctl.output.rollout import render_push

    space = workspace(config_dir, store, None)
    if not (target or space.remote.targets):
        raise UsageError("no targets to push to", hint="--target URL, or targets = [...] in hybridctl.toml")
    report = run(space, target or (), ca_bundle)
    render_push(report, as_json)
    if not report.ok:
        raise typer.Exit(4)


def serve(
    port: Annotated[int, typer.Option("--port", help="Port to listen on.", min=0, max=65535)] = 8700,
    host: Annotated[str, typer.Option("--host", help="Address to listen on.")] = "127.0.0.1",
    directory: Annotated[Path, typer.Option("--dir", help="Where the received bundle is kept.")] = Path(
        "hybridctl-endpoint"
    ),
    token_env: Annotated[
        str,
        typer.Option(
            "--token-env", help="The environment variable holding the bearer token clients must send."
        ),
    ] = "HYBRIDCTL_TARGET_TOKEN",
    no_auth: Annotated[
        bool,
        typer.Option(
            "--no-auth", help="Accept requests without a token (a test on loopback, never production)."
        ),
    ] = False,
) -> None:
    """A reference management endpoint: PUT a bundle, GET what is served, /healthz.

    For an application that wants hybridctl's contract without writing it; Ctrl-C stops.
    Refuses to start without a token unless --no-auth is given.
    """
    import sys

    from hybridctl.errors import UsageError
    from hybridctl.remote.http import token_from
    from hybridctl.remote.serve import serve as make

    token = token_from(token_env)
    if token is None and not no_auth:
        raise UsageError(
            f"refusing to serve without a token: {token_env} is not set, so anyone who can reach "
            "the port could change what the application serves",
            hint=f"export {token_env}=<a long random token> (the one hybridctl push sends), "
            "or --no-auth for a test on loopback",
        )
    if token is not None and no_auth:
        raise UsageError(f"--no-auth and a token in {token_env}: choose one", hint=f"unset {token_env}")
    endpoint = make(host, port, directory, token)
    if no_auth:
        sys.stderr.write(
            "WARNING: --no-auth: anyone who can reach this port can change what the application serves\n"
        )
    sys.stderr.write(
        f"serving the management contract on http://{host}:{endpoint.server_port}/ (bundle in {directory})\n"
    )
    sys.stderr.flush()
    with endpoint:
        endpoint.serve_forever()
