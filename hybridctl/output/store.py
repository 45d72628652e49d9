"""Rendering of init, backups, history, diffs and restores."""

from __future__ import annotations

import json
import sys
from typing import TYPE_CHECKING

from hybridctl.app.diff import DiffReport
from hybridctl.output import console, print_table, render_json_or, say, short, table, when, write, write_json
from hybridctl.text import money
from hybridctl.urls import shown_url

if TYPE_CHECKING:
    from hybridctl.app.scaffold import InitResult
    from hybridctl.store.backup import BackupList, BackupResult, BackupShow, PruneResult
    from hybridctl.store.history import HistoryResult
    from hybridctl.store.restore import RestoreResult
    from hybridctl.usage.profile import CostEffect

# -- init and backups ------------------------------------------------------------------


def render_init(result: InitResult, as_json: bool) -> None:
    def text(r: InitResult) -> None:
        for path in r.created:
            say(("created ", "green"), str(path))
        if r.joined:
            at = f" at r{r.backup.revision}: {r.backup.reason}"
            say("joined the shared store ", (shown_url(r.joined), "bold"), at)
        else:
            say("recorded backup ", (str(r.backup.revision), "bold"), f": {r.backup.reason}")
        say(
            ("next: ", "dim"),
            "edit configs/, then hybridctl validate, hybridctl backup create --reason '...' to keep the "
            "edit, and hybridctl stage --reason '...' to roll it out",
        )

    render_json_or(result, as_json, text)


def render_backup(result: BackupResult, as_json: bool) -> None:
    def text(r: BackupResult) -> None:
        record = r.record
        if not r.created:
            say(
                ("unchanged: ", "yellow"),
                f"backup {record.revision} ({when(record.time)} UTC, "
                f"'{record.reason}') already holds these configs; nothing recorded",
            )
            return
        say(
            ("created backup ", "green"),
            (str(record.revision), "bold"),
            f" at {when(record.time)} UTC by {record.actor}: {record.reason}",
        )
        for name, digest in record.files.items():
            say(f"  {name}  ", (digest, "dim"))

    render_json_or(result, as_json, text)


def render_backup_list(result: BackupList, as_json: bool) -> None:
    def text(r: BackupList) -> None:
        if not r.backups:
            say(("no backups yet: ", "yellow"), "hybridctl backup create --reason '...'")
            return
        grid = table("ID", "TIME (UTC)", "ACTOR", "VALID", "DIGEST", "REASON")
        for record in r.backups:
            validation = record.validation or {}
            valid = "yes" if validation.get("ok") else "no"
            if validation.get("warnings"):
                valid += f" ({validation['warnings']}w)"
            grid.add_row(
                str(record.revision),
                when(record.time),
                record.actor,
                valid,
                record.short_digest,
                short(record.reason),
            )
        print_table(console(), grid)
        if r.total > len(r.backups):
            say((f"showing {len(r.backups)} of {r.total}", "dim"))

    render_json_or(result, as_json, text)


def render_backup_show(result: BackupShow, as_json: bool, file_name: str | None) -> None:
    if file_name is not None:
        if file_name not in result.files:
            from hybridctl.errors import UsageError

            raise UsageError(
                f"backup {result.record.revision} has no file {file_name}",
                hint="it has: " + ", ".join(result.files),
            )
        from hybridctl.redaction import redact_text

        # The file as stored, except a secret a "saved before rollback" backup may hold.
        sys.stdout.write(redact_text(result.files[file_name].decode("utf-8", errors="replace")))
        return

    def text(r: BackupShow) -> None:
        record = r.record
        for label, value in (
            ("backup", record.revision),
            ("time", f"{when(record.time)} UTC"),
            ("actor", record.actor),
            ("reason", record.reason),
            ("digest", record.digest),
            ("validation", short(record.validation)),
            ("commit", record.commit[:12]),
        ):
            say((f"{label:<11}", "bold"), str(value))
        grid = table("FILE", "BYTES", "SHA256")
        for name, data in r.files.items():
            grid.add_row(name, str(len(data)), record.files.get(name, "-"))
        print_table(console(), grid)

    render_json_or(result, as_json, text)


