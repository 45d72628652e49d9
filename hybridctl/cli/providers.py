"""hybridctl providers check: is every model of the catalog served by its provider?"""

from __future__ import annotations

from typing import Annotated

import typer

from hybridctl.cli.options import Configs, JsonOut, with_options

EXAMPLES = """\
[bold]Examples[/bold]

  hybridctl providers check                     [dim]# keys from ZAI_API_KEY, ANTHROPIC_API_KEY, ...[/dim]

  hybridctl providers check --offline           [dim]# in CI without keys: skipped, exit 0[/dim]
"""

app = typer.Typer(help="The providers of the model catalog.", no_args_is_help=True)


@app.command("check", epilog=EXAMPLES)
@with_options
def check(
    configs: Configs,
    out: JsonOut,
    offline: Annotated[bool, typer.Option("--offline", help="Ask no provider (CI without keys).")] = False,
) -> None:
    """Ask each provider (GET {baseUrl}/models, its key from the environment) whether
    every configured model is served.

    Exit 1 when a model in use is missing, or its provider is unreachable or refuses the key.
    """
    from hybridctl.app.catalog import check_providers
    from hybridctl.output.analysis import render_providers

    report = check_providers(configs.workspace(), offline=offline)
    render_providers(report, out.as_json)
    if not report.ok:
        raise typer.Exit(1)
