"""hybridctl eval run|import: the quality gate's evidence."""

from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import Annotated

import typer

from hybridctl.cli.options import Changing, JsonOut, with_options

EXAMPLES = """\
[bold]Examples[/bold]

  hybridctl eval run                         [dim]# configs/evals/*.yml on stable and the candidate[/dim]
  hybridctl eval run --variant candidate --suite evals/critic.yml --json
  hybridctl eval run --gateway http://litellm:4000/v1 --gateway-key-env LITELLM_MASTER_KEY
  hybridctl eval import promptfoo results.json --stable glm --candidate flash-lite
  [dim]# exit 0 pass (or scored), 1 fail, 5 hold (no verdict yet: too few cases to tell)[/dim]
"""

app = typer.Typer(help="Evals: score stable and the candidate on the team's own cases.", no_args_is_help=True)


class Variant(str, Enum):
    both = "both"
    stable = "stable"
    candidate = "candidate"


class Source(str, Enum):
    promptfoo = "promptfoo"


Suites = Annotated[
    list[Path] | None,
    typer.Option("--suite", help="A suite file (repeatable); default: evals/*.yml in the config directory."),
]


@app.command("run", epilog=EXAMPLES)
@with_options
def run(
    place: Changing,
    out: JsonOut,
    variant: Annotated[
        Variant, typer.Option("--variant", help="Which variant's models to ask.")
    ] = Variant.both,
    suites: Suites = None,
    gateway: Annotated[
        str | None,
        typer.Option("--gateway", help="An OpenAI-compatible gateway (LiteLLM proxy) asked for catalog ids."),
    ] = None,
    gateway_key_env: Annotated[
        str | None, typer.Option("--gateway-key-env", help="The variable holding the gateway's key.")
    ] = None,
    concurrency: Annotated[int, typer.Option("--concurrency", min=1, max=64, help="Calls at once.")] = 4,
    timeout: Annotated[float, typer.Option("--timeout", min=1, help="Seconds each call may take.")] = 60.0,
    no_record: Annotated[
        bool, typer.Option("--no-record", help="Do not record the run in the store.")
    ] = False,
) -> None:
    """Send each case of the eval suites to the model each variant routes its role
    (and task) to, with keys from the environment; score every answer against the
    case's assertions; judge the candidate against stable (non-inferiority at
    evals.margin) and record the run, which the quality gate at stage reads."""
    from hybridctl.app.evals import run_evals
    from hybridctl.evals.runner import RunOptions
    from hybridctl.output import progress_bar
    from hybridctl.output.evals import exit_code, render_run
    from hybridctl.urls import http_url

    options = RunOptions(
        gateway=None if gateway is None else http_url(gateway, "--gateway"),
        gateway_key_env=gateway_key_env,
        concurrency=concurrency,
        timeout_s=timeout,
    )
    result = run_evals(
        place.workspace(),
        variant=variant.value,
        paths=suites or [],
        options=options,
        record=not no_record,
        progress=lambda total: progress_bar(total, "eval calls", items=True),
    )
    render_run(result, out.as_json)
    raise typer.Exit(exit_code(result))


@app.command("import", epilog=EXAMPLES)
@with_options
def import_results(
    place: Changing,
    out: JsonOut,
    source: Annotated[Source, typer.Argument(help="The tool that wrote the file.")],
    file: Annotated[Path, typer.Argument(help="Its results file (promptfoo eval -o results.json).")],
    stable: Annotated[
        str, typer.Option("--stable", help="The provider label or id that is stable.")
    ] = "stable",
    candidate: Annotated[
        str, typer.Option("--candidate", help="The provider label or id that is the candidate.")
    ] = "candidate",
    no_record: Annotated[
        bool, typer.Option("--no-record", help="Do not record the run in the store.")
    ] = False,
) -> None:
    """Read another tool's eval results as a run of the working configs: scored,
    judged against stable and recorded like eval run's."""
    from hybridctl.app.evals import import_promptfoo
    from hybridctl.output.evals import exit_code, render_run

    result = import_promptfoo(
        place.workspace(), file, {stable: "stable", candidate: "candidate"}, record=not no_record
    )
    render_run(result, out.as_json)
    raise typer.Exit(exit_code(result))
