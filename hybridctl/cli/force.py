"""hybridctl force: roles pinned to one catalog model for everyone."""

from __future__ import annotations

from typing import Annotated

import typer

from hybridctl.cli.delivery import finish
from hybridctl.cli.disable import EXAMPLES as EXAMPLES
from hybridctl.cli.options import Changing, Delivered, Reason, comma_list, with_options


@with_options
def command(
    reason: Reason,
    place: Changing,
    delivered: Delivered,
    model: Annotated[
        str | None, typer.Argument(help="The catalog model every request of the roles goes to.")
    ] = None,
    roles: Annotated[str | None, typer.Option("--roles", help="Only these roles (comma-separated).")] = None,
    clear: Annotated[
        bool, typer.Option("--clear", help="End forcing (of --roles, or of every role).")
    ] = False,
) -> None:
    """Route roles (default: all) to one catalog model for everyone, e.g. in a provider outage."""
    from hybridctl.errors import UsageError
    from hybridctl.rollout.controls import force

    if clear == (model is not None):
        raise UsageError("give a MODEL to force, or --clear (not both)", hint="hybridctl force --help")
    space = place.workspace()
    finish(space, force(space, model, reason=reason, roles=comma_list(roles)), delivered)
