"""Redis conversation state, event claims and chat locks, shared by every process.

Keys are namespaced under `binhyen:` and every key has a TTL.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from redis.asyncio import Redis
from redis.exceptions import RedisError

from handlers.state import DEDUPE_TTL_SECONDS, STATE_TTL_SECONDS, ConversationState
from storage.state_memory import MemoryChatLocks

log = logging.getLogger("binhyen.state")
PREFIX = "binhyen:"
LOCK_TTL_MS = 30_000
_RELEASE = """
if redis.call('get', KEYS[1]) == ARGV[1] then
  return redis.call('del', KEYS[1])
end
return 0
"""


class RedisStateStore:
    def __init__(self, redis: Redis, prefix: str = PREFIX) -> None:
        self.redis = redis
        self.prefix = f"{prefix}state:"

    async def load(self, key: str) -> ConversationState | None:
        raw = await self.redis.get(self.prefix + key)
        return None if raw is None else ConversationState.from_json(raw)

    async def save(self, key: str, state: ConversationState, ttl: int = STATE_TTL_SECONDS) -> None:
        await self.redis.set(self.prefix + key, state.to_json(), ex=ttl)

    async def delete(self, key: str) -> None:
        await self.redis.delete(self.prefix + key)


class RedisEventClaims:
    def __init__(self, redis: Redis, prefix: str = PREFIX) -> None:
        self.redis = redis
        self.prefix = f"{prefix}event:"

    async def claim(self, event_key: str, ttl: int = DEDUPE_TTL_SECONDS) -> bool:
        return bool(await self.redis.set(self.prefix + event_key, "1", nx=True, ex=ttl))

    async def release(self, event_key: str) -> None:
        await self.redis.delete(self.prefix + event_key)


class RedisChatLocks:
    """A Redis lock per chat across processes, behind an in-process lock per chat.

    The in-process lock keeps one process's own waiters off Redis; the Redis lock orders
    events of one chat handled by different processes. It expires after LOCK_TTL_MS, so a
    crashed process cannot leave a chat stuck.
    """

    def __init__(self, redis: Redis, prefix: str = PREFIX) -> None:
        self.redis = redis
        self.prefix = f"{prefix}lock:"
        self._local = MemoryChatLocks()
        self._release = redis.register_script(_RELEASE)

    @asynccontextmanager
    async def hold(self, chat_key: str) -> AsyncIterator[None]:
        async with self._local.hold(chat_key):
            key, token = self.prefix + chat_key, secrets.token_hex(8)
            delay = 0.002
            while not await self.redis.set(key, token, nx=True, px=LOCK_TTL_MS):
                await asyncio.sleep(delay)
                delay = min(delay * 2, 0.05)
            try:
                yield
            finally:
                try:
                    await self._release(keys=[key], args=[token])
                except RedisError:
                    # The lock expires by itself (LOCK_TTL_MS); the reply must not be lost.
                    log.warning("chat lock release failed; it expires in %d ms", LOCK_TTL_MS)
