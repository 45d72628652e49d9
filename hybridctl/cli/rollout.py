"""stage, promote, canary set, pause, resume, rollback, retry, status,
rollout plan, render and gate check."""

from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from hybridctl.cli import analysis as analysis_cmd
from hybridctl.cli.options import (
    ConfigDir,
    Json,
    LockTimeout,
    NoPush,
    OptionalReason,
    Reason,
    StorePath,
    comma_list,
    output_path,
    workspace,
)

Usage = Annotated[
    list[Path] | None,
    typer.Option(
        "--usage",
        help="Usage files (as report reads them) the gates judge.",
        show_default="usage in settings",
    ),
]
Force = Annotated[
    bool, typer.Option("--force", help="Override gates and soak time; needs --reason; recorded.")
]

STAGE_EXAMPLES = """\
[bold]Examples[/bold]

  hybridctl stage --reason "GLM-4.5 for the critic"

  hybridctl stage --reason "replace the candidate" --force
"""
PROMOTE_EXAMPLES = """\
[bold]Examples[/bold]

  hybridctl promote --usage usage.jsonl            [dim]# next step of the plan, if the gates pass[/dim]

  hybridctl promote --full --usage usage.jsonl     [dim]# straight to 100%[/dim]

  hybridctl promote --force --reason "incident over, data delayed"
"""
CANARY_EXAMPLES = """\
[bold]Examples[/bold]

  hybridctl canary set 25 --reason "more traffic for a verdict" --usage usage.jsonl

  hybridctl canary set 5 --reason "errors in EU; partial rollback"
"""
ROLLBACK_EXAMPLES = """\
[bold]Examples[/bold]

  hybridctl rollback --reason "error rate 7%"                        [dim]# abort, or undo the last 100%[/dim]

  hybridctl rollback --reason "back to known good" --to-revision 4

  hybridctl rollback --reason "quality issues" --roles architect,implementer
"""
STATUS_EXAMPLES = """\
[bold]Examples[/bold]

  hybridctl status --usage usage.jsonl

  hybridctl status --json                       [dim]# exit 0 healthy, 1 failing or drifted[/dim]

  hybridctl status --watch --interval 30
"""
OTHER_EXAMPLES = """\
[bold]Examples[/bold]

  hybridctl pause --reason "investigating latency"   /   hybridctl resume

  hybridctl retry --reason "fixed the provider key"

  hybridctl rollout plan

  hybridctl render --out bundle.json

  hybridctl render --format litellm --out litellm.yaml   [dim]# a LiteLLM proxy config[/dim]

  hybridctl gate check --usage usage.jsonl --json     [dim]# exit 0 go, 1 no-go, 5 inconclusive[/dim]
"""


if TYPE_CHECKING:
    from hybridctl.app.workspace import Workspace
    from hybridctl.rollout.transaction import TransitionResult


def _finish(space: Workspace, result: TransitionResult, as_json: bool, no_push: bool) -> None:
    """Render a transition, deliver it to the targets and hooks, and exit 4 when
    a target did not take it (the transition stays recorded)."""
    from hybridctl.app.delivery import deliver
    from hybridctl.output.rollout import render_transition

    needs_delivery = (space.remote.targets and not no_push) or space.remote.notify
    delivery = deliver(space, result, send=not no_push) if needs_delivery else None
    render_transition(result, as_json, delivery)
    if delivery is not None and not delivery.ok:
        raise typer.Exit(4)


def _forced_reason(force: bool, reason: str | None) -> None:
    if force and not reason:
        from hybridctl.errors import UsageError

        raise UsageError("--force needs --reason", hint="say why the checks are overridden; it is recorded")


def stage(
    reason: Reason,
    force: Annotated[bool, typer.Option("--force", help="Replace an in-flight candidate.")] = False,
    config_dir: ConfigDir = None,
    store: StorePath = None,
    lock_timeout: LockTimeout = None,
    as_json: Json = False,
    no_push: NoPush = False,
) -> None:
    """Make the working configs the candidate: validated, recorded, weight 0, ready for staging."""
    from hybridctl.rollout.staging import stage as run

    space = workspace(config_dir, store, lock_timeout)
    _finish(space, run(space, reason=reason, force=force), as_json, no_push)


def promote(
    full: Annotated[bool, typer.Option("--full", help="Go to 100% now.")] = False,
    force: Force = False,
    reason: OptionalReason = None,
    usage: Usage = None,
    config_dir: ConfigDir = None,
    store: StorePath = None,
    lock_timeout: LockTimeout = None,
    as_json: Json = False,
    no_push: NoPush = False,
) -> None:
    """Move the candidate to the next step of the plan (or 100%), if its soak time and gates allow."""
    from hybridctl.rollout.promotion import promote as run

    _forced_reason(force, reason)
    space = workspace(config_dir, store, lock_timeout)
    result = run(space, full=full, force=force, reason=reason, usage=tuple(usage or ()))
    _finish(space, result, as_json, no_push)


canary_app = typer.Typer(help="Set the canary weight.", no_args_is_help=True)