def render_prune(result: PruneResult, as_json: bool) -> None:
    def text(r: PruneResult) -> None:
        verb = "would prune" if r.dry_run else "pruned"
        if not r.pruned:
            say(("nothing to prune", "green"), f"; {len(r.kept)} backup(s) kept")
        for record in r.pruned:
            say(
                (f"{verb} ", "yellow"),
                f"backup {record.revision} ({when(record.time)} UTC, {short(record.reason)})",
            )
        for revision, why in r.protected.items():
            say(("kept ", "green"), f"backup {revision}: {why}")
        if r.pruned:
            say(("history keeps their records: hybridctl history", "dim"))

    render_json_or(result, as_json, text)


# -- history, diff, restore -----------------------------------------------------------


def render_history(result: HistoryResult, as_json: bool) -> None:
    def text(r: HistoryResult) -> None:
        grid = table("REVISION", "TIME (UTC)", "ACTOR", "KIND", "DIGEST", "REASON")
        for record in r.records:
            kind = record.kind + (" *" if record.revision in r.backups else "")
            grid.add_row(
                str(record.revision),
                when(record.time),
                record.actor,
                kind,
                record.short_digest,
                short(record.reason),
            )
        print_table(console(), grid)
        say(("* a backup (hybridctl backup list)", "dim"))

    render_json_or(result, as_json, text)


def render_diff(report: DiffReport, fmt: str) -> None:
    result = report.diff
    if fmt == "json":
        write_json(report.to_dict())
        return
    if fmt == "markdown":
        lines = [f"### {result.before_label} → {result.after_label}", ""]
        if result.changes:
            lines += ["| area | subject | field | before | after |", "|---|---|---|---|---|"]
            lines += [
                f"| {c.area} | {c.subject} | {c.field or c.kind} | {_cell(c.before)} | {_cell(c.after)} |"
                for c in result.changes
            ]
        else:
            lines.append("No changes.")
        if report.cost:
            lines += ["", _cost_sentence(report.cost)]
        write("\n".join(lines))
    else:
        say(
            ("diff ", "bold"),
            f"{result.before_label} -> {result.after_label}: ",
            (f"{len(result.changes)} change(s)" if result.changes else "identical", "bold"),
        )
        area = None
        for change in result.changes:
            if change.area != area:
                area = change.area
                say(f"  {area}")
            if change.kind == "changed":
                before, after = _whole(change.before), _whole(change.after)
                if len(before) + len(after) <= 60:
                    say(
                        f"    {change.subject:<22} {change.field:<22} ",
                        (before, "red"),
                        " -> ",
                        (after, "green"),
                    )
                else:  # whole values, one per line: a plan or a chain must be reviewable
                    say(f"    {change.subject:<22} {change.field}")
                    say("      - ", (before, "red"))
                    say("      + ", (after, "green"))
            else:
                style = "green" if change.kind == "added" else "red"
                say(
                    f"    {change.subject:<22} ",
                    (change.kind, style),
                    f" {change.field}" if change.field else "",
                )
        if report.cost:
            say(_cost_sentence(report.cost))
    if result.raw:
        write(result.raw)


def _whole(value: object) -> str:
    """A changed value in full (secrets were redacted when the diff was made)."""
    if value is None:
        return "-"
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


def _cell(value: object) -> str:
    """A whole value as a Markdown table cell."""
    return _whole(value).replace("|", "\\|").replace("\r", "").replace("\n", "<br>")


def _cost_sentence(cost: CostEffect) -> str:
    change = "" if cost.change is None else f" ({cost.change:+.1%})"
    unpriced = f"; not priced: {', '.join(cost.unpriced_roles)}" if cost.unpriced_roles else ""
    return (
        f"cost per 1,000 requests on this usage ({cost.requests:,} requests): "
        f"{money(cost.before_per_1k)} -> {money(cost.after_per_1k)}{change}{unpriced}"
    )


def render_restore(result: RestoreResult, as_json: bool) -> None:
    def text(r: RestoreResult) -> None:
        render_diff(DiffReport(r.diff), "text")
        target = f"backup {r.target.revision} ({when(r.target.time)} UTC, '{r.target.reason}')"
        for forced in r.forced:
            say(("forced: ", "yellow"), forced)
        if r.status == "unchanged":
            say(("unchanged: ", "green"), f"the working configs already match {target}")
        elif r.status == "dry-run":
            say(("dry run: ", "yellow"), f"would restore {target}; nothing changed")
        else:
            revision = r.record.revision if r.record else "?"
            say(("restored ", "green"), target, f"; recorded as revision {revision}")

    render_json_or(result, as_json, text)
