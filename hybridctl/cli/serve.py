"""hybridctl serve: the reference management endpoint."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    from hybridctl.app.approval_desk import ApprovalDesk

EXAMPLES = """\
[bold]Examples[/bold]

  [dim]# PUT/GET http://127.0.0.1:8700/bundle with the bearer token in HYBRIDCTL_TARGET_TOKEN[/dim]
  HYBRIDCTL_TARGET_TOKEN=... hybridctl serve --port 8700 --dir /var/lib/app/hybridctl

  hybridctl serve --no-auth --port 8700 --dir state   [dim]# a test on loopback: anyone may PUT[/dim]

  [dim]# in a setup: also POST /escalations, GET /escalations/ID (grants: HYBRIDCTL_GRANT_KEY)[/dim]
  hybridctl serve --escalations --port 8700
"""


def command(
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
    escalations: Annotated[
        bool,
        typer.Option(
            "--escalations",
            help="Also take escalation requests (POST /escalations) and answer GET /escalations/ID, "
            "recorded in the store of the setup found from here.",
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
    endpoint = make(host, port, directory, token, desk=_desk() if escalations else None)
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


def _desk() -> ApprovalDesk:
    """The escalation queue of the setup found from here (refused now, not at the first request)."""
    from hybridctl.app.approval_desk import ApprovalDesk
    from hybridctl.app.settings import load_settings
    from hybridctl.app.workspace import Workspace
    from hybridctl.credentials import grant_key

    space = Workspace.from_settings(load_settings())
    space.open_store()
    return ApprovalDesk(space, grant_key())
