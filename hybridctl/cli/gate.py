"""hybridctl gate check: the go/hold/fail matrix of the current step, for CI."""

from __future__ import annotations

import typer

from hybridctl.cli.options import JsonOut, Place, Usage, with_options

EXAMPLES = """\
[bold]Examples[/bold]

  hybridctl gate check --usage usage.jsonl --json     [dim]# exit 0 go, 1 fail, 5 hold[/dim]
"""

app = typer.Typer(help="Rollout gates.", no_args_is_help=True)


@app.command("check", epilog=EXAMPLES)
@with_options
def check(place: Place, out: JsonOut, usage: Usage = None) -> None:
    """The go/hold/fail matrix for CI: exit 0 go, 1 fail, 5 hold (no verdict yet: too little evidence)."""
    from hybridctl.errors import ExitCode
    from hybridctl.output.rollout import render_gates
    from hybridctl.rollout.judge import gate_report
    from hybridctl.rollout.transaction import load_state

    space = place.workspace()
    opened = space.open_store()
    report = gate_report(
        opened, load_state(opened), tuple(usage or ()), setup=space, measuring=space.measuring
    )
    render_gates(report, out.as_json)
    verdicts = {"go": ExitCode.OK, "fail": ExitCode.CHECK_FAILED}
    raise typer.Exit(int(verdicts.get(report.verdict, ExitCode.INCONCLUSIVE)))
