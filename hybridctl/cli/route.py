"""hybridctl route explain and route simulate."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer

from hybridctl.cli.options import ConfigDir, Json, StorePath, workspace

EXAMPLES = """\
[bold]Examples[/bold]

  hybridctl route explain --role architect --user u-42
  hybridctl route explain --role architect --user u-42 --context task.json
  hybridctl route simulate --users 10000        [dim]# the split per role, and stickiness at every step[/dim]
  hybridctl route explain --role critic --user u-7 --bundle bundle.json   [dim]# what an app serves[/dim]
"""

route_app = typer.Typer(
    help="Why a request goes where it goes, through the routing library.", no_args_is_help=True
)

BundleOption = Annotated[
    Path | None,
    typer.Option(
        "--bundle", help="A bundle file (what an application serves).", show_default="the current state"
    ),
]


def _bundle(bundle: Path | None, config_dir: Path | None, store: Path | None) -> dict[str, Any]:
    from hybridctl.errors import UsageError

    if bundle is None:
        from hybridctl.rollout.bundle import render_bundle

        return render_bundle(workspace(config_dir, store, None))
    try:
        data = json.loads(bundle.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise UsageError(
            f"cannot read the bundle {bundle}: {exc}", hint="hybridctl render writes one"
        ) from None
    if not isinstance(data, dict) or "stable" not in data:
        raise UsageError(f"{bundle} is not a bundle", hint="hybridctl render writes one")
    from hybridctl.routing.buckets import UnknownHash, bucketer

    try:
        bucketer(str(data.get("rollout_id") or ""), str((data.get("bucketing") or {}).get("hash", "sha256")))
    except UnknownHash as exc:
        raise UsageError(f"{bundle}: {exc}") from None
    return data


@route_app.command("explain", epilog=EXAMPLES)
def explain(
    role: Annotated[str, typer.Option("--role", help="The role of the request.")],
    user: Annotated[str, typer.Option("--user", help="The user id the split is keyed on.")],
    context: Annotated[
        str | None, typer.Option("--context", help="A task context: a JSON/YAML file, or inline JSON.")
    ] = None,
    bundle: BundleOption = None,
    config_dir: ConfigDir = None,
    store: StorePath = None,
    as_json: Json = False,
) -> None:
    """Where one request goes and why: variant (bucket against weight), kill switch,
    forced model, escalation, model and fallback chain."""
    from hybridctl.cli.escalation import task_context
    from hybridctl.errors import UsageError
    from hybridctl.output.route import render_explanation
    from hybridctl.routing.explain import explain_route

    data = _bundle(bundle, config_dir, store)
    task = task_context(context) if context is not None else None
    try:
        explanation = explain_route(data, role, user, task)
    except KeyError:
        from hybridctl.text import did_you_mean, show_name

        served = sorted((data.get("stable") or {}).get("modelConfig", {}).get("roles") or {})
        raise UsageError(
            f"role '{show_name(role)}' is not in the served config's roles",
            hint=did_you_mean(role, served) or "roles: " + ", ".join(served),
        ) from None
    render_explanation(explanation, as_json)


@route_app.command("simulate", epilog=EXAMPLES)
def simulate(
    users: Annotated[
        int, typer.Option("--users", min=1, max=10_000_000, help="How many users to route.")
    ] = 10_000,
    bundle: BundleOption = None,
    config_dir: ConfigDir = None,
    store: StorePath = None,
    as_json: Json = False,
) -> None:
    """Route many users for every role: the share per variant and model, expected
    against observed, and that everyone inside the canary stays inside at every
    higher weight."""
    from hybridctl.output.route import render_simulation
    from hybridctl.routing.explain import simulate_routes

    render_simulation(simulate_routes(_bundle(bundle, config_dir, store), users), as_json)
