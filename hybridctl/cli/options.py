"""Options shared by the commands, spelled the same everywhere."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    from hybridctl.app.workspace import Workspace

ConfigDir = Annotated[
    Path | None,
    typer.Option("--config-dir", "-c", help="The config directory.", show_default="configs/ or settings"),
]
StorePath = Annotated[
    Path | None,
    typer.Option("--store", help="The store (a git repository).", show_default="backups/ or settings"),
]
LockTimeout = Annotated[
    float | None,
    typer.Option("--lock-timeout", help="Seconds to wait for another hybridctl's lock.", show_default="10"),
]
Json = Annotated[bool, typer.Option("--json", help="Print JSON for scripts (documented, versioned).")]


def _reason(value: str | None) -> str | None:
    """Refuse a blank reason (or one holding a secret) before anything runs: exit 2."""
    if value is None:
        return None
    from hybridctl.errors import UsageError
    from hybridctl.text import checked_reason

    try:
        return checked_reason(value)
    except UsageError as error:
        raise typer.BadParameter(error.message) from None


def output_path(value: Path | None) -> Path | None:
    """An option naming a file to write: refused at once when no file can be written there."""
    if value is None:
        return None
    from hybridctl.errors import UsageError
    from hybridctl.fsutil import check_output_path

    try:
        check_output_path(value)
    except UsageError as error:
        raise typer.BadParameter(error.message) from None
    return value


Reason = Annotated[str, typer.Option("--reason", "-r", help="Why: recorded in history.", callback=_reason)]
OptionalReason = Annotated[
    str | None, typer.Option("--reason", "-r", help="Why: recorded in history.", callback=_reason)
]


def comma_list(*texts: str | None) -> list[str]:
    """The values of comma-separated options (``--roles a,b``, repeated ``--ignore``), trimmed."""
    return [part.strip() for text in texts if text for part in text.split(",") if part.strip()]


def workspace(config_dir: Path | None, store: Path | None, lock_timeout: float | None) -> Workspace:
    from hybridctl.app.settings import load_settings
    from hybridctl.app.workspace import Workspace

    return Workspace.from_settings(
        load_settings(), config_dir=config_dir, store=store, lock_timeout=lock_timeout
    )


def ignored_rules() -> frozenset[str]:
    from hybridctl.app.settings import load_settings

    return frozenset(load_settings().ignore)


NoPush = Annotated[
    bool, typer.Option("--no-push", help="Record the transition without pushing it to the targets.")
]
