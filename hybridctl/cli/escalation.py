"""hybridctl escalation check|test|backtest."""

from __future__ import annotations

from typing import Annotated

import typer

from hybridctl.cli.options import Configs, JsonOut, with_options

EXAMPLES = """\
[bold]Examples[/bold]

  hybridctl escalation check --role architect --context task.json
  hybridctl escalation check --role integrator \\
      --context '{"affected_services": 4, "security_impact": "auth_bypass"}'
  hybridctl escalation test       [dim]# the config's escalation.cases: exit 1 on a disagreement[/dim]
  hybridctl escalation backtest usage.jsonl --config-dir candidate/configs   [dim]# before staging[/dim]
"""

app = typer.Typer(
    help="Escalation decisions: explain one, and test the cases a config carries.", no_args_is_help=True
)


@app.command("check", epilog=EXAMPLES)
@with_options
def check(
    role: Annotated[str, typer.Option("--role", help="The role the task is for.")],
    context: Annotated[
        str, typer.Option("--context", help="The task context: a JSON/YAML file, or inline JSON.")
    ],
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
