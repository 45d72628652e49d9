"""The Typer app: a registry of commands, each in its own module, and the one
error handler.

A run imports only the module of the command it runs, and builds an app
holding only that command: Typer turns every registered command into a click
command on each start (about 1 ms each), and importing every command module
costs more; help and completion need them all, a run does not. Commands import
their core modules inside the function body for the same reason.
"""

from __future__ import annotations

import functools
import importlib
import sys
from collections.abc import Callable
from typing import Any

import typer

from hybridctl import __version__

# name -> the module holding it, in the order help lists them. A module holds
# either one command (``command`` and its ``EXAMPLES``) or a group (``app``).
COMMANDS: dict[str, str] = {
    name: f"hybridctl.cli.{name}"
    for name in (
        "validate",
        "init",
        "backup",
        "restore",
        "diff",
        "history",
        "stage",
        "promote",
        "canary",
        "pause",
        "resume",
        "rollback",
        "retry",
        "disable",
        "enable",
        "force",
        "push",
        "serve",
        "status",
        "rollout",
        "render",
        "gate",
        "providers",
        "escalation",
        "eval",
        "route",
        "simulate",
        "report",
        "prices",
    )
}
HELP = (
    "Run a hybrid LLM model strategy safely: validate the configs, version them, "
    "roll them out in canary steps, and report what the strategy costs and saves."
)
EXIT_CODES = (
    "Exit codes: 0 ok, 1 check failed, 2 usage error, 3 refused or locked, 4 remote error, "
    "5 hold (gates or evals without a verdict yet, or a rollout paused for a person), "
    "6 timed out (rollout run), 130 interrupted."
)


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

    run.handles_errors = True  # type: ignore[attr-defined]
    return run


def load(name: str) -> typer.Typer | tuple[Callable[..., None], str]:
    """A group (its commands under the error handler) or a command and its examples."""
    module = importlib.import_module(COMMANDS[name])
    group = getattr(module, "app", None)
    if isinstance(group, typer.Typer):
        for registered in group.registered_commands:
            callback = registered.callback
            if callback is not None and not getattr(callback, "handles_errors", False):
                registered.callback = handle_errors(callback)
        return group
    return module.command, module.EXAMPLES


def _version(value: bool) -> None:
    if value:
        from hybridctl.usage.reader import reader_note

        typer.echo(f"hybridctl {__version__} ({reader_note()})")
        raise typer.Exit()


def root(
    version: bool = typer.Option(
        False, "--version", "-V", callback=_version, is_eager=True, help="Print the version and exit."
    ),
) -> None:
    """Run a hybrid LLM model strategy safely."""


def build_app(only: str | None = None) -> typer.Typer:
    """The app with every command, or with just ``only``."""
    typer_app = typer.Typer(
        name="hybridctl",
        help=HELP,
        epilog=EXIT_CODES,
        no_args_is_help=True,
        pretty_exceptions_enable=False,
        rich_markup_mode="rich",
        context_settings={"help_option_names": ["-h", "--help"]},
    )
    typer_app.callback()(root)
    for name in COMMANDS if only is None else (only,):
        entry = load(name)
        if isinstance(entry, typer.Typer):
            typer_app.add_typer(entry, name=name)
        else:
            command, examples = entry
            typer_app.command(name, epilog=examples)(handle_errors(command))
    return typer_app


def __getattr__(name: str) -> typer.Typer:
    """``app``, the whole app (help, completion, tests), built on first use only."""
    if name == "app":
        built = build_app()
        globals()["app"] = built
        return built
    raise AttributeError(name)


def main(argv: list[str] | None = None) -> None:
    """Console-script entry point."""
    args = sys.argv[1:] if argv is None else argv
    first = next((arg for arg in args if not arg.startswith("-")), None)
    try:
        build_app(first if first in COMMANDS else None)(args=args, prog_name="hybridctl")
    except KeyboardInterrupt:
        sys.stderr.write("interrupted\n")
        sys.exit(130)
