"""hybridctl rollback: back to safety from any state."""

from __future__ import annotations

from typing import Annotated

import typer

from hybridctl.cli.delivery import finish
from hybridctl.cli.options import Changing, Delivered, Reason, comma_list, with_options

EXAMPLES = """\
[bold]Examples[/bold]

  hybridctl rollback --reason "error rate 7%"                        [dim]# abort, or undo the last 100%[/dim]

  hybridctl rollback --reason "back to known good" --to-revision 4

  hybridctl rollback --reason "quality issues" --roles architect,implementer
"""


@with_options
def command(
    reason: Reason,
    place: Changing,
    delivered: Delivered,
    to_revision: Annotated[
        int | None, typer.Option("--to-revision", help="Make this revision stable.")
    ] = None,
    roles: Annotated[str | None, typer.Option("--roles", help="Only these roles (comma-separated).")] = None,
    force: Annotated[
        bool, typer.Option("--force", help="Even to a revision that does not validate.")
    ] = False,
) -> None:
    """Back to safety from any state, even with corrupt working files.

    In flight: abort (weight 0, stable configs back, candidate kept for retry). Otherwise: undo the last
    promotion to 100%. --roles takes only those roles back to stable models, as a new candidate.
    """
    from hybridctl.rollout.rollback import rollback

    space = place.workspace()
    result = rollback(space, reason=reason, to_revision=to_revision, roles=comma_list(roles), force=force)
    finish(space, result, delivered)
