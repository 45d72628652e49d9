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

  hybridctl render --format litellm --out litellm.yaml   [dim]# entries for the routing library[/dim]

  hybridctl render --format litellm-proxy --out config.yaml   [dim]# a proxy that routes by itself[/dim]
"""


class RenderFormat(str, Enum):
    bundle = "bundle"
    litellm = "litellm"
    litellm_proxy = "litellm-proxy"


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
            help="bundle: what the routing library and the gateway plug-in read; litellm: a LiteLLM "
            "proxy config whose entries the routing library names; litellm-proxy: a complete proxy "
            "config (YAML) where hybridctl's plug-in routes each request.",
        ),
    ] = RenderFormat.bundle,
) -> None:
    """The deployable bundle: stable config, candidate config, weight, rollout id, digests (schema:
    schemas/bundle.schema.json); or the LiteLLM proxy config that serves it."""
    import json

    from hybridctl.output import write
    from hybridctl.rollout.bundle import render_bundle

    bundle = render_bundle(place.workspace())
    if render_format is not RenderFormat.bundle:
        from hybridctl.gateway.litellm_config import litellm_config
        from hybridctl.gateway.litellm_proxy import proxy_config
        from hybridctl.output.route import litellm_yaml, render_notes

        rendered = (proxy_config if render_format is RenderFormat.litellm_proxy else litellm_config)(bundle)
        render_notes(rendered.notes)
        text = litellm_yaml(rendered)
    else:
        text = json.dumps(bundle, indent=2, ensure_ascii=False) + "\n"
    if out is None:
        write(text)
    else:
        from hybridctl.fsutil import atomic_write

        atomic_write(out, text.encode())
