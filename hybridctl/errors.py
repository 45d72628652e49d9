"""Typed errors raised by core modules; the CLI maps each to its exit code."""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    """Documented, stable exit codes (docs/reference/exit-codes.md)."""

    OK = 0
    CHECK_FAILED = 1  # validation, gate or budget check failed
    USAGE = 2  # bad arguments, missing files, unreadable settings
    REFUSED = 3  # illegal transition, lock held by another process
    REMOTE = 4  # an HTTP endpoint failed or answered an error
    INCONCLUSIVE = 5  # the gates gave no verdict (too little data): wait and try again
    INTERRUPTED = 130  # Ctrl-C, as shells report SIGINT


class HybridctlError(Exception):
    """A failure a user can act on: a message, and what to do next."""

    exit_code: ExitCode = ExitCode.USAGE

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint


class UsageError(HybridctlError):
    exit_code = ExitCode.USAGE


class CheckFailed(HybridctlError):
    exit_code = ExitCode.CHECK_FAILED


class RefusedError(HybridctlError):
    exit_code = ExitCode.REFUSED


class RemoteError(HybridctlError):
    exit_code = ExitCode.REMOTE


class Inconclusive(HybridctlError):
    exit_code = ExitCode.INCONCLUSIVE
