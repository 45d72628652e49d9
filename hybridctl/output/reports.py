"""Rendering of reports: rich tables with a bar chart, JSON, CSV (raw numbers),
Markdown, and a self-contained HTML page with inline SVG charts."""

from __future__ import annotations

import csv
import html
import io
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from hybridctl.output import HasDict, console, print_table, say, table, write, write_json
from hybridctl.text import elapsed, money

if TYPE_CHECKING:
    from hybridctl.app.rollout_report import RolloutReport, StepReport
    from hybridctl.config.catalog import PriceRow
    from hybridctl.escalations.stats import ReviewSummary
    from hybridctl.usage.costcheck import CostCheck
    from hybridctl.usage.litellm import ImportResult
    from hybridctl.usage.reports import BudgetReport, Row, SavingsReport, UsageData, UsageReport

REPORT_FORMATS = ("text", "json", "csv", "markdown")


class Grid(NamedTuple):
    title: str
    headers: list[str]
    rows: list[list[str]]


def percent(value: float | None, digits: int = 1) -> str:
    return "-" if value is None else f"{value:.{digits}%}"


def seconds(value: float | None) -> str:
    return "-" if value is None else f"{value:.3g} s"


def count(value: int) -> str:
    return f"{value:,}"


# -- shared renderers -----------------------------------------------------------------


def _bars_text(series: Sequence[tuple[str, float]], width: int = 40) -> list[str]:
    top = max((v for _, v in series), default=0.0)
    pad = max((len(label) for label, _ in series), default=0)
    return [
        f"{label:<{pad}}  {'█' * (round(width * value / top) if top else 0):<{width}}  {money(value)}"
        for label, value in series
    ]


def _svg_bars(series: Sequence[tuple[str, float]], *, label: str = "cost") -> str:
    """A bar chart as inline SVG: no scripts, no network."""
    if not series:
        return ""
    bar, gap, height = 18, 6, 160
    top = max(v for _, v in series) or 1.0
    width = len(series) * (bar + gap) + 60
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height + 60}" '
        f'role="img" aria-label="{html.escape(label)}">'
    ]
    for i, (name, value) in enumerate(series):
        h = height * value / top
        x = 50 + i * (bar + gap)
        parts.append(
            f'<rect x="{x}" y="{height - h + 10:.1f}" width="{bar}" height="{h:.1f}" fill="#3b82f6">'
            f"<title>{html.escape(name)}: {html.escape(money(value))}</title></rect>"
        )
        parts.append(
            f'<text x="{x + bar / 2}" y="{height + 24}" font-size="9" text-anchor="end" '
            f'transform="rotate(-45 {x + bar / 2} {height + 24})">{html.escape(name[-5:])}</text>'
        )
    parts.append(f'<text x="4" y="18" font-size="10">{html.escape(money(top))}</text>')
    parts.append(f'<line x1="48" y1="{height + 10}" x2="{width}" y2="{height + 10}" stroke="#999"/></svg>')
    return "".join(parts)


def _markdown(title: str, grids: Sequence[Grid], notes: Sequence[str]) -> str:
    lines = [f"# {title}", ""]
    for grid in grids:
        if grid.title:
            lines += [f"## {grid.title}", ""]
        lines.append("| " + " | ".join(grid.headers) + " |")
        lines.append("|" + "|".join("---" for _ in grid.headers) + "|")
        lines += ["| " + " | ".join(cell.replace("|", "\\|") for cell in row) + " |" for row in grid.rows]
        lines.append("")
    lines += [f"- {note}" for note in notes]
    return "\n".join(lines).rstrip() + "\n"


