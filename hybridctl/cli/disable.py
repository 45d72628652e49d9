"""hybridctl disable: the kill switch, on."""

from __future__ import annotations

from hybridctl.cli.delivery import finish
from hybridctl.cli.options import Changing, Delivered, Reason, with_options

EXAMPLES = """\
[bold]Examples[/bold]

  hybridctl disable --reason "bad answers; investigating"   [dim]# everyone on stable now[/dim]

  hybridctl enable --reason "fixed"                          [dim]# back to the weight it had[/dim]

  hybridctl force gemini-2.5-flash-lite --roles critic,implementer --reason "Z.ai outage"

  hybridctl force --clear --reason "Z.ai is back"
"""


@with_options
def command(reason: Reason, place: Changing, delivered: Delivered) -> None:
    """The kill switch: every request to stable at once; the rollout keeps its position, frozen."""
    from hybridctl.rollout.controls import set_enabled

    space = place.workspace()
    finish(space, set_enabled(space, False, reason=reason), delivered)
