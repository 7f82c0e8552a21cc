"""Send the deliveries that are due: claim them under a lease, post each message, record it.

Each delivery is composed from the stored issue and the channel's choices, rendered by the
platform's poster, and sent message by message: the main post, then the overflow in a thread
under it. Every message is recorded as soon as it is posted, so a delivery taken over after a
crash goes on where it stopped; the message that was on its way is looked for first. A corrected
issue re-renders the delivery and edits, adds or removes only the messages that differ.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import random
import secrets
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from sqlmodel.ext.asyncio.session import AsyncSession

from core import digest
from core.commands.reply import Reply
from core.delivery import alerts
from core.delivery.errors import PermanentFailure, TransientFailure
from core.delivery.group_commit import GroupCommit
from core.delivery.posting import Message, Poster, Target
from storage import Database
from storage.queries import deliveries
from storage.queries.subscriptions import settings_of
from storage.tables import Delivery, Issue, Subscription

log = logging.getLogger(__name__)

LEASE = dt.timedelta(minutes=5)
MAX_ATTEMPTS = 8
BACKOFF_BASE = 30.0
BACKOFF_CAP = 3600.0
# Renderings kept: one per distinct set of choices among the channels of an issue.
RENDERED_KEPT = 256


def backoff(attempt: int, *, base: float = BACKOFF_BASE, cap: float = BACKOFF_CAP) -> float:
    """Return the seconds to wait after failed attempt number `attempt` (1, 2, ...).

    Exponential with "equal jitter": half the window fixed, half random, so retries from many
    channels spread out but never come back at once.
    """
    window = min(cap, base * 2 ** max(0, attempt - 1))
    return float(window / 2 + random.uniform(0, window / 2))


def _utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class LeaseLost(Exception):
    """Another process took the delivery over: stop touching it."""


@dataclass(frozen=True, slots=True)
class Outcome:
    """How one delivery attempt ended: sent, retrying or failed."""

    delivery_id: int
    status: str
    error: str | None = None


class Dispatcher:
    """Claims due deliveries and sends them, many at once, each through its platform's poster."""

    def __init__(
        self,
        db: Database,
        posters: Mapping[str, Poster],
        *,
        public_url: str,
        concurrency: int = 256,
        owner: str | None = None,
        clock: Callable[[], dt.datetime] = _utcnow,
        lease: dt.timedelta = LEASE,
        backoff_base: float = BACKOFF_BASE,
    ) -> None:
        self.db = db
        self.posters = dict(posters)
        self.public_url = public_url
        self.concurrency = concurrency
        self.owner = owner or secrets.token_hex(8)
        self.clock = clock
        self.lease = lease
        self.backoff_base = backoff_base
        self._digests: OrderedDict[tuple[int, dt.datetime], digest.DigestData] = OrderedDict()
        self._rendered: OrderedDict[tuple[object, ...], list[Message]] = OrderedDict()
        self._draining = asyncio.Lock()
        self._writes = GroupCommit(db)

    async def drain(self) -> list[Outcome]:
        """Send every delivery due now, keeping up to `concurrency` under way; return outcomes."""
        async with self._draining:
            outcomes: list[Outcome] = []
            running: set[asyncio.Task[Outcome]] = set()
            exhausted = False
            try:
                while True:
                    room = self.concurrency - len(running)
                    # Claim when half the room is free: fewer, larger claims, a queue never dry.
                    if not exhausted and room >= max(1, self.concurrency // 2):
                        claimed = await self._claim(room)
                        exhausted = not claimed
                        running.update(
                            asyncio.create_task(self.attempt(delivery_id))
                            for delivery_id in claimed
                        )
                    if not running:
                        return outcomes
                    done, running = await asyncio.wait(running, return_when=asyncio.FIRST_COMPLETED)
                    outcomes.extend(task.result() for task in done)
            finally:
                for task in running:
                    task.cancel()
                await asyncio.gather(*running, return_exceptions=True)

    async def _claim(self, limit: int) -> list[int]:
        async with self.db.transaction() as session:
            return await deliveries.claim_due(
                session, now=self.clock(), owner=self.owner, lease=self.lease, limit=limit
            )

    async def attempt(self, delivery_id: int) -> Outcome:
        """Send one claimed delivery; record how it went."""
        try:
            return await self._attempt(delivery_id)
        except LeaseLost:
            log.warning("delivery %d: another process took it over; leaving it", delivery_id)
            return Outcome(delivery_id, "lost")
        except asyncio.CancelledError:
            # Stopping: hand the delivery back at once rather than when the lease runs out. A
            # message on its way stays marked in doubt, so whoever takes it looks for it first.
            with contextlib.suppress(Exception):
                await asyncio.shield(self._release(delivery_id))
            raise
        except PermanentFailure as error:
            reason = str(error)
            log.warning("delivery %d: %s; the channel's digest is paused", delivery_id, reason)
            await self._write(deliveries.give_up, delivery_id, error=reason, pause=True)
            return Outcome(delivery_id, "failed", reason)
        except Exception as error:
            return await self._failed_for_now(delivery_id, error)

    async def _release(self, delivery_id: int) -> None:
        async with self.db.transaction() as session:
            await deliveries.release(session, delivery_id=delivery_id, owner=self.owner)

    async def _failed_for_now(self, delivery_id: int, error: Exception) -> Outcome:
        reason = str(error) or type(error).__name__
        if not isinstance(error, TransientFailure):
            log.exception("delivery %d failed unexpectedly", delivery_id, exc_info=error)
            reason = f"unexpected error: {reason}"
        async with self.db.session() as session:
            found = await deliveries.get_delivery(session, delivery_id=delivery_id)
        attempts = (found.attempts if found is not None else 0) + 1
        if attempts >= MAX_ATTEMPTS:
            log.warning(
                "delivery %d: giving up after %d attempts: %s", delivery_id, attempts, reason
            )
            await self._write(deliveries.give_up, delivery_id, error=reason, pause=False)
            return Outcome(delivery_id, "failed", reason)
        delay = backoff(attempts, base=self.backoff_base)
        if isinstance(error, TransientFailure) and error.retry_after is not None:
            delay = max(delay, error.retry_after)
        at = self.clock() + dt.timedelta(seconds=delay)
        log.info(
            "delivery %d: attempt %d failed (%s); next at %s", delivery_id, attempts, reason, at
        )
        refused = isinstance(error, TransientFailure) and error.refused
        await self._write(
            deliveries.retry_later, delivery_id, at=at, error=reason, clear_doubt=refused
        )
        return Outcome(delivery_id, "retrying", reason)

    async def _write(
        self, write: Callable[..., object], delivery_id: int, **values: object
    ) -> None:
        async def work(session: AsyncSession) -> bool:
            return bool(await write(session, delivery_id=delivery_id, owner=self.owner, **values))  # type: ignore[misc]

        if not await self._writes.run(work):
            raise LeaseLost(delivery_id)

    async def _attempt(self, delivery_id: int) -> Outcome:
        async with self.db.session() as session:
            delivery = await deliveries.get_delivery(session, delivery_id=delivery_id)
            if delivery is None or delivery.lease_owner != self.owner:
                raise LeaseLost(delivery_id)
            subscription = await session.get(Subscription, delivery.subscription_id)
            issue = (
                None if delivery.issue_id is None else await session.get(Issue, delivery.issue_id)
            )
            news = None
            if delivery.key.startswith(alerts.PREFIX):
                news = await alerts.board_news(session, key=delivery.key)
        if subscription is None or (issue is None and news is None):
            raise PermanentFailure("what this delivery was for no longer exists")
        poster = self.posters.get(subscription.platform)
        if poster is None:
            raise TransientFailure(f"{subscription.platform} is not connected in this process")
        if news is not None:
            settings = settings_of(subscription)
            reply = alerts.compose_alert(news, settings, public_url=self.public_url)
            messages = _render(poster, reply)
            title = reply.title
        else:
            assert issue is not None
            messages = await self._messages(issue, subscription, poster)
            title = digest.issue_title(issue)
        target = Target(subscription.platform, subscription.workspace_id, subscription.channel_id)
        posted, hashes, thread = await self._send(delivery, poster, target, messages, title)
        await self._write(
            deliveries.finish,
            delivery_id,
            now=self.clock(),
            content_version=None if issue is None else issue.updated_at,
            posted=posted,
            part_hashes=hashes,
            thread_id=thread,
        )
        return Outcome(delivery_id, "sent")

    async def _messages(
        self, issue: Issue, subscription: Subscription, poster: Poster
    ) -> list[Message]:
        """Return the digest's messages; channels with the same choices share one rendering."""
        settings = settings_of(subscription)
        key = (issue.id, issue.updated_at, poster.platform, settings)
        found = self._rendered.get(key)
        if found is None:
            data = await self._digest_data(issue)
            reply = digest.compose(data, settings, public_url=self.public_url)
            found = _render(poster, reply)
            self._rendered[key] = found
            while len(self._rendered) > RENDERED_KEPT:
                self._rendered.popitem(last=False)
        return found

    async def _send(
        self,
        delivery: Delivery,
        poster: Poster,
        target: Target,
        messages: list[Message],
        title: str,
    ) -> tuple[list[str], list[str], str | None]:
        """Post, edit or delete what differs; return the messages, their hashes, the thread.

        Each message is recorded as soon as it is out, except the last: `finish` records it.
        """
        assert delivery.id is not None
        posted, hashes = list(delivery.posted), list(delivery.part_hashes)
        thread = delivery.thread_id

        async def record() -> None:
            await self._write(
                deliveries.record_parts,
                delivery.id,  # type: ignore[arg-type]
                posted=posted,
                part_hashes=hashes,
                thread_id=thread,
            )

        for message in messages:
            index = message.index
            where = thread if index > 0 else None
            if index < len(posted):
                if hashes[index] != message.fingerprint:
                    posted[index] = await poster.edit(
                        target, posted[index], message, thread_id=where
                    )
                    hashes[index] = message.fingerprint
                    await record()
                continue
            if index > 0 and thread is None:
                thread = where = await poster.open_thread(target, posted[0], title)
                await record()
            # Only the first message not yet recorded can have gone out unrecorded.
            in_doubt = delivery.in_doubt_since if index == len(delivery.posted) else None
            # Marked in doubt (and the lease renewed) before waiting for the budget, so that the
            # request goes out the moment its turn comes: pacing holds only if nothing lies between.
            marked = self.clock()
            await self._write(deliveries.begin_part, delivery.id, now=marked, lease=self.lease)
            await poster.pace(target)
            if self.clock() - marked > self.lease / 4:
                # A long wait: renew the lease first, or another process may have taken over.
                await self._write(
                    deliveries.begin_part, delivery.id, now=self.clock(), lease=self.lease
                )
            marker = f"{delivery.id}.{index}.{message.fingerprint[:8]}"
            message_id = await poster.send(
                target,
                message,
                marker=marker,
                thread_id=where,
                in_doubt_since=in_doubt,
                now=self.clock(),
            )
            posted.append(message_id)
            hashes.append(message.fingerprint)
            if index < len(messages) - 1:
                await record()
        while len(posted) > len(messages):
            await record()
            await poster.delete(target, posted[-1], thread_id=thread if len(posted) > 1 else None)
            posted.pop()
            hashes.pop()
        return posted, hashes, thread

    async def _digest_data(self, issue: Issue) -> digest.DigestData:
        """Return what the issue's digests are made of, read once per version of the issue."""
        assert issue.id is not None
        key = (issue.id, issue.updated_at)
        found = self._digests.get(key)
        if found is None:
            async with self.db.session() as session:
                found = await digest.load_digest(session, date=issue.date)
            if found is None:
                raise PermanentFailure("the issue no longer exists")
            self._digests[key] = found
            while len(self._digests) > 8:
                self._digests.popitem(last=False)
        return found


def _render(poster: Poster, reply: Reply) -> list[Message]:
    """Return a reply as the numbered messages the poster sends."""
    return [Message(index, payload) for index, payload in enumerate(poster.render(reply))]
