"""The implementations of the ports that one contract runs against (test_*_contract.py): the
in-memory unit of work, and the SQL one on SQLite and on PostgreSQL.

Each comes with a `peek`: the rows a port stores but never hands back (a sealed contact, an
internal note, whether a platform account is reachable), and the panel's side of things a
test needs (closing a tip, confirming an indicator), read and written outside any unit of
work. Both peeks speak in the fake's rows (tests/fakes/memory_db.py).
"""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

from sqlalchemy import delete, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from content.scamcheck import Known
from handlers.ports import UnitOfWork
from storage.db import make_engine, make_sessions, utc
from storage.indicators import SqlIndicators
from storage.models import (
    ChannelIdentity,
    Indicator,
    Neighbourhood,
    ResidentNeighbourhood,
    Tip,
    TipAttachment,
    TipEvent,
)
from storage.uow import SqlUnitOfWork
from tests.conftest import PIN_SECRET, SEALER
from tests.fakes.memory_db import (
    TIP_COLUMNS,
    MemoryDatabase,
    StoredAttachment,
    StoredEvent,
    StoredTip,
)
from tests.fakes.memory_uow import MemoryUnits

# What a contract test writes, emptied after each test on the shared PostgreSQL database.
TABLES = (
    "residents",
    "channel_identities",
    "tips",
    "tip_attachments",
    "tip_events",
    "awareness_progress",
    "subscriptions",
    "indicators",
    "indicator_tips",
)


class Work(UnitOfWork, Protocol):
    async def close(self) -> None: ...


class Peek(Protocol):
    async def tip(self, code: str) -> StoredTip: ...

    async def tip_events(self, tip_id: str, kind: str | None = None) -> list[StoredEvent]: ...

    async def tip_attachments(self, tip_id: str) -> list[StoredAttachment]: ...

    async def change_tip(self, tip_id: str, **values: Any) -> None: ...

    async def indicator(self, kind: str, value: str) -> Known | None: ...

    async def add_indicator(
        self, kind: str, value: str, at: datetime, *, status: str, source: str, bank: str = ""
    ) -> Known: ...

    async def reachable(self, channel: str, account: str, user_id: str) -> bool | None: ...

    async def add_neighbourhood(self, commune_code: str, name: str, *, active: bool = True) -> int:
        """The panel's side: a commune's neighbourhood (on PostgreSQL, which the session's
        tests share and which is not emptied of these, use a commune code of the test's own)."""
        ...

    async def retire_neighbourhood(self, neighbourhood_id: int) -> None: ...

    async def neighbourhood_of(self, resident_id: str) -> int | None:
        """The neighbourhood stored for the resident: whom a neighbourhood's notices reach."""
        ...


@dataclass
class Backend:
    name: str
    units: Callable[[], Work]
    peek: Peek

    @asynccontextmanager
    async def work(self) -> AsyncIterator[Work]:
        """A unit of work, closed (and so rolled back unless committed) at the end."""
        uow = self.units()
        try:
            yield uow
        finally:
            await uow.close()


class MemoryPeek:
    def __init__(self, db: MemoryDatabase) -> None:
        self.db = db

    async def tip(self, code: str) -> StoredTip:
        return self.db.tip(code)

    async def tip_events(self, tip_id: str, kind: str | None = None) -> list[StoredEvent]:
        return self.db.tip_events(tip_id, kind)

    async def tip_attachments(self, tip_id: str) -> list[StoredAttachment]:
        return self.db.tip_attachments(tip_id)

    async def change_tip(self, tip_id: str, **values: Any) -> None:
        self.db.change_tip(tip_id, **values)

    async def indicator(self, kind: str, value: str) -> Known | None:
        return self.db.indicator(kind, value)

    async def add_indicator(
        self, kind: str, value: str, at: datetime, *, status: str, source: str, bank: str = ""
    ) -> Known:
        return self.db.add_indicator(kind, value, at, status=status, source=source, bank=bank)

    async def reachable(self, channel: str, account: str, user_id: str) -> bool | None:
        return self.db.reachable(channel, account, user_id)

    async def add_neighbourhood(self, commune_code: str, name: str, *, active: bool = True) -> int:
        return self.db.add_neighbourhood(commune_code, name, active=active)

    async def retire_neighbourhood(self, neighbourhood_id: int) -> None:
        self.db.retire_neighbourhood(neighbourhood_id)

    async def neighbourhood_of(self, resident_id: str) -> int | None:
        return self.db.neighbourhood_of(resident_id)


def _aware(value: Any) -> Any:
    """SQLite hands timestamps back without their zone."""
    return utc(value) if isinstance(value, datetime) else value


