"""Rate limits shared by every process that sends: in process, or on Redis.

Each limit is a GCRA bucket (the generic cell rate algorithm): `rate` sends per second on
average, `burst` of them back to back. One `reserve` call checks several limits at once
(the bot's, the chat's, the group's) and takes a slot from all of them or from none, so a
send that must wait for one limit does not use up another. A `pause` stops every send
under a key for a while: what a platform's "retry after N seconds" asks for.

On Redis the check runs in one Lua script with the server's clock, so several processes
share the same budget without trusting each other's clocks. The embedded default (one
process, no Redis) keeps its buckets in memory and in a file across restarts (KeptLimiter).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol


@dataclass(frozen=True, slots=True)
class Limit:
    key: str
    rate: float  # sends per second, on average
    burst: int = 1  # sends allowed back to back

    @property
    def interval(self) -> float:
        return 1.0 / self.rate


class Limiter(Protocol):
    async def reserve(self, limits: Sequence[Limit], pause_key: str, *, headroom: int = 0) -> float:
        """0 when a slot was taken from every limit, leaving at least `headroom` of each
        bucket's burst free (never less than one slot to take); otherwise the seconds to
        wait before asking again (nothing was taken)."""
        ...

    async def book(
        self, limits: Sequence[Limit], pause_key: str, *, headroom: int = 0, within: float = 0.0
    ) -> tuple[bool, float]:
        """As reserve, but a slot that opens within `within` seconds is taken now: (True,
        seconds until it opens), and the caller sends then without asking again. Else
        (False, seconds to wait before asking again), nothing taken. A sender that only asks
        when a slot is open arrives a little late for each one (its sleep, the round trip,
        a busy event loop) and a rate of one at a time loses that lateness every time; a
        booked slot is the exact one after the last, whenever its sender wakes."""
        ...

    async def pause(self, pause_key: str, seconds: float) -> None: ...


class MemoryLimiter:
    """For one process (the embedded default)."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._tat: dict[str, float] = {}  # theoretical arrival time of the next send
        self._paused: dict[str, float] = {}

    async def reserve(self, limits: Sequence[Limit], pause_key: str, *, headroom: int = 0) -> float:
        booked, wait = await self.book(limits, pause_key, headroom=headroom)
        return 0.0 if booked else wait

    async def book(
        self, limits: Sequence[Limit], pause_key: str, *, headroom: int = 0, within: float = 0.0
    ) -> tuple[bool, float]:
        now = self._clock()
        paused = self._paused.get(pause_key, 0.0) - now
        if paused > 0:
            return False, paused
        self._paused.pop(pause_key, None)
        wait = 0.0
        for limit in limits:
            tat = max(self._tat.get(limit.key, now), now)
            burst = max(1, limit.burst - headroom)
            wait = max(wait, tat - (burst - 1) * limit.interval - now)
        if wait > within:
            return False, wait
        at = now + wait  # the send time: every bucket counts it then
        for limit in limits:
            self._tat[limit.key] = max(self._tat.get(limit.key, at), at) + limit.interval
        if len(self._tat) > 10_000:  # forget buckets that have drained
            self._tat = {k: v for k, v in self._tat.items() if v > now}
        return True, wait

    async def pause(self, pause_key: str, seconds: float) -> None:
        until = self._clock() + seconds
        self._paused[pause_key] = max(self._paused.get(pause_key, 0.0), until)


# KEYS: the pause key, then one key per limit. ARGV: how far ahead a slot may be booked,
# then for each limit its interval and burst (microseconds and sends), the burst already
# less the headroom. Returns {1, microseconds until the booked slot} or {0, microseconds to
# wait before asking again}.
_BOOK = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local paused = tonumber(redis.call('GET', KEYS[1]) or '0')
if paused > now then return {0, paused - now} end
local within = tonumber(ARGV[1])
local wait, tats = 0, {}
for i = 2, #KEYS do
  local interval = tonumber(ARGV[2 * i - 2])
  local burst = tonumber(ARGV[2 * i - 1])
  tats[i] = tonumber(redis.call('GET', KEYS[i]) or '0')
  local allowed_at = math.max(tats[i], now) - (burst - 1) * interval
  if allowed_at - now > wait then wait = allowed_at - now end
end
if wait > within then return {0, wait} end
local at = now + wait
for i = 2, #KEYS do
  local new = math.max(tats[i], at) + tonumber(ARGV[2 * i - 2])
  local ttl = math.ceil((new - now) / 1000) + 1
  redis.call('SET', KEYS[i], string.format('%d', new), 'PX', ttl)
end
return {1, wait}
"""

_PAUSE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local untl = now + tonumber(ARGV[1])
local current = tonumber(redis.call('GET', KEYS[1]) or '0')
if untl > current then
  local ttl = math.ceil(tonumber(ARGV[1]) / 1000) + 1
  redis.call('SET', KEYS[1], string.format('%d', untl), 'PX', ttl)
end
return 1
"""


