"""In-process conversation state, event claims and chat locks for the embedded default."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from handlers.state import (
    DEDUPE_TTL_SECONDS,
    STATE_TTL_SECONDS,
    ChatLocks,
    ConversationState,
    EventClaims,
    StateStore,
    ttl_of,
)

log = logging.getLogger("binhyen.state")
# An event's claim while its turn runs, and once it ended (handlers/state.py EventClaims).
TAKEN, DONE = "taken", "done"


class _Expiring:
    """A dict whose entries expire; expired entries are swept as new ones arrive."""

    def __init__(self, sweep_every: int = 4096) -> None:
        self._items: dict[str, tuple[float, str]] = {}
        self._writes = 0
        self._sweep_every = sweep_every

    def get(self, key: str) -> str | None:
        item = self._items.get(key)
        if item is None:
            return None
        if item[0] <= time.monotonic():
            del self._items[key]
            return None
        return item[1]

    def put(self, key: str, value: str, ttl: float) -> None:
        self._items[key] = (time.monotonic() + ttl, value)
        self._writes += 1
        if self._writes % self._sweep_every == 0:
            self.sweep()

    def sweep(self) -> int:
        """Drop the expired entries now; how many."""
        now = time.monotonic()
        stale = [k for k, (expiry, _) in self._items.items() if expiry <= now]
        for key in stale:
            del self._items[key]
        return len(stale)

    def pop(self, key: str) -> None:
        self._items.pop(key, None)

    def __len__(self) -> int:
        return len(self._items)


class MemoryStateStore:
    """Keeps the JSON form, so that what is stored is exactly what Redis would hold."""

    def __init__(self) -> None:
        self._data = _Expiring()

    async def load(self, key: str) -> ConversationState | None:
        raw = self._data.get(key)
        return None if raw is None else ConversationState.from_json(raw)

    async def save(self, key: str, state: ConversationState, ttl: int = STATE_TTL_SECONDS) -> None:
        self._data.put(key, state.to_json(), ttl)

    async def delete(self, key: str) -> None:
        self._data.pop(key)

    def expire(self) -> int:
        """Drop the states past their time at once (retention, storage/retention.py): a quiet
        process would otherwise keep them until the next few thousand writes."""
        return self._data.sweep()


class MemoryEventClaims:
    def __init__(self) -> None:
        self._seen = _Expiring()

    async def claim(self, event_key: str, ttl: int = DEDUPE_TTL_SECONDS) -> bool:
        if self._seen.get(event_key) is not None:
            return False
        self._seen.put(event_key, TAKEN, ttl)
        return True

    async def finished(self, event_key: str) -> bool:
        return self._seen.get(event_key) == DONE

    async def finish(self, event_key: str, ttl: int = DEDUPE_TTL_SECONDS) -> None:
        self._seen.put(event_key, DONE, ttl)

    async def release(self, event_key: str) -> None:
        self._seen.pop(event_key)


class MemoryChatLocks:
    """One asyncio lock per chat, dropped when nobody holds or waits for it."""

    def __init__(self) -> None:
        self._locks: dict[str, tuple[asyncio.Lock, int]] = {}

    @asynccontextmanager
    async def hold(self, chat_key: str) -> AsyncIterator[None]:
        lock, users = self._locks.get(chat_key, (asyncio.Lock(), 0))
        self._locks[chat_key] = (lock, users + 1)
        try:
            async with lock:
                yield
        finally:
            lock, users = self._locks[chat_key]
            if users <= 1:
                del self._locks[chat_key]
            else:
                self._locks[chat_key] = (lock, users - 1)

    def __len__(self) -> int:
        return len(self._locks)


class TurnRecord:
    def __init__(
        self, claimed: bool, state: ConversationState | None, unfinished: bool = False
    ) -> None:
        self.claimed, self.state, self.unfinished = claimed, state, unfinished
        self.kept: ConversationState | None = None
        self.failed = False
        self.lost = False  # set by a store whose lease could not be renewed
        self.abandoned = False

    def keep(self, state: ConversationState) -> None:
        self.kept = state

    def fail(self) -> None:
        self.failed = True

    def abandon(self) -> None:
        self.abandoned = True


class ComposedConversations:
    """Turns made of a lock, a claim store and a state store: one call each."""

    def __init__(
        self,
        states: StateStore,
        claims: EventClaims,
        locks: ChatLocks,
        state_ttl: int = STATE_TTL_SECONDS,
    ) -> None:
        self.states, self.claims, self.locks = states, claims, locks
        # The longest a state is kept after the chat's last message: BINHYEN_RETENTION_CHAT_DAYS.
        self.state_ttl = state_ttl

    @asynccontextmanager
    async def turn(self, chat_key: str, event_key: str) -> AsyncIterator[TurnRecord]:
        async with self.locks.hold(chat_key):
            unfinished = False
            if not await self.claims.claim(event_key):
                # Taken, and this turn holds the chat: the turn that took it never ended.
                unfinished = not await self.claims.finished(event_key)
                if not unfinished:
                    yield TurnRecord(False, None)
                    return
            turn = TurnRecord(True, await self.states.load(chat_key), unfinished)
            yield turn
            if turn.abandoned:
                return
            if turn.failed:
                try:
                    await self.claims.release(event_key)
                except Exception as exc:  # the claim expires in a day; the apology goes out
                    log.error("claim release failed error=%s", type(exc).__name__)
                return
            if turn.kept is not None:
                ttl = min(ttl_of(turn.kept), self.state_ttl)
                await self.states.save(chat_key, turn.kept, ttl)
            await self.claims.finish(event_key)

    async def forget(self, chat_key: str) -> None:
        await self.states.delete(chat_key)


def memory_conversations(state_ttl: int = STATE_TTL_SECONDS) -> ComposedConversations:
    return ComposedConversations(
        MemoryStateStore(), MemoryEventClaims(), MemoryChatLocks(), state_ttl
    )
