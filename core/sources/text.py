"""Text from outside made safe to keep: plain text only, http(s) links only."""

from __future__ import annotations

import calendar
import datetime as dt
import html
import re
import time
from urllib.parse import urlsplit

import nh3

_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
SUMMARY_LIMIT = 1000


def plain_text(markup: str, *, limit: int | None = None) -> str:
    """Return `markup` as one line of plain text: tags dropped, entities decoded, spaces folded."""
    # Block ends become spaces so "<p>a</p><p>b</p>" reads "a b", not "ab".
    spaced = re.sub(r"(?i)<(?:/p|br\s*/?|/li|/h\d|/div)>", " ", markup)
    stripped = nh3.clean(_XML_ILLEGAL.sub("", spaced), tags=set(), strip_comments=True)
    text = " ".join(_XML_ILLEGAL.sub("", html.unescape(stripped)).split())
    if limit is not None and len(text) > limit:
        cut = text[: limit - 1]
        if " " in cut:
            cut = cut.rsplit(" ", 1)[0]
        text = cut.rstrip(" ,;:—-") + "…"
    return text


def web_url(value: object) -> str | None:
    """Return `value` when it is an absolute http(s) URL; anything else (javascript:…) is None."""
    if not isinstance(value, str):
        return None
    value = value.strip()
    parts = urlsplit(value)
    if parts.scheme.lower() not in {"http", "https"} or not parts.netloc:
        return None
    return value


def struct_to_utc(value: time.struct_time | None) -> dt.datetime | None:
    """Return feedparser's parsed date (a UTC struct_time) as an aware datetime."""
    if value is None:
        return None
    try:
        return dt.datetime.fromtimestamp(calendar.timegm(value), dt.UTC)
    except (OverflowError, ValueError, OSError):
        return None


def parse_iso(value: object) -> dt.datetime | None:
    """Return an ISO 8601 timestamp ("2025-09-04T21:26:31.000Z") as an aware UTC datetime."""
    if not isinstance(value, str) or not value:
        return None
    try:
        parsed = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=dt.UTC)
    return parsed.astimezone(dt.UTC)
