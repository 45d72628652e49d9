"""hybridctl escalation check|test|backtest."""

from __future__ import annotations

from typing import Annotated

import typer

from hybridctl.cli.options import Changing, Configs, JsonOut, Place, Reason, with_options

EXAMPLES = """\
[bold]Examples[/bold]

  hybridctl escalation check --role architect --context task.json
  hybridctl escalation check --role integrator \\
      --context '{"affected_services": 4, "security_impact": "auth_bypass"}'
  hybridctl escalation test       [dim]# the config's escalation.cases: exit 1 on a disagreement[/dim]
  hybridctl escalation backtest usage.jsonl --config-dir candidate/configs   [dim]# before staging[/dim]
"""

APPROVAL_EXAMPLES = """\
[bold]Examples[/bold]

  hybridctl escalation request --role architect --context task.json \\
      --reason "auth redesign across 4 services"      [dim]# prints the request's id[/dim]
  hybridctl escalation queue --pending                 [dim]# age of each against its deadline[/dim]
  HYBRIDCTL_ACTOR=tech_lead hybridctl escalation approve esc-1a2b3c4d --reason "reviewed the plan"
  hybridctl escalation show esc-1a2b3c4d --json | jq -r .grant   [dim]# with HYBRIDCTL_GRANT_KEY set[/dim]
  hybridctl escalation sweep            [dim]# from cron, every minute: alerts and deadlines[/dim]
"""

Role = Annotated[str, typer.Option("--role", help="The role the task is for.")]
Context = Annotated[
    str, typer.Option("--context", help="The task context: a JSON/YAML file, or inline JSON.")
]

app = typer.Typer(
    help="Escalation decisions: explain one, test the cases a config carries, and review "
    "requests for the premium model (request, approve, reject, queue, sweep).",
    no_args_is_help=True,
)


@app.command("check", epilog=EXAMPLES)
@with_options
def check(
    role: Role,
    context: Context,
    configs: Configs,
    out: JsonOut,
) -> None:
    """The escalation decision for a task: each criterion with its weight and whether
    it fired, the score against the threshold, and the model it leads to.

    A field the context leaves out meets no criterion; a field of the wrong type is an
    error with its position (exit 2).
    """
    from hybridctl.app.escalation import task_context, working_strategy
    from hybridctl.config.escalation import decide
    from hybridctl.errors import UsageError
    from hybridctl.output.escalation import render_decision
    from hybridctl.text import did_you_mean

    strategy = working_strategy(configs.workspace())
    data = task_context(context)
    if role not in strategy.roles:
        raise UsageError(
            f"role '{role}' is not in the config's roles",
            hint=did_you_mean(role, list(strategy.roles)) or "roles: " + ", ".join(strategy.roles),
        )
    render_decision(decide(strategy, role, data), out.as_json)


@app.command("test", epilog=EXAMPLES)
@with_options
def test(configs: Configs, out: JsonOut) -> None:
    """Run the config's escalation.cases through its weights and threshold; exit 1 when
    any case gets another decision than it expects (validate runs them too)."""
    from hybridctl.app.escalation import working_strategy
    from hybridctl.config.escalation import run_cases
    from hybridctl.output.escalation import render_cases

    results = run_cases(working_strategy(configs.workspace()))
    render_cases(results, out.as_json)
    if not all(r.passed for r in results):
        raise typer.Exit(1)


@app.command("backtest", epilog=EXAMPLES)
@with_options
def backtest(
    configs: Configs,
    out: JsonOut,
    inputs: Annotated[
        list[str] | None,
        typer.Argument(
            help="Usage logs with task contexts (a task object per event). Default: usage in settings."
        ),
    ] = None,
) -> None:
    """Replay the task contexts of usage events through a config's escalation rules
    (the working config, or --config-dir of a candidate): the escalation rate,
    premium share and cost it would have had, against the target rate.

    Exit 1 when the escalation rate would break escalation.maxRate.
    """
    from hybridctl.output.escalation import render_backtest
    from hybridctl.usage.backtest import backtest as replay
    from hybridctl.usage.prices import load_priced_strategy
    from hybridctl.usage.scan import ScanSpec, resolve_sources

    space = configs.workspace()
    priced = load_priced_strategy(space.config_dir, space.read_configs())
    sources = resolve_sources(inputs or [], space.usage)
    result = replay(sources, ScanSpec(), priced.strategy, priced.catalog)
    render_backtest(result, out.as_json)
    if not result.within_target:
        raise typer.Exit(1)


