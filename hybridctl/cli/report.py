"""hybridctl report usage|savings|budget|rollout|escalations: is the hybrid strategy paying off?"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from hybridctl.cli.options import (
    Caching,
    Place,
    ReportOutput,
    TimeWindow,
    UsageFiles,
    UsageReport,
    comma_list,
    with_options,
)

if TYPE_CHECKING:
    from hybridctl.app.reports import Reporting

EXAMPLES = """\
[bold]Examples[/bold]

  hybridctl report usage usage.jsonl --by role,model

  hybridctl report usage 'logs/*.jsonl.gz' --since 2026-11-01 --by day --format csv > daily.csv

  cat spend.json | hybridctl report usage - --input-format litellm --by model

  hybridctl report savings usage.jsonl --html savings.html

  hybridctl report budget usage.jsonl            [dim]# exit 1 when over a budget (for cron and CI)[/dim]

  hybridctl report rollout usage.jsonl --format markdown > rollout.md

  hybridctl report escalations --since 2026-12-01 usage.jsonl   [dim]# review times, premium spend[/dim]
"""

app = typer.Typer(help="Usage and cost reports: is the hybrid strategy paying off?", no_args_is_help=True)


def reporting(config_dir: Path | None, store: Path | None = None) -> Reporting:
    """The report service of the workspace, reading with a progress bar on a terminal."""
    from hybridctl.app.reports import Reporting
    from hybridctl.app.settings import load_settings
    from hybridctl.output import progress_bar

    return Reporting.open(load_settings(), config_dir=config_dir, store=store, progress=progress_bar)


@app.command("usage", epilog=EXAMPLES)
@with_options
def usage(
    report: UsageReport,
    window: TimeWindow,
    by: Annotated[
        str, typer.Option("--by", help="Group by: role, model, provider, variant, day, escalated.")
    ] = "role",
    role: Annotated[str | None, typer.Option("--role", help="Only these roles (comma-separated).")] = None,
    model: Annotated[str | None, typer.Option("--model", help="Only these models.")] = None,
    provider: Annotated[str | None, typer.Option("--provider", help="Only these providers.")] = None,
    variant: Annotated[str | None, typer.Option("--variant", help="Only stable or candidate.")] = None,
) -> None:
    """Requests, tokens, cost, error rate and latency percentiles, grouped and totalled."""
    from hybridctl.output.reports import render_usage

    chosen = report.output.format()
    filters = {"role": role, "model": model, "provider": provider, "variant": variant}
    result = reporting(report.configs.config_dir).usage_report(
        report.usage(),
        by=comma_list(by),
        window=window.window(),
        filters={name: frozenset(comma_list(value)) for name, value in filters.items()},
        recompute=report.pricing.recompute,
    )
    render_usage(result, chosen, report.output.html)


@app.command("savings", epilog=EXAMPLES)
@with_options
def savings(
    report: UsageReport,
    window: TimeWindow,
    baseline: Annotated[
        str | None,
        typer.Option(
            "--baseline", help="The all-premium baseline model.", show_default="the premium-tier model"
        ),
    ] = None,
) -> None:
    """Actual cost against every request on the premium model, the 30-50% target,
    premium share and escalation rate against 5%, and the candidate against stable."""
    from hybridctl.output.reports import render_savings

    chosen = report.output.format()
    result = reporting(report.configs.config_dir).savings_report(
        report.usage(), baseline=baseline, window=window.window(), recompute=report.pricing.recompute
    )
    render_savings(result, chosen, report.output.html)


@app.command("budget", epilog=EXAMPLES)
@with_options
def budget(
    report: UsageReport,
    as_of: Annotated[
        str | None, typer.Option("--as-of", help="Judge the budgets at this time.", show_default="now")
    ] = None,
) -> None:
    """Spend today, this week and this month (UTC) against the budgets, and the
    month-end projection. Exit 1 when a budget is exceeded."""
    from hybridctl.app.reports import parse_when
    from hybridctl.output.reports import render_budget

    chosen = report.output.format()
    moment = parse_when(as_of, "--as-of")
    result = reporting(report.configs.config_dir).budget_report(
        report.usage(), as_of=moment, recompute=report.pricing.recompute
    )
    render_budget(result, chosen, report.output.html)
    if result.over:
        raise typer.Exit(1)


@app.command("rollout", epilog=EXAMPLES)
@with_options
def rollout(files: UsageFiles, output: ReportOutput, caching: Caching, place: Place) -> None:
    """The latest rollout for stakeholders: its timeline, the gates at each step,
    and cost and quality per step and variant."""
    from hybridctl.output.reports import render_rollout_report

    chosen = output.format()
    report = reporting(place.config_dir, place.store).rollout_report(files.read(caching))
    render_rollout_report(report, chosen, output.html)


@app.command("escalations", epilog=EXAMPLES)
@with_options
def escalations(
    files: UsageFiles, output: ReportOutput, caching: Caching, place: Place, window: TimeWindow
) -> None:
    """How escalation requests are reviewed: requests by status, the approval
    rate, time to a decision per team (p50, p95, and how many took over 30
    minutes, undecided ones included), and with usage the premium spend of
    escalated requests in the window against the monthly budget."""
    from hybridctl.output.approvals import render_escalation_report

    chosen = output.format()
    report = reporting(place.config_dir, place.store).escalation_report(files.read(caching), window.window())
    render_escalation_report(report, chosen, output.html)
