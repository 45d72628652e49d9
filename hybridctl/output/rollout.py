"""Rendering of rollout transitions, status, plan and gates."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from hybridctl.output import console, print_table, render_json_or, safe_text, say, table, when, write_json

if TYPE_CHECKING:
    from datetime import timedelta

    from rich.console import Console

    from hybridctl.analysis.gates import GateReport
    from hybridctl.app.delivery import Delivery
    from hybridctl.app.status import PlanResult, RoleModels, StatusResult
    from hybridctl.remote.push import PushReport
    from hybridctl.rollout.transaction import TransitionResult

# -- rollout ---------------------------------------------------------------------------


def _percent(value: float | None) -> str:
    return "-" if value is None else f"{value:.2%}"


def _gate_value(name: str, value: float | None) -> str:
    if value is None:
        return "-"
    if name in ("sample size",):
        return f"{value:,.0f}"
    if name == "p95 latency":
        return f"{value:.3g} s"
    if name == "error rate vs stable":
        return f"{value * 100:+.2f} pt"
    return _percent(value)


_GATE_STYLE = {"pass": "green", "fail": "bold red", "hold": "yellow"}


def gate_table(report: GateReport, out: Console) -> None:
    from rich.text import Text

    grid = table("GATE", "STATUS", "OBSERVED", "THRESHOLD", "DETAIL")
    for gate in report.results:
        grid.add_row(
            gate.name,
            Text(gate.status, style=_GATE_STYLE[gate.status]),
            _gate_value(gate.name, gate.observed),
            _gate_value(gate.name, gate.threshold),
            gate.detail,
        )
    print_table(out, grid)
    verdict_style = {"go": "bold green", "fail": "bold red"}.get(report.verdict, "bold yellow")
    out.print(safe_text("verdict: ", (report.verdict, verdict_style)))
    for line in problem_lines(report):
        out.print(safe_text(("  why: ", "yellow"), line))


def problem_lines(report: GateReport, limit: int = 5) -> list[str]:
    """Why figures are missing or refused, each cause once with how many
    figures it took: 'prometheus http://prom:9090: unreachable: connection
    refused (13 figures)', 'candidate cost is negative (-5)'."""
    causes: dict[str, int] = {}
    for problem in report.problems:
        figure, separator, cause = problem.partition(": ")
        key = f"{report.source}: {cause}" if separator and " " in figure.strip() else problem
        causes[key] = causes.get(key, 0) + 1
    lines = [f"{cause} ({count} figures)" if count > 1 else cause for cause, count in causes.items()]
    return lines[:limit] + ([f"and {len(lines) - limit} more"] if len(lines) > limit else [])


def render_gates(report: GateReport, as_json: bool) -> None:
    if as_json:
        write_json({"version": 1, **report.to_dict()})
    else:
        gate_table(report, console())


def render_transition(result: TransitionResult, as_json: bool, delivery: Delivery | None = None) -> None:
    if as_json:
        write_json({**result.to_dict(), "delivery": None if delivery is None else delivery.to_dict()})
        return
    if result.status == "unchanged":
        say(("unchanged: ", "yellow"), result.summary)
    else:
        if result.gates is not None:
            gate_table(result.gates, console())
        for forced in result.forced:
            say(("forced: ", "yellow"), forced)
        if result.saved is not None:
            n = result.saved.revision
            say(
                ("kept: ", "yellow"),
                f"the unsaved edits in the config directory were saved as backup {n} "
                f"(hybridctl backup show {n}; hybridctl restore {n} --force brings them back)",
            )
        revision = f"  (revision {result.record.revision})" if result.record else ""
        say((f"{result.action}: ", "bold green"), result.summary, revision)
    if delivery is not None:
        render_delivery(delivery)


def render_delivery(delivery: Delivery) -> None:
    """The push table, then, loudly on stderr, what did not arrive."""
    if delivery.push is not None:
        push_table(delivery.push, console())
        if not delivery.push.ok:
            bad = delivery.push.counts["failed"] + delivery.push.counts["stale"]
            total = len(delivery.push.results)
            err = console(stderr=True)
            if delivery.rollback:
                err.print(
                    safe_text(
                        ("ROLLBACK NOT DELIVERED: ", "bold red"),
                        f"{bad} of {total} target(s) still serve the configs being rolled back. "
                        "The rollback is recorded; run hybridctl push until every target is ok.",
                    )
                )
            else:
                err.print(
                    safe_text(
                        ("push failed: ", "bold red"),
                        f"{bad} of {total} target(s) do not serve the new bundle; the transition is "
                        "recorded. hybridctl push sends it again.",
                    )
                )
    for sent in delivery.notified:
        if not sent.ok:
            console(stderr=True).print(
                safe_text(
                    ("notification not delivered: ", "yellow"),
                    f"{sent.hook}: {sent.why} ({sent.attempts} tries)",
                )
            )


def push_table(report: PushReport, out: Console) -> None:
    grid = table("TARGET", "STATUS", "WHY", "ATTEMPTS", "LATENCY")
    styles = {"ok": "green", "stale": "yellow", "failed": "bold red"}
    from rich.text import Text

    for r in report.results:
        grid.add_row(
            r.url,
            Text(r.status, style=styles[r.status]),
            r.why,
            str(r.attempts),
            f"{r.latency_s * 1000:.0f} ms",
        )
    print_table(out, grid)
    counts = report.counts
    verb = "served" if report.read_only else "pushed"
    say(
        (f"{verb} ", "bold"),
        f"{report.digest[:19]} on {len(report.results)} target(s): "
        f"{counts['ok']} ok, {counts['stale']} stale, {counts['failed']} failed",
    )


