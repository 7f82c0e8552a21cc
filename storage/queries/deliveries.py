"""Deliveries: planned once per channel and issue, claimed under a lease, recorded part by part.

Every write made while sending is fenced by the lease owner: a process whose lease ran out (it
stalled, and another took the delivery over) can no longer record anything.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, func, or_, select, update
from sqlmodel import col
from sqlmodel import select as select_rows
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.dialect import dialect_name, insert_for
from storage.tables import Delivery, Issue, Subscription, utcnow

_TABLE = Delivery.__table__  # type: ignore[attr-defined]


async def _execute(session: AsyncSession, statement: Any, params: Any = None) -> Any:
    # Core statements go through the session's connection, in the session's transaction.
    connection = await session.connection()
    return await connection.execute(statement, params)


def _rowcount(result: Any) -> int:
    # Results of UPDATE and INSERT are CursorResults, which count the rows they touched.
    return int(result.rowcount)


def issue_key(date: dt.date) -> str:
    """Return the delivery key of an issue: `issue:2026-03-31`."""
    return f"issue:{date.isoformat()}"


@dataclass(frozen=True, slots=True)
class Planned:
    """A delivery to create: which subscription gets what, from when."""

    subscription_id: int
    key: str
    issue_id: int | None
    due_at: dt.datetime


async def planned_subscriptions(session: AsyncSession, *, key: str) -> set[int]:
    """Return the subscriptions that already have a delivery for `key`."""
    query = select(_TABLE.c.subscription_id).where(_TABLE.c.key == key)
    return set((await _execute(session, query)).scalars().all())


async def plan_deliveries(session: AsyncSession, *, planned: Sequence[Planned]) -> int:
    """Create the deliveries not made yet; return how many are new.

    The unique (subscription, key) pair makes this safe from any number of processes at once.
    """
    if not planned:
        return 0
    now = utcnow()
    rows: list[dict[str, Any]] = [
        {
            "subscription_id": p.subscription_id,
            "key": p.key,
            "issue_id": p.issue_id,
            "status": "pending",
            "due_at": p.due_at,
            "next_attempt_at": p.due_at,
            "attempts": 0,
            "posted": [],
            "part_hashes": [],
            "created_at": now,
            "updated_at": now,
        }
        for p in planned
    ]
    # RETURNING counts what was inserted on every driver (an executemany's rowcount may not).
    insert = (
        insert_for(session, _TABLE)
        .on_conflict_do_nothing(index_elements=[_TABLE.c.subscription_id, _TABLE.c.key])
        .returning(_TABLE.c.id)
    )
    created = 0
    for start in range(0, len(rows), 1000):
        result = await _execute(session, insert, rows[start : start + 1000])
        created += len(result.scalars().all())
    return created


async def reopen_corrected(session: AsyncSession, *, now: dt.datetime, since: dt.datetime) -> int:
    """Reopen sent deliveries of issues corrected after they were sent; return how many."""
    issue = Issue.__table__  # type: ignore[attr-defined]
    newer = select(issue.c.updated_at).where(issue.c.id == _TABLE.c.issue_id).scalar_subquery()
    statement = (
        update(_TABLE)
        .where(
            _TABLE.c.status == "sent",
            _TABLE.c.issue_id.in_(select(issue.c.id).where(issue.c.updated_at > since)),
            or_(_TABLE.c.content_version.is_(None), _TABLE.c.content_version < newer),
        )
        .values(status="pending", next_attempt_at=now, attempts=0, last_error=None, updated_at=now)
    )
    return max(_rowcount(await _execute(session, statement)), 0)


async def claim_due(
    session: AsyncSession, *, now: dt.datetime, owner: str, lease: dt.timedelta, limit: int
) -> list[int]:
    """Lease up to `limit` due deliveries of unpaused channels to `owner`; return their ids.

    Workspaces take turns (the first due of each, then the second of each, ...): Slack's limits
    are per workspace, so a claim filled from one would leave the others idle behind it. On
    PostgreSQL the rows are locked with SKIP LOCKED, so processes claiming together each get
    different rows; SQLite has one writer at a time, which gives the same guarantee.
    """
    subscription = Subscription.__table__  # type: ignore[attr-defined]
    free = (
        _TABLE.c.status == "pending",
        _TABLE.c.next_attempt_at <= now,
        or_(_TABLE.c.lease_expires_at.is_(None), _TABLE.c.lease_expires_at < now),
    )
    turn = func.row_number().over(
        partition_by=(subscription.c.platform, subscription.c.workspace_id),
        order_by=(_TABLE.c.next_attempt_at, _TABLE.c.id),
    )
    ranked = (
        select(_TABLE.c.id, turn.label("turn"))
        .join(subscription, subscription.c.id == _TABLE.c.subscription_id)
        .where(*free, subscription.c.paused_at.is_(None))
        .subquery()
    )
    # The conditions are repeated on the row itself: PostgreSQL checks them again once locked.
    due = (
        select(_TABLE.c.id)
        .join(ranked, ranked.c.id == _TABLE.c.id)
        .where(*free)
        .order_by(ranked.c.turn, _TABLE.c.next_attempt_at, _TABLE.c.id)
        .limit(limit)
    )
    if dialect_name(session) == "postgresql":
        due = due.with_for_update(of=_TABLE, skip_locked=True)
    statement = (
        update(_TABLE)
        .where(_TABLE.c.id.in_(due.scalar_subquery()))
        .values(lease_owner=owner, lease_expires_at=now + lease)
        .returning(_TABLE.c.id)
    )
    return sorted((await _execute(session, statement)).scalars().all())


async def get_delivery(session: AsyncSession, *, delivery_id: int) -> Delivery | None:
    """Return a delivery by id."""
    return await session.get(Delivery, delivery_id)


async def _fenced(
    session: AsyncSession, delivery_id: int, owner: str, values: dict[str, Any]
) -> bool:
    statement = (
        update(_TABLE)
        .where(_TABLE.c.id == delivery_id, _TABLE.c.lease_owner == owner)
        .values(**values, updated_at=utcnow())
    )
    return bool(_rowcount(await _execute(session, statement)))


async def begin_part(
    session: AsyncSession, *, delivery_id: int, owner: str, now: dt.datetime, lease: dt.timedelta
) -> bool:
    """Record that a message is about to be sent, renewing the lease; False if it was lost."""
    values = {"in_doubt_since": now, "lease_expires_at": now + lease}
    return await _fenced(session, delivery_id, owner, values)


async def record_parts(
    session: AsyncSession,
    *,
    delivery_id: int,
    owner: str,
    posted: Sequence[str],
    part_hashes: Sequence[str],
    thread_id: str | None,
) -> bool:
    """Record the messages posted so far; return False if the lease was lost."""
    values = {
        "posted": list(posted),
        "part_hashes": list(part_hashes),
        "thread_id": thread_id,
        "in_doubt_since": None,
    }
    return await _fenced(session, delivery_id, owner, values)


async def finish(
    session: AsyncSession,
    *,
    delivery_id: int,
    owner: str,
    now: dt.datetime,
    content_version: dt.datetime | None,
    posted: Sequence[str],
    part_hashes: Sequence[str],
    thread_id: str | None,
) -> bool:
    """Record the last messages, mark the delivery sent and release it."""
    values = {
        "posted": list(posted),
        "part_hashes": list(part_hashes),
        "thread_id": thread_id,
        "in_doubt_since": None,
        "status": "sent",
        "sent_at": now,
        "content_version": content_version,
        "last_error": None,
        "lease_owner": None,
        "lease_expires_at": None,
    }
    return await _fenced(session, delivery_id, owner, values)


async def retry_later(
    session: AsyncSession,
    *,
    delivery_id: int,
    owner: str,
    at: dt.datetime,
    error: str,
    clear_doubt: bool = False,
) -> bool:
    """Count a failed attempt and release the delivery until `at`.

    With `clear_doubt`, the platform refused the message outright: it is not in doubt.
    """
    values: dict[str, Any] = {
        "attempts": _TABLE.c.attempts + 1,
        "next_attempt_at": at,
        "last_error": error,
        "lease_owner": None,
        "lease_expires_at": None,
    }
    if clear_doubt:
        values["in_doubt_since"] = None
    return await _fenced(session, delivery_id, owner, values)


async def give_up(
    session: AsyncSession, *, delivery_id: int, owner: str, error: str, pause: bool
) -> bool:
    """Mark a delivery failed; with `pause`, pause its subscription with the reason."""
    now = utcnow()
    values = {
        "status": "failed",
        "attempts": _TABLE.c.attempts + 1,
        "last_error": error,
        "lease_owner": None,
        "lease_expires_at": None,
    }
    if not await _fenced(session, delivery_id, owner, values):
        return False
    if pause:
        subscription = Subscription.__table__  # type: ignore[attr-defined]
        owned = select(_TABLE.c.subscription_id).where(_TABLE.c.id == delivery_id)
        await _execute(
            session,
            update(subscription)
            .where(subscription.c.id == owned.scalar_subquery())
            .values(paused_at=now, paused_reason=error, updated_at=now),
        )
    return True


async def release(session: AsyncSession, *, delivery_id: int, owner: str) -> bool:
    """Give a claimed delivery back untouched (the process is stopping)."""
    return await _fenced(
        session, delivery_id, owner, {"lease_owner": None, "lease_expires_at": None}
    )


async def retry_failed(session: AsyncSession, *, subscription_id: int, now: dt.datetime) -> int:
    """Make a channel's failed deliveries due again (its digest resumed); return how many."""
    statement = (
        update(_TABLE)
        .where(_TABLE.c.subscription_id == subscription_id, _TABLE.c.status == "failed")
        .values(status="pending", attempts=0, next_attempt_at=now, updated_at=now)
    )
    return max(_rowcount(await _execute(session, statement)), 0)


async def last_sent(session: AsyncSession, *, subscription_id: int) -> Delivery | None:
    """Return the subscription's most recent sent delivery."""
    query = (
        select_rows(Delivery)
        .where(col(Delivery.subscription_id) == subscription_id, col(Delivery.status) == "sent")
        .order_by(col(Delivery.sent_at).desc())
        .limit(1)
    )
    return (await session.exec(query)).first()


async def latest_trouble(session: AsyncSession, *, subscription_id: int) -> Delivery | None:
    """Return the subscription's newest delivery that failed or is waiting to retry."""
    query = (
        select_rows(Delivery)
        .where(
            col(Delivery.subscription_id) == subscription_id,
            or_(
                col(Delivery.status) == "failed",
                and_(col(Delivery.status) == "pending", col(Delivery.attempts) > 0),
            ),
        )
        .order_by(col(Delivery.updated_at).desc())
        .limit(1)
    )
    return (await session.exec(query)).first()


async def next_retry(session: AsyncSession) -> dt.datetime | None:
    """Return when the earliest pending delivery is due."""
    query = select(func.min(_TABLE.c.next_attempt_at)).where(_TABLE.c.status == "pending")
    value: dt.datetime | None = (await _execute(session, query)).scalar()
    return value
