"""hybridctl validate: check modes and model-config files, schema first, then meaning."""

from __future__ import annotations

import os
from enum import Enum
from pathlib import Path

import typer

from hybridctl.cli.options import comma_list
from hybridctl.output import OutputFormat

EXAMPLES = """\
[bold]Examples[/bold]

  hybridctl validate                           [dim]# the config directory (configs/ or settings)[/dim]

  hybridctl validate configs/modes.yml         [dim]# one file; kind detected by name or content[/dim]

  hybridctl validate .roomodes --kind modes    [dim]# a Roo Code file of any name[/dim]

  hybridctl validate config.yaml --kind litellm  [dim]# a LiteLLM proxy config[/dim]

  hybridctl validate --format sarif > hybridctl.sarif

  hybridctl validate --strict --ignore escalation-no-single-criterion

  hybridctl validate --list-rules
"""


class Kind(str, Enum):
    modes = "modes"
    model_config = "model-config"
    prices = "prices"
    litellm = "litellm"


def validate(
    paths: list[Path] | None = typer.Argument(
        None, help="Files or directories to check. Default: the config directory.", show_default=False
    ),
    config_dir: Path | None = typer.Option(
        None,
        "--config-dir",
        "-c",
        help="Config directory checked when no path is given.",
        envvar="HYBRIDCTL_CONFIG_DIR",
        show_default="configs/",
    ),
    kind: Kind | None = typer.Option(None, "--kind", "-k", help="Treat the given files as this kind."),
    output_format: OutputFormat | None = typer.Option(
        None,
        "--format",
        "-f",
        help="Output format. Default: text, or github when GITHUB_ACTIONS=true.",
        show_default=False,
    ),
    strict: bool = typer.Option(False, "--strict", help="Fail (exit 1) on warnings too."),
    ignore: list[str] | None = typer.Option(
        None, "--ignore", help="Rule id to skip; repeat or separate with commas.", show_default=False
    ),
    max_file_size: int | None = typer.Option(
        None, "--max-file-size", help="Refuse files larger than this many bytes.", show_default="5 MiB"
    ),
    max_findings: int = typer.Option(
        100,
        "--max-findings",
        help="Print at most this many findings per file (0: all); the rest are counted.",
    ),
    defaults: bool = typer.Option(False, "--defaults", help="Check the configs shipped with hybridctl."),
    list_rules: bool = typer.Option(False, "--list-rules", help="List the rules and exit."),
) -> None:
    """Validate modes.yml and model-config.json, with file:line:column for every problem.

    Checks YAML/JSON syntax, the JSON Schemas, and the semantic rules within and
    across both files (models, fallbacks, escalation, secrets, instruction drift).
    Exit 0 when valid, 1 when not (warnings too with --strict), 2 on a usage error.
    """
    from hybridctl.app.settings import load_settings
    from hybridctl.config.validate import ValidateRequest
    from hybridctl.config.validate import validate as run_validate
    from hybridctl.output.validate import render_rules, render_validation

    fmt = (
        output_format
        if output_format
        else (OutputFormat.GITHUB if os.environ.get("GITHUB_ACTIONS") == "true" else OutputFormat.TEXT)
    )
    if list_rules:
        from hybridctl.config.rules import RULES

        render_rules(list(RULES.values()), fmt)
        return
    settings = load_settings()
    if defaults:
        from hybridctl.resources import default_config_dir

        targets: tuple[Path, ...] = (default_config_dir(),)
    else:
        targets = tuple(paths) if paths else (config_dir or settings.config_dir,)
    ignored = set(comma_list(*(ignore or ())))
    request = ValidateRequest(
        paths=targets,
        kind=kind.value if kind else None,
        strict=strict,
        ignore=frozenset(ignored | set(settings.ignore)),
        max_file_bytes=max_file_size or settings.max_file_size,
        schema_dir=settings.schema_dir,
    )
    result = run_validate(request)
    render_validation(result, fmt, max(max_findings, 0))
    if not result.ok:
        raise typer.Exit(1)
