"""Read usage files: one JSON object per line; bad lines counted, never dropped silently."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

from hybridctl.errors import CheckFailed, UsageError
from hybridctl.usage.events import UsageEvent, parse_json_line

KEEP_BAD_LINES = 5


class BadLine(NamedTuple):
    file: str
    line: int
    message: str


@dataclass
class ReadStats:
    files: int = 0
    lines: int = 0
    events: int = 0
    bad: int = 0
    first_bad: list[BadLine] = field(default_factory=list)

    def add_bad(self, bad: BadLine) -> None:
        self.bad += 1
        if len(self.first_bad) < KEEP_BAD_LINES:
            self.first_bad.append(bad)

    def to_dict(self) -> dict[str, object]:
        return {
            "files": self.files,
            "lines": self.lines,
            "events": self.events,
            "bad_lines": self.bad,
            "first_bad_lines": [b._asdict() for b in self.first_bad],
        }


def iter_usage(paths: Sequence[Path], stats: ReadStats, *, strict: bool = False) -> Iterator[UsageEvent]:
    """Events from JSONL files in order; a bad line is counted (or, strict, fatal)."""
    for path in paths:
        if not path.is_file():
            raise UsageError(f"no usage file at {path}", hint="pass a JSONL file of usage events")
        stats.files += 1
        with path.open(encoding="utf-8", errors="replace") as handle:
            for number, line in enumerate(handle, 1):
                if not line.strip():
                    continue
                stats.lines += 1
                try:
                    event = parse_json_line(line)
                except ValueError as exc:
                    bad = BadLine(str(path), number, str(exc))
                    if strict:
                        raise CheckFailed(
                            f"{bad.file}:{bad.line}: {bad.message}",
                            hint="fix or remove the line, or drop --strict",
                        ) from None
                    stats.add_bad(bad)
                    continue
                stats.events += 1
                yield event
