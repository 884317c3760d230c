"""Queuing the officers' morning digests (handlers/officer_digest.py), from the outbox
worker's minute tick: on a working day from 07:30 until noon, every linked officer and chief
who wants one gets one, once, whichever process comes first (storage/officer_digest.py
claims each). Logs say how many, never whom."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from handlers import officer_digest
from handlers.deadlines import Calendar
from storage import officer_digest as stored

log = logging.getLogger("binhyen.digest")
QUEUE_PATH = "/admin/tips"

Job = Callable[[async_sessionmaker[AsyncSession], datetime], Awaitable[int]]


def digests(workdays: Calendar) -> Job:
    """The scheduled job, with the working-day calendar. The queue's link is kept as a path;
    the worker puts the public address before it when it sends (bot/outbox.py)."""
    link = QUEUE_PATH

    async def queue_digests(sessions: async_sessionmaker[AsyncSession], now: datetime) -> int:
        day = officer_digest.day_due(now, workdays)
        if day is None:
            return 0
        since = officer_digest.since(day, workdays)
        async with sessions() as session:
            made = await stored.queue(session, day, since, link, now)
            await session.commit()
        if made:
            log.info("morning digests queued: %d", made)
        return made

    return queue_digests
