"""An exclusive lock around every mutation, naming its holder.

The lock is an OS file lock (flock on POSIX, msvcrt on Windows) on a file in
the store's .git directory. The operating system drops it when the holder
dies, so a lock left by a killed process never blocks anyone: the file still
names the dead holder, and the next process simply takes the lock and
overwrites that.
"""

from __future__ import annotations

import json
import os
import socket
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path

from hybridctl.errors import RefusedError

if sys.platform == "win32":  # pragma: no cover
    import msvcrt

    def _try_lock(fd: int) -> bool:
        try:
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
            return True
        except OSError:
            return False

    def _unlock(fd: int) -> None:
        os.lseek(fd, 0, os.SEEK_SET)
        msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)

else:
    import fcntl

    def _try_lock(fd: int) -> bool:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return True
        except BlockingIOError:
            return False

    def _unlock(fd: int) -> None:
        fcntl.flock(fd, fcntl.LOCK_UN)


def describe_holder(path: Path) -> str:
    try:
        info = json.loads(path.read_text(encoding="utf-8") or "{}")
    except (OSError, ValueError):
        info = {}
    if not info:
        return "another hybridctl process"
    return (
        f"pid {info.get('pid')} on {info.get('host')}, "
        f"running '{info.get('command')}' since {info.get('since')}"
    )


@contextmanager
def exclusive_lock(path: Path, *, timeout: float, command: str) -> Iterator[None]:
    """Hold the lock for the block; wait up to ``timeout`` seconds, then refuse (exit 3)."""
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        deadline = time.monotonic() + timeout
        while not _try_lock(fd):
            if time.monotonic() >= deadline:
                raise RefusedError(
                    f"the store is locked by {describe_holder(path)}",
                    hint=f"wait for it to finish and retry, or wait longer with --lock-timeout "
                    f"(waited {timeout:g} s); the lock file is {path}",
                )
            time.sleep(0.05)
        holder = {
            "pid": os.getpid(),
            "host": socket.gethostname(),
            "command": command,
            "since": datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        }
        os.ftruncate(fd, 0)
        os.lseek(fd, 0, os.SEEK_SET)
        os.write(fd, json.dumps(holder).encode())
        try:
            yield
        finally:
            os.ftruncate(fd, 0)
            _unlock(fd)
    finally:
        os.close(fd)
