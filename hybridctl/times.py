"""Every time hybridctl reads or writes, in one place.

- Records and the rollout state keep UTC to the second: ``2026-11-21T14:00:00Z``.
- A time a person gives (``--since``, ``--as-of``, a restore target) is ISO
  8601; a date means its midnight; no offset means local time.
- A time a log gives is ISO 8601 (no offset means UTC, as loggers write it)
  or an epoch number in seconds, milliseconds, microseconds or nanoseconds.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable
from datetime import datetime, timedelta, timezone

RECORD_FORMAT = "%Y-%m-%dT%H:%M:%SZ"


# Where "now" comes from: the system clock, unless a test sets another. One
# place, so every module (whatever it imported) reads the same time.
clock: Callable[[], datetime] | None = None


def utc_now() -> datetime:
    """Now, in UTC, to the second (as records keep it)."""
    if clock is not None:
        return clock()
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


_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
# An epoch number's unit, from its size: seconds up to 1e11 (the year 5138), then
# milliseconds, microseconds, nanoseconds (OpenTelemetry's unixNano) in turn.
_EPOCH_UNITS = ((1e11, 1), (1e14, 1_000), (1e17, 1_000_000))
_NUMBER = re.compile(r"-?[0-9]+(\.[0-9]+)?")
_UTC_WORD = re.compile(r"\s*(?:UTC|GMT)$", re.IGNORECASE)


def _shown(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:39] + "…"


def _from_epoch(value: int | float, shown: object) -> datetime:
    per_second = next((unit for limit, unit in _EPOCH_UNITS if abs(value) < limit), 1_000_000_000)
    try:
        if isinstance(value, int):  # exact: nanoseconds do not fit a float's 53 bits
            return _EPOCH + timedelta(microseconds=value * 1_000_000 // per_second)
        return datetime.fromtimestamp(value / per_second, tz=timezone.utc)
    except (OverflowError, OSError, ValueError):
        raise ValueError(f"time {_shown(shown)} is out of range for an epoch time") from None


def parse_log_time(value: object) -> datetime:
    """A time a log recorded, in UTC; ValueError says why it is not one.

    ISO 8601 (no offset: UTC; ``Z``, an offset, or a trailing ``UTC``/``GMT``),
    or an epoch number in seconds, milliseconds, microseconds or nanoseconds,
    as a number or a string of digits."""
    if isinstance(value, str) and value[-1:] == "Z" and value[10:11] == "T" and value[4:5] == "-":
        # `2026-11-21T14:00:00.123Z`, most logs' form, without the general parse's
        # steps; anything the short way does not take goes the long way below
        try:
            return _fromiso_z(value)  # an offset before the Z is refused, as below
        except ValueError:
            pass
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return _from_epoch(value, value)
    if not isinstance(value, str):
        raise ValueError(f"time {_shown(value)} is neither an ISO 8601 string nor an epoch number")
    text = value.strip()
    if _NUMBER.fullmatch(text):
        return _from_epoch(float(text) if "." in text else int(text), value)
    if (utc := _UTC_WORD.search(text)) is not None:
        text = text[: utc.start()] + "Z"
    moment = _iso(text)
    if moment.tzinfo is None:
        return moment.replace(tzinfo=timezone.utc)
    try:
        return moment.astimezone(timezone.utc)
    except OverflowError:  # 9999-12-31T23:00:00-02:00 is in the year 10000 in UTC
        raise ValueError(f"time {_shown(value)} is out of range in UTC") from None


def _fromiso_310(text: str) -> datetime:  # pragma: no cover - 3.10's knows only the 'T' separator
    return datetime.fromisoformat(text.replace(" ", "T", 1))


# The fast path's parser of `YYYY-MM-DD[T ]HH:MM:SS[.ffffff]` (no offset), for millions of lines.
fromiso_naive: Callable[[str], datetime] = (
    datetime.fromisoformat if sys.version_info >= (3, 11) else _fromiso_310
)


def _fromiso_z_310(text: str) -> datetime:  # pragma: no cover - 3.10's takes no Z
    return _fromiso_310(text[:-1] + "+00:00")


# `...Z` to an aware UTC time: 3.11's fromisoformat reads the Z itself (a tenth
# of what `.replace(tzinfo=...)` on a naive result costs).
_fromiso_z: Callable[[str], datetime] = (
    datetime.fromisoformat if sys.version_info >= (3, 11) else _fromiso_z_310
)
