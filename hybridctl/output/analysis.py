"""Rendering of rollout reconcile, rollout run and providers check."""

from __future__ import annotations

import io
from datetime import datetime
from typing import TYPE_CHECKING

from hybridctl.output import console, print_table, safe_text, say, table, when, write, write_json
from hybridctl.output.rollout import gate_table, render_delivery

if TYPE_CHECKING:
    from rich.console import Console
    from rich.live import Live

    from hybridctl.app.delivery import Delivery
    from hybridctl.app.reconcile import ReconcileResult, RunResult, RunStep
    from hybridctl.remote.models import ProvidersReport

_OUTCOME_STYLE = {
    "waited": "dim",
    "promoted": "bold green",
    "completed": "bold green",
    "idle": "dim",
    "rolled-back": "bold red",
    "paused": "bold yellow",
    "held": "bold yellow",
}


def _clock(moment: datetime | None) -> str:
    return "-" if moment is None else f"{when(moment)} UTC"


def reconcile_lines(result: ReconcileResult, out: Console) -> None:
    from hybridctl.rollout.machine import describe

    measured = result.measurement
    if measured is not None:
        out.print(
            safe_text(
                ("measured: ", "bold"),
                f"{measured.verdict} at {_clock(measured.time)} ({measured.report.source}): {measured.why()}",
            )
        )
        gate_table(measured.report, out)
        for trigger in measured.triggers:
            out.print(safe_text(("rollback trigger: ", "bold red"), trigger))
    style = _OUTCOME_STYLE.get(result.outcome, "bold")
    out.print(safe_text((f"{result.outcome}: ", style), result.summary))
    out.print(safe_text(("rollout: ", "dim"), describe(result.state)))
    if result.next_measurement is not None:
        out.print(safe_text(("next measurement: ", "dim"), _clock(result.next_measurement)))


def render_reconcile(result: ReconcileResult, delivery: Delivery | None, as_json: bool) -> None:
    if as_json:
        write_json({**result.to_dict(), "delivery": None if delivery is None else delivery.to_dict()})
        return
    reconcile_lines(result, console())
    if delivery is not None:
        render_delivery(delivery)


class RunView:
    """What ``rollout run`` shows while it runs: redrawn in place on a
    terminal; one line per turn when piped; one JSON object per line with --json."""

    def __init__(self, as_json: bool) -> None:
        self.as_json = as_json
        self.out = console()
        self.live: Live | None = None
        self.events: list[str] = []

    def turn(self, step: RunStep) -> None:
        result = step.result
        if self.as_json:
            delivery = None if step.delivery is None else step.delivery.to_dict()
            import json

            write(json.dumps({**result.to_dict(), "delivery": delivery}, separators=(",", ":")))
            return
        if result.outcome != "waited" or result.measurement is not None:
            self.events.append(f"{step.at:%H:%M:%S} {result.outcome}: {result.summary}")
        if not self.out.is_terminal:
            measured = result.measurement
            seen = "" if measured is None else f"measured {measured.verdict} ({measured.why()}); "
            style = _OUTCOME_STYLE.get(result.outcome, "bold")
            say(f"[{step.at:%H:%M:%S}] ", seen, (f"{result.outcome}: ", style), result.summary)
            if step.delivery is not None:
                render_delivery(step.delivery)
            return
        self._draw(step)
        if step.delivery is not None and not step.delivery.ok:
            render_delivery(step.delivery)

    def _draw(self, step: RunStep) -> None:
        from rich.console import Console as RichConsole
        from rich.live import Live
        from rich.text import Text

        from hybridctl.rollout.machine import describe

        buffer = RichConsole(file=io.StringIO(), width=self.out.width, force_terminal=True, record=True)
        result, state = step.result, step.result.state
        buffer.print(safe_text(("rollout: ", "bold"), describe(state)))
        if state.step_started is not None and state.in_flight:
            age = step.at - state.step_started
            buffer.print(f"time in step: {int(age.total_seconds() // 60)}m {int(age.total_seconds() % 60)}s")
        if result.measurement is not None:
            reconcile_lines(result, buffer)
        else:
            buffer.print(
                safe_text((f"{result.outcome}: ", _OUTCOME_STYLE.get(result.outcome, "bold")), result.summary)
            )
        buffer.print(safe_text(("next measurement: ", "dim"), _clock(result.next_measurement)))
        if step.deadline is not None:
            buffer.print(safe_text(("gives up at: ", "dim"), _clock(step.deadline)))
        for event in self.events[-6:]:
            buffer.print(safe_text(("  ", "dim"), event))
        view = Text.from_ansi(buffer.export_text(styles=True))
        if self.live is None:
            self.live = Live(view, console=self.out, auto_refresh=False, transient=False)
            self.live.start()
        self.live.update(view, refresh=True)

    def close(self) -> None:
        if self.live is not None:
            self.live.stop()
            self.live = None


def render_run_end(result: RunResult, as_json: bool) -> None:
    if as_json:
        return  # each turn was a JSON line; the exit code says how it ended
    text = {
        "completed": ("completed", "the candidate is the new stable"),
        "rolled-back": ("rolled back", result.last.summary),
        "paused": (
            "paused",
            "the analysis could not decide; hybridctl status shows why, resume hands it back",
        ),
        "held": ("held", result.last.summary),
        "timed-out": ("timed out", "the rollout is still in flight; run again, or reconcile from cron"),
        "nothing": ("nothing to run", result.last.summary),
    }
    label, detail = text.get(result.outcome, (result.outcome, result.last.summary))
    style = (
        "bold green"
        if result.outcome == "completed"
        else "bold red"
        if result.outcome == "rolled-back"
        else "bold yellow"
    )
    say((f"run {label}: ", style), detail, f" ({result.turns} turn(s))")


_CHECK_STYLE = {"ok": "green", "missing": "bold red", "unreachable": "bold red", "unauthorized": "yellow"}


def render_providers(report: ProvidersReport, as_json: bool) -> None:
    if as_json:
        write_json(report.to_dict())
        return
    if report.offline:
        say(("skipped: ", "yellow"), "--offline: no provider was asked")
        return
    from rich.text import Text

    out = console()
    grid = table("PROVIDER", "MODEL", "PROVIDER ID", "IN USE", "STATUS", "LATENCY", "WHY")
    for r in report.results:
        grid.add_row(
            r.provider,
            r.model,
            r.provider_model_id,
            "yes" if r.in_use else "no",
            Text(r.status, style=_CHECK_STYLE.get(r.status, "")),
            "-" if r.latency_s is None else f"{r.latency_s * 1000:.0f} ms",
            r.why,
        )
    print_table(out, grid)
    bad = [r for r in report.results if r.in_use and r.status != "ok"]
    if bad:
        out.print(
            safe_text(
                ("not ready: ", "bold red"), f"{len(bad)} model(s) in use cannot be served as configured"
            )
        )
    else:
        out.print(safe_text(("ok: ", "bold green"), "every model in use is served"))