class SqlPeek:
    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self.sessions = sessions

    async def tip(self, code: str) -> StoredTip:
        async with self.sessions() as session:
            tip = (await session.execute(select(Tip).where(Tip.code == code))).scalar_one()
            return StoredTip(**{name: _aware(getattr(tip, name)) for name in TIP_COLUMNS})

    async def tip_events(self, tip_id: str, kind: str | None = None) -> list[StoredEvent]:
        query = select(TipEvent).where(TipEvent.tip_id == tip_id).order_by(TipEvent.id)
        if kind is not None:
            query = query.where(TipEvent.kind == kind)
        async with self.sessions() as session:
            return [
                StoredEvent(e.id, e.tip_id, utc(e.at), e.kind, e.visibility, e.body, e.actor)
                for e in (await session.execute(query)).scalars()
            ]

    async def tip_attachments(self, tip_id: str) -> list[StoredAttachment]:
        query = select(TipAttachment).where(TipAttachment.tip_id == tip_id)
        async with self.sessions() as session:
            return [
                StoredAttachment(
                    a.id, a.tip_id, a.kind, a.ref, a.mime, a.size, a.sha256, utc(a.received_at)
                )
                for a in (await session.execute(query.order_by(TipAttachment.id))).scalars()
            ]

    async def change_tip(self, tip_id: str, **values: Any) -> None:
        async with self.sessions() as session:
            await session.execute(update(Tip).where(Tip.id == tip_id).values(**values))
            await session.commit()

    async def indicator(self, kind: str, value: str) -> Known | None:
        async with self.sessions() as session:
            return await SqlIndicators(session).get(kind, value)

    async def add_indicator(
        self, kind: str, value: str, at: datetime, *, status: str, source: str, bank: str = ""
    ) -> Known:
        async with self.sessions() as session:
            row = Indicator(
                kind=kind,
                value=value,
                bank=bank,
                status=status,
                source=source,
                reports=0,
                first_seen=at,
                last_seen=at,
            )
            session.add(row)
            await session.commit()
            return Known(row.id, kind, value, bank, status, source, 0)

    async def reachable(self, channel: str, account: str, user_id: str) -> bool | None:
        query = select(ChannelIdentity.reachable).where(
            ChannelIdentity.channel == channel,
            ChannelIdentity.account == account,
            ChannelIdentity.platform_user_id == user_id,
        )
        async with self.sessions() as session:
            return (await session.execute(query)).scalar_one_or_none()

    async def add_neighbourhood(self, commune_code: str, name: str, *, active: bool = True) -> int:
        async with self.sessions() as session:
            row = Neighbourhood(
                commune_code=commune_code, name=name, active=active, created_at=datetime.now(UTC)
            )
            session.add(row)
            await session.commit()
            return row.id

    async def retire_neighbourhood(self, neighbourhood_id: int) -> None:
        """As the panel does (storage/neighbourhoods.py): inactive, and nobody lives there."""
        async with self.sessions() as session:
            await session.execute(
                update(Neighbourhood)
                .where(Neighbourhood.id == neighbourhood_id)
                .values(active=False)
            )
            bound = ResidentNeighbourhood.neighbourhood_id == neighbourhood_id
            await session.execute(delete(ResidentNeighbourhood).where(bound))
            await session.commit()

    async def neighbourhood_of(self, resident_id: str) -> int | None:
        query = select(ResidentNeighbourhood.neighbourhood_id).where(
            ResidentNeighbourhood.resident_id == resident_id
        )
        async with self.sessions() as session:
            return (await session.execute(query)).scalar_one_or_none()


def memory_backend() -> Backend:
    units = MemoryUnits(PIN_SECRET, SEALER)
    return Backend("memory", units, MemoryPeek(units.db))


def sql_backend(name: str, sessions: async_sessionmaker[AsyncSession]) -> Backend:
    return Backend(name, lambda: SqlUnitOfWork(sessions, PIN_SECRET, SEALER), SqlPeek(sessions))


def copy_database(template: Path, target: Path) -> str:
    """A fresh SQLite database: a copy of one built by the migrations (WAL files included)."""
    for part in template.parent.glob(template.name + "*"):
        shutil.copy(part, target.parent / part.name.replace(template.name, target.name))
    return f"sqlite+aiosqlite:///{target}"


async def empty_tables(sessions: async_sessionmaker[AsyncSession]) -> None:
    async with sessions() as session:
        await session.execute(text("SET LOCAL lock_timeout = '10s'"))  # never hang on a leak
        await session.execute(text(f"TRUNCATE {', '.join(TABLES)} CASCADE"))
        await session.commit()


@asynccontextmanager
async def contract_backend(
    request: Any,
    tmp_path: Path,
    memory: Callable[[], Any],
    sql: Callable[[str, async_sessionmaker[AsyncSession]], Any],
) -> AsyncIterator[Any]:
    """The backend a contract suite's fixture yields for its `request.param`: "memory", or
    the SQL one on a copy of the migrated SQLite template ("sqlite") or on the shared
    PostgreSQL database ("postgres"), its engine disposed afterwards."""
    if request.param == "memory":
        yield memory()
        return
    if request.param == "sqlite":
        url = copy_database(request.getfixturevalue("sqlite_template"), tmp_path / "c.db")
    else:
        url = request.getfixturevalue("pg_url")
    engine = make_engine(url)
    try:
        yield sql(request.param, make_sessions(engine))
    finally:
        await engine.dispose()
