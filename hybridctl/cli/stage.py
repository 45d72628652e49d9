"""hybridctl stage: the working configs become the candidate of a new rollout."""

from __future__ import annotations

from typing import Annotated

import typer

from hybridctl.cli.delivery import finish
from hybridctl.cli.options import Changing, Delivered, Reason, with_options

EXAMPLES = """\
[bold]Examples[/bold]

  hybridctl stage --reason "GLM-4.5 for the critic"

  hybridctl stage --reason "replace the candidate" --force
"""


@with_options
def command(
    reason: Reason,
    place: Changing,
    delivered: Delivered,
    force: Annotated[bool, typer.Option("--force", help="Replace an in-flight candidate.")] = False,
) -> None:
    """Make the working configs the candidate: validated, recorded, weight 0, ready for staging."""
    from hybridctl.rollout.staging import stage

    space = place.workspace()
    finish(space, stage(space, reason=reason, force=force), delivered)
