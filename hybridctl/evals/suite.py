"""An eval suite as the schema describes it (schemas/evals.schema.json),
typed: read only from a document that passed the schema."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any, NamedTuple

SUITES_DIR = "evals"  # in the config directory


class Assertion(NamedTuple):
    kind: str  # equals, contains, not-contains, regex, json-schema, number, max-latency, max-cost
    value: Any
    tolerance: float = 0.0
    ignore_case: bool = False


class Case(NamedTuple):
    name: str
    role: str
    messages: tuple[Mapping[str, str], ...]
    assertions: tuple[Assertion, ...]
    repeats: int = 1
    task: Mapping[str, Any] | None = None  # the context the escalation rules score
    max_tokens: int | None = None
    line: int = 0  # where the case starts in its file, for messages


class Suite(NamedTuple):
    name: str
    path: str  # as shown
    digest: str  # of the suite's content: a run names exactly what it ran
    cases: tuple[Case, ...]


def suite_files(config_dir: Path) -> list[Path]:
    """The suites in the config directory, in name order."""
    directory = config_dir / SUITES_DIR
    if not directory.is_dir():
        return []
    return sorted(
        p for p in directory.iterdir() if p.is_file() and p.suffix.lower() in (".yml", ".yaml", ".json")
    )


def parse_suite(data: Mapping[str, Any], shown: str, lines: Mapping[int, int] | None = None) -> Suite:
    """A schema-valid suite document; ``lines`` gives each case's line by index."""
    repeats = int(data.get("repeats", 1))
    cases = []
    for index, raw in enumerate(data["cases"]):
        assertions = tuple(
            Assertion(
                a["type"], a.get("value"), float(a.get("tolerance", 0.0)), bool(a.get("ignoreCase", False))
            )
            for a in raw["assert"]
        )
        cases.append(
            Case(
                name=raw["name"],
                role=raw["role"],
                messages=tuple({"role": m["role"], "content": m["content"]} for m in raw["messages"]),
                assertions=assertions,
                repeats=int(raw.get("repeats", repeats)),
                task=raw.get("task"),
                max_tokens=raw.get("maxTokens"),
                line=(lines or {}).get(index, 0),
            )
        )
    canonical = json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
    name = str(data.get("name") or Path(shown).stem)
    return Suite(name, shown, "sha256:" + hashlib.sha256(canonical).hexdigest(), tuple(cases))
