"""Signs of life in Redis, so that /metrics in any process can say how many processes send
the police's messages (`binhyen_outbox_senders`): a worker that hangs or dies shows within a
minute, on every machine, whether or not it has a /metrics of its own.

The outbox loop of each process (bot/outbox.py, in `binhyen worker` or in `binhyen serve`
with BINHYEN_OUTBOX_WORKER on) beats at most every BEAT_EVERY seconds, from its loop, so a
loop that is stuck stops beating too; a beat lasts TTL seconds. Without Redis (the embedded
default, one process) there is no count."""

from __future__ import annotations

import contextlib
import logging
import os
import re
import socket
import time
from typing import Any

log = logging.getLogger("binhyen.heartbeat")

BEAT_EVERY = 15.0  # seconds
TTL = 60  # seconds
OUTBOX = "outbox"  # the role of the outbox loop's beats


def _pattern(prefix: str, role: str) -> str:
    return re.sub(r"([*?\[\]\\])", r"\\\1", f"{prefix}alive:{role}:") + "*"


class Heartbeat:
    def __init__(self, redis: Any, prefix: str, role: str) -> None:
        self._redis = redis
        self.key = f"{prefix}alive:{role}:{socket.gethostname()}:{os.getpid()}"
        self._beaten = float("-inf")

    async def beat(self) -> None:
        if time.monotonic() - self._beaten < BEAT_EVERY:
            return
        self._beaten = time.monotonic()
        try:
            await self._redis.set(self.key, str(int(time.time())), ex=TTL)
        except Exception as exc:  # Redis away for a moment: the next beat
            log.warning("heartbeat not written: %s", type(exc).__name__)

    async def stop(self) -> None:
        """A clean stop leaves the count at once."""
        with contextlib.suppress(Exception):
            await self._redis.delete(self.key)


async def alive(redis: Any, prefix: str, role: str) -> int:
    """How many processes beat as `role` within the last TTL seconds."""
    found = 0
    async for _ in redis.scan_iter(match=_pattern(prefix, role), count=500):
        found += 1
    return found
