"""hybridctl resume: hand a paused rollout back."""

from __future__ import annotations

from hybridctl.cli.delivery import finish
from hybridctl.cli.options import Changing, Delivered, OptionalReason, with_options
from hybridctl.cli.pause import EXAMPLES as EXAMPLES


@with_options
def command(place: Changing, delivered: Delivered, reason: OptionalReason = None) -> None:
    """Unfreeze a paused rollout."""
    from hybridctl.rollout.pausing import set_paused

    space = place.workspace()
    finish(space, set_paused(space, False, reason=reason), delivered)
