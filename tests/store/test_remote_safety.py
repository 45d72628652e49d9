"""A store remote reaches git after a double dash, never read as an option."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest


def test_git_is_given_the_remote_after_a_double_dash(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Even a value that passed the checks reaches git as an argument, never an option."""

    seen: list[list[str]] = []
    real_run = subprocess.run

    def spy(command: list[str], **kwargs: object) -> subprocess.CompletedProcess[bytes]:
        seen.append(list(command))
        return real_run(command, **kwargs)  # type: ignore[call-overload, no-any-return]

    from hybridctl.app.scaffold import init_project

    monkeypatch.setattr(subprocess, "run", spy)  # the module repo.py runs git through
    bare = tmp_path / "shared.git"
    real_run(["git", "init", "--quiet", "--bare", str(bare)], check=True)
    init_project(tmp_path / "alice", store_remote=str(bare), actor="alice")  # publishes
    init_project(tmp_path / "bob", store_remote=str(bare), actor="bob")  # joins: a clone

    uses = [c for c in seen if str(bare) in c]
    assert uses and all(c.index("--") < c.index(str(bare)) for c in uses)
