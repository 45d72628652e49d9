"""hybridctl escalation check and escalation test."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from hybridctl.cli.options import ConfigDir, Json, workspace

if TYPE_CHECKING:
    from hybridctl.config.model import Strategy

EXAMPLES = """\
[bold]Examples[/bold]

  hybridctl escalation check --role architect --context task.json
  hybridctl escalation check --role integrator \\
      --context '{"affected_services": 4, "security_impact": "auth_bypass"}'
  hybridctl escalation test       [dim]# the config's escalation.cases: exit 1 on a disagreement[/dim]
  hybridctl escalation backtest usage.jsonl --config-dir candidate/configs   [dim]# before staging[/dim]
"""

escalation_app = typer.Typer(
    help="Escalation decisions: explain one, and test the cases a config carries.", no_args_is_help=True
)


def _strategy(config_dir: Path | None) -> Strategy:
    from hybridctl.config.snapshot import ConfigFiles
    from hybridctl.errors import UsageError

    space = workspace(config_dir, None, None)
    strategy = ConfigFiles.from_mapping(space.read_configs()).strategy()
    if strategy is None:
        raise UsageError(
            f"the model config in {space.config_dir} does not validate", hint="hybridctl validate shows why"
        )
    return strategy


def _context(value: str) -> tuple[dict[str, Any], Any]:
    """The task context, inline JSON or a JSON/YAML file, with its document for positions."""
    from hybridctl.config.document import LoadFailed, SourceText, read_source
    from hybridctl.config.snapshot import load_document
    from hybridctl.errors import UsageError

    inline = value.lstrip().startswith("{")
    try:
        source = (
            SourceText(Path("context.json"), "--context", value)
            if inline
            else read_source(Path(value), value)
        )
        document = load_document(source)
    except OSError as exc:
        raise UsageError(
            f"cannot read --context {value}: {exc.strerror}", hint="a JSON or YAML file, or inline JSON"
        ) from None
    except LoadFailed as exc:
        first = exc.args[0][0] if exc.args and exc.args[0] else None
        where = (
            f"{first.file}:{first.line}:{first.column}: {first.message}" if first is not None else str(exc)
        )
        raise UsageError(f"--context is not JSON or YAML: {where}") from None
    if not isinstance(document.data, dict):
        raise UsageError(f"{source.display}:1:1: a task context is an object of fields")
    return document.data, document


def task_context(value: str) -> dict[str, Any]:
    """A task context from --context, its field types checked: exit 2 at the
    position of the first field of the wrong type."""
    from hybridctl.config.escalation import context_problems
    from hybridctl.errors import UsageError

    data, document = _context(value)
    problems = context_problems(data)
    if problems:
        line, column = document.locate((problems[0].field,))
        raise UsageError(f"{document.display}:{line}:{column}: {problems[0].message}")
    return data


@escalation_app.command("check", epilog=EXAMPLES)
def check(
    role: Annotated[str, typer.Option("--role", help="The role the task is for.")],
    context: Annotated[
        str, typer.Option("--context", help="The task context: a JSON/YAML file, or inline JSON.")
    ],
    config_dir: ConfigDir = None,
    as_json: Json = False,
) -> None:
    """The escalation decision for a task: each criterion with its weight and whether
    it fired, the score against the threshold, and the model it leads to.

    A field the context leaves out meets no criterion; a field of the wrong type is an
    error with its position (exit 2).
    """
    from hybridctl.config.escalation import decide
    from hybridctl.errors import UsageError
    from hybridctl.output.escalation import render_decision
    from hybridctl.text import did_you_mean

    strategy = _strategy(config_dir)
    data = task_context(context)
    if role not in strategy.roles:
        raise UsageError(
            f"role '{role}' is not in the config's roles",
            hint=did_you_mean(role, list(strategy.roles)) or "roles: " + ", ".join(strategy.roles),
        )
    render_decision(decide(strategy, role, data), as_json)


@escalation_app.command("test", epilog=EXAMPLES)
def test(config_dir: ConfigDir = None, as_json: Json = False) -> None:
    """Run the config's escalation.cases through its weights and threshold; exit 1 when
    any case gets another decision than it expects (validate runs them too)."""
    from hybridctl.config.escalation import run_cases
    from hybridctl.output.escalation import render_cases

    results = run_cases(_strategy(config_dir))
    render_cases(results, as_json)
    if not all(r.passed for r in results):
        raise typer.Exit(1)


@escalation_app.command("backtest", epilog=EXAMPLES)
def backtest(
    inputs: Annotated[
        list[str] | None,
        typer.Argument(
            help="Usage logs with task contexts (a task object per event). Default: usage in settings."
        ),
    ] = None,
    config_dir: ConfigDir = None,
    as_json: Json = False,
) -> None:
    """Replay the task contexts of usage events through a config's escalation rules
    (the working config, or --config-dir of a candidate): the escalation rate,
    premium share and cost it would have had, against the target rate.

    Exit 1 when the escalation rate would break escalation.maxRate.
    """
    from hybridctl.app.settings import load_settings
    from hybridctl.output.escalation import render_backtest
    from hybridctl.usage.backtest import backtest as replay
    from hybridctl.usage.prices import load_priced_strategy
    from hybridctl.usage.scan import ScanSpec, resolve_sources

    space = workspace(config_dir, None, None)
    priced = load_priced_strategy(space.config_dir, space.read_configs())
    sources = resolve_sources(inputs or [], load_settings().usage)
    result = replay(sources, ScanSpec(), priced.strategy, priced.catalog)
    render_backtest(result, as_json)
    if not result.within_target:
        raise typer.Exit(1)
