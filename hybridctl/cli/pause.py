"""hybridctl pause: freeze an in-flight rollout."""

from __future__ import annotations

from hybridctl.cli.delivery import finish
from hybridctl.cli.options import Changing, Delivered, OptionalReason, with_options

EXAMPLES = """\
[bold]Examples[/bold]

  hybridctl pause --reason "investigating latency"

  hybridctl resume --reason "latency explained: a provider incident"
"""


@with_options
def command(place: Changing, delivered: Delivered, reason: OptionalReason = None) -> None:
    """Freeze an in-flight rollout: promote and canary set refuse until resume."""
    from hybridctl.rollout.pausing import set_paused

    space = place.workspace()
    finish(space, set_paused(space, True, reason=reason), delivered)
