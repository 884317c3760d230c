"""The shared state's gauges on /metrics (storage/ops_gauges.py), read at most every
`EVERY` seconds per process and within `TIMEOUT`: a scrape never waits long on a busy
database, and several Prometheus servers scraping every process cost a few counts a minute.

When the database does not answer, `binhyen_database_up` is 0 and the other gauges are left
out (an alert on a stale number would mislead); the counters of bot/metrics.py still show."""

from __future__ import annotations

import asyncio
import logging
import time
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot import heartbeat
from storage import ops_gauges

log = logging.getLogger("binhyen.metrics")

EVERY = 15.0  # seconds
TIMEOUT = 5.0  # seconds

TIPS_OVERDUE = "binhyen_tips_overdue"
OUTBOX_DUE = "binhyen_outbox_due"
OUTBOX_OLDEST = "binhyen_outbox_oldest_tip_message_seconds"
OWED_STALE = "binhyen_owed_replies_stale"
OWED_OLDEST = "binhyen_owed_replies_oldest_seconds"
SIGNIN_FAILURES = "binhyen_signin_failures_recent"
DATABASE_UP = "binhyen_database_up"
OUTBOX_SENDERS = "binhyen_outbox_senders"

HELP = {
    TIPS_OVERDUE: "Open tips past their legal deadline (a day in Vietnam), all communes.",
    OUTBOX_DUE: "The police's messages to residents that are due and not yet sent.",
    OUTBOX_OLDEST: "Seconds the oldest due and unsent message about a tip has waited.",
    OWED_STALE: "Replies owed to residents whose first sender's lease ran out.",
    OWED_OLDEST: "Age in seconds of the oldest of those owed replies.",
    SIGNIN_FAILURES: "Failed sign-ins to the panel in the last 15 minutes.",
    DATABASE_UP: "1 when the database answered this process's last read of these gauges.",
    OUTBOX_SENDERS: "Processes whose outbox loop went round in the last minute (Redis only).",
}

Gauges = dict[str, tuple[str, float]]


class SharedGauges:
    def __init__(
        self, sessions: async_sessionmaker[AsyncSession], redis: Any = None, prefix: str = ""
    ) -> None:
        self._sessions = sessions
        self._redis, self._prefix = redis, prefix
        self._read_at = float("-inf")
        self._values: Gauges = {}
        self._lock = asyncio.Lock()

    async def values(self) -> Gauges:
        async with self._lock:  # two scrapes at once read once
            if time.monotonic() - self._read_at >= EVERY:
                self._values = {**await self._read(), **await self._senders()}
                self._read_at = time.monotonic()
            return self._values

    async def _senders(self) -> Gauges:
        if self._redis is None:
            return {}
        try:
            n = await asyncio.wait_for(
                heartbeat.alive(self._redis, self._prefix, heartbeat.OUTBOX), timeout=TIMEOUT
            )
        except Exception as exc:
            log.warning("metrics: the outbox's heartbeats not read: %s", type(exc).__name__)
            return {}
        return {OUTBOX_SENDERS: (HELP[OUTBOX_SENDERS], float(n))}

    async def _read(self) -> Gauges:
        try:
            async with self._sessions() as session:
                g = await asyncio.wait_for(
                    ops_gauges.read(session, datetime.now(UTC)), timeout=TIMEOUT
                )
        except Exception as exc:
            log.warning("metrics: the database's gauges not read: %s", type(exc).__name__)
            return {DATABASE_UP: (HELP[DATABASE_UP], 0.0)}
        found = {
            TIPS_OVERDUE: float(g.tips_overdue),
            OUTBOX_DUE: float(g.outbox_due),
            OUTBOX_OLDEST: g.outbox_oldest_tip_seconds,
            OWED_STALE: float(g.owed_stale),
            OWED_OLDEST: g.owed_oldest_seconds,
            SIGNIN_FAILURES: float(g.signin_failures),
            DATABASE_UP: 1.0,
        }
        return {name: (HELP[name], value) for name, value in found.items()}
