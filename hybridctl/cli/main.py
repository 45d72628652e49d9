"""Entry point: the Typer app, its commands, and the one error handler.

Commands import their core modules inside the function body so that
``hybridctl validate`` never pays for git, HTTP or report code at start-up.
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from typing import Any

import typer

from hybridctl import __version__
from hybridctl.cli import backup as backup_cmd
from hybridctl.cli import history as history_cmd
from hybridctl.cli import init as init_cmd
from hybridctl.cli import restore as restore_cmd
from hybridctl.cli import validate as validate_cmd

app = typer.Typer(
    name="hybridctl",
    help=(
        "Run a hybrid LLM model strategy safely: validate the configs, version them, "
        "roll them out in canary steps, and report what the strategy costs and saves."
    ),
    epilog="Exit codes: 0 ok, 1 check failed, 2 usage error, 3 refused or locked, 4 remote error.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode="rich",
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"hybridctl {__version__}")
        raise typer.Exit()


@app.callback()
def root(
    version: bool = typer.Option(
        False, "--version", "-V", callback=_version, is_eager=True, help="Print the version and exit."
    ),
) -> None:
    """Run a hybrid LLM model strategy safely."""


def handle_errors(command: Callable[..., None]) -> Callable[..., None]:
    """The one error handler: a HybridctlError becomes its message, its hint and
    its documented exit code, never a traceback."""

    @functools.wraps(command)
    def run(*args: Any, **kwargs: Any) -> None:
        from hybridctl.errors import HybridctlError

        try:
            command(*args, **kwargs)
        except HybridctlError as error:
            from hybridctl.output import render_error

            render_error(error)
            raise typer.Exit(int(error.exit_code)) from None

    return run


def register(typer_app: typer.Typer, name: str, command: Callable[..., None], examples: str) -> None:
    typer_app.command(name, epilog=examples)(handle_errors(command))


register(app, "validate", validate_cmd.validate, validate_cmd.EXAMPLES)
register(app, "init", init_cmd.init, init_cmd.EXAMPLES)
for _command in backup_cmd.app.registered_commands:
    _command.callback = handle_errors(_command.callback) if _command.callback else None
app.add_typer(backup_cmd.app, name="backup")
register(app, "restore", restore_cmd.restore, restore_cmd.EXAMPLES)
register(app, "diff", history_cmd.diff, history_cmd.DIFF_EXAMPLES)
register(app, "history", history_cmd.history, history_cmd.HISTORY_EXAMPLES)


def main(argv: list[str] | None = None) -> None:
    """Console-script entry point."""
    try:
        app(args=argv, prog_name="hybridctl")
    except KeyboardInterrupt:
        sys.stderr.write("interrupted\n")
        sys.exit(130)