@app.command("request", epilog=APPROVAL_EXAMPLES)
@with_options
def request(
    role: Role,
    context: Context,
    reason: Annotated[str, typer.Option("--reason", "-r", help="Why the task needs the premium model.")],
    place: Changing,
    out: JsonOut,
) -> None:
    """Ask for an escalation that needs approval: the task is scored (one that does
    not meet the criteria is refused, exit 1), recorded in the store with an id,
    and the primary team is alerted. Exit 3 when escalation.approval.maxPending
    requests are already pending."""
    from hybridctl import times
    from hybridctl.app.approvals import create_request
    from hybridctl.app.escalation import task_context
    from hybridctl.output.approvals import render_request

    space = place.workspace()
    created = create_request(space, role=role, context=task_context(context), reason=reason)
    render_request(created.request, created.sent, times.utc_now(), out.as_json)


def _decide(verdict: str, request_id: str, reason: str, place: Changing, as_json: bool) -> None:
    from hybridctl import times
    from hybridctl.app.approval_queue import grant_of
    from hybridctl.app.approvals import decide_request
    from hybridctl.credentials import grant_key
    from hybridctl.output.approvals import render_decided

    space = place.workspace()
    key = grant_key()
    decided = decide_request(space, request_id, verdict, reason=reason)
    render_decided(decided.request, decided.changed, grant_of(decided.request, key), times.utc_now(), as_json)


RequestId = Annotated[str, typer.Argument(help="The request's id (esc-...).", show_default=False)]


@app.command("approve", epilog=APPROVAL_EXAMPLES)
@with_options
def approve(request_id: RequestId, reason: Reason, place: Changing, out: JsonOut) -> None:
    """Approve a pending request as the actor (a member of the team holding it):
    the task may escalate with the grant, until grantTtlSeconds from now. With
    HYBRIDCTL_GRANT_KEY set, the grant is printed. Approving it again changes
    nothing; a rejected or expired request is refused (exit 3)."""
    _decide("approved", request_id, reason, place, out.as_json)


@app.command("reject", epilog=APPROVAL_EXAMPLES)
@with_options
def reject(request_id: RequestId, reason: Reason, place: Changing, out: JsonOut) -> None:
    """Reject a pending request as the actor: the task stays on the primary model."""
    _decide("rejected", request_id, reason, place, out.as_json)


@app.command("queue", epilog=APPROVAL_EXAMPLES)
@with_options
def queue(
    place: Place,
    out: JsonOut,
    pending: Annotated[bool, typer.Option("--pending", help="Only requests waiting for a decision.")] = False,
) -> None:
    """The requests, newest first: status, the team holding each, its age and
    the time left to its deadline (a shared store is fetched first)."""
    from hybridctl import times
    from hybridctl.app.approval_queue import load_queue
    from hybridctl.output.approvals import render_queue

    now = times.utc_now()
    requests = list(reversed(load_queue(place.workspace().open_store()).values()))
    if pending:
        requests = [r for r in requests if r.status(now) == "pending"]
    render_queue(requests, now, out.as_json)


@app.command("show", epilog=APPROVAL_EXAMPLES)
@with_options
def show(request_id: RequestId, place: Place, out: JsonOut) -> None:
    """One request: its alerts, its decision, and (approved, with
    HYBRIDCTL_GRANT_KEY set) the grant to pass as the task's "approval"."""
    from hybridctl import times
    from hybridctl.app.approval_queue import find, grant_of, load_queue
    from hybridctl.credentials import grant_key
    from hybridctl.output.approvals import render_show

    key = grant_key()
    found = find(load_queue(place.workspace().open_store()), request_id)
    now = times.utc_now()
    render_show(found, grant_of(found, key) if found.status(now) == "approved" else None, now, out.as_json)


@app.command("sweep", epilog=APPROVAL_EXAMPLES)
@with_options
def sweep(place: Changing, out: JsonOut) -> None:
    """Alert each team as its requests' deadlines come: the primary team when a
    request is created and at half its timeout, the secondary team at the
    handover and at half its own, and the team holding it at the expiry. Every step is
    recorded once (locked; safe to run from cron as often as you like); an
    alert no hook took is sent again by the next sweeps."""
    from hybridctl.app.approval_alerts import sweep as run
    from hybridctl.output.approvals import render_sweep

    render_sweep(run(place.workspace()), out.as_json)
