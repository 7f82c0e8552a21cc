"""How a post can fail: for good (the channel is gone or closed to us), or for now."""

from __future__ import annotations


class PermanentFailure(Exception):
    """The channel cannot take the digest (removed, no access): pause its subscription."""


class TransientFailure(Exception):
    """The platform could not take the message now: try later, after `retry_after` if given.

    `refused` says the platform answered and posted nothing (a 429, a 4xx): the message is not
    in doubt. Without an answer (a timeout, a 5xx) it may have gone out.
    """

    def __init__(
        self, message: str, *, retry_after: float | None = None, refused: bool = False
    ) -> None:
        super().__init__(message)
        self.retry_after = retry_after
        self.refused = refused
