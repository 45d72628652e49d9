"""hybridctl retry: an aborted candidate back at the plan's first step."""

from __future__ import annotations

from hybridctl.cli.delivery import finish
from hybridctl.cli.options import Changing, Delivered, OptionalReason, with_options

EXAMPLES = """\
[bold]Examples[/bold]

  hybridctl retry --reason "fixed the provider key"
"""


@with_options
def command(place: Changing, delivered: Delivered, reason: OptionalReason = None) -> None:
    """Restart an aborted candidate at the first step, its configs back in the working directory."""
    from hybridctl.rollout.retrying import retry

    space = place.workspace()
    finish(space, retry(space, reason=reason), delivered)
