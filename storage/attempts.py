"""The application's `Attempts` (handlers/ports.py) over the rate limiter of storage/limits.py:
one GCRA bucket per key, `limit` attempts back to back, then one every `per / limit`.

Whichever limiter the runtime built keeps them: Redis (every process shares the count, each
key with a TTL of at most `per`), or the embedded default's. The keys are the handlers'
(`tips:<origin>`, `pin:<origin>`, `pin:code:<tip>`), namespaced here under `attempt:`; an
origin is already a keyed hash that names no address (bot/channels/web_guard.py), and a tip
one that names neither its code nor its id (handlers/pin_tries.py).
"""

from __future__ import annotations

from datetime import timedelta

from storage.limits import Limit, Limiter


class LimitedAttempts:
    def __init__(self, limiter: Limiter) -> None:
        self._limiter = limiter

    async def take(self, key: str, limit: int, per: timedelta) -> bool:
        if limit <= 0:
            return True
        name = f"attempt:{key}"
        bucket = Limit(name, rate=limit / per.total_seconds(), burst=limit)
        return await self._limiter.reserve([bucket], name) == 0.0
