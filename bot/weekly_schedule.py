"""Queuing the scams of the week (handlers/scam_week.py), from the outbox worker's minute
tick: on Monday from 09:00 until noon local time, every province with a weekly subscriber and
something to say gets its digest queued once, whichever process comes first
(storage/scam_week.py claims each province and week). Logs say how many, never whom."""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from handlers import scam_week
from storage import scam_week as stored

log = logging.getLogger("binhyen.weekly")


async def queue_due(sessions: async_sessionmaker[AsyncSession], now: datetime) -> int:
    """The scheduled job: the week's digests when it is time, else nothing."""
    monday = scam_week.monday_due(now)
    if monday is None:
        return 0
    async with sessions() as session:
        made = await stored.queue(session, monday, now)
        await session.commit()
    if made:
        log.info("weekly scam digests queued: %d", made)
    return made
