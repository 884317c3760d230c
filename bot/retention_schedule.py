"""Retention every day (storage/retention.py), from the outbox worker's minute tick: from
02:00 Vietnam time, once a day whichever process comes first (a claim in scheduled_sends,
key "retention/<day>", as the digests claim theirs). The run goes on in the background so
that the outbox keeps sending meanwhile; it is made of short batches, so a process stopped
during it leaves each batch done or not done, and the next day's run (or `binhyen retention
run` at once) does the rest. Audited with the actor "retention"; logs say how many, never
whom."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import date, datetime, time
from typing import cast

from sqlalchemy import Table
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.settings import Settings
from handlers.deadlines import LOCAL_TZ
from handlers.state import Conversations
from storage import retention
from storage.blobs import Blobs
from storage.db import insert_ignoring_conflicts
from storage.models import ScheduledSend
from storage.state_memory import ComposedConversations, MemoryStateStore
from storage.state_sqlite import SqliteConversations

log = logging.getLogger("binhyen.retention")
SENDS = cast(Table, ScheduledSend.__table__)
RUN_FROM = time(2, 0)  # local time: the quietest hours
KEY = "retention/"
TARGET = "all"


def periods(settings: Settings) -> retention.Periods:
    return retention.Periods(
        closed_tip_days=settings.retention_closed_tip_days,
        chat_days=settings.retention_chat_days,
    )


def state_sweeper(conversations: Conversations | None) -> Callable[[], int] | None:
    """The in-process store's sweep (the embedded default); None for Redis, whose keys
    expire by themselves."""
    if isinstance(conversations, ComposedConversations) and isinstance(
        conversations.states, MemoryStateStore
    ):
        return conversations.states.expire
    return None


def file_sweeper(conversations: Conversations | None) -> Callable[[], Awaitable[int]] | None:
    """The embedded default's state file (storage/state_sqlite.py): its expired states,
    claims and rate limits go; how many states."""
    if isinstance(conversations, SqliteConversations):
        return conversations.file.expire
    return None


async def claim(sessions: async_sessionmaker[AsyncSession], day: date, now: datetime) -> bool:
    """Whether this process is the one to run the retention of `day`."""
    async with sessions() as session:
        done = await session.execute(
            insert_ignoring_conflicts(session, SENDS).values(
                sending_key=f"{KEY}{day.isoformat()}", target=TARGET, created_at=now
            )
        )
        await session.commit()
    return bool(getattr(done, "rowcount", 0))


class DailyRetention:
    """The scheduled job (bot/outbox.py's `scheduled`)."""

    def __init__(
        self,
        periods: retention.Periods,
        blobs: Blobs | None,
        states: Callable[[], int] | None = None,
        file_states: Callable[[], Awaitable[int]] | None = None,
    ) -> None:
        self.periods = periods
        self.blobs = blobs
        self.states = states
        self.file_states = file_states
        self.task: asyncio.Task[retention.Removed | None] | None = None

    async def __call__(self, sessions: async_sessionmaker[AsyncSession], now: datetime) -> int:
        """Start today's run when it is time and nobody has; 1 when it started."""
        if self.task is not None and not self.task.done():
            return 0
        local = now.astimezone(LOCAL_TZ)
        if local.time() < RUN_FROM or not await claim(sessions, local.date(), now):
            return 0
        self.task = asyncio.get_running_loop().create_task(self._run(sessions, now))
        return 1

    async def _run(
        self, sessions: async_sessionmaker[AsyncSession], now: datetime
    ) -> retention.Removed | None:
        states = self.states
        if self.file_states is not None:
            try:
                swept = await self.file_states()
            except Exception as exc:  # each turn still ignores what expired
                log.error("retention of the state file failed: %s", type(exc).__name__)
                swept = 0
            states = lambda: swept  # noqa: E731 (counted in the run's audit)
        try:
            return await retention.run(
                sessions,
                self.periods,
                now,
                blobs=self.blobs,
                actor=retention.ACTOR,
                states=states,
            )
        except Exception as exc:  # audited and logged with what was done; tomorrow goes on
            log.error("retention run failed: %s", type(exc).__name__)
            return None


def daily(
    settings: Settings, blobs: Blobs | None, conversations: Conversations | None
) -> DailyRetention:
    return DailyRetention(
        periods(settings), blobs, state_sweeper(conversations), file_sweeper(conversations)
    )