def render_push(report: PushReport, as_json: bool) -> None:
    if as_json:
        write_json(report.to_dict())
    else:
        push_table(report, console())


def _duration(delta: timedelta) -> str:
    minutes = int(delta.total_seconds() // 60)
    return (
        f"{minutes // 1440}d {minutes % 1440 // 60}h {minutes % 60}m"
        if minutes >= 1440
        else f"{minutes // 60}h {minutes % 60}m"
    )


def render_status(result: StatusResult, as_json: bool, out: Console | None = None) -> None:
    if as_json:
        write_json(result.to_dict())
        return
    out = out or console()
    _status_head(result, out)
    roles = sorted(set(result.stable_roles) | set(result.candidate_roles))
    if roles:
        grid = table("ROLE", "STABLE", "CANDIDATE")
        for role in roles:
            grid.add_row(
                role, _models(result.stable_roles.get(role)), _models(result.candidate_roles.get(role))
            )
        print_table(out, grid)
    if result.gates is not None:
        gate_table(result.gates, out)
    for reason in result.rollback_recommended:
        out.print(safe_text(("rollback recommended: ", "bold red"), reason))
    if result.drift:
        out.print(safe_text(("drift: ", "bold red"), result.drift))
    for role, model in result.state.forced:
        out.print(
            safe_text(
                ("forced: ", "yellow"), f"{role} -> {model} for everyone (hybridctl force --clear ends it)"
            )
        )
    if result.remote is not None:
        push_table(result.remote, out)
    out.print(safe_text(("legal now: ", "dim"), ", ".join(result.legal)))


def _models(info: RoleModels | None) -> str:
    if not info:
        return "-"
    escalation = f" (escalates to {info['escalation']})" if info["escalation"] else ""
    return f"{info['primary']}{escalation}"


def _status_head(result: StatusResult, out: Console) -> None:
    """Where the rollout is: health, revisions, time in step, the last action, the analysis counters."""
    from rich.text import Text

    from hybridctl.rollout.machine import describe
    from hybridctl.rollout.state import Stage

    state = result.state
    health = Text("healthy", style="green") if result.healthy else Text("unhealthy", style="bold red")
    out.print(safe_text(("rollout: ", "bold"), describe(state), "  ", health))
    if state.stable:
        out.print(
            safe_text("stable:     ", (f"r{state.stable.revision}", "bold"), f"  {state.stable.digest[:19]}")
        )
    if state.candidate:
        rolled_back = "  (rolled back: serving stable)" if state.stage is Stage.ABORTED else ""
        out.print(
            safe_text(
                "candidate:  ",
                (f"r{state.candidate.revision}", "bold"),
                f"  {state.candidate.digest[:19]}  rollout id {state.rollout_id}{rolled_back}",
            )
        )
    if result.time_in_step is not None:
        soak = f" (soak until {when(result.soak_until)} UTC)" if result.soak_until else ""
        out.print(f"time in step: {_duration(result.time_in_step)}{soak}")
    if state.last:
        last = state.last
        out.print(
            f"last: {last.action} by {last.actor} at {when(last.time)} UTC (r{last.revision})"
            + (f": {last.reason}" if last.reason else "")
        )
    measured = state.analysis
    if measured.measurements and measured.last_measured is not None:
        out.print(
            f"analysis: {measured.measurements} measurement(s) in this step, "
            f"the last {measured.last_verdict} at {when(measured.last_measured)} UTC; "
            f"{measured.failures} failed and {measured.inconclusive} inconclusive in a row"
        )


def watch_status(
    fetch: Callable[[], StatusResult], *, as_json: bool, interval: float, count: int | None
) -> StatusResult:
    """Refresh the status until interrupted (or ``count`` times): redrawn in place
    on a terminal, each refresh stamped with its time; appended, with the time,
    when piped. Returns the last result."""
    import io
    import time

    from rich.console import Console as RichConsole
    from rich.live import Live
    from rich.text import Text

    out = console()
    live: Live | None = None
    refreshes = 0
    try:
        while True:
            result = fetch()
            stamp = f"refreshed at {utc_clock()} UTC, every {interval:g} s (Ctrl-C stops)"
            if as_json:
                write_json(result.to_dict())
            elif out.is_terminal:
                buffer = RichConsole(file=io.StringIO(), width=out.width, force_terminal=True, record=True)
                render_status(result, False, buffer)
                view = Text.from_ansi(buffer.export_text(styles=True) + stamp, no_wrap=False, overflow="fold")
                if live is None:
                    live = Live(view, console=out, auto_refresh=False, transient=False)
                    live.start()
                live.update(view, refresh=True)
            else:
                say((f"-- {stamp}", "dim"))
                render_status(result, False, out)
            refreshes += 1
            if count is not None and refreshes >= count:
                return result
            time.sleep(interval)
    finally:
        if live is not None:
            live.stop()


def utc_clock() -> str:
    from datetime import datetime, timezone

    return datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M:%S")


def render_plan(result: PlanResult, as_json: bool) -> None:
    def text(r: PlanResult) -> None:
        from hybridctl.rollout.machine import describe

        say(("rollout: ", "bold"), describe(r.state))
        grid = table("STEP", "WEIGHT", "MIN SOAK", "STATUS", "EARLIEST (UTC)")
        for index, step in enumerate(r.steps, 1):
            earliest = "-" if step.earliest is None else when(step.earliest)
            grid.add_row(str(index), f"{step.weight}%", f"{step.min_soak_hours:g} h", step.status, earliest)
        print_table(console(), grid)

    render_json_or(result, as_json, text)
