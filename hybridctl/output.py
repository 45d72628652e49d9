"""The one place results become text: rich for people; JSON, SARIF, CSV, Markdown
and GitHub annotations for machines.

Machine formats are written straight to stdout (never through rich, which
would wrap or colour them); their shapes are documented in the README and
carry a ``version`` so scripts can rely on them.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from enum import Enum
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from datetime import datetime, timedelta

    from rich.console import Console

    from hybridctl.config.diagnostics import Diagnostic, Rule
    from hybridctl.config.validate import ValidationResult
    from hybridctl.errors import HybridctlError


class OutputFormat(str, Enum):
    TEXT = "text"
    JSON = "json"
    GITHUB = "github"
    SARIF = "sarif"


def console(*, stderr: bool = False) -> Console:
    """A rich console; rich itself honours NO_COLOR, FORCE_COLOR and non-TTY output."""
    from rich.console import Console

    stream = sys.stderr if stderr else sys.stdout
    # soft_wrap: never break a file:line:col line at the terminal width; and when
    # piped, size tables for a log line rather than rich's 80-column default.
    width = None if stream.isatty() else 200
    return Console(stderr=stderr, highlight=False, soft_wrap=True, width=width)


def write(text: str) -> None:
    sys.stdout.write(text if text.endswith("\n") else text + "\n")
    sys.stdout.flush()


def write_json(data: Any) -> None:
    write(json.dumps(data, indent=2, ensure_ascii=False))


_SEVERITY_STYLE = {"error": "bold red", "warning": "yellow"}


def render_error(error: HybridctlError) -> None:
    from rich.text import Text

    from hybridctl.config.validate import ValidationResult
    from hybridctl.rollout.gates import GateReport

    if isinstance(error.report, ValidationResult):
        _validation_text(error.report)
    elif isinstance(error.report, GateReport):
        _gate_table(error.report, console())
    out = console(stderr=True)
    out.print(Text.assemble(("error: ", "bold red"), error.message))
    if error.hint:
        out.print(Text.assemble(("  hint: ", "dim"), error.hint))


# -- validate ------------------------------------------------------------------------


def render_validation(result: ValidationResult, fmt: OutputFormat) -> None:
    if fmt is OutputFormat.JSON:
        write_json(result.to_dict())
    elif fmt is OutputFormat.SARIF:
        write_json(sarif(result))
    elif fmt is OutputFormat.GITHUB:
        for diag in result.diagnostics:
            write(github_annotation(diag))
        write(_summary_line(result))
    else:
        _validation_text(result)


def _summary_line(result: ValidationResult) -> str:
    def plural(n: int, word: str) -> str:
        return f"{n} {word}{'' if n == 1 else 's'}"

    verdict = "ok" if result.ok else "failed"
    strict = " (strict: warnings fail)" if result.strict and result.warnings else ""
    return (
        f"{verdict}: {plural(len(result.files), 'file')} checked, {plural(result.errors, 'error')}, "
        f"{plural(result.warnings, 'warning')}{strict}"
    )


def _validation_text(result: ValidationResult) -> None:
    from rich.text import Text

    out = console()
    by_file: dict[str, list[Diagnostic]] = {}
    for diag in result.diagnostics:
        by_file.setdefault(diag.file, []).append(diag)
    for checked in result.files:
        found = by_file.pop(checked.path, [])
        kind = f"{checked.kind}, {checked.format}" if checked.format else checked.kind
        status = Text(_counts(found) or "ok", style="bold" if found else "green")
        out.print(Text.assemble((checked.path, "bold cyan"), f" ({kind}): ", status))
        for diag in found:
            _diagnostic_text(out, diag)
    for leftover in by_file.values():  # diagnostics of files that are not listed (none expected)
        for diag in leftover:
            _diagnostic_text(out, diag)
    for note in result.notes:
        out.print(Text.assemble(("note: ", "bold"), note))
    style = "bold green" if result.ok else "bold red"
    out.print(Text(_summary_line(result), style=style))


def _counts(diagnostics: list[Diagnostic]) -> str:
    errors = sum(d.severity.value == "error" for d in diagnostics)
    warnings = len(diagnostics) - errors
    parts = [f"{errors} error{'s' * (errors != 1)}"] if errors else []
    parts += [f"{warnings} warning{'s' * (warnings != 1)}"] if warnings else []
    return ", ".join(parts)


def _diagnostic_text(out: Console, diag: Diagnostic) -> None:
    from rich.text import Text

    where = diag.file + (f":{diag.line}:{diag.column}" if diag.line else "")
    out.print(
        Text.assemble(
            "  ",
            (where, "cyan"),
            ": ",
            (diag.severity.value, _SEVERITY_STYLE[diag.severity.value]),
            " ",
            (f"[{diag.rule}]", "magenta"),
            " ",
            diag.message,
            (f"  at {diag.json_path}", "dim"),
        )
    )
    if diag.hint:
        out.print(Text.assemble("      ", ("hint: ", "dim"), diag.hint))


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def github_annotation(diag: Diagnostic) -> str:
    """A GitHub Actions workflow command that annotates the line in the PR diff."""
    level = "error" if diag.severity.value == "error" else "warning"
    props = [f"file={_escape_property(diag.file)}"]
    if diag.line:
        props += [f"line={diag.line}", f"col={diag.column}"]
    props.append(f"title={_escape_property('hybridctl ' + diag.rule)}")
    message = diag.message + (f" ({diag.hint})" if diag.hint else "")
    return f"::{level} {','.join(props)}::{_escape_data(message)}"


def sarif(result: ValidationResult) -> dict[str, Any]:
    """SARIF 2.1.0, the format GitHub code scanning and most CI dashboards ingest."""
    from hybridctl import __version__
    from hybridctl.config.diagnostics import RULES

    rule_ids = list(RULES)
    results = []
    for diag in result.diagnostics:
        location: dict[str, Any] = {"artifactLocation": {"uri": diag.file.replace("\\", "/")}}
        if diag.line:
            location["region"] = {"startLine": diag.line, "startColumn": diag.column}
        results.append(
            {
                "ruleId": diag.rule,
                "ruleIndex": rule_ids.index(diag.rule),
                "level": diag.severity.value,
                "message": {"text": diag.message + (f" ({diag.hint})" if diag.hint else "")},
                "locations": [
                    {
                        "physicalLocation": location,
                        "logicalLocations": [{"fullyQualifiedName": diag.json_path}],
                    }
                ],
            }
        )
    return {
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "hybridctl",
                        "version": __version__,
                        "informationUri": "https://pypi.org/project/hybridctl/",
                        "rules": [
                            {
                                "id": rule.id,
                                "name": rule.id,
                                "shortDescription": {"text": rule.summary},
                                "defaultConfiguration": {"level": rule.severity.value},
                            }
                            for rule in RULES.values()
                        ],
                    }
                },
                "artifacts": [{"location": {"uri": f.path.replace("\\", "/")}} for f in result.files],
                "results": results,
            }
        ],
    }


def render_rules(rules: list[Rule], fmt: OutputFormat) -> None:
    if fmt is not OutputFormat.TEXT:
        write_json(
            {
                "version": 1,
                "rules": [{"id": r.id, "severity": r.severity.value, "summary": r.summary} for r in rules],
            }
        )
        return
    from rich.table import Table

    table = Table("rule", "severity", "what it finds", box=None, pad_edge=False)
    for rule in rules:
        table.add_row(rule.id, rule.severity.value, rule.summary)
    console().print(table)


# -- shared helpers --------------------------------------------------------------------


def _table(*headers: str) -> Any:
    """A plain table; only the last column (free text) may be shortened to fit."""
    from rich.table import Table

    table = Table(box=None, pad_edge=False, header_style="bold")
    for index, header in enumerate(headers):
        last = index == len(headers) - 1
        table.add_column(header, no_wrap=True, overflow="ellipsis" if last else "fold")
    return table


def _when(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M:%S")


def _short(value: Any, width: int = 60) -> str:
    if value is None:
        return "-"
    text = " ".join(str(value).split()) if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    return text if len(text) <= width else text[: width - 1] + "…"


def _print(*parts: Any) -> None:
    from rich.text import Text

    console().print(Text.assemble(*parts))


def render_json_or(result: Any, as_json: bool, text: Callable[[Any], None]) -> None:
    if as_json:
        write_json(result.to_dict())
    else:
        text(result)


# -- init and backups ------------------------------------------------------------------


def render_init(result: Any, as_json: bool) -> None:
    def text(r: Any) -> None:
        for path in r.created:
            _print(("created ", "green"), str(path))
        _print("recorded backup ", (str(r.backup.revision), "bold"), f": {r.backup.reason}")
        _print(
            ("next: ", "dim"),
            "edit configs/, then hybridctl validate and hybridctl backup create --reason '...'",
        )

    render_json_or(result, as_json, text)


def render_backup(result: Any, as_json: bool) -> None:
    def text(r: Any) -> None:
        record = r.record
        if not r.created:
            _print(
                ("unchanged: ", "yellow"),
                f"backup {record.revision} ({_when(record.time)} UTC, "
                f"'{record.reason}') already holds these configs; nothing recorded",
            )
            return
        _print(
            ("created backup ", "green"),
            (str(record.revision), "bold"),
            f" at {_when(record.time)} UTC by {record.actor}: {record.reason}",
        )
        for name, digest in record.files.items():
            _print(f"  {name}  ", (digest, "dim"))

    render_json_or(result, as_json, text)


def render_backup_list(result: Any, as_json: bool) -> None:
    def text(r: Any) -> None:
        if not r.backups:
            _print(("no backups yet: ", "yellow"), "hybridctl backup create --reason '...'")
            return
        table = _table("ID", "TIME (UTC)", "ACTOR", "VALID", "DIGEST", "REASON")
        for record in r.backups:
            validation = record.validation or {}
            valid = "yes" if validation.get("ok") else "no"
            if validation.get("warnings"):
                valid += f" ({validation['warnings']}w)"
            table.add_row(
                str(record.revision),
                _when(record.time),
                record.actor,
                valid,
                record.short_digest,
                _short(record.reason),
            )
        console().print(table)
        if r.total > len(r.backups):
            _print((f"showing {len(r.backups)} of {r.total}", "dim"))

    render_json_or(result, as_json, text)


def render_backup_show(result: Any, as_json: bool, file_name: str | None) -> None:
    if file_name is not None:
        if file_name not in result.files:
            from hybridctl.errors import UsageError

            raise UsageError(
                f"backup {result.record.revision} has no file {file_name}",
                hint="it has: " + ", ".join(result.files),
            )
        sys.stdout.write(result.files[file_name].decode("utf-8", errors="replace"))
        return

    def text(r: Any) -> None:
        record = r.record
        for label, value in (
            ("backup", record.revision),
            ("time", f"{_when(record.time)} UTC"),
            ("actor", record.actor),
            ("reason", record.reason),
            ("digest", record.digest),
            ("validation", _short(record.validation)),
            ("commit", record.commit[:12]),
        ):
            _print((f"{label:<11}", "bold"), str(value))
        table = _table("FILE", "BYTES", "SHA256")
        for name, data in r.files.items():
            table.add_row(name, str(len(data)), record.files.get(name, "-"))
        console().print(table)

    render_json_or(result, as_json, text)


def render_prune(result: Any, as_json: bool) -> None:
    def text(r: Any) -> None:
        verb = "would prune" if r.dry_run else "pruned"
        if not r.pruned:
            _print(("nothing to prune", "green"), f"; {len(r.kept)} backup(s) kept")
        for record in r.pruned:
            _print(
                (f"{verb} ", "yellow"),
                f"backup {record.revision} ({_when(record.time)} UTC, {_short(record.reason)})",
            )
        for revision, why in r.protected.items():
            _print(("kept ", "green"), f"backup {revision}: {why}")
        if r.pruned:
            _print(("history keeps their records: hybridctl history", "dim"))

    render_json_or(result, as_json, text)


# -- history, diff, restore -----------------------------------------------------------


def render_history(result: Any, as_json: bool) -> None:
    def text(r: Any) -> None:
        table = _table("REVISION", "TIME (UTC)", "ACTOR", "KIND", "DIGEST", "REASON")
        for record in r.records:
            kind = record.kind + (" *" if record.revision in r.backups else "")
            table.add_row(
                str(record.revision),
                _when(record.time),
                record.actor,
                kind,
                record.short_digest,
                _short(record.reason),
            )
        console().print(table)
        _print(("* a backup (hybridctl backup list)", "dim"))

    render_json_or(result, as_json, text)


def _money(value: float) -> str:
    return f"${value:,.4f}" if value < 1 else f"${value:,.2f}"


def render_diff(result: Any, fmt: str, usage_stats: dict[str, Any] | None = None) -> None:
    if fmt == "json":
        write_json({**result.to_dict(), "usage": usage_stats})
        return
    if fmt == "markdown":
        lines = [f"### {result.before_label} → {result.after_label}", ""]
        if result.changes:
            lines += ["| area | subject | field | before | after |", "|---|---|---|---|---|"]
            lines += [
                f"| {c.area} | {c.subject} | {c.field or c.kind} | {_short(c.before)} | {_short(c.after)} |"
                for c in result.changes
            ]
        else:
            lines.append("No changes.")
        if result.cost:
            lines += ["", _cost_sentence(result.cost)]
        write("\n".join(lines))
    else:
        _print(
            ("diff ", "bold"),
            f"{result.before_label} -> {result.after_label}: ",
            (f"{len(result.changes)} change(s)" if result.changes else "identical", "bold"),
        )
        area = None
        for change in result.changes:
            if change.area != area:
                area = change.area
                _print(f"  {area}")
            if change.kind == "changed":
                _print(
                    f"    {change.subject:<22} {change.field:<22} ",
                    (_short(change.before, 40), "red"),
                    " -> ",
                    (_short(change.after, 40), "green"),
                )
            else:
                style = "green" if change.kind == "added" else "red"
                _print(
                    f"    {change.subject:<22} ",
                    (change.kind, style),
                    f" {change.field}" if change.field else "",
                )
        if result.cost:
            _print(_cost_sentence(result.cost))
    if result.raw:
        write(result.raw)


def _cost_sentence(cost: Any) -> str:
    change = "" if cost.change is None else f" ({cost.change:+.1%})"
    unpriced = f"; not priced: {', '.join(cost.unpriced_roles)}" if cost.unpriced_roles else ""
    return (
        f"cost per 1,000 requests on this usage ({cost.requests:,} requests): "
        f"{_money(cost.before_per_1k)} -> {_money(cost.after_per_1k)}{change}{unpriced}"
    )


def render_restore(result: Any, as_json: bool) -> None:
    def text(r: Any) -> None:
        render_diff(r.diff, "text")
        target = f"backup {r.target.revision} ({_when(r.target.time)} UTC, '{r.target.reason}')"
        for forced in r.forced:
            _print(("forced: ", "yellow"), forced)
        if r.status == "unchanged":
            _print(("unchanged: ", "green"), f"the working configs already match {target}")
        elif r.status == "dry-run":
            _print(("dry run: ", "yellow"), f"would restore {target}; nothing changed")
        else:
            _print(("restored ", "green"), target, f"; recorded as revision {r.record.revision}")

    render_json_or(result, as_json, text)


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
    return _percent(value)


_GATE_STYLE = {"pass": "green", "fail": "bold red", "inconclusive": "yellow"}


def _gate_table(report: Any, out: Console) -> None:
    from rich.text import Text

    table = _table("GATE", "STATUS", "OBSERVED", "THRESHOLD", "DETAIL")
    for gate in report.results:
        table.add_row(
            gate.name,
            Text(gate.status, style=_GATE_STYLE[gate.status]),
            _gate_value(gate.name, gate.observed),
            _gate_value(gate.name, gate.threshold),
            gate.detail,
        )
    out.print(table)
    verdict_style = {"go": "bold green", "no-go": "bold red"}.get(report.verdict, "bold yellow")
    out.print(Text.assemble("verdict: ", (report.verdict, verdict_style)))


def render_gates(report: Any, as_json: bool) -> None:
    if as_json:
        write_json({"version": 1, **report.to_dict()})
    else:
        _gate_table(report, console())


def render_transition(result: Any, as_json: bool) -> None:
    def text(r: Any) -> None:
        if r.status == "unchanged":
            _print(("unchanged: ", "yellow"), r.summary)
            return
        if r.gates is not None:
            _gate_table(r.gates, console())
        for forced in r.forced:
            _print(("forced: ", "yellow"), forced)
        _print((f"{r.action}: ", "bold green"), r.summary, f"  (revision {r.record.revision})")

    render_json_or(result, as_json, text)


def _duration(delta: timedelta) -> str:
    minutes = int(delta.total_seconds() // 60)
    return (
        f"{minutes // 1440}d {minutes % 1440 // 60}h {minutes % 60}m"
        if minutes >= 1440
        else f"{minutes // 60}h {minutes % 60}m"
    )


def render_status(result: Any, as_json: bool, *, refresh: bool = False) -> None:
    if as_json:
        write_json(result.to_dict())
        return
    from rich.text import Text

    from hybridctl.rollout.machine import describe

    out = console()
    if refresh:
        out.print()
    state = result.state
    health = Text("healthy", style="green") if result.healthy else Text("unhealthy", style="bold red")
    out.print(Text.assemble(("rollout: ", "bold"), describe(state), "  ", health))
    if state.stable:
        out.print(
            Text.assemble(
                "stable:     ", (f"r{state.stable.revision}", "bold"), f"  {state.stable.digest[:19]}"
            )
        )
    if state.candidate:
        out.print(
            Text.assemble(
                "candidate:  ",
                (f"r{state.candidate.revision}", "bold"),
                f"  {state.candidate.digest[:19]}  rollout id {state.rollout_id}",
            )
        )
    if result.time_in_step is not None:
        soak = f" (soak until {_when(result.soak_until)} UTC)" if result.soak_until else ""
        out.print(f"time in step: {_duration(result.time_in_step)}{soak}")
    if state.last:
        last = state.last
        out.print(
            f"last: {last.action} by {last.actor} at {_when(last.time)} UTC (r{last.revision})"
            + (f": {last.reason}" if last.reason else "")
        )
    roles = sorted(set(result.stable_roles) | set(result.candidate_roles))
    if roles:
        table = _table("ROLE", "STABLE", "CANDIDATE")

        def models(info: dict[str, Any] | None) -> str:
            if not info:
                return "-"
            escalation = f" (escalates to {info['escalation']})" if info["escalation"] else ""
            return f"{info['primary']}{escalation}"

        for role in roles:
            table.add_row(
                role, models(result.stable_roles.get(role)), models(result.candidate_roles.get(role))
            )
        out.print(table)
    if result.gates is not None:
        _gate_table(result.gates, out)
    for reason in result.rollback_recommended:
        out.print(Text.assemble(("rollback recommended: ", "bold red"), reason))
    out.print(Text.assemble(("legal now: ", "dim"), ", ".join(result.legal)))


def render_plan(result: Any, as_json: bool) -> None:
    def text(r: Any) -> None:
        from hybridctl.rollout.machine import describe

        _print(("rollout: ", "bold"), describe(r.state))
        table = _table("STEP", "WEIGHT", "MIN SOAK", "STATUS", "EARLIEST (UTC)")
        for index, step in enumerate(r.steps, 1):
            earliest = "-" if step.earliest is None else _when(step.earliest)
            table.add_row(str(index), f"{step.weight}%", f"{step.min_soak_hours:g} h", step.status, earliest)
        console().print(table)

    render_json_or(result, as_json, text)
