"""hybridctl render: the deployable bundle, or the LiteLLM proxy config that serves it."""

from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import Annotated

import typer

from hybridctl.cli.options import Place, output_path, with_options

EXAMPLES = """\
[bold]Examples[/bold]

  hybridctl render --out bundle.json

  hybridctl render --format litellm --out litellm.yaml   [dim]# a LiteLLM proxy config[/dim]
"""


class RenderFormat(str, Enum):
    bundle = "bundle"
    litellm = "litellm"


@with_options
def command(
    place: Place,
    out: Annotated[
        Path | None,
        typer.Option("--out", "-o", help="Write here (atomically) instead of stdout.", callback=output_path),
    ] = None,
    render_format: Annotated[
        RenderFormat,
        typer.Option(
            "--format",
            "-f",
            help="bundle: what the routing library reads; litellm: a LiteLLM proxy config (YAML).",
        ),
    ] = RenderFormat.bundle,
) -> None:
    """The deployable bundle: stable config, candidate config, weight, rollout id, digests (schema:
    schemas/bundle.schema.json); or, with --format litellm, the LiteLLM proxy config that serves it."""
    import json

    from hybridctl.output import write
    from hybridctl.rollout.bundle import render_bundle

    bundle = render_bundle(place.workspace())
    if render_format is RenderFormat.litellm:
        from hybridctl.output.route import litellm_yaml, render_notes
        from hybridctl.routing.litellm import litellm_config

        rendered = litellm_config(bundle)
        render_notes(rendered.notes)
        text = litellm_yaml(rendered)
    else:
        text = json.dumps(bundle, indent=2, ensure_ascii=False) + "\n"
    if out is None:
        write(text)
    else:
        from hybridctl.fsutil import atomic_write

        atomic_write(out, text.encode())
