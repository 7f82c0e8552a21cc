"""Tell a WebSub hub that feeds changed: in the background, with a timeout, logged."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence

import aiohttp

log = logging.getLogger(__name__)


class WebSubPinger:
    """Send `hub.mode=publish` pings to one hub; a failure is logged and goes no further."""

    def __init__(self, hub_url: str, *, timeout: float) -> None:
        self.hub_url = hub_url
        self._timeout = aiohttp.ClientTimeout(total=timeout)
        self._session: aiohttp.ClientSession | None = None
        self._tasks: set[asyncio.Task[None]] = set()

    def publish(self, topics: Sequence[str]) -> None:
        """Ping the hub about `topics` in a background task; return at once."""
        if not topics:
            return
        task = asyncio.create_task(self._send(list(topics)), name="websub-ping")
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _send(self, topics: list[str]) -> None:
        if self._session is None:
            self._session = aiohttp.ClientSession(timeout=self._timeout)
        for topic in topics:
            try:
                async with self._session.post(
                    self.hub_url, data={"hub.mode": "publish", "hub.url": topic}
                ) as response:
                    if response.status >= 300:
                        log.warning(
                            "WebSub hub answered %s to the ping for %s", response.status, topic
                        )
                    else:
                        log.info("WebSub hub pinged for %s (%s)", topic, response.status)
            except (aiohttp.ClientError, TimeoutError) as error:
                log.warning("WebSub hub ping for %s failed: %r", topic, error)

    async def drain(self) -> None:
        """Wait for the pings under way."""
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)

    async def close(self) -> None:
        """Let the pings under way finish (each has its timeout), then close the client."""
        await self.drain()
        if self._session is not None:
            await self._session.close()
            self._session = None
