"""Rendering of validation results: text, JSON, GitHub annotations, SARIF."""

from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple

from hybridctl.config.diagnostics import Diagnostic, Rule, Severity
from hybridctl.config.validate import DEFAULT_MAX_FINDINGS, ValidationResult
from hybridctl.output import OutputFormat, console, print_table, safe_text, write, write_json
from hybridctl.output import table as make_table

if TYPE_CHECKING:
    from rich.console import Console

SEVERITY_STYLE = {"error": "bold red", "warning": "yellow"}


class Shown(NamedTuple):
    """The findings printed: at most a limit per file, and how many were left out."""

    diagnostics: list[Diagnostic]
    omitted: dict[str, int]  # file -> findings not printed


def shown(result: ValidationResult, limit: int = DEFAULT_MAX_FINDINGS) -> Shown:
    """A file with ten thousand findings prints the first ``limit`` (0: all) and a count."""
    kept: list[Diagnostic] = []
    per_file: dict[str, int] = {}
    omitted: dict[str, int] = {}
    for (file, _), count in result.dropped.items():
        omitted[file] = omitted.get(file, 0) + count
    for diag in result.diagnostics:
        count = per_file[diag.file] = per_file.get(diag.file, 0) + 1
        if limit and count > limit:
            omitted[diag.file] = omitted.get(diag.file, 0) + 1
        else:
            kept.append(diag)
    return Shown(kept, omitted)


def validation_json(result: ValidationResult, limit: int = DEFAULT_MAX_FINDINGS) -> dict[str, object]:
    """The documented JSON form (docs/guides/validate.md, "Output formats")."""
    printed = shown(result, limit)
    return {
        "version": 1,
        "ok": result.ok,
        "strict": result.strict,
        "summary": {"files": len(result.files), "errors": result.errors, "warnings": result.warnings},
        "files": [
            {
                "path": f.path,
                "kind": f.kind,
                "format": f.format,
                "errors": result.count(Severity.ERROR, f.path),
                "warnings": result.count(Severity.WARNING, f.path),
                "omitted": printed.omitted.get(f.path, 0),
            }
            for f in result.files
        ],
        "diagnostics": [d.to_dict() for d in printed.diagnostics],
        "notes": result.notes,
    }


def render_validation(result: ValidationResult, fmt: OutputFormat, limit: int = DEFAULT_MAX_FINDINGS) -> None:
    if fmt is OutputFormat.JSON:
        write_json(validation_json(result, limit))
    elif fmt is OutputFormat.SARIF:
        write_json(sarif(result, limit))
    elif fmt is OutputFormat.GITHUB:
        printed = shown(result, limit)
        for diag in printed.diagnostics:
            write(github_annotation(diag))
        for file, count in printed.omitted.items():
            write(f"::notice file={_escape_property(file)}::{count} more finding(s) not shown")
        write(_summary_line(result))
    else:
        validation_text(result, limit)


def _summary_line(result: ValidationResult) -> str:
    def plural(n: int, word: str) -> str:
        return f"{n} {word}{'' if n == 1 else 's'}"

    verdict = "ok" if result.ok else "failed"
    strict = " (strict: warnings fail)" if result.strict and result.warnings else ""
    return (
        f"{verdict}: {plural(len(result.files), 'file')} checked, {plural(result.errors, 'error')}, "
        f"{plural(result.warnings, 'warning')}{strict}"
    )


def validation_text(result: ValidationResult, limit: int = DEFAULT_MAX_FINDINGS) -> None:
    from rich.text import Text

    out = console()
    printed = shown(result, limit)
    by_file: dict[str, list[Diagnostic]] = {}
    for diag in printed.diagnostics:
        by_file.setdefault(diag.file, []).append(diag)
    for checked in result.files:
        found = by_file.pop(checked.path, [])
        kind = f"{checked.kind}, {checked.format}" if checked.format else checked.kind
        counts = _counts(result, checked.path)
        status = Text(counts or "ok", style="bold" if counts else "green")
        out.print(safe_text((checked.path, "bold cyan"), f" ({kind}): ", status))
        for diag in found:
            _diagnostic_text(out, diag)
        _omitted_text(out, printed.omitted.pop(checked.path, 0))
    for file, leftover in by_file.items():  # findings of a directory or a file that did not load
        for diag in leftover:
            _diagnostic_text(out, diag)
        _omitted_text(out, printed.omitted.pop(file, 0))
    for note in result.notes:
        out.print(safe_text(("note: ", "bold"), note))
    style = "bold green" if result.ok else "bold red"
    out.print(Text(_summary_line(result), style=style))


def _omitted_text(out: Console, count: int) -> None:
    if count:
        out.print(f"  … and {count:,} more finding(s) in this file (--max-findings 0 shows more)")


def _counts(result: ValidationResult, file: str) -> str:
    errors = result.count(Severity.ERROR, file)
    warnings = result.count(Severity.WARNING, file)
    parts = [f"{errors} error{'s' * (errors != 1)}"] if errors else []
    parts += [f"{warnings} warning{'s' * (warnings != 1)}"] if warnings else []
    return ", ".join(parts)


def _diagnostic_text(out: Console, diag: Diagnostic) -> None:

    where = diag.file + (f":{diag.line}:{diag.column}" if diag.line else "")
    out.print(
        safe_text(
            "  ",
            (where, "cyan"),
            ": ",
            (diag.severity.value, SEVERITY_STYLE[diag.severity.value]),
            " ",
            (f"[{diag.rule}]", "magenta"),
            " ",
            diag.message,
            (f"  at {diag.json_path}", "dim"),
        )
    )
    if diag.hint:
        out.print(safe_text("      ", ("hint: ", "dim"), diag.hint))


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


def sarif(result: ValidationResult, limit: int = DEFAULT_MAX_FINDINGS) -> dict[str, object]:
    """SARIF 2.1.0, the format GitHub code scanning and most CI dashboards ingest."""
    from hybridctl import __version__
    from hybridctl.config.rules import RULES

    rule_ids = list(RULES)
    results = []
    for diag in shown(result, limit).diagnostics:
        location: dict[str, object] = {"artifactLocation": {"uri": diag.file.replace("\\", "/")}}
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
    table = make_table("rule", "severity", "what it finds")
    for rule in rules:
        table.add_row(rule.id, rule.severity.value, rule.summary)
    print_table(console(), table)
