"""The one place results become text: rich for people; JSON, SARIF, CSV, Markdown
and GitHub annotations for machines.

Machine formats are written straight to stdout (never through rich, which
would wrap or colour them); their shapes are documented in docs/ and
carry a ``version`` so scripts can rely on them.
"""

from __future__ import annotations

import json
import os
import re
import sys
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from enum import Enum
from typing import TYPE_CHECKING, Protocol, TypeVar

if TYPE_CHECKING:
    from datetime import datetime

    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    from hybridctl.errors import HybridctlError


class HasDict(Protocol):
    """A result with a documented JSON form."""

    def to_dict(self) -> Mapping[str, object]: ...


R = TypeVar("R", bound=HasDict)


class OutputFormat(str, Enum):
    TEXT = "text"
    JSON = "json"
    GITHUB = "github"
    SARIF = "sarif"


def console(*, stderr: bool = False) -> Console:
    """A rich console; rich itself honours NO_COLOR, FORCE_COLOR and non-TTY output.

    Every plain string it prints (a table cell, a message) is made safe first:
    no markup is interpreted, secrets are redacted and control characters are
    escaped, so a value from a config or a log can neither leak a key nor
    rewrite the terminal.
    """
    from rich.console import Console

    from hybridctl.text import clean

    class SafeConsole(Console):
        def render_str(self, text: str, **options: object) -> Text:
            # The options pass through to rich unchanged.
            return super().render_str(clean(text, keep_lines=True), **options)  # type: ignore[arg-type]

    stream = sys.stderr if stderr else sys.stdout
    # soft_wrap: never break a file:line:col line at the terminal width; and when
    # piped, size tables for a log line rather than rich's 80-column default,
    # unless COLUMNS says otherwise.
    columns = os.environ.get("COLUMNS", "")
    width = int(columns) if columns.isdigit() and int(columns) > 0 else None if stream.isatty() else 200
    return SafeConsole(stderr=stderr, highlight=False, soft_wrap=True, width=width, markup=False)


def write(text: str) -> None:
    """Machine output (JSON, CSV, Markdown, annotations): secrets redacted, the
    format's own escaping left to the caller."""
    from hybridctl.redaction import hide_held, redact_text

    text = redact_text(hide_held(text))
    sys.stdout.write(text if text.endswith("\n") else text + "\n")
    sys.stdout.flush()


