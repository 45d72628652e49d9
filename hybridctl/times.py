"""Every time hybridctl reads or writes, in one place.

- Records and the rollout state keep UTC to the second: ``2026-11-21T14:00:00Z``.
- A time a person gives (``--since``, ``--as-of``, a restore target) is ISO
  8601; a date means its midnight; no offset means local time.
- A time a log gives is ISO 8601 (no offset means UTC, as loggers write it)
  or an epoch number in seconds or milliseconds.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from datetime import datetime, timezone

RECORD_FORMAT = "%Y-%m-%dT%H:%M:%SZ"


def utc_now() -> datetime:
    """Now, in UTC, to the second (as records keep it)."""
    return datetime.now(timezone.utc).replace(microsecond=0)


def format_utc(moment: datetime) -> str:
    """A moment as records write it."""
    return moment.astimezone(timezone.utc).strftime(RECORD_FORMAT)


def parse_utc(text: str) -> datetime:
    """A moment as records write it, back (strptime is 10x slower, for every
    revision a history reads)."""
    if len(text) == 20 and text[10] == "T" and text[-1] == "Z":
        return fromiso_naive(text[:-1]).replace(tzinfo=timezone.utc)
    return datetime.strptime(text, RECORD_FORMAT).replace(tzinfo=timezone.utc)


def _iso(text: str) -> datetime:
    candidate = text.strip().replace(" ", "T", 1)
    if candidate.endswith(("Z", "z")):
        candidate = candidate[:-1] + "+00:00"
    return datetime.fromisoformat(candidate)


def parse_user_time(text: str) -> datetime | None:
    """A time a person typed; None when it is not one. No offset: local time."""
    try:
        moment = _iso(text)
    except ValueError:
        return None
    return moment.astimezone() if moment.tzinfo is None else moment


def parse_log_time(value: object) -> datetime:
    """A time a log recorded, in UTC; ValueError says why it is not one."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        seconds = value / 1000 if value > 1e11 else value  # epoch milliseconds or seconds
        try:
            return datetime.fromtimestamp(seconds, tz=timezone.utc)
        except (OverflowError, OSError, ValueError):
            raise ValueError(f"time {value!r} is out of range for an epoch time") from None
    if not isinstance(value, str):
        raise ValueError(f"time {value!r} is neither an ISO 8601 string nor an epoch number")
    moment = _iso(value)
    return moment.replace(tzinfo=timezone.utc) if moment.tzinfo is None else moment.astimezone(timezone.utc)


def _fromiso_310(text: str) -> datetime:  # pragma: no cover - 3.10's knows only the 'T' separator
    return datetime.fromisoformat(text.replace(" ", "T", 1))


# The fast path's parser of `YYYY-MM-DD[T ]HH:MM:SS[.ffffff]` (no offset), for millions of lines.
fromiso_naive: Callable[[str], datetime] = (
    datetime.fromisoformat if sys.version_info >= (3, 11) else _fromiso_310
)
