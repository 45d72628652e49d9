"""git run in a store, for the store tests and the command-line tests."""

from __future__ import annotations

import subprocess
from pathlib import Path


def git(store: Path, *args: str) -> str:
    return subprocess.run(["git", "-C", str(store), *args], capture_output=True, text=True, check=True).stdout