@canary_app.command("set", epilog=CANARY_EXAMPLES)
def canary_set(
    weight: Annotated[int, typer.Argument(help="Percent of users on the candidate, 1-99.")],
    reason: Reason,
    force: Force = False,
    usage: Usage = None,
    config_dir: ConfigDir = None,
    store: StorePath = None,
    lock_timeout: LockTimeout = None,
    as_json: Json = False,
    no_push: NoPush = False,
) -> None:
    """Set the production weight; raising it runs the gates, lowering it is a partial rollback."""
    from hybridctl.rollout.canary import canary_set as run

    space = workspace(config_dir, store, lock_timeout)
    result = run(space, weight, reason=reason, force=force, usage=tuple(usage or ()))
    _finish(space, result, as_json, no_push)


def pause(
    reason: OptionalReason = None,
    config_dir: ConfigDir = None,
    store: StorePath = None,
    lock_timeout: LockTimeout = None,
    as_json: Json = False,
    no_push: NoPush = False,
) -> None:
    """Freeze an in-flight rollout: promote and canary set refuse until resume."""
    from hybridctl.rollout.pausing import set_paused

    space = workspace(config_dir, store, lock_timeout)
    _finish(space, set_paused(space, True, reason=reason), as_json, no_push)


def resume(
    reason: OptionalReason = None,
    config_dir: ConfigDir = None,
    store: StorePath = None,
    lock_timeout: LockTimeout = None,
    as_json: Json = False,
    no_push: NoPush = False,
) -> None:
    """Unfreeze a paused rollout."""
    from hybridctl.rollout.pausing import set_paused

    space = workspace(config_dir, store, lock_timeout)
    _finish(space, set_paused(space, False, reason=reason), as_json, no_push)


def rollback(
    reason: Reason,
    to_revision: Annotated[
        int | None, typer.Option("--to-revision", help="Make this revision stable.")
    ] = None,
    roles: Annotated[str | None, typer.Option("--roles", help="Only these roles (comma-separated).")] = None,
    force: Annotated[
        bool, typer.Option("--force", help="Even to a revision that does not validate.")
    ] = False,
    config_dir: ConfigDir = None,
    store: StorePath = None,
    lock_timeout: LockTimeout = None,
    as_json: Json = False,
    no_push: NoPush = False,
) -> None:
    """Back to safety from any state, even with corrupt working files.

    In flight: abort (weight 0, stable configs back, candidate kept for retry). Otherwise: undo the last
    promotion to 100%. --roles takes only those roles back to stable models, as a new candidate.
    """
    from hybridctl.rollout.rollback import rollback as run

    role_list = comma_list(roles)
    space = workspace(config_dir, store, lock_timeout)
    result = run(
        space,
        reason=reason,
        to_revision=to_revision,
        roles=role_list,
        force=force,
    )
    _finish(space, result, as_json, no_push)


def retry(
    reason: OptionalReason = None,
    config_dir: ConfigDir = None,
    store: StorePath = None,
    lock_timeout: LockTimeout = None,
    as_json: Json = False,
    no_push: NoPush = False,
) -> None:
    """Restart an aborted candidate at the first step, its configs back in the working directory."""
    from hybridctl.rollout.retrying import retry as run

    space = workspace(config_dir, store, lock_timeout)
    _finish(space, run(space, reason=reason), as_json, no_push)


def status(
    usage: Usage = None,
    watch: Annotated[bool, typer.Option("--watch", "-w", help="Refresh until interrupted.")] = False,
    interval: Annotated[float, typer.Option("--interval", help="Seconds between refreshes.")] = 10.0,
    count: Annotated[int | None, typer.Option("--count", help="Stop after this many refreshes.")] = None,
    remote: Annotated[
        bool, typer.Option("--remote", help="Also ask every target which bundle it serves.")
    ] = False,
    config_dir: ConfigDir = None,
    store: StorePath = None,
    as_json: Json = False,
) -> None:
    """Stage, weight, revisions, models per role, gates and the last action.

    Exit 0 when healthy (an aborted rollout serving stable is); 1 when failing its gates, a rollback
    is recommended, the config directory drifted from what is served, or (--remote) a target serves
    another bundle or none.
    """
    from hybridctl.app.status import status as run
    from hybridctl.output.rollout import render_status, watch_status

    space = workspace(config_dir, store, None)
    if watch:
        result = watch_status(
            lambda: run(space, usage=tuple(usage or ()), remote=remote),
            as_json=as_json,
            interval=interval,
            count=count,
        )
    else:
        result = run(space, usage=tuple(usage or ()), remote=remote)
        render_status(result, as_json)
    if not result.healthy:
        raise typer.Exit(1)


rollout_app = typer.Typer(help="The rollout plan, and the automated analysis.", no_args_is_help=True)
rollout_app.command("reconcile", epilog=analysis_cmd.RECONCILE_EXAMPLES)(analysis_cmd.reconcile)
rollout_app.command("run", epilog=analysis_cmd.RUN_EXAMPLES)(analysis_cmd.run)


