"""Paths and small helpers shared by the tests."""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
CONFIGS = REPO / "configs"
CORPUS = Path(__file__).resolve().parent / "corpus"
REALWORLD = Path(os.environ.get("HYBRIDCTL_REALWORLD_DIR", REPO.parent / "shared" / "realworld"))
ANSI_COLOUR = re.compile(r"\x1b\[[0-9;]*(3[0-9]|9[0-7]|38;)[0-9;]*m")


@dataclass
class Run:
    exit_code: int
    stdout: str
    stderr: str

    def json(self) -> Any:
        return json.loads(self.stdout)


RunFn = Callable[..., Run]


def snapshot(directory: Path) -> dict[str, bytes]:
    """Every file under a directory, by relative path, to prove nothing changed."""
    return {
        str(p.relative_to(directory)): p.read_bytes() for p in sorted(directory.rglob("*")) if p.is_file()
    }
