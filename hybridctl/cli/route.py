"""hybridctl route explain|simulate: where requests go, through the routing library."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from hybridctl.cli.options import JsonOut, Place, with_options

EXAMPLES = """\
[bold]Examples[/bold]

  hybridctl route explain --role architect --user u-42
  hybridctl route explain --role architect --user u-42 --context task.json
  hybridctl route explain --role architect --user u-42 \\
      --context '{"affected_services": 4, "security_impact": "auth_bypass", "approval": "hxg1...."}'
  hybridctl route simulate --users 10000        [dim]# the split per role, and stickiness at every step[/dim]
  hybridctl route explain --role critic --user u-7 --bundle bundle.json   [dim]# what an app serves[/dim]
"""

app = typer.Typer(help="Why a request goes where it goes, through the routing library.", no_args_is_help=True)

BundleOption = Annotated[
    Path | None,
    typer.Option(
        "--bundle", help="A bundle file (what an application serves).", show_default="the current state"
    ),
]


@app.command("explain", epilog=EXAMPLES)
@with_options
def explain(
    role: Annotated[str, typer.Option("--role", help="The role of the request.")],
    user: Annotated[str, typer.Option("--user", help="The user id the split is keyed on.")],
    place: Place,
    out: JsonOut,
    context: Annotated[
        str | None, typer.Option("--context", help="A task context: a JSON/YAML file, or inline JSON.")
    ] = None,
    bundle: BundleOption = None,
) -> None:
    """Where one request goes and why: variant (bucket against weight), kill switch,
    forced model, escalation (and its approval: the grant in the context's
    "approval", checked with HYBRIDCTL_GRANT_KEY), model and fallback chain."""
    from hybridctl import times
    from hybridctl.app.bundles import bundle_to_route
    from hybridctl.app.escalation import task_context
    from hybridctl.credentials import grant_key
    from hybridctl.errors import UsageError
    from hybridctl.output.route import render_explanation
    from hybridctl.routing.explain import explain_route
    from hybridctl.text import did_you_mean, show_name

    data = bundle_to_route(place.workspace(), bundle)
    task = task_context(context) if context is not None else None
    try:
        explanation = explain_route(
            data, role, user, task, grant_key=grant_key(), clock=lambda: times.utc_now().timestamp()
        )
    except KeyError:
        served = sorted((data.get("stable") or {}).get("modelConfig", {}).get("roles") or {})
        raise UsageError(
            f"role '{show_name(role)}' is not in the served config's roles",
            hint=did_you_mean(role, served) or "roles: " + ", ".join(served),
        ) from None
    render_explanation(explanation, out.as_json)


@app.command("simulate", epilog=EXAMPLES)
@with_options
def simulate(
    place: Place,
    out: JsonOut,
    users: Annotated[
        int, typer.Option("--users", min=1, max=10_000_000, help="How many users to route.")
    ] = 10_000,
    bundle: BundleOption = None,
) -> None:
    """Route many users for every role: the share per variant and model, expected
    against observed, and that everyone inside the canary stays inside at every
    higher weight."""
    from hybridctl.app.bundles import bundle_to_route
    from hybridctl.output.route import render_simulation
    from hybridctl.routing.explain import simulate_routes

    render_simulation(simulate_routes(bundle_to_route(place.workspace(), bundle), users), out.as_json)
