"""A parsed config file: its data plus where every key and value sits in the text."""

from __future__ import annotations

import re
from bisect import bisect_right
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from hybridctl.config.diagnostics import Diagnostic, Severity, diagnostic

JsonPath = tuple["str | int", ...]
SourceFormat = Literal["yaml", "json"]

DEFAULT_MAX_FILE_BYTES = 5 * 1024 * 1024
MAX_DEPTH = 128  # nesting of lists and mappings, in YAML and JSON alike
MAX_INT_DIGITS = 4300  # Python's own limit for converting decimal text to int
# Findings kept per file and per check: a hostile file could otherwise make
# millions (memory), and nobody reads past the first few hundred.
MAX_KEPT_FINDINGS = 1000


Dropped = Counter[tuple[str, Severity]]  # (file, severity) -> findings counted, not kept


class Findings(list[Diagnostic]):
    """A list of findings that keeps the first MAX_KEPT_FINDINGS and counts the rest."""

    def __init__(self) -> None:
        super().__init__()
        self.dropped: Dropped = Counter()

    def add(self, finding: Diagnostic) -> None:
        if len(self) < MAX_KEPT_FINDINGS:
            self.append(finding)
        else:
            self.dropped[(finding.file, finding.severity)] += 1


_IDENTIFIER = re.compile(r"^[A-Za-z_$][A-Za-z0-9_$]*$")


def format_path(path: JsonPath) -> str:
    """Render a path the way jq and JSONPath users read it: $.a[0]["b/c"]."""
    out = ["$"]
    for part in path:
        if isinstance(part, int):
            out.append(f"[{part}]")
        elif _IDENTIFIER.match(part):
            out.append(f".{part}")
        else:
            out.append("[" + repr(part).replace("'", '"') + "]")
    return "".join(out)


@dataclass
class SourceText:
    """Decoded text of a file, with a lazy index from offsets to line:column."""

    path: Path
    display: str
    text: str
    _line_starts: list[int] | None = field(default=None, repr=False)

    def position(self, index: int) -> tuple[int, int]:
        """1-based (line, column) of a code-point offset."""
        if self._line_starts is None:
            starts = [0]
            find = self.text.find
            i = find("\n")
            while i >= 0:
                starts.append(i + 1)
                i = find("\n", i + 1)
            self._line_starts = starts
        line = bisect_right(self._line_starts, index) - 1
        return line + 1, index - self._line_starts[line] + 1


@dataclass
class Document:
    """Data of one file and the text span of every value and mapping key."""

    source: SourceText
    format: SourceFormat
    data: Any
    value_spans: dict[JsonPath, tuple[int, int]] = field(default_factory=dict)
    key_spans: dict[JsonPath, tuple[int, int]] = field(default_factory=dict)
    findings: list[Diagnostic] = field(default_factory=list)  # non-fatal load problems
    dropped: Dropped = field(default_factory=Counter)  # findings past MAX_KEPT_FINDINGS

    @property
    def display(self) -> str:
        return self.source.display

    def locate(self, path: JsonPath, *, key: bool = False) -> tuple[int, int]:
        """Line and column of a value (or its key); falls back to the nearest ancestor."""
        if key and path in self.key_spans:
            return self.source.position(self.key_spans[path][0])
        probe = path
        while probe:
            if probe in self.value_spans:
                return self.source.position(self.value_spans[probe][0])
            probe = probe[:-1]
        span = self.value_spans.get(())
        return self.source.position(span[0]) if span else (1, 1)

    def diag(
        self, rule: str, message: str, path: JsonPath, *, key: bool = False, hint: str | None = None
    ) -> Diagnostic:
        line, column = self.locate(path, key=key)
        return diagnostic(
            rule,
            message,
            file=self.display,
            line=line,
            column=column,
            json_path=format_path(path),
            hint=hint,
        )

    def text_of(self, path: JsonPath) -> str:
        """The raw source text of a value, as written (escapes, indentation and all)."""
        span = self.value_spans.get(path)
        return self.source.text[span[0] : span[1]] if span else ""


class LoadFailed(Exception):
    """Raised by loaders when a file cannot be turned into data at all."""

    def __init__(self, diagnostics: list[Diagnostic]) -> None:
        super().__init__(diagnostics[0].message if diagnostics else "load failed")
        self.diagnostics = diagnostics


def _too_large(size: int, max_bytes: int, display: str) -> LoadFailed:
    return LoadFailed(
        [
            diagnostic(
                "file-too-large",
                f"file is {size:,} bytes; the limit is {max_bytes:,}",
                file=display,
                line=1,
                column=1,
                hint="raise it with --max-file-size or max-file-size in settings",
            )
        ]
    )


def read_source(path: Path, display: str, max_bytes: int = DEFAULT_MAX_FILE_BYTES) -> SourceText:
    """Read and decode a file, refusing oversized and non-UTF-8 input with a position."""
    size = path.stat().st_size
    if size > max_bytes:  # checked before reading: a huge file is never loaded
        raise _too_large(size, max_bytes, display)
    return decode_source(path.read_bytes(), path, display, max_bytes)


def decode_source(
    raw: bytes, path: Path, display: str, max_bytes: int = DEFAULT_MAX_FILE_BYTES
) -> SourceText:
    """Decode a file's bytes (from disk or from a stored revision) as UTF-8."""
    if len(raw) > max_bytes:
        raise _too_large(len(raw), max_bytes, display)
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise LoadFailed(
            [
                diagnostic(
                    "encoding",
                    "file is UTF-16; config files must be UTF-8",
                    file=display,
                    line=1,
                    column=1,
                    hint="re-save the file as UTF-8",
                )
            ]
        )
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        good = raw[: exc.start].decode("utf-8-sig", errors="replace")
        line = good.count("\n") + 1
        column = len(good) - (good.rfind("\n") + 1) + 1
        raise LoadFailed(
            [
                diagnostic(
                    "encoding",
                    f"byte 0x{raw[exc.start]:02x} at offset {exc.start} is not valid UTF-8",
                    file=display,
                    line=line,
                    column=column,
                    hint="re-save the file as UTF-8",
                )
            ]
        ) from None
    return SourceText(path=path, display=display, text=text)
