"""A turn's replies, owed durably (issue 19).

The dispatcher (bot/dispatcher.py) writes the replies of a turn that changed the database in
that turn's own transaction; the channel counts the replies as they go out (`progress`) and
deletes the row once every one did (`settle`). A process killed between the commit and the
sends leaves the row: a redelivery of the same event finds it (`of_event`) and sends what is
left instead of handling the event again, and any process's sweeper (bot/owed.py) sends the
rows whose sender's lease ran out (`claim_stale`). Whom to and what are sealed; `event_ref`
is a digest of the event's key.

Claiming is one UPDATE … RETURNING that moves the rows' due time a lease ahead, as the
outbox does (storage/outbox.py), so one process at a time has a row.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, cast

from sqlalchemy import Table, delete, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from storage.models import OwedReply

OWED = cast(Table, OwedReply.__table__)


def event_ref(event_key: str) -> str:
    return hashlib.sha256(event_key.encode("utf-8")).hexdigest()[:40]


@dataclass(frozen=True)
class Owed:
    id: int
    channel: str
    account: str
    sealed: str
    attempts: int
    sent: int  # replies of the row that went out already


class SqlOwedReplies:
    """What a unit of work writes, in its own transaction."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(
        self,
        event_key: str,
        channel: str,
        account: str,
        sealed: str,
        *,
        now: datetime,
        lease: timedelta,
    ) -> int:
        now = now.astimezone(UTC)
        # Core, not the ORM: one INSERT … RETURNING, no unit-of-work flush of its own.
        made = await self.session.execute(
            insert(OWED)
            .values(
                event_ref=event_ref(event_key),
                channel=channel,
                account=account,
                sealed=sealed,
                attempts=0,
                sent=0,
                created_at=now,
                due_at=now + lease,
            )
            .returning(OWED.c.id)
        )
        return int(made.scalar_one())


def _owed(row: Any) -> Owed:
    return Owed(row.id, row.channel, row.account, row.sealed, row.attempts, row.sent)


async def of_event(
    session: AsyncSession, event_key: str, now: datetime, lease: timedelta, *, stale_only: bool
) -> Owed | None:
    """Take the unsent replies of an event for `lease` (None when there are none, or, with
    `stale_only`, when their sender may still be sending them)."""
    now = now.astimezone(UTC)
    where = [OWED.c.event_ref == event_ref(event_key)]
    if stale_only:
        where.append(OWED.c.due_at <= now)
    taken = await session.execute(
        update(OWED).where(*where).values(due_at=now + lease).returning(*OWED.c)
    )
    rows = sorted(taken, key=lambda r: r.id)
    return _owed(rows[0]) if rows else None


async def any_due(session: AsyncSession, now: datetime) -> bool:
    """Whether a row's lease ran out: one indexed read, so that an idle sweep writes
    nothing (SQLite has one writer)."""
    found = await session.execute(
        select(OWED.c.id).where(OWED.c.due_at <= now.astimezone(UTC)).limit(1)
    )
    return found.first() is not None


async def claim_stale(
    session: AsyncSession, now: datetime, *, limit: int, lease: timedelta
) -> list[Owed]:
    """Rows whose sender's lease ran out (it died, or gave up), oldest first, for `lease`."""
    now = now.astimezone(UTC)
    due = select(OWED.c.id).where(OWED.c.due_at <= now).order_by(OWED.c.id).limit(limit)
    if session.get_bind().dialect.name == "postgresql":
        chosen: Any = list((await session.execute(due.with_for_update(skip_locked=True))).scalars())
    else:
        chosen = due.scalar_subquery()
    taken = await session.execute(
        update(OWED)
        .where(OWED.c.id.in_(chosen), OWED.c.due_at <= now)
        .values(due_at=now + lease, attempts=OWED.c.attempts + 1)
        .returning(*OWED.c)
    )
    return sorted((_owed(r) for r in taken), key=lambda o: o.id)


async def sent_of(session: AsyncSession, owed_id: int) -> int | None:
    """How many of a row's replies went out; None when the row is gone (all of them)."""
    found = await session.execute(select(OWED.c.sent).where(OWED.c.id == owed_id))
    return found.scalar_one_or_none()


async def progress(session: AsyncSession | AsyncConnection, owed_id: int, sent: int) -> None:
    """`sent` of the row's replies went out: a later try sends the rest only."""
    await session.execute(update(OWED).where(OWED.c.id == owed_id).values(sent=sent))


async def settle_many(session: AsyncSession | AsyncConnection, owed_ids: set[int]) -> None:
    await session.execute(delete(OWED).where(OWED.c.id.in_(sorted(owed_ids))))


async def settle(session: AsyncSession | AsyncConnection, owed_id: int) -> None:
    await session.execute(delete(OWED).where(OWED.c.id == owed_id))


async def drop_older_than(session: AsyncSession, moment: datetime) -> int:
    """Rows nobody could send for too long (retention: replies are owed for a day at most)."""
    gone = await session.execute(delete(OWED).where(OWED.c.created_at < moment.astimezone(UTC)))
    return int(getattr(gone, "rowcount", 0) or 0)
