"""Builds the process-wide objects from the settings: engine, state backends, dispatcher."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.dispatcher import Dispatcher
from bot.settings import Settings
from storage import migrate
from storage.db import is_sqlite, make_engine, make_sessions
from storage.state_memory import MemoryChatLocks, MemoryEventClaims, MemoryStateStore
from storage.uow import SqlUnitOfWork


@dataclass
class Runtime:
    settings: Settings
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    dispatcher: Dispatcher
    redis: Any = None

    async def close(self) -> None:
        await self.engine.dispose()
        if self.redis is not None:
            await self.redis.aclose()


async def prepare_database(settings: Settings) -> None:
    """The embedded default migrates itself so that a fresh machine just runs."""
    if is_sqlite(settings.database_url):
        await asyncio.to_thread(migrate.upgrade, settings.database_url)


def build(settings: Settings) -> Runtime:
    engine = make_engine(settings.database_url)
    sessions = make_sessions(engine)
    redis = None
    if settings.redis_url:
        from redis.asyncio import Redis

        from storage.state_redis import RedisChatLocks, RedisEventClaims, RedisStateStore

        redis = Redis.from_url(settings.redis_url)
        states: Any = RedisStateStore(redis)
        claims: Any = RedisEventClaims(redis)
        locks: Any = RedisChatLocks(redis)
    else:
        states, claims, locks = MemoryStateStore(), MemoryEventClaims(), MemoryChatLocks()
    dispatcher = Dispatcher(
        states=states,
        claims=claims,
        locks=locks,
        unit_of_work=lambda: SqlUnitOfWork(sessions),
        max_text_length=settings.max_text_length,
    )
    return Runtime(
        settings=settings, engine=engine, sessions=sessions, dispatcher=dispatcher, redis=redis
    )
