"""hybridctl report usage|savings|budget|rollout, and hybridctl prices import|list."""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from hybridctl.cli.options import ConfigDir, Json, StorePath, comma_list, output_path

if TYPE_CHECKING:
    from hybridctl.app.settings import Settings
    from hybridctl.usage.prices import PricedStrategy
    from hybridctl.usage.reports import UsageData, Window

EXAMPLES = """\
[bold]Examples[/bold]

  hybridctl report usage usage.jsonl --by role,model

  hybridctl report usage 'logs/*.jsonl.gz' --since 2026-11-01 --by day --format csv > daily.csv

  cat spend.json | hybridctl report usage - --input-format litellm --by model

  hybridctl report savings usage.jsonl --html savings.html

  hybridctl report budget usage.jsonl            [dim]# exit 1 when over a budget (for cron and CI)[/dim]

  hybridctl report rollout usage.jsonl --format markdown > rollout.md
"""
PRICES_EXAMPLES = """\
[bold]Examples[/bold]

  hybridctl prices import model_prices_and_context_window.json

  hybridctl prices import litellm.json --only z-ai/glm-4.5,gemini/gemini-2.5-flash-lite

  hybridctl prices list
  hybridctl prices check litellm-spend.jsonl --tolerance 0.05
"""


class ReportFormat(str, Enum):
    text = "text"
    json = "json"
    csv = "csv"
    markdown = "markdown"


class InputFormat(str, Enum):
    auto = "auto"
    jsonl = "jsonl"
    csv = "csv"
    openrouter = "openrouter"
    litellm = "litellm"
    otlp = "otlp"
    otel = "otel"
    langfuse = "langfuse"
    helicone = "helicone"


Inputs = Annotated[
    list[str] | None,
    typer.Argument(
        help="Usage files (JSONL, JSON, CSV, gzip), globs, or - for stdin. Default: usage in settings.",
        show_default=False,
    ),
]
InputFormatOption = Annotated[InputFormat, typer.Option("--input-format", help="How to read the inputs.")]
Since = Annotated[
    str | None, typer.Option("--since", help="From this time (ISO 8601; no offset: local time).")
]
Until = Annotated[str | None, typer.Option("--until", help="Before this time.")]
FormatOption = Annotated[ReportFormat, typer.Option("--format", "-f", help="Output format.")]
AsJson = Annotated[bool, typer.Option("--json", help="Same as --format json (documented, versioned).")]
AsCsv = Annotated[bool, typer.Option("--csv", help="Same as --format csv.")]
AsMarkdown = Annotated[bool, typer.Option("--markdown", help="Same as --format markdown.")]
Html = Annotated[
    Path | None,
    typer.Option("--html", help="Also write a self-contained HTML page here.", callback=output_path),
]
Strict = Annotated[bool, typer.Option("--strict", help="Fail on the first bad line.")]
Recompute = Annotated[bool, typer.Option("--recompute", help="Price every request, ignoring recorded costs.")]
NoCache = Annotated[bool, typer.Option("--no-cache", help="Read every event, ignoring the cache.")]

report_app = typer.Typer(
    help="Usage and cost reports: is the hybrid strategy paying off?", no_args_is_help=True
)
prices_app = typer.Typer(help="Model prices: the catalog and the overrides file.", no_args_is_help=True)


def _when(value: str | None, option: str) -> datetime | None:
    if value is None:
        return None
    from hybridctl.errors import UsageError
    from hybridctl.times import parse_user_time

    moment = parse_user_time(value)
    if moment is None:
        raise UsageError(
            f"{option} {value!r} is not an ISO 8601 date or time", hint="e.g. 2026-11-01 or 2026-11-01T14:00Z"
        )
    return moment


def _format(chosen: ReportFormat, as_json: bool, as_csv: bool, as_markdown: bool) -> str:
    """--format, or the one shortcut flag given."""
    from hybridctl.errors import UsageError

    flags = [name for name, on in (("json", as_json), ("csv", as_csv), ("markdown", as_markdown)) if on]
    if len(flags) > 1 or (flags and chosen is not ReportFormat.text and chosen.value != flags[0]):
        given = [f"--{n}" for n in flags] + (
            [f"--format {chosen.value}"] if chosen is not ReportFormat.text else []
        )
        raise UsageError(f"choose one output format, not {' and '.join(given)}")
    return flags[0] if flags else chosen.value


def _context(config_dir: Path | None) -> tuple[PricedStrategy, Settings]:
    """The priced strategy of the config directory, and the settings."""
    from hybridctl.app.settings import load_settings
    from hybridctl.app.workspace import Workspace
    from hybridctl.usage.prices import load_priced_strategy

    settings = load_settings()
    space = Workspace.from_settings(settings, config_dir=config_dir)
    return load_priced_strategy(space.config_dir, space.read_configs()), settings


