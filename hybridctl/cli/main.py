"""Entry point: the Typer app, its commands, and the one error handler.

Commands import their core modules inside the function body so that
``hybridctl validate`` never pays for git, HTTP or report code at start-up.
For the same reason ``main`` builds an app holding only the command being
run: Typer turns every registered command into a click command on each
start (about 1 ms each), which help and completion need and a run does not.
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from typing import Any

import typer

from hybridctl import __version__
from hybridctl.cli import analysis as analysis_cmd
from hybridctl.cli import backup as backup_cmd
from hybridctl.cli import escalation as escalation_cmd
from hybridctl.cli import history as history_cmd
from hybridctl.cli import init as init_cmd
from hybridctl.cli import remote as remote_cmd
from hybridctl.cli import report as report_cmd
from hybridctl.cli import restore as restore_cmd
from hybridctl.cli import rollout as rollout_cmd
from hybridctl.cli import route as route_cmd
from hybridctl.cli import simulate as simulate_cmd
from hybridctl.cli import validate as validate_cmd


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


# Command groups get the error handler once, here.
for _group in (
    backup_cmd.app,
    rollout_cmd.canary_app,
    rollout_cmd.rollout_app,
    rollout_cmd.gate_app,
    analysis_cmd.providers_app,
    escalation_cmd.escalation_app,
    route_cmd.route_app,
    report_cmd.report_app,
    report_cmd.prices_app,
):
    for _command in _group.registered_commands:
        if _command.callback is not None:
            _command.callback = handle_errors(_command.callback)

# name -> a command (function, examples) or a group; in the order help lists them
COMMANDS: dict[str, tuple[Callable[..., None], str] | typer.Typer] = {
    "validate": (validate_cmd.validate, validate_cmd.EXAMPLES),
    "init": (init_cmd.init, init_cmd.EXAMPLES),
    "backup": backup_cmd.app,
    "restore": (restore_cmd.restore, restore_cmd.EXAMPLES),
    "diff": (history_cmd.diff, history_cmd.DIFF_EXAMPLES),
    "history": (history_cmd.history, history_cmd.HISTORY_EXAMPLES),
    "stage": (rollout_cmd.stage, rollout_cmd.STAGE_EXAMPLES),
    "promote": (rollout_cmd.promote, rollout_cmd.PROMOTE_EXAMPLES),
    "canary": rollout_cmd.canary_app,
    "pause": (rollout_cmd.pause, rollout_cmd.OTHER_EXAMPLES),
    "resume": (rollout_cmd.resume, rollout_cmd.OTHER_EXAMPLES),
    "rollback": (rollout_cmd.rollback, rollout_cmd.ROLLBACK_EXAMPLES),
    "retry": (rollout_cmd.retry, rollout_cmd.OTHER_EXAMPLES),
    "disable": (rollout_cmd.disable, rollout_cmd.CONTROL_EXAMPLES),
    "enable": (rollout_cmd.enable, rollout_cmd.CONTROL_EXAMPLES),
    "force": (rollout_cmd.force, rollout_cmd.CONTROL_EXAMPLES),
    "push": (remote_cmd.push, remote_cmd.PUSH_EXAMPLES),
    "serve": (remote_cmd.serve, remote_cmd.SERVE_EXAMPLES),
    "status": (rollout_cmd.status, rollout_cmd.STATUS_EXAMPLES),
    "rollout": rollout_cmd.rollout_app,
    "render": (rollout_cmd.render, rollout_cmd.OTHER_EXAMPLES),
    "gate": rollout_cmd.gate_app,
    "providers": analysis_cmd.providers_app,
    "escalation": escalation_cmd.escalation_app,
    "route": route_cmd.route_app,
    "simulate": (simulate_cmd.simulate, simulate_cmd.EXAMPLES),
    "report": report_cmd.report_app,
    "prices": report_cmd.prices_app,
}


def build_app(only: str | None = None) -> typer.Typer:
    """The app with every command, or with just ``only``."""
    typer_app = typer.Typer(
        name="hybridctl",
        help=(
            "Run a hybrid LLM model strategy safely: validate the configs, version them, "
            "roll them out in canary steps, and report what the strategy costs and saves."
        ),
        epilog=(
            "Exit codes: 0 ok, 1 check failed, 2 usage error, 3 refused or locked, 4 remote error, "
            "5 inconclusive (gates without a verdict, or a rollout paused for a person), "
            "6 timed out (rollout run), 130 interrupted."
        ),
        no_args_is_help=True,
        pretty_exceptions_enable=False,
        rich_markup_mode="rich",
        context_settings={"help_option_names": ["-h", "--help"]},
    )
    typer_app.callback()(root)
    for name, entry in COMMANDS.items():
        if only is not None and name != only:
            continue
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
