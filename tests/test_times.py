"""Every time hybridctl reads: records, people's flags, logs."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from hybridctl.times import format_utc, parse_log_time, parse_user_time, parse_utc


def test_a_record_time_round_trips() -> None:
    moment = datetime(2026, 11, 21, 14, 5, 9, tzinfo=timezone.utc)

    assert format_utc(moment) == "2026-11-21T14:05:09Z"
    assert parse_utc(format_utc(moment)) == moment


def test_a_time_a_person_gives_without_an_offset_is_local() -> None:
    local = parse_user_time("2026-11-21 14:00")
    assert local is not None and local.utcoffset() == datetime(2026, 11, 21, 14).astimezone().utcoffset()
    assert parse_user_time("2026-11-21T14:00Z") == datetime(2026, 11, 21, 14, tzinfo=timezone.utc)
    assert parse_user_time("yesterday") is None


@pytest.mark.parametrize(
    "value, expected",
    [
        ("2026-11-21T14:00:00Z", datetime(2026, 11, 21, 14, tzinfo=timezone.utc)),
        ("2026-11-21T16:00:00+02:00", datetime(2026, 11, 21, 14, tzinfo=timezone.utc)),
        ("2026-11-21 14:00:00", datetime(2026, 11, 21, 14, tzinfo=timezone.utc)),  # a log's: UTC
        (1_795_269_600, datetime(2026, 11, 21, 14, tzinfo=timezone.utc)),
        (1_795_269_600_000, datetime(2026, 11, 21, 14, tzinfo=timezone.utc)),
        (1_795_269_600_000_123, datetime(2026, 11, 21, 14, 0, 0, 123, tzinfo=timezone.utc)),  # microseconds
        (1_795_269_600_000_123_999, datetime(2026, 11, 21, 14, 0, 0, 123, tzinfo=timezone.utc)),  # nanos
        ("1795269600", datetime(2026, 11, 21, 14, tzinfo=timezone.utc)),
        ("1795269600.5", datetime(2026, 11, 21, 14, 0, 0, 500_000, tzinfo=timezone.utc)),
        ("1795269600000123999", datetime(2026, 11, 21, 14, 0, 0, 123, tzinfo=timezone.utc)),  # unixNano
        (1_795_269_600_250.0, datetime(2026, 11, 21, 14, 0, 0, 250_000, tzinfo=timezone.utc)),
        ("2026-11-21 14:00:00 UTC", datetime(2026, 11, 21, 14, tzinfo=timezone.utc)),
        ("2026-11-21T14:00:00.5 gmt", datetime(2026, 11, 21, 14, 0, 0, 500_000, tzinfo=timezone.utc)),
        ("2026-11-21T14:00:00.123456+00:00", datetime(2026, 11, 21, 14, 0, 0, 123456, tzinfo=timezone.utc)),
    ],
)
def test_a_time_a_log_gives(value: object, expected: datetime) -> None:
    assert parse_log_time(value) == expected
    assert parse_log_time(value).utcoffset() == timedelta(0)


@pytest.mark.parametrize("value", [True, None, "soon", 10**30, "1e5", "-99999999999999999999999", 1e300])
def test_a_value_that_is_no_time_says_why(value: object) -> None:
    with pytest.raises(ValueError):
        parse_log_time(value)
