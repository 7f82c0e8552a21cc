"""SWE-rebench: the leaderboard read from the data embedded in its (Next.js) page.

The site publishes no API. Its page carries the rows either in a `__NEXT_DATA__` script or in
the React Server Components payload pushed by `self.__next_f.push([1, "..."])` scripts; each row
has `modelName` and `rangeStats.all["<startMs>:<endMs>"]` with the resolved rate of that window.
"""

from __future__ import annotations

import datetime as dt
import html
import json
import re
from typing import Any

from core.sources.found import BoardFound, BoardRow, FormatError

SLUG = "swe-rebench"
SOURCE = "swe-rebench-page"
SHAPE_CHANGED = (
    "the SWE-rebench page no longer carries its leaderboard rows where expected "
    "(items with modelName and rangeStats); its format changed"
)

_NEXT_DATA = re.compile(
    r'<script[^>]*id="__NEXT_DATA__"[^>]*>(.*?)</script>', re.DOTALL | re.IGNORECASE
)
_FLIGHT = re.compile(r"self\.__next_f\.push\(\[\s*1\s*,\s*(\"(?:[^\"\\]|\\.)*\")\s*\]\)", re.DOTALL)
_ITEMS = re.compile(r'"items"\s*:\s*\[')
_TASK_COUNT_KEYS = ("nTasks", "n_tasks", "taskCount", "tasksCount", "numTasks")


def parse_page(body: bytes) -> BoardFound:
    """Return the board embedded in the leaderboard page; FormatError when its shape changed."""
    page = body.decode("utf-8", errors="replace")
    items = _items_from_next_data(page)
    if items is None:
        items = _items_from_flight(page)
    if items is None:
        raise FormatError(SHAPE_CHANGED)
    return _board(items)


def _is_rows(value: Any) -> bool:
    return (
        isinstance(value, list)
        and bool(value)
        and all(isinstance(item, dict) for item in value)
        and any("modelName" in item for item in value)
    )


def _find_items(value: Any) -> list[dict[str, Any]] | None:
    if isinstance(value, dict):
        if _is_rows(value.get("items")):
            items: list[dict[str, Any]] = value["items"]
            return items
        children: Any = value.values()
    elif isinstance(value, list):
        children = value
    else:
        return None
    for child in children:
        found = _find_items(child)
        if found is not None:
            return found
    return None


def _items_from_next_data(page: str) -> list[dict[str, Any]] | None:
    match = _NEXT_DATA.search(page)
    if match is None:
        return None
    try:
        data = json.loads(html.unescape(match.group(1)))
    except json.JSONDecodeError:
        return None
    return _find_items(data)


def _items_from_flight(page: str) -> list[dict[str, Any]] | None:
    chunks = []
    for literal in _FLIGHT.findall(page):
        try:
            chunks.append(json.loads(literal))
        except json.JSONDecodeError:
            continue
    payload = "".join(chunks)
    decoder = json.JSONDecoder()
    for match in _ITEMS.finditer(payload):
        try:
            value, _ = decoder.raw_decode(payload, match.end() - 1)
        except json.JSONDecodeError:
            continue
        if _is_rows(value):
            return list(value)
    return None


def _window(key: str) -> tuple[int, int] | None:
    start, _, end = key.partition(":")
    if not (start.isdigit() and end.isdigit()):
        return None
    return int(start), int(end)


def _date(milliseconds: int) -> dt.date:
    return dt.datetime.fromtimestamp(milliseconds / 1000, dt.UTC).date()


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


def _stats_of(item: dict[str, Any]) -> dict[str, Any]:
    range_stats = item.get("rangeStats")
    if not isinstance(range_stats, dict) or not isinstance(range_stats.get("all"), dict):
        return {}
    stats: dict[str, Any] = range_stats["all"]
    return stats


def _board(items: list[dict[str, Any]]) -> BoardFound:
    windows = {
        window for item in items for key in _stats_of(item) if (window := _window(key)) is not None
    }
    if not windows:
        raise FormatError(SHAPE_CHANGED)
    # The page opens on the newest window; of windows ending together, the widest.
    start, end = max(windows, key=lambda window: (window[1], -window[0]))
    key = f"{start}:{end}"
    picked: list[tuple[str, float, float | None, dict[str, Any]]] = []
    n_tasks: int | None = None
    for item in items:
        stats = _stats_of(item).get(key)
        name = item.get("modelName")
        if not isinstance(stats, dict) or not isinstance(name, str) or not name.strip():
            continue
        rate = _number(stats.get("resolvedRate"))
        if rate is None:
            continue
        picked.append((" ".join(name.split()), rate, _number(stats.get("sem")), stats))
        for count_key in _TASK_COUNT_KEYS:
            count = stats.get(count_key)
            if isinstance(count, int) and not isinstance(count, bool):
                n_tasks = count
    if not picked:
        raise FormatError(SHAPE_CHANGED)
    # Rates come as fractions (0.614) or percents (61.4); the report prints percents.
    scale = 100.0 if all(rate <= 1.0 for _, rate, _, _ in picked) else 1.0
    rows = []
    for name, rate, sem, stats in picked:
        extra: dict[str, Any] = {}
        if sem is not None:
            extra["sem"] = round(sem * scale, 3)
        pass_n = _number(stats.get("passN"))
        if pass_n is not None:
            extra["pass_at_5"] = round(pass_n * scale, 3)
        rows.append(BoardRow(model=name, score=round(rate * scale, 2), extra=extra))
    return BoardFound(
        slug=SLUG,
        rows=rows,
        window_start=_date(start),
        window_end=_date(end),
        n_tasks=n_tasks,
    )
