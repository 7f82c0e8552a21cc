"""Tell this process's scheduler that a delivery was planned, so it need not wait for its tick."""

from __future__ import annotations

from collections.abc import Callable

_LISTENERS: list[Callable[[], None]] = []


def listen(callback: Callable[[], None]) -> Callable[[], None]:
    """Call `callback` after each planning done outside the scheduler; return the unsubscriber."""
    _LISTENERS.append(callback)
    return lambda: _LISTENERS.remove(callback)


def planned() -> None:
    """Say that deliveries were planned (a command asked for one, an issue was imported)."""
    for callback in list(_LISTENERS):
        callback()
