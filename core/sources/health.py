"""Sources' health in words, for /status and `inference-report sources list`."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from storage.tables import SourceState

MAX_ERROR = 160


def _when(moment: dt.datetime | None) -> str:
    return "never" if moment is None else moment.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")


def short_error(error: str | None) -> str:
    """Return an error message cut to fit one line."""
    text = " ".join((error or "").split())
    return text if len(text) <= MAX_ERROR else text[: MAX_ERROR - 1] + "…"


def describe_state(state: SourceState) -> str:
    """Return one source's health in one line."""
    good = f"last success {_when(state.last_success_at)}"
    if state.last_summary:
        good += f" ({state.last_summary})"
    if state.consecutive_failures:
        times = "once" if state.consecutive_failures == 1 else f"{state.consecutive_failures}×"
        return (
            f"failing ({times}): {short_error(state.last_error)}; {good}; "
            f"next try {_when(state.next_attempt_at)}"
        )
    return f"ok, {good}"


def summarise(states: Sequence[SourceState]) -> str:
    """Return every source's health in one line: how many are healthy, which are failing."""
    if not states:
        return "none fetched yet"
    failing = [state for state in states if state.consecutive_failures]
    healthy = len(states) - len(failing)
    text = f"{healthy} of {len(states)} healthy"
    if failing:
        names = ", ".join(
            f"{state.name} ({short_error(state.last_error)[:60]})" for state in failing[:3]
        )
        more = f" and {len(failing) - 3} more" if len(failing) > 3 else ""
        text += f"; failing: {names}{more}"
    return text
