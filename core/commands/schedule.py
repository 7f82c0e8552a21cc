"""A digest's schedule: a time of day in an IANA timezone, or on publish."""

from __future__ import annotations

import datetime as dt
import re
from functools import cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from rapidfuzz import fuzz, process

from storage.queries.subscriptions import DigestSettings

_TIME = re.compile(r"^(?P<hour>\d{1,2})[:h.](?P<minute>\d{2})$")
PUBLISH_WORDS = frozenset({"publish", "on-publish", "onpublish", "on_publish"})
# Names in the zone database that are not places a person lives in.
_NOT_PLACES = frozenset({"Factory", "localtime", "posixrules"})


def parse_time(text: str) -> str | None:
    """Return `text` as a 24-hour `HH:MM`, or None when it is not a time of day."""
    match = _TIME.match(text.strip())
    if match is None:
        return None
    hour, minute = int(match["hour"]), int(match["minute"])
    if hour > 23 or minute > 59:
        return None
    return f"{hour:02d}:{minute:02d}"


@cache
def timezone_names() -> tuple[str, ...]:
    """Return every IANA timezone name zoneinfo knows, sorted."""
    return tuple(
        sorted(
            name
            for name in available_timezones()
            if name not in _NOT_PLACES and not name.startswith(("posix/", "right/"))
        )
    )


@cache
def _by_folded_name() -> dict[str, str]:
    return {name.casefold(): name for name in timezone_names()}


def resolve_timezone(text: str) -> str | None:
    """Return the IANA name `text` spells (case and spaces forgiven), or None."""
    wanted = "_".join(text.strip().split())
    name = _by_folded_name().get(wanted.casefold())
    if name is None:
        return None
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None
    return name


def suggest_timezones(text: str, limit: int = 3) -> list[str]:
    """Return the IANA names closest to `text`, best first."""
    wanted = "_".join(text.strip().split()).casefold()
    folded = _by_folded_name()
    # A bare city ("paris") matches best against the last part of each name.
    cities = {name.rsplit("/", 1)[-1]: name for name in folded}
    found: dict[str, float] = {}
    for choices, scorer in ((list(folded), fuzz.WRatio), (list(cities), fuzz.ratio)):
        for match, score, _ in process.extract(
            wanted, choices, scorer=scorer, limit=limit, score_cutoff=70
        ):
            name = folded[match] if match in folded else folded[cities[match]]
            found[name] = max(score, found.get(name, 0.0))
    return [name for name, _ in sorted(found.items(), key=lambda kv: -kv[1])][:limit]


def next_delivery(settings: DigestSettings, now: dt.datetime) -> dt.datetime | None:
    """Return when a daily digest next goes out after `now`, in its timezone; None on publish.

    A time the clocks skip (02:30 on the night they go forward) goes out at the same moment
    measured by the offset before the change (03:30 summer time); a time that happens twice
    (the night they go back) goes out at the first.
    """
    if settings.schedule_kind != "daily" or settings.time_of_day is None:
        return None
    zone = ZoneInfo(settings.timezone)
    hour, minute = (int(part) for part in settings.time_of_day.split(":"))
    local_today = now.astimezone(zone).date()
    for days in range(3):
        day = local_today + dt.timedelta(days=days)
        wall = dt.datetime.combine(day, dt.time(hour, minute), tzinfo=zone)
        # Round-tripping through UTC turns a skipped wall time into the one that exists.
        moment = wall.astimezone(dt.UTC)
        if moment > now:
            return moment.astimezone(zone)
    raise AssertionError("a daily time always comes within two days")


def describe_schedule(settings: DigestSettings) -> str:
    """Return the schedule in words: `daily at 08:30 (Europe/Paris)` or `when an issue is out`."""
    if settings.schedule_kind == "daily" and settings.time_of_day is not None:
        return f"daily at {settings.time_of_day} ({settings.timezone})"
    return "when each issue is published"


def format_moment(moment: dt.datetime) -> str:
    """Return a delivery time as `2026-03-29 08:30 CEST (06:30 UTC)`."""
    local = moment.strftime("%Y-%m-%d %H:%M %Z")
    utc = moment.astimezone(dt.UTC)
    if moment.utcoffset() == dt.timedelta(0):
        return local
    same_day = utc.date() == moment.date()
    return f"{local} ({utc.strftime('%H:%M' if same_day else '%Y-%m-%d %H:%M')} UTC)"
