"""Fixtures: the CLI in-process or as the installed entry point, and scratch configs."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import pytest
from typer.testing import CliRunner

from tests.helpers import (
    CONFIGS,
    OUR_ENV,
    JsonServer,
    Project,
    Run,
    RunFn,
    TargetServer,
    clean_env,
    hybridctl_executable,
)

# LiteLLM (the tests that load its Router or its CustomLogger) fetches its price
# map from the internet on import unless told not to: the tests stay offline.
os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")


@pytest.fixture
def cli(monkeypatch: pytest.MonkeyPatch) -> RunFn:
    """cli(*args, cwd=..., env=...) runs hybridctl in-process with Typer's runner."""
    from hybridctl.cli.main import app
    from hybridctl.redaction import forget_held_secrets

    def run(*args: str, cwd: Path | None = None, env: dict[str, str] | None = None) -> Run:
        for key in [k for k in os.environ if k.startswith(OUR_ENV)]:
            monkeypatch.delenv(key)
        monkeypatch.setenv("HYBRIDCTL_ACTOR", "tester")
        for key, value in (env or {}).items():
            monkeypatch.setenv(key, value)
        if cwd is not None:
            monkeypatch.chdir(cwd)
        forget_held_secrets()  # a secret an earlier command held is not this one's
        result = CliRunner().invoke(app, list(args), catch_exceptions=False)
        return Run(result.exit_code, result.stdout, result.stderr)

    return run


@pytest.fixture
def hybridctl() -> RunFn:
    """hybridctl(*args, cwd=..., env=...) runs the installed entry point as a subprocess."""

    def run(
        *args: str, cwd: Path | None = None, env: dict[str, str] | None = None, stdin: str | None = None
    ) -> Run:
        done = subprocess.run(
            [hybridctl_executable(), *args],
            cwd=cwd,
            env=clean_env(env),
            input=stdin,
            capture_output=True,
            text=True,
            check=False,
            timeout=300,
        )
        return Run(done.returncode, done.stdout, done.stderr)

    return run


@pytest.fixture
def config_dir(tmp_path: Path) -> Path:
    """A scratch copy of the default configs."""
    target = tmp_path / "configs"
    shutil.copytree(CONFIGS, target)
    return target


@pytest.fixture
def project(tmp_path: Path) -> Project:
    return Project(tmp_path / "project")


@pytest.fixture
def target_server() -> Iterator[Callable[..., TargetServer]]:
    """target_server(**behaviour) starts a management endpoint on 127.0.0.1, stopped after the test."""
    started: list[TargetServer] = []

    def start(**behaviour: Any) -> TargetServer:
        server = TargetServer(**behaviour)
        started.append(server)
        return server

    yield start
    for server in started:
        server.close()


S = TypeVar("S", bound=JsonServer)


@pytest.fixture
def local_server() -> Iterator[Callable[..., Any]]:
    """local_server(PromServer, token=...) starts a test server on 127.0.0.1, stopped after the test."""
    started: list[JsonServer] = []

    def start(kind: type[S], *args: Any, **kwargs: Any) -> S:
        server = kind(*args, **kwargs)
        started.append(server)
        return server

    yield start
    for server in started:
        server.close()
