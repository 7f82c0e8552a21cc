"""A digest's schedule: times, timezones, and the next delivery across daylight-saving changes."""

from __future__ import annotations

import dataclasses
import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from core.commands.schedule import (
    format_moment,
    next_delivery,
    parse_time,
    resolve_timezone,
    suggest_timezones,
)
from core.digest import DEFAULT_SETTINGS
from storage.queries.subscriptions import DigestSettings

UTC = dt.UTC
PARIS = ZoneInfo("Europe/Paris")


def daily(time: str, zone: str = "Europe/Paris") -> DigestSettings:
    return dataclasses.replace(
        DEFAULT_SETTINGS, schedule_kind="daily", time_of_day=time, timezone=zone
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("08:30", "08:30"),
        ("8:30", "08:30"),
        (" 23:59 ", "23:59"),
        ("00:00", "00:00"),
        ("8h30", "08:30"),
        ("24:00", None),
        ("12:60", None),
        ("8", None),
        ("08:3", None),
        ("noon", None),
        ("", None),
    ],
)
def test_parse_time(text: str, expected: str | None) -> None:
    assert parse_time(text) == expected


def test_timezones_by_iana_name_forgiving_case_and_spaces() -> None:
    assert resolve_timezone("europe/paris") == "Europe/Paris"
    assert resolve_timezone("America/New York") == "America/New_York"
    assert resolve_timezone("UTC") == "UTC"
    assert resolve_timezone("Paris") is None
    assert resolve_timezone("localtime") is None
    assert suggest_timezones("Europe/Pari")[0] == "Europe/Paris"
    assert suggest_timezones("tokyo")[0] == "Asia/Tokyo"


@pytest.mark.parametrize(
    ("now", "expected_utc", "expected_local"),
    [
        # The Friday and Saturday before clocks go forward (last Sunday of March 2026: the 29th).
        (dt.datetime(2026, 3, 27, 12, 0, tzinfo=UTC), "2026-03-28 07:30", "08:30 CET"),
        (dt.datetime(2026, 3, 28, 10, 0, tzinfo=UTC), "2026-03-29 06:30", "08:30 CEST"),
        (dt.datetime(2026, 3, 29, 6, 30, tzinfo=UTC), "2026-03-30 06:30", "08:30 CEST"),
        # The Saturday before clocks go back (last Sunday of October 2026: the 25th).
        (dt.datetime(2026, 10, 24, 7, 0, tzinfo=UTC), "2026-10-25 07:30", "08:30 CET"),
        (dt.datetime(2026, 10, 24, 6, 0, tzinfo=UTC), "2026-10-24 06:30", "08:30 CEST"),
    ],
)
def test_next_delivery_keeps_the_local_time_across_dst(
    now: dt.datetime, expected_utc: str, expected_local: str
) -> None:
    moment = next_delivery(daily("08:30"), now)
    assert moment is not None
    assert moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M") == expected_utc
    assert moment.strftime("%H:%M %Z") == expected_local


def test_a_skipped_time_goes_out_an_hour_later_by_the_clock() -> None:
    now = dt.datetime(2026, 3, 28, 12, 0, tzinfo=UTC)
    moment = next_delivery(daily("02:30"), now)
    assert moment is not None
    assert moment.astimezone(UTC) == dt.datetime(2026, 3, 29, 1, 30, tzinfo=UTC)
    assert moment.strftime("%H:%M %Z") == "03:30 CEST"


def test_a_repeated_time_goes_out_once_at_the_first() -> None:
    now = dt.datetime(2026, 10, 24, 12, 0, tzinfo=UTC)
    settings = daily("02:30")
    moment = next_delivery(settings, now)
    assert moment is not None
    assert moment.astimezone(UTC) == dt.datetime(2026, 10, 25, 0, 30, tzinfo=UTC)
    after = next_delivery(settings, moment.astimezone(UTC))
    assert after is not None
    assert after.astimezone(UTC) == dt.datetime(2026, 10, 26, 1, 30, tzinfo=UTC)


def test_another_zone_and_its_own_dst_date() -> None:
    # The United States move their clocks on the second Sunday of March (2026-03-08).
    now = dt.datetime(2026, 3, 7, 20, 0, tzinfo=UTC)
    moment = next_delivery(daily("07:00", "America/New_York"), now)
    assert moment is not None
    assert moment.astimezone(UTC) == dt.datetime(2026, 3, 8, 11, 0, tzinfo=UTC)


def test_on_publish_has_no_time() -> None:
    assert next_delivery(DEFAULT_SETTINGS, dt.datetime(2026, 1, 1, tzinfo=UTC)) is None


def test_format_moment() -> None:
    assert (
        format_moment(dt.datetime(2026, 3, 29, 8, 30, tzinfo=PARIS))
        == "2026-03-29 08:30 CEST (06:30 UTC)"
    )
    assert (
        format_moment(dt.datetime(2026, 3, 29, 0, 30, tzinfo=PARIS))
        == "2026-03-29 00:30 CET (2026-03-28 23:30 UTC)"
    )
    assert format_moment(dt.datetime(2026, 3, 29, 8, 30, tzinfo=UTC)) == "2026-03-29 08:30 UTC"