def _read(
    inputs: list[str] | None,
    input_format: InputFormat,
    window: Window,
    strict: bool,
    no_cache: bool,
    settings: Settings,
    boundaries: tuple[datetime, ...] | None = None,
) -> UsageData:
    from hybridctl.output import progress_bar
    from hybridctl.usage.cache import cache_dir
    from hybridctl.usage.reports import read_usage
    from hybridctl.usage.scan import ScanSpec, resolve_sources

    sources = resolve_sources(inputs or [], settings.usage)
    spec = ScanSpec(window.boundaries() if boundaries is None else boundaries, input_format.value, strict)
    total = sum(s.path.stat().st_size for s in sources if s.path is not None)
    with progress_bar(total, "reading usage") as advance:
        return read_usage(sources, spec, None if no_cache else cache_dir(settings.cache_dir), advance)


@report_app.command("usage", epilog=EXAMPLES)
def usage(
    inputs: Inputs = None,
    by: Annotated[
        str, typer.Option("--by", help="Group by: role, model, provider, variant, day, escalated.")
    ] = "role",
    role: Annotated[str | None, typer.Option("--role", help="Only these roles (comma-separated).")] = None,
    model: Annotated[str | None, typer.Option("--model", help="Only these models.")] = None,
    provider: Annotated[str | None, typer.Option("--provider", help="Only these providers.")] = None,
    variant: Annotated[str | None, typer.Option("--variant", help="Only stable or candidate.")] = None,
    since: Since = None,
    until: Until = None,
    input_format: InputFormatOption = InputFormat.auto,
    output_format: FormatOption = ReportFormat.text,
    as_json: AsJson = False,
    as_csv: AsCsv = False,
    as_markdown: AsMarkdown = False,
    html: Html = None,
    strict: Strict = False,
    recompute: Recompute = False,
    no_cache: NoCache = False,
    config_dir: ConfigDir = None,
) -> None:
    """Requests, tokens, cost, error rate and latency percentiles, grouped and totalled."""
    from hybridctl.output.reports import render_usage
    from hybridctl.usage.reports import Window, usage_report

    priced, settings = _context(config_dir)
    window = Window(_when(since, "--since"), _when(until, "--until"))
    data = _read(inputs, input_format, window, strict, no_cache, settings)
    filters = {
        "role": frozenset(comma_list(role)),
        "model": frozenset(comma_list(model)),
        "provider": frozenset(comma_list(provider)),
        "variant": frozenset(comma_list(variant)),
    }
    strategy = priced.strategy
    known = {
        "role": set(strategy.roles),
        "model": set(strategy.models),
        "provider": {p.id for p in strategy.providers} | {m.provider for m in strategy.models.values()},
        "variant": {"stable", "candidate"},
    }
    report = usage_report(
        data,
        priced.catalog,
        by=comma_list(by),
        window=window,
        filters=filters,
        recompute=recompute,
        known=known,
    )
    render_usage(report, _format(output_format, as_json, as_csv, as_markdown), html)


@report_app.command("savings", epilog=EXAMPLES)
def savings(
    inputs: Inputs = None,
    baseline: Annotated[
        str | None,
        typer.Option(
            "--baseline", help="The all-premium baseline model.", show_default="the premium-tier model"
        ),
    ] = None,
    since: Since = None,
    until: Until = None,
    input_format: InputFormatOption = InputFormat.auto,
    output_format: FormatOption = ReportFormat.text,
    as_json: AsJson = False,
    as_csv: AsCsv = False,
    as_markdown: AsMarkdown = False,
    html: Html = None,
    strict: Strict = False,
    recompute: Recompute = False,
    no_cache: NoCache = False,
    config_dir: ConfigDir = None,
) -> None:
    """Actual cost against every request on the premium model, the 30-50% target,
    premium share and escalation rate against 5%, and the candidate against stable."""
    from hybridctl.output.reports import render_savings
    from hybridctl.usage.reports import Window, savings_report

    priced, settings = _context(config_dir)
    window = Window(_when(since, "--since"), _when(until, "--until"))
    data = _read(inputs, input_format, window, strict, no_cache, settings)
    report = savings_report(
        data, priced.catalog, priced.strategy, baseline_model=baseline, window=window, recompute=recompute
    )
    render_savings(report, _format(output_format, as_json, as_csv, as_markdown), html)


@report_app.command("budget", epilog=EXAMPLES)
def budget(
    inputs: Inputs = None,
    as_of: Annotated[
        str | None, typer.Option("--as-of", help="Judge the budgets at this time.", show_default="now")
    ] = None,
    input_format: InputFormatOption = InputFormat.auto,
    output_format: FormatOption = ReportFormat.text,
    as_json: AsJson = False,
    as_csv: AsCsv = False,
    as_markdown: AsMarkdown = False,
    html: Html = None,
    strict: Strict = False,
    recompute: Recompute = False,
    no_cache: NoCache = False,
    config_dir: ConfigDir = None,
) -> None:
    """Spend today, this week and this month (UTC) against the budgets, and the
    month-end projection. Exit 1 when a budget is exceeded."""
    from hybridctl.output.reports import render_budget
    from hybridctl.times import utc_now
    from hybridctl.usage.reports import Window, budget_report

    priced, settings = _context(config_dir)
    moment = _when(as_of, "--as-of") or utc_now()
    # Cut at --as-of: what was spent after it does not count, nor in the projection.
    cut = moment + timedelta(microseconds=1)  # spend at the moment itself counts
    data = _read(inputs, input_format, Window(), strict, no_cache, settings, (cut,))
    report = budget_report(data, priced.catalog, priced.strategy, as_of=moment, recompute=recompute)
    render_budget(report, _format(output_format, as_json, as_csv, as_markdown), html)
    if report.over:
        raise typer.Exit(1)


