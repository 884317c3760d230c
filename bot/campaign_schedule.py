"""Queuing the campaigns' messages (handlers/campaigns.py), once a minute, from the outbox
worker's loop: in `binhyen serve` or `binhyen worker`, in as many processes as run, each
message queued once per commune whichever process comes first (the store's claim).

Each commune's message is its own transaction: one that fails (its sender's account gone,
the database away for a moment) leaves the others queued and is tried again next minute, if
its claim did not commit. Logs name the campaign message and how many communes, never a
resident."""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from handlers import campaigns
from storage.broadcasts import SqlBroadcastStore
from storage.campaigns import SqlCampaignStore

log = logging.getLogger("binhyen.campaigns")


async def queue_due(sessions: async_sessionmaker[AsyncSession], now: datetime) -> int:
    """Queue what is due now; how many broadcasts were made."""
    async with sessions() as session:
        items = await campaigns.due(SqlCampaignStore(session), now)
    made = 0
    for item in items:
        async with sessions() as session:
            try:
                found = await campaigns.queue(
                    SqlCampaignStore(session), SqlBroadcastStore(session), item, now
                )
                await session.commit()
            except Exception as exc:  # the next minute tries again
                await session.rollback()
                log.error("campaign message not queued: %s", type(exc).__name__)
                continue
        if found is not None:
            made += 1
    if made:
        log.info("campaign messages queued: %d", made)
    return made
