"""The Zalo Official Account adapter's tables: its OAuth pair, and when each user last
interacted with the OA (consultation messages may only be sent within 7 days of it).

The OAuth refresh token is single-use and rotating: a refresh returns a new pair and kills
the old refresh token. With several processes, two refreshes with the same token would leave
one process (and, were its pair stored last, every process) with a dead token. So `rotate`:

- takes the row's lock (SELECT … FOR UPDATE on PostgreSQL; on SQLite, which serves a single
  process, an asyncio lock and SQLite's single writer) and reads the pair again;
- refreshes only if the stored access token is still the one the caller found wanting;
  otherwise another process has refreshed meanwhile and its pair is returned, no call made;
- commits the new pair before returning it, so it is stored before anyone uses it. A failed
  refresh rolls back: the stored refresh token stays as it was.

The pair is sealed (storage.sealing) like reporters' contact details. A pair given in the
environment is stored on first use; `seed_digest` remembers which one, so the same variables
at the next start do not overwrite the rotated pair, and a new pair put there does (as it
replaces a pair that cannot be opened any more, sealed under another key).
"""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import cast

from sqlalchemy import Table, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from handlers.ports import utc_now
from storage.db import insert_ignoring_conflicts, utc
from storage.models import ZaloOaInteraction, ZaloOaToken
from storage.sealing import Sealer, SealError

TOKENS = cast(Table, ZaloOaToken.__table__)
INTERACTIONS = cast(Table, ZaloOaInteraction.__table__)


@dataclass(frozen=True, slots=True)
class TokenPair:
    access_token: str
    refresh_token: str
    expires_at: datetime | None  # None: not known (a pair given in the environment)

    def expires_within(self, margin: timedelta, now: datetime) -> bool:
        return self.expires_at is not None and self.expires_at - now < margin


# Given the refresh token: the new access token, the new refresh token, the new access
# token's lifetime. Raises when the OAuth server refuses or cannot be reached.
Refresh = Callable[[str], Awaitable[tuple[str, str, timedelta]]]


class TokenMissing(Exception):
    """No pair is stored for the app and none was given in the environment."""


class SqlZaloOaTokens:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        sealer: Sealer,
        app_id: str,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        self._sessions = sessions
        self._sealer = sealer
        self.app_id = app_id
        self._clock = clock
        self._lock = asyncio.Lock()  # one refresh at a time in this process

    def _seal(self, access: str, refresh: str) -> str:
        return self._sealer.seal({"access_token": access, "refresh_token": refresh})

    def _open(self, row: ZaloOaToken) -> TokenPair:
        opened = self._sealer.open(row.tokens_sealed)
        expires = utc(row.expires_at) if row.expires_at is not None else None
        return TokenPair(opened.get("access_token", ""), opened.get("refresh_token", ""), expires)

    def _opens(self, row: ZaloOaToken) -> bool:
        try:
            self._sealer.open(row.tokens_sealed)
        except SealError:  # sealed under another key: only a new pair can help
            return False
        return True

    async def _locked(self, session: AsyncSession) -> ZaloOaToken | None:
        query = select(ZaloOaToken).where(ZaloOaToken.app_id == self.app_id).with_for_update()
        return (await session.execute(query)).scalar_one_or_none()

    async def seed(self, access: str, refresh: str) -> None:
        """Store a pair given in the environment, unless it is the one stored from there
        before (its refresh token has been used up since)."""
        if not access and not refresh:
            return
        digest = hashlib.sha256(f"{access}\n{refresh}".encode()).hexdigest()
        now = self._clock()
        async with self._lock, self._sessions() as session, session.begin():
            row = await self._locked(session)
            if row is None:
                insert = insert_ignoring_conflicts(session, TOKENS).values(
                    app_id=self.app_id,
                    tokens_sealed=self._seal(access, refresh),
                    expires_at=None,
                    seed_digest=digest,
                    refreshes=0,
                    updated_at=now,
                )
                await session.execute(insert)  # another process may have just done it
            elif row.seed_digest != digest or not self._opens(row):
                row.tokens_sealed = self._seal(access, refresh)
                row.expires_at = None
                row.seed_digest = digest
                row.updated_at = now

    async def load(self) -> TokenPair | None:
        async with self._sessions() as session:
            row = await session.get(ZaloOaToken, self.app_id)
            return None if row is None else self._open(row)

    async def rotate(self, used: str, refresh: Refresh) -> TokenPair:
        """A working pair in place of one whose access token `used` is expiring or was
        refused: the pair another process stored meanwhile, or a refreshed one."""
        async with self._lock, self._sessions() as session, session.begin():
            row = await self._locked(session)
            if row is None:
                raise TokenMissing()
            stored = self._open(row)
            if stored.access_token != used:
                return stored
            access, new_refresh, lifetime = await refresh(stored.refresh_token)
            now = self._clock()
            row.tokens_sealed = self._seal(access, new_refresh)
            row.expires_at = now + lifetime
            row.refreshes += 1
            row.updated_at = now
        return TokenPair(access, new_refresh, now + lifetime)


class SqlZaloOaInteractions:
    def __init__(self, sessions: async_sessionmaker[AsyncSession], app_id: str) -> None:
        self._sessions = sessions
        self.app_id = app_id

    async def touch(self, user_id: str, at: datetime) -> None:
        """Record an interaction at `at`; an older one (a retried event) changes nothing."""
        values = {"app_id": self.app_id, "user_id": user_id, "last_at": at}
        keys = [INTERACTIONS.c.app_id, INTERACTIONS.c.user_id]
        async with self._sessions() as session, session.begin():
            if session.get_bind().dialect.name == "postgresql":
                pg = postgresql.insert(INTERACTIONS).values(values)
                statement = pg.on_conflict_do_update(
                    index_elements=keys,
                    set_={"last_at": pg.excluded.last_at},
                    where=INTERACTIONS.c.last_at < pg.excluded.last_at,
                )
                await session.execute(statement)
            else:
                lite = sqlite.insert(INTERACTIONS).values(values)
                await session.execute(
                    lite.on_conflict_do_update(
                        index_elements=keys,
                        set_={"last_at": lite.excluded.last_at},
                        where=INTERACTIONS.c.last_at < lite.excluded.last_at,
                    )
                )

    async def last(self, user_id: str) -> datetime | None:
        async with self._sessions() as session:
            row = await session.get(ZaloOaInteraction, (self.app_id, user_id))
            return None if row is None else utc(row.last_at)
