"""Redis conversation state, event claims and chat locks, shared by every process.

Keys are namespaced under `binhyen:` and every key has a TTL. A chat's lock is a lease of
LEASE_SECONDS that its holder renews every third of it while the turn runs: a process killed
holding a chat frees it within that time (issue 19), and a long turn keeps it.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from redis.asyncio import Redis
from redis.exceptions import RedisError

from handlers.state import (
    DEDUPE_TTL_SECONDS,
    LEASE_SECONDS,
    STATE_TTL_SECONDS,
    ConversationState,
    ttl_of,
)
from storage.state_memory import DONE, TAKEN, MemoryChatLocks, TurnRecord

log = logging.getLogger("binhyen.state")
PREFIX = "binhyen:"
LOCK_TTL_MS = int(LEASE_SECONDS * 1000)
_RELEASE = """
if redis.call('get', KEYS[1]) == ARGV[1] then
  return redis.call('del', KEYS[1])
end
return 0
"""
# KEYS: lock. ARGV: token, ms. Extends the lease while its holder still has it.
_RENEW = """
if redis.call('get', KEYS[1]) == ARGV[1] then
  return redis.call('pexpire', KEYS[1], ARGV[2])
end
return 0
"""


@asynccontextmanager
async def _renewing(
    redis: Redis, renew: Any, key: str, token: str, turn: TurnRecord | None = None
) -> AsyncIterator[None]:
    """Renew a held lock's lease every third of it until the block ends; a lease found
    lost marks `turn` so (the dispatcher then commits nothing)."""

    async def renewing() -> None:
        while True:
            await asyncio.sleep(LEASE_SECONDS / 3)
            try:
                if not await renew(keys=[key], args=[token, LOCK_TTL_MS]):
                    log.warning("a chat's lease was lost while its turn ran")
                    if turn is not None:
                        turn.lost = True
                    return
            except RedisError as exc:
                log.warning("renewing a chat's lease failed: %s", type(exc).__name__)

    task = asyncio.get_running_loop().create_task(renewing())
    try:
        yield
    finally:
        task.cancel()


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
        return bool(await self.redis.set(self.prefix + event_key, TAKEN, nx=True, ex=ttl))

    async def finished(self, event_key: str) -> bool:
        value = await self.redis.get(self.prefix + event_key)
        # A claim written before issue 19 holds "1": its turn ended.
        return value is not None and value not in (TAKEN, TAKEN.encode())

    async def finish(self, event_key: str, ttl: int = DEDUPE_TTL_SECONDS) -> None:
        await self.redis.set(self.prefix + event_key, DONE, ex=ttl)

    async def release(self, event_key: str) -> None:
        await self.redis.delete(self.prefix + event_key)


class RedisChatLocks:
    """A Redis lock per chat across processes, behind an in-process lock per chat.

    The in-process lock keeps one process's own waiters off Redis; the Redis lock orders
    events of one chat handled by different processes. It is a lease of LOCK_TTL_MS renewed
    while held, so a crashed process cannot leave a chat stuck for longer.
    """

    def __init__(self, redis: Redis, prefix: str = PREFIX) -> None:
        self.redis = redis
        self.prefix = f"{prefix}lock:"
        self._local = MemoryChatLocks()
        self._release = redis.register_script(_RELEASE)
        self._renew = redis.register_script(_RENEW)

    @asynccontextmanager
    async def hold(self, chat_key: str) -> AsyncIterator[None]:
        async with self._local.hold(chat_key):
            key, token = self.prefix + chat_key, secrets.token_hex(8)
            delay = 0.002
            while not await self.redis.set(key, token, nx=True, px=LOCK_TTL_MS):
                await asyncio.sleep(delay)
                delay = min(delay * 2, 0.05)
            try:
                async with _renewing(self.redis, self._renew, key, token):
                    yield
            finally:
                try:
                    await self._release(keys=[key], args=[token])
                except RedisError:
                    # The lock expires by itself (LOCK_TTL_MS); the reply must not be lost.
                    log.warning("chat lock release failed; it expires in %d ms", LOCK_TTL_MS)


# KEYS: lock, claim, state. ARGV: token, lock ms, claim seconds.
# -> {0} the chat is busy; {1, 0} a duplicate (lock let go); {1, 1, state or false, 0}, or
# {1, 1, state or false, 1} when the claim was taken by a turn that never ended.
_ENTER = """
if not redis.call('set', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then
  return {0}
end
if not redis.call('set', KEYS[2], 'taken', 'NX', 'EX', ARGV[3]) then
  if redis.call('get', KEYS[2]) == 'taken' then
    return {1, 1, redis.call('get', KEYS[3]), 1}
  end
  redis.call('del', KEYS[1])
  return {1, 0}
end
return {1, 1, redis.call('get', KEYS[3]), 0}
"""
# KEYS: lock, claim, state. ARGV: token, state JSON or '', state seconds, '1' to drop the
# claim, '0' to mark it done, '2' to leave it taken; claim seconds.
_LEAVE = """
if ARGV[2] ~= '' then
  redis.call('set', KEYS[3], ARGV[2], 'EX', ARGV[3])
end
if ARGV[4] == '1' then
  redis.call('del', KEYS[2])
elseif ARGV[4] == '0' then
  redis.call('set', KEYS[2], 'done', 'EX', ARGV[5])
end
if redis.call('get', KEYS[1]) == ARGV[1] then
  redis.call('del', KEYS[1])
end
return 1
"""


class RedisConversations:
    """Lock, claim and load in one script; save (or drop the claim) and unlock in another.

    Two round trips per message instead of five, with the same keys as the single stores.
    """

    def __init__(
        self, redis: Redis, prefix: str = PREFIX, state_ttl: int = STATE_TTL_SECONDS
    ) -> None:
        self.redis = redis
        self.prefix = prefix
        # The longest a state is kept after the chat's last message: BINHYEN_RETENTION_CHAT_DAYS.
        self.state_ttl = state_ttl
        self._local = MemoryChatLocks()
        self._enter = redis.register_script(_ENTER)
        self._leave = redis.register_script(_LEAVE)
        self._renew = redis.register_script(_RENEW)

    def _keys(self, chat_key: str, event_key: str) -> list[str]:
        p = self.prefix
        return [f"{p}lock:{chat_key}", f"{p}event:{event_key}", f"{p}state:{chat_key}"]

    async def forget(self, chat_key: str) -> None:
        await self.redis.delete(f"{self.prefix}state:{chat_key}")

    @asynccontextmanager
    async def turn(self, chat_key: str, event_key: str) -> AsyncIterator[TurnRecord]:
        keys, token = self._keys(chat_key, event_key), secrets.token_hex(8)
        async with self._local.hold(chat_key):
            delay = 0.002
            while True:
                got = await self._enter(keys=keys, args=[token, LOCK_TTL_MS, DEDUPE_TTL_SECONDS])
                if int(got[0]):
                    break
                await asyncio.sleep(delay)
                delay = min(delay * 2, 0.05)
            if not int(got[1]):
                yield TurnRecord(False, None)
                return
            raw = got[2] if len(got) > 2 and got[2] else None
            state = None if raw is None else ConversationState.from_json(raw)
            turn = TurnRecord(True, state, len(got) > 3 and bool(int(got[3])))
            ended = False
            try:
                async with _renewing(self.redis, self._renew, keys[0], token, turn):
                    yield turn
                ended = not turn.abandoned
            finally:
                saved = turn.kept.to_json() if turn.kept is not None and not turn.failed else ""
                ttl = self.state_ttl if turn.kept is None else ttl_of(turn.kept)
                ttl = min(ttl, self.state_ttl)
                # Failed: a retry is new. Ended: done. Cut short (cancelled): still taken,
                # so that the event's retry finds a turn that never ended.
                drop = "1" if turn.failed else "0" if ended else "2"
                saved = saved if ended else ""
                try:
                    await self._leave(keys=keys, args=[token, saved, ttl, drop, DEDUPE_TTL_SECONDS])
                except RedisError:
                    # The reply still goes out; the chat resumes from its last saved step,
                    # which every step can show again, and the lock expires by itself.
                    log.warning("leaving a turn failed; the lock expires in %d ms", LOCK_TTL_MS)
