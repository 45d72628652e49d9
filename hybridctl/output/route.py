"""Rendering of route explain and route simulate."""

from __future__ import annotations

from typing import TYPE_CHECKING

from hybridctl.output import console, print_table, safe_text, say, table, write_json
from hybridctl.text import clean

if TYPE_CHECKING:
    from hybridctl.gateway.litellm_config import LiteLLMConfig
    from hybridctl.routing.explain import RouteExplanation, RouteSimulation


def render_explanation(explanation: RouteExplanation, as_json: bool) -> None:
    if as_json:
        write_json(explanation.to_dict())
        return
    route = explanation.route
    say(
        ("route ", "bold"),
        f"{clean(explanation.role)} for {clean(explanation.user)}: {route.variant} "
        f"{route.model} ({route.provider_model_id})" + (", escalated" if route.escalated else ""),
    )
    for reason in explanation.why:
        say(("  - ", "dim"), clean(reason))


def render_simulation(simulation: RouteSimulation, as_json: bool) -> None:
    if as_json:
        write_json(simulation.to_dict())
        return
    view = table("ROLE", "VARIANT AND MODEL", "USERS", "SHARE")
    for share in simulation.roles:
        for model, users in share.models.items():
            view.add_row(clean(share.role), clean(model), f"{users:,}", f"{users / simulation.users:.1%}")
    print_table(console(), view)
    say(
        ("split ", "bold"),
        f"{simulation.observed_candidate:.1%} of {simulation.users:,} users on the candidate, "
        f"expected {simulation.expected_candidate:.0%} (weight {simulation.weight})",
    )
    for weight, left in simulation.stays_inside.items():
        verdict = ("ok ", "green") if left == 0 else ("LEAVE ", "bold red")
        say(verdict, f"everyone inside now stays inside at {weight}% ({left} would leave)")


def litellm_yaml(rendered: LiteLLMConfig) -> str:
    """The LiteLLM proxy config as YAML, with where it came from as comments."""
    import yaml

    header = "".join(f"# {clean(line)}\n" for line in rendered.header)
    return header + yaml.safe_dump(rendered.config, sort_keys=False, allow_unicode=True, width=1000)


def render_notes(notes: list[str]) -> None:
    out = console(stderr=True)
    for note in notes:
        out.print(safe_text(("note: ", "yellow"), clean(note)))
