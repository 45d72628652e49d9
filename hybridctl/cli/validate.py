"""hybridctl validate: check modes and model-config files, schema first, then meaning."""

from __future__ import annotations

import os
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from hybridctl.cli.options import ConfigDir, comma_list
from hybridctl.output import OutputFormat

if TYPE_CHECKING:
    from hybridctl.config.validate import ValidateRequest

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


Paths = Annotated[
    list[Path] | None,
    typer.Argument(help="Files or directories to check. Default: the config directory.", show_default=False),
]
# validate's own --config-dir: the directory checked when no path is given (also from the environment).
KindOption = Annotated[Kind | None, typer.Option("--kind", "-k", help="Treat the given files as this kind.")]
FormatOption = Annotated[
    OutputFormat | None,
    typer.Option(
        "--format",
        "-f",
        help="Output format. Default: text, or github when GITHUB_ACTIONS=true.",
        show_default=False,
    ),
]
Ignore = Annotated[
    list[str] | None,
    typer.Option("--ignore", help="Rule id to skip; repeat or separate with commas.", show_default=False),
]
MaxFileSize = Annotated[
    int | None,
    typer.Option("--max-file-size", help="Refuse files larger than this many bytes.", show_default="5 MiB"),
]
MaxFindings = Annotated[
    int,
    typer.Option(
        "--max-findings", help="Print at most this many findings per file (0: all); the rest are counted."
    ),
]


def command(
    paths: Paths = None,
    config_dir: ConfigDir = None,
    kind: KindOption = None,
    output_format: FormatOption = None,
    strict: Annotated[bool, typer.Option("--strict", help="Fail (exit 1) on warnings too.")] = False,
    ignore: Ignore = None,
    max_file_size: MaxFileSize = None,
    max_findings: MaxFindings = 100,
    defaults: Annotated[
        bool, typer.Option("--defaults", help="Check the configs shipped with hybridctl.")
    ] = False,
    list_rules: Annotated[bool, typer.Option("--list-rules", help="List the rules and exit.")] = False,
) -> None:
    """Validate modes.yml and model-config.json, with file:line:column for every problem.

    Checks YAML/JSON syntax, the JSON Schemas, and the semantic rules within and
    across both files (models, fallbacks, escalation, secrets, instruction drift).
    Exit 0 when valid, 1 when not (warnings too with --strict), 2 on a usage error.
    """
    from hybridctl.config.validate import validate
    from hybridctl.output.validate import render_rules, render_validation

    fmt = output_format or (
        OutputFormat.GITHUB if os.environ.get("GITHUB_ACTIONS") == "true" else OutputFormat.TEXT
    )
    if list_rules:
        from hybridctl.config.rules import RULES

        render_rules(list(RULES.values()), fmt)
        return
    request = _request(paths, config_dir, kind, strict, ignore, max_file_size, defaults)
    result = validate(request)
    render_validation(result, fmt, max(max_findings, 0))
    if not result.ok:
        raise typer.Exit(1)


def _request(
    paths: list[Path] | None,
    config_dir: Path | None,
    kind: Kind | None,
    strict: bool,
    ignore: list[str] | None,
    max_file_size: int | None,
    defaults: bool,
) -> ValidateRequest:
    """What to validate and how, from the options and the settings."""
    from hybridctl.app.settings import load_settings
    from hybridctl.config.validate import ValidateRequest
    from hybridctl.resources import default_config_dir

    settings = load_settings()
    if defaults:
        targets: tuple[Path, ...] = (default_config_dir(),)
    else:
        targets = tuple(paths) if paths else (config_dir or settings.config_dir,)
    return ValidateRequest(
        paths=targets,
        kind=kind.value if kind else None,
        strict=strict,
        ignore=frozenset(set(comma_list(*(ignore or ()))) | set(settings.ignore)),
        max_file_bytes=max_file_size or settings.max_file_size,
        schema_dir=settings.schema_dir,
    )