def _html(title: str, grids: Sequence[Grid], notes: Sequence[str], charts: Sequence[tuple[str, str]]) -> str:
    def grid_html(grid: Grid) -> str:
        head = "".join(f"<th>{html.escape(h)}</th>" for h in grid.headers)
        body = "".join(
            "<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in row) + "</tr>" for row in grid.rows
        )
        caption = f"<h2>{html.escape(grid.title)}</h2>" if grid.title else ""
        return f"{caption}<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"

    style = (
        "body{font-family:system-ui,sans-serif;margin:2rem;color:#111}table{border-collapse:collapse;"
        "margin:1rem 0}th,td{border:1px solid #ddd;padding:4px 8px;text-align:right}th:first-child,"
        "td:first-child{text-align:left}th{background:#f3f4f6}li{margin:.2rem 0}"
    )
    sections = "".join(grid_html(g) for g in grids)
    figures = "".join(f"<h2>{html.escape(name)}</h2>{svg}" for name, svg in charts if svg)
    items = "".join(f"<li>{html.escape(n)}</li>" for n in notes)
    return (
        f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{html.escape(title)}</title>'
        f"<style>{style}</style></head><body><h1>{html.escape(title)}</h1>{sections}{figures}"
        f"<ul>{items}</ul></body></html>\n"
    )


def _csv(rows: Sequence[Mapping[str, object]]) -> str:
    if not rows:
        return ""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


def render_report(
    result: HasDict,
    fmt: str,
    html_path: Path | None,
    *,
    title: str,
    grids: list[Grid],
    notes: list[str],
    charts: list[tuple[str, list[tuple[str, float]]]],
    csv_rows: Sequence[Mapping[str, object]],
) -> None:
    if html_path is not None:
        from hybridctl.fsutil import atomic_write

        page = _html(title, grids, notes, [(name, _svg_bars(series)) for name, series in charts])
        atomic_write(html_path, page.encode())
    if fmt == "json":
        write_json(result.to_dict())
    elif fmt == "csv":
        write(_csv(csv_rows))
    elif fmt == "markdown":
        write(_markdown(title, grids, notes))
    else:
        out = console()
        say((title, "bold"))
        for grid in grids:
            view = table(*grid.headers)
            for row in grid.rows:
                view.add_row(*row)
            if grid.title:
                say((grid.title, "bold"))
            print_table(out, view)
        for name, series in charts:
            if len(series) > 1:
                say((name, "bold"))
                for line in _bars_text(series):
                    out.print(line, highlight=False)
        for note in notes:
            say(("• ", "dim"), note)
    if html_path is not None and fmt == "text":
        say(("wrote ", "dim"), str(html_path))


def _input_notes(data: UsageData) -> list[str]:
    stats = data.stats
    reads = ", ".join(sorted(set(data.reads)))
    notes = [f"read {count(stats.events)} events from {len(data.sources)} input(s) ({reads})"]
    if stats.lines:
        notes[0] += (
            f"; {count(stats.fast)} record(s) by the {data.reader} reader, "
            f"{count(stats.lines - stats.fast)} by the general path"
        )
    if stats.bad:
        shown = "; ".join(f"{source}:{line}: {message}" for source, line, message in stats.first_bad)
        notes.append(f"{count(stats.bad)} bad line(s) skipped and counted, first: {shown}")
    if stats.untimed:
        notes.append(f"{count(stats.untimed)} event(s) without a time are outside every time window")
    return notes


def _unpriced_note(unpriced: dict[str, int]) -> list[str]:
    if not unpriced:
        return []
    listed = ", ".join(f"{model} ({count(n)})" for model, n in sorted(unpriced.items()))
    return [
        f"unpriced (counted in requests, left out of every cost and saving): {listed}; "
        "add them to prices.json or the catalog"
    ]


# -- the reports ----------------------------------------------------------------------


def render_usage(report: UsageReport, fmt: str, html_path: Path | None = None) -> None:
    headers = [
        *report.by,
        "requests",
        "input tok",
        "output tok",
        "cost",
        "unpriced",
        "errors",
        "p50",
        "p95",
        "p99",
    ]

    def cells(row: Row) -> list[str]:
        t = row.totals
        return [
            count(t.requests),
            count(t.input_tokens),
            count(t.output_tokens),
            money(t.cost),
            count(sum(row.unpriced.values())),
            percent(t.error_rate),
            seconds(t.latency.quantile(0.5)),
            seconds(t.latency.quantile(0.95)),
            seconds(t.latency.quantile(0.99)),
        ]

    rows = [[*row.group, *cells(row)] for row in report.rows]
    rows.append(["total", *([""] * (len(report.by) - 1)), *cells(report.total)])
    window = report.window
    span = ""
    if window.since or window.until:
        span = (
            f" ({window.since.isoformat() if window.since else '…'} to "
            f"{window.until.isoformat() if window.until else '…'})"
        )
    notes = [*report.unmatched, *_input_notes(report.data), *_unpriced_note(report.total.unpriced)]
    render_report(
        report,
        fmt,
        html_path,
        title=f"Usage by {', '.join(report.by)}{span}",
        grids=[Grid("", headers, rows)],
        notes=notes,
        charts=[("Daily cost", report.daily)],
        csv_rows=report.to_dict()["rows"],
    )


