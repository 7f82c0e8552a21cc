"""Reading the values people type into command options, with a short answer for a bad one."""

from __future__ import annotations

import datetime as dt
import re

from core.commands.reply import Reply, error_reply

LATEST = "latest"
_LIST_SEPARATOR = re.compile(r"\s*[,;]\s*")


def parse_date(text: str | None, *, option: str = "date") -> dt.date | Reply | None:
    """Return the date typed (None for nothing or `latest`), or an error reply."""
    if text is None or not text.strip() or text.strip().casefold() == LATEST:
        return None
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        return error_reply(f"{option} should be a date like 2026-11-20, or latest, not {text!r}.")


def split_list(text: str) -> list[str]:
    """Return the items of a comma-separated list, stripped, empty ones dropped, once each."""
    return list(dict.fromkeys(part for part in _LIST_SEPARATOR.split(text.strip()) if part))
