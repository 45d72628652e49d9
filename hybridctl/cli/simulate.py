"""hybridctl simulate: usage events routed through the current bundle."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from hybridctl.cli.options import Place, output_path, with_options

EXAMPLES = """\
[bold]Examples[/bold]

  hybridctl simulate --requests 2000 --out usage.jsonl

  hybridctl simulate --requests 2000 --candidate-error-rate 0.09 --out usage.jsonl --append

  hybridctl simulate --start 2026-11-01T00:00Z --minutes 43200 --requests 100000 > month.jsonl

  hybridctl simulate --approved 0.6 --out usage.jsonl   [dim]# 40% of escalations rejected[/dim]
"""


@with_options
def command(
    place: Place,
    requests: Annotated[int, typer.Option("--requests", "-n", help="How many requests.")] = 1000,
    users: Annotated[int, typer.Option("--users", help="How many distinct users.")] = 500,
    start: Annotated[
        str | None, typer.Option("--start", help="ISO time of the first request.", show_default="now")
    ] = None,
    minutes: Annotated[float, typer.Option("--minutes", help="Spread the requests over this long.")] = 60.0,
    error_rate: Annotated[float, typer.Option("--error-rate", help="Share of requests that fail.")] = 0.01,
    candidate_error_rate: Annotated[
        float | None, typer.Option("--candidate-error-rate", help="Failure share on the candidate.")
    ] = None,
    candidate_latency_factor: Annotated[
        float, typer.Option("--candidate-latency-factor", help="Candidate latency multiplier.")
    ] = 1.0,
    seed: Annotated[int, typer.Option("--seed", help="Random seed (same seed, same events).")] = 1,
    approved: Annotated[
        float,
        typer.Option(
            "--approved",
            min=0.0,
            max=1.0,
            help="Of the escalations that need approval, the share approved (the rest stay on the "
            "primary model).",
        ),
    ] = 1.0,
    out: Annotated[
        Path | None, typer.Option("--out", "-o", help="Write here instead of stdout.", callback=output_path)
    ] = None,
    append: Annotated[bool, typer.Option("--append", help="Add to --out instead of replacing it.")] = False,
) -> None:
    """Write usage events (JSONL) for requests routed through the current rollout, as an application would."""
    import sys
    from datetime import timedelta

    from hybridctl.app.simulate import Workload, simulate, write_events, write_events_file
    from hybridctl.errors import UsageError
    from hybridctl.rollout.bundle import render_bundle
    from hybridctl.times import parse_user_time, utc_now

    when = utc_now() if start is None else parse_user_time(start)
    if when is None:
        raise UsageError(f"--start {start!r} is not an ISO 8601 time", hint="for example 2026-11-21T14:00Z")
    workload = Workload(
        requests,
        users,
        when,
        timedelta(minutes=minutes),
        error_rate,
        candidate_error_rate,
        candidate_latency_factor,
        seed,
        approved,
    )
    events = simulate(render_bundle(place.workspace()), workload)
    if out is None:
        write_events(events, sys.stdout.buffer)
    else:
        count = write_events_file(events, out, append=append)
        sys.stderr.write(f"wrote {count:,} events to {out}\n")
