"""The ticks that drive delivery (and other periodic work), on APScheduler 3.

Each process runs its own scheduler with jobs kept in memory: APScheduler 3 must never share a
job store between processes, and needs not, since what is due and who sends it is decided in the
database. A regular tick plans and sends; after each tick a one-off wake-up is set for the next
moment something falls due (a channel's time, a retry), so a digest goes out on the minute rather
than at the next regular tick.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import Awaitable, Callable

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.date import DateTrigger
from apscheduler.triggers.interval import IntervalTrigger

from core.delivery import signals
from core.delivery.dispatcher import Dispatcher
from core.delivery.planner import plan
from storage import Database
from storage.queries import deliveries

log = logging.getLogger(__name__)

TICK_JOB = "deliveries"
WAKE_JOB = "deliveries-wake"


def _utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class DeliveryScheduler:
    """Plans and sends deliveries on a regular tick and at the moments they fall due."""

    def __init__(
        self,
        db: Database,
        dispatcher: Dispatcher | None,
        *,
        poll_seconds: float,
        clock: Callable[[], dt.datetime] = _utcnow,
    ) -> None:
        self.db = db
        self.dispatcher = dispatcher
        self.poll_seconds = poll_seconds
        self.clock = clock
        self.scheduler = AsyncIOScheduler(
            timezone=dt.UTC,
            # A tick that ran late (a busy loop) still runs; missed ticks collapse into one.
            job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": None},
        )
        self._tick_lock = asyncio.Lock()
        self._ticking: asyncio.Task[None] | None = None
        self._stopping = False
        self._unlisten: Callable[[], None] | None = None
        self.ticks = 0

    def start(self) -> None:
        """Start ticking, with a first tick at once."""
        if self.dispatcher is not None:
            self.scheduler.add_job(
                self.tick,
                IntervalTrigger(seconds=self.poll_seconds, timezone=dt.UTC),
                id=TICK_JOB,
                next_run_time=self.clock(),
            )
        self.scheduler.start()
        self._unlisten = signals.listen(self.wake)

    def every(self, job_id: str, seconds: float, work: Callable[[], Awaitable[object]]) -> None:
        """Run other periodic work (fetching sources, say) on this scheduler."""
        self.scheduler.add_job(
            work,
            IntervalTrigger(seconds=seconds, timezone=dt.UTC),
            id=job_id,
            next_run_time=self.clock(),
        )

    def wake(self) -> None:
        """Tick now: something was published or asked for in this process."""
        self._wake_at(self.clock())

    async def stop(self) -> None:
        """Stop ticking and wait for a tick under way to end."""
        self._stopping = True
        if self._unlisten is not None:
            self._unlisten()
            self._unlisten = None
        if self.scheduler.running:
            self.scheduler.shutdown(wait=False)
        # A fan-out under way is cut short: its deliveries go back for the next process to take.
        if self._ticking is not None and not self._ticking.done():
            self._ticking.cancel()
            await asyncio.gather(self._ticking, return_exceptions=True)

    async def tick(self) -> None:
        """Plan what is due, send it, and set the wake-up for the next due moment."""
        if self.dispatcher is None:
            return
        async with self._tick_lock:
            if self._stopping:
                return
            self._ticking = asyncio.current_task()
            self.ticks += 1
            try:
                result = await plan(self.db, now=self.clock())
                if result.created or result.reopened:
                    log.info(
                        "deliveries: %d planned, %d reopened for a corrected issue",
                        result.created,
                        result.reopened,
                    )
                outcomes = await self.dispatcher.drain()
                if outcomes:
                    sent = sum(outcome.status == "sent" for outcome in outcomes)
                    log.info("deliveries: %d sent, %d not (yet)", sent, len(outcomes) - sent)
                # The sends may have scheduled retries since planning looked.
                async with self.db.session() as session:
                    retry = await deliveries.next_retry(session)
            except Exception:
                log.exception("deliveries: the tick failed; the next one tries again")
                return
        now = self.clock()
        upcoming = [m for m in (result.next_due, retry) if m is not None and m > now]
        if upcoming:
            self._wake_at(min(upcoming))

    def _wake_at(self, when: dt.datetime) -> None:
        if not self.scheduler.running:
            return
        self.scheduler.add_job(
            self.tick, DateTrigger(run_date=when, timezone=dt.UTC), id=WAKE_JOB,
            replace_existing=True,
        )  # fmt: skip
