"""hybridctl canary set: the candidate to any weight from 1 to 99."""

from __future__ import annotations

from typing import Annotated

import typer

from hybridctl.cli.delivery import finish
from hybridctl.cli.options import Changing, Delivered, Reason, Usage, with_options
from hybridctl.cli.promote import Force

EXAMPLES = """\
[bold]Examples[/bold]

  hybridctl canary set 25 --reason "more traffic for a verdict" --usage usage.jsonl

  hybridctl canary set 5 --reason "errors in EU; partial rollback"
"""

app = typer.Typer(help="Set the canary weight.", no_args_is_help=True)


@app.command("set", epilog=EXAMPLES)
@with_options
def canary_set(
    weight: Annotated[int, typer.Argument(help="Percent of users on the candidate, 1-99.")],
    reason: Reason,
    place: Changing,
    delivered: Delivered,
    force: Force = False,
    usage: Usage = None,
) -> None:
    """Set the production weight; raising it runs the gates, lowering it is a partial rollback."""
    from hybridctl.rollout.canary import canary_set as run

    space = place.workspace()
    result = run(
        space, weight, reason=reason, force=force, usage=tuple(usage or ()), measuring=space.measuring
    )
    finish(space, result, delivered)
