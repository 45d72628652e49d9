"""The negative corpus and how a case says what it expects."""

from __future__ import annotations

from pathlib import Path

from tests.helpers import CORPUS

NEGATIVE = sorted(p for p in (CORPUS / "negative").iterdir() if p.is_dir())


def read_expect(case: Path) -> tuple[list[tuple[str, str, str]], list[str]]:
    """The findings a case expects, and the arguments: ``# args:`` lines, else
    the case's files (a directory would also be missing the other config file)."""
    expected: list[tuple[str, str, str]] = []
    args = sorted(p.name for p in case.iterdir() if p.name != "expect")
    for line in (case / "expect").read_text().splitlines():
        if line.startswith("# args:"):
            args = line.removeprefix("# args:").split()
        elif line.strip() and not line.startswith("#"):
            severity, rule, where = line.split()
            expected.append((severity, rule, where))
    return sorted(expected), args