def render_savings(report: SavingsReport, fmt: str, html_path: Path | None = None) -> None:
    headers = ["role", "requests", "unpriced", "actual", f"all {report.baseline_model}", "savings"]
    rows = [
        [r.role, count(r.requests), count(r.unpriced), money(r.actual), money(r.baseline), percent(r.savings)]
        for r in [*report.roles, report.total]
    ]
    checks = [
        [
            c.name,
            percent(c.observed),
            c.target,
            {True: "met", False: "NOT MET", None: "-"}[c.ok] + (f" ({c.note})" if c.note else ""),
        ]
        for c in report.checks
    ]
    grids = [Grid("", headers, rows), Grid("Targets", ["check", "observed", "target", "status"], checks)]
    if report.variants:
        v = report.variants
        grids.append(
            Grid(
                "Candidate against stable",
                ["stable $/request", "candidate $/request", "savings (same workload)"],
                [
                    [
                        money(v["stable_cost_per_request"]),
                        money(v["candidate_cost_per_request"]),
                        percent(v["savings_same_workload"]),
                    ]
                ],
            )
        )
    notes = _input_notes(report.data) + _unpriced_note(report.unpriced)
    series = [("actual", report.total.actual), (f"all {report.baseline_model}", report.total.baseline)]
    render_report(
        report,
        fmt,
        html_path,
        title=f"Savings against all-{report.baseline_model}",
        grids=grids,
        notes=notes,
        charts=[("Actual against the all-premium baseline", series)],
        csv_rows=report.to_dict()["roles"],
    )


def render_budget(report: BudgetReport, fmt: str, html_path: Path | None = None) -> None:
    rows = [
        [
            p.name,
            f"{p.start.isoformat()} to {p.end.isoformat()}",
            money(p.spend),
            money(p.budget),
            percent(p.used, 0),
            p.status,
        ]
        for p in report.periods
    ]
    rows.append(
        [
            "month-end projection",
            "",
            money(report.projected_month),
            money(report.monthly_budget),
            percent(report.projected_month / report.monthly_budget if report.monthly_budget else None, 0),
            report.projection_status,
        ]
    )
    notes = [f"alert: {a}" for a in report.alerts] + _input_notes(report.data)
    render_report(
        report,
        fmt,
        html_path,
        title=f"Budget as of {report.as_of:%Y-%m-%d %H:%M} UTC",
        grids=[Grid("", ["period", "dates (UTC)", "spend", "budget", "used", "status"], rows)],
        notes=notes,
        charts=[("Daily cost this month", report.daily)],
        csv_rows=report.to_dict()["periods"],
    )


def _timeline_row(step: StepReport) -> list[str]:
    move = (
        f"{step.source.get('stage', '?')} {step.source.get('weight', 0)}% -> "
        f"{step.target.get('stage', '?')} {step.target.get('weight', 0)}%"
    )
    verdict = (step.gates or {}).get("verdict", "-")
    if step.gates is None and step.evals is not None:  # the quality gate: the eval run it read
        verdict = f"evals {step.evals.get('verdict', '?')} (r{step.evals.get('revision', '?')})"
    forced = f" (forced: {'; '.join(step.forced)})" if step.forced else ""
    action = step.action
    if step.automatic:
        action += f" (automatic, {step.measurements} measurement(s))" if step.measurements else " (automatic)"
    return [
        f"r{step.revision}",
        step.time.strftime("%Y-%m-%d %H:%M"),
        action,
        move,
        verdict + forced,
        step.actor,
        step.reason,
    ]