class RedisLimiter:
    """For several processes: the buckets live in Redis under `prefix`."""

    def __init__(self, redis: Any, prefix: str) -> None:
        self._prefix = f"{prefix}limit:"
        self._book = redis.register_script(_BOOK)
        self._pause = redis.register_script(_PAUSE)

    async def reserve(self, limits: Sequence[Limit], pause_key: str, *, headroom: int = 0) -> float:
        booked, wait = await self.book(limits, pause_key, headroom=headroom)
        return 0.0 if booked else wait

    async def book(
        self, limits: Sequence[Limit], pause_key: str, *, headroom: int = 0, within: float = 0.0
    ) -> tuple[bool, float]:
        keys = [self._prefix + "pause:" + pause_key, *(self._prefix + lim.key for lim in limits)]
        args: list[int] = [round(within * 1_000_000)]
        for limit in limits:
            args += [round(limit.interval * 1_000_000), max(1, limit.burst - headroom)]
        booked, wait = await self._book(keys=keys, args=args)
        return int(booked) == 1, int(wait) / 1_000_000

    async def pause(self, pause_key: str, seconds: float) -> None:
        key = self._prefix + "pause:" + pause_key
        await self._pause(keys=[key], args=[round(seconds * 1_000_000)])


TAT, PAUSE = "tat", "pause"  # the kinds of row a KeptLimiter writes
FLUSH_SECONDS = 1.0
log = logging.getLogger("binhyen.limits")


class Buckets(Protocol):
    """Where a KeptLimiter keeps its buckets across restarts (storage/state_sqlite.py): rows
    of (kind, key, until), `kind` TAT or PAUSE, `until` a wall-clock time (time.time())."""

    async def load_buckets(self, now: float) -> list[tuple[str, str, float]]:
        """The rows whose `until` is after `now`."""
        ...

    async def save_buckets(self, rows: Sequence[tuple[str, str, float]]) -> None: ...


class KeptLimiter(MemoryLimiter):
    """For one process that restarts (the embedded default): MemoryLimiter's buckets, written
    to `buckets` within `flush_every` seconds of a booking and at once after a pause, and read
    back before the first call after a start. A restart keeps each resident's inbound limit,
    each chat's pace and a platform's "retry after"; a process killed loses at most the last
    second of bookings (a few sends a little early), never a pause. Nothing is written on the
    way of a send: a slot costs what it costs in memory."""

    def __init__(
        self,
        buckets: Buckets,
        clock: Callable[[], float] = time.monotonic,
        wall: Callable[[], float] = time.time,
        flush_every: float = FLUSH_SECONDS,
    ) -> None:
        super().__init__(clock)
        self._buckets = buckets
        self._wall = wall
        self._flush_every = flush_every
        self._restored = False
        self._restoring = asyncio.Lock()
        self._dirty: set[tuple[str, str]] = set()
        self._flushing: asyncio.Task[None] | None = None

    async def book(
        self, limits: Sequence[Limit], pause_key: str, *, headroom: int = 0, within: float = 0.0
    ) -> tuple[bool, float]:
        if not self._restored:
            await self._restore()
        booked, wait = await super().book(limits, pause_key, headroom=headroom, within=within)
        if booked:
            self._dirty.update((TAT, limit.key) for limit in limits)
            if self._flushing is None or self._flushing.done():
                self._flushing = asyncio.get_running_loop().create_task(self._flush_later())
        return booked, wait

    async def pause(self, pause_key: str, seconds: float) -> None:
        if not self._restored:
            await self._restore()
        await super().pause(pause_key, seconds)
        self._dirty.add((PAUSE, pause_key))
        await self.flush()

    async def flush(self) -> None:
        """Write the buckets changed since the last flush (those still in the future)."""
        dirty, self._dirty = self._dirty, set()
        now, wall = self._clock(), self._wall()
        rows: list[tuple[str, str, float]] = []
        for kind, key in dirty:
            until = (self._tat if kind == TAT else self._paused).get(key, now)
            if until > now:
                rows.append((kind, key, until - now + wall))
        if not rows:
            return
        try:
            await self._buckets.save_buckets(rows)
        except Exception as exc:  # sends go on from memory; the next flush tries again
            self._dirty |= dirty
            log.warning("keeping the rate limits failed: %s", type(exc).__name__)

    async def close(self) -> None:
        """Stop the pending flush and write what it would have."""
        if self._flushing is not None and not self._flushing.done():
            self._flushing.cancel()
        await self.flush()

    async def _flush_later(self) -> None:
        await asyncio.sleep(self._flush_every)
        await self.flush()

    async def _restore(self) -> None:
        async with self._restoring:
            if self._restored:
                return
            try:
                rows = await self._buckets.load_buckets(self._wall())
            except Exception as exc:  # limits start empty, as after a first start
                log.warning("reading the kept rate limits failed: %s", type(exc).__name__)
                rows = []
            now, wall = self._clock(), self._wall()
            for kind, key, until in rows:
                at = until - wall + now
                kept = self._tat if kind == TAT else self._paused
                kept[key] = max(kept.get(key, at), at)
            self._restored = True
