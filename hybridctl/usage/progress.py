"""Progress through a usage file in bytes of the file on disk, so that a bar
whose total is the files' sizes ends at its total: compressed bytes for a
gzip file (its reader hands back many more), the position of a range for a
file read in parallel."""

from __future__ import annotations

import gzip
import io
from collections.abc import Callable
from typing import Any


def file_progress(
    handle: io.BufferedIOBase, progress: Callable[[int], None] | None, since: int | None = None
) -> Callable[[], None]:
    """A call that reports how far into the *file* the handle has read since
    the last call, starting ``since`` (default: where the handle is; a gzip
    file from its start): compressed bytes for a gzip file, since the progress
    bar's total is the files' sizes on disk. Nothing for a stream that cannot tell."""
    gzipped = isinstance(handle, gzip.GzipFile)
    raw: Any = handle.fileobj if isinstance(handle, gzip.GzipFile) else handle
    if progress is None:
        return lambda: None
    try:
        last = since if since is not None else 0 if gzipped else raw.tell()
    except (OSError, AttributeError, ValueError):
        return lambda: None

    def tick() -> None:
        nonlocal last
        try:
            now = raw.tell()
        except (OSError, ValueError):  # closed or unseekable by now: nothing more to say
            return
        if now > last:
            progress(now - last)
            last = now

    return tick