def _usage_rows(step: StepReport) -> list[list[str]]:
    return [
        [
            f"r{step.revision} {step.action}",
            variant,
            count(totals.requests),
            money(totals.cost_per_request),
            percent(totals.error_rate),
            seconds(totals.latency.quantile(0.95)),
            "-" if totals.quality is None else f"{totals.quality:.2f}",
        ]
        for variant, totals in sorted(step.usage.items())
    ]


def _evidence_estimate(name: str, estimate: object, observed: object) -> str:
    """The figure the status was read from: the interval's estimate (for the p95
    gate, the share of slow requests), else the gate's own figure."""
    value = estimate if isinstance(estimate, float) else observed
    if not isinstance(value, (int, float)) or isinstance(value, bool):
        return "-"
    return f"{value * 100:+.2f} pt" if name == "error rate vs stable" else f"{value:.2%}"


def _evidence_rows(step: StepReport) -> list[list[str]]:
    """Each gate the step was judged by, with what it was read from: the
    estimate, its interval and the method (records before intervals have none)."""
    rows = []
    for gate in (step.gates or {}).get("gates") or []:
        evidence = gate.get("evidence") if isinstance(gate, dict) else None
        if not isinstance(evidence, dict):
            continue
        interval = evidence.get("interval")
        shown = "-"
        if isinstance(interval, list) and len(interval) == 2 and all(isinstance(v, float) for v in interval):
            level = f"at {evidence.get('confidence') or 0:.0%}"
            shown = f"[{interval[0]:.2%}, {interval[1]:.2%}] {level}"
            if gate.get("name") == "error rate vs stable":
                shown = f"[{interval[0] * 100:+.2f}, {interval[1] * 100:+.2f}] pt {level}"
        counts = evidence.get("counts") or {}
        rows.append(
            [
                f"r{step.revision} {step.action}",
                str(gate.get("name", "?")),
                str(gate.get("status", "?")),
                _evidence_estimate(str(gate.get("name", "")), evidence.get("estimate"), gate.get("observed")),
                shown,
                "; ".join(f"{side} {int(k):,}/{int(n):,}" for side, (k, n) in sorted(counts.items())),
                str(evidence.get("method", "?")),
            ]
        )
    return rows


def _step_csv(step: StepReport) -> dict[str, object]:
    return {
        "revision": step.revision,
        "time": step.time.isoformat(),
        "action": step.action,
        "from_stage": step.source.get("stage"),
        "from_weight": step.source.get("weight"),
        "to_stage": step.target.get("stage"),
        "to_weight": step.target.get("weight"),
        "gates": (step.gates or {}).get("verdict"),
        "actor": step.actor,
        "reason": step.reason,
    }


def render_rollout_report(report: RolloutReport, fmt: str, html_path: Path | None = None) -> None:
    usage_rows = [row for step in report.steps for row in _usage_rows(step)]
    grids = [
        Grid(
            "Timeline",
            ["revision", "time (UTC)", "action", "stage and weight", "gates", "actor", "reason"],
            [_timeline_row(step) for step in report.steps],
        )
    ]
    notes = []
    if usage_rows:
        grids.append(
            Grid(
                "Each step, by variant",
                ["step", "variant", "requests", "$/request", "errors", "p95", "quality"],
                usage_rows,
            )
        )
    else:
        notes.append("no usage data: pass usage files for cost and quality per step")
    evidence_rows = [row for step in report.steps for row in _evidence_rows(step)]
    if evidence_rows:
        grids.append(
            Grid(
                "Why each step moved: the evidence",
                ["step", "gate", "status", "estimate", "interval", "events / requests", "method"],
                evidence_rows,
            )
        )
    grids += review_grids(report.escalations)
    if report.data is not None:
        notes += _input_notes(report.data)
    title = f"Rollout of r{report.candidate}" if report.candidate else "Rollout"
    weights = [(f"r{s.revision}", float(s.target.get("weight", 0))) for s in report.steps]
    render_report(
        report,
        fmt,
        html_path,
        title=title,
        grids=grids,
        notes=notes,
        charts=[("Candidate weight after each step (%)", weights)] if fmt != "text" else [],
        csv_rows=[_step_csv(step) for step in report.steps],
    )