@rollout_app.command("plan", epilog=OTHER_EXAMPLES)
def rollout_plan(config_dir: ConfigDir = None, store: StorePath = None, as_json: Json = False) -> None:
    """The plan's steps and the earliest time each next step is allowed (its minimum soak time)."""
    from hybridctl.app.status import plan
    from hybridctl.output.rollout import render_plan

    render_plan(plan(workspace(config_dir, store, None)), as_json)


class RenderFormat(str, Enum):
    bundle = "bundle"
    litellm = "litellm"


def render(
    out: Annotated[
        Path | None,
        typer.Option("--out", "-o", help="Write here (atomically) instead of stdout.", callback=output_path),
    ] = None,
    render_format: Annotated[
        RenderFormat,
        typer.Option(
            "--format",
            "-f",
            help="bundle: what the routing library reads; litellm: a LiteLLM proxy config (YAML).",
        ),
    ] = RenderFormat.bundle,
    config_dir: ConfigDir = None,
    store: StorePath = None,
) -> None:
    """The deployable bundle: stable config, candidate config, weight, rollout id, digests (schema:
    schemas/bundle.schema.json); or, with --format litellm, the LiteLLM proxy config that serves it."""
    import json

    from hybridctl.output import write
    from hybridctl.rollout.bundle import render_bundle

    bundle = render_bundle(workspace(config_dir, store, None))
    if render_format is RenderFormat.litellm:
        from hybridctl.output.route import litellm_yaml, render_notes
        from hybridctl.routing.litellm import litellm_config

        rendered = litellm_config(bundle)
        render_notes(rendered.notes)
        text = litellm_yaml(rendered)
    else:
        text = json.dumps(bundle, indent=2, ensure_ascii=False) + "\n"
    if out is None:
        write(text)
    else:
        from hybridctl.fsutil import atomic_write

        atomic_write(out, text.encode())


gate_app = typer.Typer(help="Rollout gates.", no_args_is_help=True)


@gate_app.command("check", epilog=OTHER_EXAMPLES)
def gate_check(
    usage: Usage = None, config_dir: ConfigDir = None, store: StorePath = None, as_json: Json = False
) -> None:
    """The go/no-go matrix for CI: exit 0 go, 1 no-go, 5 inconclusive (too few requests yet)."""
    from hybridctl.output.rollout import render_gates
    from hybridctl.rollout.judge import gate_report
    from hybridctl.rollout.transaction import load_state

    space = workspace(config_dir, store, None)
    opened = space.open_store()
    report = gate_report(
        opened, load_state(opened), tuple(usage or ()), setup=space, measuring=space.measuring
    )
    render_gates(report, as_json)
    from hybridctl.errors import ExitCode

    verdicts = {"go": ExitCode.OK, "no-go": ExitCode.CHECK_FAILED}
    raise typer.Exit(int(verdicts.get(report.verdict, ExitCode.INCONCLUSIVE)))


CONTROL_EXAMPLES = """\
[bold]Examples[/bold]

  hybridctl disable --reason "bad answers; investigating"   [dim]# everyone on stable now[/dim]

  hybridctl enable --reason "fixed"                          [dim]# back to the weight it had[/dim]

  hybridctl force gemini-2.5-flash-lite --roles critic,implementer --reason "Z.ai outage"

  hybridctl force --clear --reason "Z.ai is back"
"""


def disable(
    reason: Reason,
    config_dir: ConfigDir = None,
    store: StorePath = None,
    lock_timeout: LockTimeout = None,
    as_json: Json = False,
    no_push: NoPush = False,
) -> None:
    """The kill switch: every request to stable at once; the rollout keeps its position, frozen."""
    from hybridctl.rollout.controls import set_enabled

    space = workspace(config_dir, store, lock_timeout)
    _finish(space, set_enabled(space, False, reason=reason), as_json, no_push)


def enable(
    reason: Reason,
    config_dir: ConfigDir = None,
    store: StorePath = None,
    lock_timeout: LockTimeout = None,
    as_json: Json = False,
    no_push: NoPush = False,
) -> None:
    """Turn the kill switch off: the candidate serves the weight it had again."""
    from hybridctl.rollout.controls import set_enabled

    space = workspace(config_dir, store, lock_timeout)
    _finish(space, set_enabled(space, True, reason=reason), as_json, no_push)


def force(
    reason: Reason,
    model: Annotated[
        str | None, typer.Argument(help="The catalog model every request of the roles goes to.")
    ] = None,
    roles: Annotated[str | None, typer.Option("--roles", help="Only these roles (comma-separated).")] = None,
    clear: Annotated[
        bool, typer.Option("--clear", help="End forcing (of --roles, or of every role).")
    ] = False,
    config_dir: ConfigDir = None,
    store: StorePath = None,
    lock_timeout: LockTimeout = None,
    as_json: Json = False,
    no_push: NoPush = False,
) -> None:
    """Route roles (default: all) to one catalog model for everyone, e.g. in a provider outage."""
    from hybridctl.errors import UsageError
    from hybridctl.rollout.controls import force as run

    if clear == (model is not None):
        raise UsageError("give a MODEL to force, or --clear (not both)", hint="hybridctl force --help")
    space = workspace(config_dir, store, lock_timeout)
    _finish(space, run(space, model, reason=reason, roles=comma_list(roles)), as_json, no_push)