# Inside JSON strings, characters that would act on a terminal showing the
# JSON (C1 controls, DEL, the marks that reorder text) as \u escapes: the same
# string to every JSON reader. msgspec already escapes C0 controls.
_JSON_UNSAFE = re.compile("[\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def write_json(data: Mapping[str, object] | Sequence[object]) -> None:
    """Indented JSON. msgspec encodes in C: the json module's indented encoder is
    pure Python, 1.5 s for a history of 10,000 revisions."""
    import msgspec

    text = msgspec.json.format(msgspec.json.encode(data), indent=2).decode()
    write(_JSON_UNSAFE.sub(lambda m: f"\\u{ord(m.group(0)):04x}", text))


def render_error(error: HybridctlError) -> None:
    from hybridctl.analysis.gates import GatesFailed, GatesInconclusive
    from hybridctl.config.validate import InvalidConfig

    if isinstance(error, InvalidConfig):
        from hybridctl.output.validate import validation_text

        validation_text(error.report)
    elif isinstance(error, (GatesFailed, GatesInconclusive)):
        from hybridctl.output.rollout import gate_table

        gate_table(error.report, console())
    out = console(stderr=True)
    out.print(safe_text(("error: ", "bold red"), error.message))
    if error.hint:
        out.print(safe_text(("  hint: ", "dim"), error.hint))


# -- shared helpers --------------------------------------------------------------------


def table(*headers: str) -> Table:
    """A plain table; print it with ``print_table``."""
    from rich.table import Table

    table = Table(box=None, pad_edge=False, header_style="bold")
    for header in headers:
        table.add_column(header, overflow="fold")
    return table


def print_table(out: Console, table: Table) -> None:
    """Print a table without ever cutting a number or a name: every column but
    the last keeps its widest cell; the last (free text) wraps into what is
    left. A table that does not fit the width (a narrow terminal, COLUMNS) is
    printed as a block per row instead, one "column: value" per line, so
    nothing is cropped and no line is wider than the terminal would wrap."""
    from rich.measure import Measurement

    if not table.columns:
        return
    widths = [
        max(Measurement.get(out, out.options, cell).maximum for cell in [column.header, *column.cells])
        for column in table.columns
    ]
    *fixed, free = widths
    if len(widths) > 2 and sum(fixed) + 2 * len(fixed) + min(free, 12) > out.width:
        _print_blocks(out, table)
        return
    for column, width in zip(table.columns, fixed, strict=False):
        column.min_width = column.max_width = width
        column.no_wrap = True
    gaps = 2 * len(fixed)  # a space either side of each gap between columns
    last = table.columns[-1]
    if sum(fixed) + gaps + min(free, 12) <= out.width:
        last.min_width = min(free, 12)  # fits: the free text wraps below itself
        needed = out.width
    else:
        last.min_width = free
        needed = sum(widths) + gaps
    width = out.width
    out.width = max(width, needed)  # print() alone never exceeds the console's width
    try:
        out.print(table)
    finally:
        out.width = width


def _print_blocks(out: Console, table: Table) -> None:
    """A table as one block per row: the first cell as its title, then each
    other column as "header: value", indented."""
    from rich.text import Text

    columns = table.columns
    headers = [str(column.header).lower() for column in columns[1:]]
    label = max((len(h) for h in headers), default=0) + 2
    for row in zip(*(list(column.cells) for column in columns), strict=True):
        first, *rest = row
        out.print(first if isinstance(first, Text) else Text(str(first), style="bold"))
        for header, cell in zip(headers, rest, strict=True):
            value = cell if isinstance(cell, Text) else Text(str(cell))
            if value.plain.strip():
                out.print(Text.assemble("  ", (f"{header}:".ljust(label), "dim"), value))


def when(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M:%S")


def short(value: object, width: int = 60) -> str:
    if value is None:
        return "-"
    text = " ".join(str(value).split()) if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    return text if len(text) <= width else text[: width - 1] + "…"


def safe_text(*parts: str | tuple[str, str] | Text) -> Text:
    """A rich Text from parts (text, (text, style), or a Text already made safe),
    each text cleaned like a table cell."""
    from rich.text import Text

    from hybridctl.text import clean

    def one(part: str | tuple[str, str] | Text) -> str | tuple[str, str] | Text:
        if isinstance(part, tuple):
            return clean(str(part[0]), keep_lines=True), part[1]
        return part if isinstance(part, Text) else clean(str(part), keep_lines=True)

    return Text.assemble(*(one(part) for part in parts))


def say(*parts: str | tuple[str, str] | Text) -> None:
    """One line of text. Without colour to show (piped, or NO_COLOR) it is
    written directly: rich costs ~50 ms to import, for nothing here."""
    if not sys.stdout.isatty() or os.environ.get("NO_COLOR"):
        from hybridctl.text import clean

        text = "".join(part[0] if isinstance(part, tuple) else str(part) for part in parts)
        write(clean(text, keep_lines=True))
        return
    console().print(safe_text(*parts))


def render_json_or(result: R, as_json: bool, text: Callable[[R], None]) -> None:
    if as_json:
        write_json(result.to_dict())
    else:
        text(result)


@contextmanager
def progress_bar(total: int, description: str, *, items: bool = False) -> Iterator[Callable[[int], None]]:
    """A callback that advances a progress bar on stderr, shown only on a terminal
    and only once the work has taken more than a second."""
    import time

    if total <= 0 or not sys.stderr.isatty():
        yield lambda done: None
        return
    import threading

    from rich.progress import BarColumn, DownloadColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

    started = time.monotonic()
    done = 0
    bar: Progress | None = None
    task = None
    lock = threading.Lock()  # readers of one file's ranges report from their threads

    def advance(amount: int) -> None:
        with lock:
            step(amount)

    def step(amount: int) -> None:
        nonlocal done, bar, task
        done = min(done + amount, total)  # never past the total, whatever a reader reports
        if bar is None:
            if time.monotonic() - started < 1.0:
                return
            bar = Progress(
                "{task.description}",
                BarColumn(),
                MofNCompleteColumn() if items else DownloadColumn(),  # calls, or bytes
                TimeRemainingColumn(),
                console=console(stderr=True),
                transient=True,
            )
            bar.start()
            task = bar.add_task(description, total=total)
        assert task is not None
        bar.update(task, completed=done)

    try:
        yield advance
    finally:
        if bar is not None:
            bar.stop()