def render_prices_import(result: ImportResult, path: Path, as_json: bool) -> None:
    if as_json:
        write_json({**result.to_dict(), "written": str(path)})
        return
    say(("imported ", "green"), f"{count(len(result.imported))} model prices into {path}")
    for model, field, value in result.suspicious:
        say(
            ("flagged ", "yellow"),
            f"{model}: {field} = {value:g} per token is $"
            f"{value * 1e6:,.0f} per million; likely a per-million price in a per-token field "
            "(left out; --accept-suspicious takes it)",
        )
    skipped = len(result.skipped)
    if skipped:
        say(
            ("skipped ", "dim"),
            f"{count(skipped)} entries (not models, no token prices, or priced by the "
            "catalog: --include-catalog imports those)",
        )


def render_prices(rows: list[PriceRow], as_json: bool) -> None:
    if as_json:
        write_json({"version": 1, "prices": rows})
        return
    view = table("MODEL", "SOURCE", "INPUT $/M", "OUTPUT $/M", "CACHE READ $/M", "CACHE WRITE $/M")
    for row in rows:
        view.add_row(
            row["model"],
            row["source"],
            f"{row['input_per_million']:g}",
            f"{row['output_per_million']:g}",
            "-" if row["cache_read_per_million"] is None else f"{row['cache_read_per_million']:g}",
            "-" if row["cache_write_per_million"] is None else f"{row['cache_write_per_million']:g}",
        )
    print_table(console(), view)


def render_cost_check(result: CostCheck, as_json: bool) -> None:
    if as_json:
        write_json(result.to_dict())
        return
    if result.largest:
        view = table("WHERE", "REQUEST", "MODEL", "RECORDED", "PRICE LIST", "DIFFERENCE")
        for d in result.largest:
            view.add_row(
                f"{d.source}:{d.line}",
                d.request_id or "-",
                d.model,
                money(d.recorded),
                money(d.listed),
                f"{d.recorded - d.listed:+.6f} ({percent(d.relative)})" if d.listed else "listed free",
            )
        print_table(console(), view)
    verdict = ("differ ", "red") if result.differing else ("match ", "green")
    say(
        verdict,
        f"{count(result.differing)} of {count(result.checked)} recorded costs differ from the price list "
        f"by more than {percent(result.tolerance)} (recorded {money(result.recorded_total)}, "
        f"price list {money(result.listed_total)})",
    )
    if result.no_recorded_cost or result.unpriced:
        say(
            ("note ", "dim"),
            f"{count(result.no_recorded_cost)} requests recorded no cost; "
            f"{count(result.unpriced)} have a cost but no listed price to check it against",
        )
    if result.stats.bad:
        say(("note ", "dim"), f"{count(result.stats.bad)} bad lines skipped (report usage lists them)")


def escalation_grids(review: ReviewSummary) -> list[Grid]:
    rows = [
        [t.team, str(t.decided), str(t.approved), elapsed(t.p50_s), elapsed(t.p95_s), str(t.breaches)]
        for t in review.teams
    ]
    rows.append(["all", "", "", elapsed(review.p50_s), elapsed(review.p95_s), str(review.breaches)])
    counts = [[status, str(n)] for status, n in review.counts.items()]
    rate = "-" if review.approval_rate is None else f"{review.approval_rate:.0%}"
    return [
        Grid("Requests", ["status", "requests"], [*counts, ["approval rate", rate]]),
        Grid(
            "Time to a decision, by the team that decided",
            ["team", "decided", "approved", "p50", "p95", f"over {review.target_s // 60} min"],
            rows,
        ),
    ]


def review_grids(review: ReviewSummary | None) -> list[Grid]:
    """The rollout report's escalation tables."""
    if review is None or not review.requests:
        return []
    return [
        g._replace(title=f"Escalations during the rollout: {g.title.lower()}")
        for g in escalation_grids(review)
    ]
