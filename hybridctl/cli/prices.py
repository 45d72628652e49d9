"""hybridctl prices import|list|check: the price catalog and the overrides file."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from hybridctl.cli.options import Configs, JsonOut, UsageFiles, comma_list, output_path, with_options
from hybridctl.cli.report import reporting

EXAMPLES = """\
[bold]Examples[/bold]

  hybridctl prices import model_prices_and_context_window.json

  hybridctl prices import litellm.json --only z-ai/glm-4.5,gemini/gemini-2.5-flash-lite

  hybridctl prices list
  hybridctl prices check litellm-spend.jsonl --tolerance 0.05
"""

app = typer.Typer(help="Model prices: the catalog and the overrides file.", no_args_is_help=True)


@app.command("import", epilog=EXAMPLES)
@with_options
def prices_import(
    configs: Configs,
    out: JsonOut,
    source: Annotated[Path, typer.Argument(help="LiteLLM's model_prices_and_context_window.json.")],
    only: Annotated[str | None, typer.Option("--only", help="Just these models (comma-separated).")] = None,
    include_catalog: Annotated[
        bool, typer.Option("--include-catalog", help="Also models the catalog prices (then overriding it).")
    ] = False,
    accept_suspicious: Annotated[
        bool, typer.Option("--accept-suspicious", help="Take entries that look priced per million.")
    ] = False,
    overrides: Annotated[
        Path | None,
        typer.Option(
            "--out",
            help="The overrides file.",
            show_default="prices.json in the config directory",
            callback=output_path,
        ),
    ] = None,
) -> None:
    """Read LiteLLM's price map into the price overrides file, per million tokens,
    flagging entries that look priced per million by mistake."""
    from hybridctl.output.reports import render_prices_import

    result, target = reporting(configs.config_dir).import_prices(
        source,
        out=overrides,
        only=None if only is None else frozenset(comma_list(only)),
        include_catalog=include_catalog,
        accept_suspicious=accept_suspicious,
    )
    render_prices_import(result, target, out.as_json)


@app.command("list", epilog=EXAMPLES)
@with_options
def prices_list(configs: Configs, out: JsonOut) -> None:
    """Every priced model name, from the catalog and the overrides file."""
    from hybridctl.output.reports import render_prices

    render_prices(reporting(configs.config_dir).priced.catalog.listing(), out.as_json)


@app.command("check", epilog=EXAMPLES)
@with_options
def prices_check(
    files: UsageFiles,
    configs: Configs,
    out: JsonOut,
    tolerance: Annotated[
        float, typer.Option("--tolerance", min=0.0, help="Relative difference allowed, e.g. 0.05 for 5%.")
    ] = 0.02,
) -> None:
    """Recompute each request's recorded cost at the price list's prices and list
    those that differ by more than the tolerance (exit 1 when any do)."""
    from hybridctl.output.reports import render_cost_check

    result = reporting(configs.config_dir).check_prices(files.read(), tolerance)
    render_cost_check(result, out.as_json)
    if not result.ok:
        raise typer.Exit(1)  # the summary above says so; --recompute reports at the list's prices
