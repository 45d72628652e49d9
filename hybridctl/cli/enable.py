"""hybridctl enable: the kill switch, off."""

from __future__ import annotations

from hybridctl.cli.delivery import finish
from hybridctl.cli.disable import EXAMPLES as EXAMPLES
from hybridctl.cli.options import Changing, Delivered, Reason, with_options


@with_options
def command(reason: Reason, place: Changing, delivered: Delivered) -> None:
    """Turn the kill switch off: the candidate serves the weight it had again."""
    from hybridctl.rollout.controls import set_enabled

    space = place.workspace()
    finish(space, set_enabled(space, True, reason=reason), delivered)
