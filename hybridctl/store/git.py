"""The git command line, in one repository, with the user's own git settings
kept out of the way (no hooks, signing, pager, prompt or command-running
transport). Why not GitPython: importing it costs 80-130 ms, more than all
the git commands a transition runs (docs/explanation/dependencies.md)."""

from __future__ import annotations

import contextlib
import getpass
import os
import subprocess
from pathlib import Path


class GitFailed(Exception):
    """A git command failed; its message is git's own first line, ``output`` all it said."""

    def __init__(self, message: str, output: str = "") -> None:
        super().__init__(message)
        self.output = output


class Git:
    """The git command line, in one repository."""

    def __init__(self, path: Path) -> None:
        self.path = path
        # A read must not take index.lock (a process killed during one would block
        # every later commit); the user's own git settings must not sign, page or
        # prompt, nor run hooks a template installed.
        self.env = {
            **os.environ,
            "GIT_OPTIONAL_LOCKS": "0",
            "GIT_TERMINAL_PROMPT": "0",
            "GIT_PAGER": "cat",
            "LC_ALL": "C",
            # Only transports that move data: never ext:: or fd::, which run a
            # command, whatever a remote or the user's git config says.
            "GIT_ALLOW_PROTOCOL": "file:git:http:https:ssh",
        }

    def run(self, *args: str, stdin: bytes | None = None, env: dict[str, str] | None = None) -> bytes:
        done = subprocess.run(
            [
                "git",
                "-c",
                "core.hooksPath=/dev/null",
                "-c",
                "commit.gpgSign=false",
                "-c",
                "tag.gpgSign=false",
                *args,
            ],
            cwd=self.path,
            input=stdin,
            capture_output=True,
            env={**self.env, **(env or {})},
            check=False,
        )
        if done.returncode != 0:
            said = (done.stderr + done.stdout).decode("utf-8", errors="replace")
            lines = [line for line in said.strip().splitlines() if line.strip()]
            raise GitFailed(lines[0] if lines else f"git {args[0]} failed ({done.returncode})", said)
        return done.stdout

    def text(self, *args: str) -> str:
        return self.run(*args).decode("utf-8", errors="replace")

    def ok(self, *args: str) -> bool:
        try:
            self.run(*args)
        except GitFailed:
            return False
        return True


def git_email() -> str:
    return "hybridctl@localhost"


def default_actor(configured: str | None) -> str:
    """Who is recorded: settings or HYBRIDCTL_ACTOR, else git's user.name, else the OS user."""
    if configured:
        return configured

    with contextlib.suppress(OSError, subprocess.SubprocessError):
        name = subprocess.run(
            ["git", "config", "--get", "user.name"], capture_output=True, text=True, check=False, timeout=5
        ).stdout.strip()
        if name:
            return name
    return getpass.getuser()