@report_app.command("rollout", epilog=EXAMPLES)
def rollout(
    inputs: Inputs = None,
    input_format: InputFormatOption = InputFormat.auto,
    output_format: FormatOption = ReportFormat.text,
    as_json: AsJson = False,
    as_csv: AsCsv = False,
    as_markdown: AsMarkdown = False,
    html: Html = None,
    strict: Strict = False,
    no_cache: NoCache = False,
    config_dir: ConfigDir = None,
    store: StorePath = None,
) -> None:
    """The latest rollout for stakeholders: its timeline, the gates at each step,
    and cost and quality per step and variant."""
    from hybridctl.app.rollout_report import boundaries_of, rollout_report, rollout_transitions
    from hybridctl.app.workspace import Workspace
    from hybridctl.output.reports import render_rollout_report
    from hybridctl.usage.reports import Window

    priced, settings = _context(config_dir)
    space = Workspace.from_settings(settings, config_dir=config_dir, store=store)
    transitions = rollout_transitions(space.open_store().iter_records())
    data = None
    if inputs or settings.usage:
        data = _read(inputs, input_format, Window(), strict, no_cache, settings, boundaries_of(transitions))
    render_rollout_report(
        rollout_report(transitions, data, priced.catalog),
        _format(output_format, as_json, as_csv, as_markdown),
        html,
    )


@prices_app.command("import", epilog=PRICES_EXAMPLES)
def prices_import(
    source: Annotated[Path, typer.Argument(help="LiteLLM's model_prices_and_context_window.json.")],
    only: Annotated[str | None, typer.Option("--only", help="Just these models (comma-separated).")] = None,
    include_catalog: Annotated[
        bool, typer.Option("--include-catalog", help="Also models the catalog prices (then overriding it).")
    ] = False,
    accept_suspicious: Annotated[
        bool, typer.Option("--accept-suspicious", help="Take entries that look priced per million.")
    ] = False,
    out: Annotated[
        Path | None,
        typer.Option(
            "--out",
            help="The overrides file.",
            show_default="prices.json in the config directory",
            callback=output_path,
        ),
    ] = None,
    config_dir: ConfigDir = None,
    as_json: Json = False,
) -> None:
    """Read LiteLLM's price map into the price overrides file, per million tokens,
    flagging entries that look priced per million by mistake."""
    from hybridctl.app.workspace import Workspace
    from hybridctl.output.reports import render_prices_import
    from hybridctl.times import utc_now
    from hybridctl.usage.litellm import import_into
    from hybridctl.usage.prices import OVERRIDES_FILE

    priced, settings = _context(config_dir)
    space = Workspace.from_settings(settings, config_dir=config_dir)
    target = out or space.config_dir / OVERRIDES_FILE
    with space.mutation("prices import"):  # prices.json is a config file: the setup's lock
        result = import_into(
            source,
            target,
            catalog=frozenset(n.lower() for spec in priced.strategy.models.values() for n in spec.names),
            imported_at=utc_now().isoformat(),
            only=None if only is None else frozenset(comma_list(only)),
            include_catalog=include_catalog,
            accept_suspicious=accept_suspicious,
        )
    render_prices_import(result, target, as_json)


@prices_app.command("list", epilog=PRICES_EXAMPLES)
def prices_list(config_dir: ConfigDir = None, as_json: Json = False) -> None:
    """Every priced model name, from the catalog and the overrides file."""
    from hybridctl.output.reports import render_prices

    render_prices(_context(config_dir)[0].catalog.listing(), as_json)


@prices_app.command("check", epilog=PRICES_EXAMPLES)
def prices_check(
    inputs: Inputs = None,
    tolerance: Annotated[
        float,
        typer.Option("--tolerance", min=0.0, help="Relative difference allowed, e.g. 0.05 for 5%."),
    ] = 0.02,
    input_format: InputFormatOption = InputFormat.auto,
    strict: Strict = False,
    config_dir: ConfigDir = None,
    as_json: Json = False,
) -> None:
    """Recompute each request's recorded cost at the price list's prices and list
    those that differ by more than the tolerance (exit 1 when any do)."""
    from hybridctl.output.reports import render_cost_check
    from hybridctl.usage.costcheck import check_costs
    from hybridctl.usage.scan import ScanSpec, resolve_sources

    priced, settings = _context(config_dir)
    sources = resolve_sources(inputs or [], settings.usage)
    result = check_costs(sources, ScanSpec((), input_format.value, strict), priced.catalog, tolerance)
    render_cost_check(result, as_json)
    if not result.ok:
        raise typer.Exit(1)  # the summary above says so; --recompute reports at the list's prices
