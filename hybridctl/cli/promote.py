"""hybridctl promote: the candidate to the next step of the plan, or to 100%."""

from __future__ import annotations

from typing import Annotated

import typer

from hybridctl.cli.delivery import finish, forced_reason
from hybridctl.cli.options import Changing, Delivered, OptionalReason, Usage, with_options

EXAMPLES = """\
[bold]Examples[/bold]

  hybridctl promote --usage usage.jsonl            [dim]# next step of the plan, if the gates pass[/dim]

  hybridctl promote --full --usage usage.jsonl     [dim]# straight to 100%[/dim]

  hybridctl promote --force --reason "incident over, data delayed"
"""
Force = Annotated[
    bool, typer.Option("--force", help="Override gates and soak time; needs --reason; recorded.")
]


@with_options
def command(
    place: Changing,
    delivered: Delivered,
    full: Annotated[bool, typer.Option("--full", help="Go to 100% now.")] = False,
    force: Force = False,
    reason: OptionalReason = None,
    usage: Usage = None,
) -> None:
    """Move the candidate to the next step of the plan (or 100%), if its soak time and gates allow."""
    from hybridctl.rollout.promotion import promote

    forced_reason(force, reason)
    space = place.workspace()
    result = promote(
        space, full=full, force=force, reason=reason, usage=tuple(usage or ()), measuring=space.measuring
    )
    finish(space, result, delivered)
