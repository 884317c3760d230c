"""The two `NeighbourhoodStore`s the neighbourhood contract (test_neighbourhoods_contract.py)
runs against: the in-memory one and the SQL one on SQLite and PostgreSQL. Each seeds accounts,
neighbourhoods and the leaders and residents bound to them, and reads back the bindings and
audit rows in the same plain shapes.

PostgreSQL's database is shared by the session's tests: each test here uses communes of its
own (codes no real commune has), usernames of its own, and reads back only its own rows."""

from __future__ import annotations

import secrets
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Any, Protocol

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from handlers.audit import AuditAction
from handlers.neighbourhoods.ports import Neighbourhood, NeighbourhoodStore
from handlers.people import AdminRole, Identity
from storage.identity import identity_of
from storage.models import AdminUser, AuditLog, LeaderNeighbourhood, Resident, ResidentNeighbourhood
from storage.models import Neighbourhood as NeighbourhoodRow
from storage.neighbourhoods import SqlNeighbourhoodStore
from tests.conftest import own_commune
from tests.fakes.memory_neighbourhoods import Audited, MemoryNeighbourhoods

SINCE = datetime(2026, 12, 1, tzinfo=UTC)


def new_commune() -> str:
    return own_commune()


class Work(Protocol):
    store: NeighbourhoodStore

    async def commit(self) -> None: ...


class NeighbourhoodBackend(Protocol):
    name: str

    async def account(
        self, role: AdminRole, commune: str, *, active: bool = True, display_name: str = ""
    ) -> Identity: ...

    async def neighbourhood(
        self, commune: str, name: str, code: str = "", *, active: bool = True
    ) -> Neighbourhood: ...

    async def bind(self, leader: Identity, neighbourhood: Neighbourhood) -> None: ...

    async def resident(self, commune: str, neighbourhood: Neighbourhood) -> str: ...

    async def bound(self, neighbourhood: Neighbourhood) -> tuple[set[int], set[str]]:
        """The leaders and the residents bound to it."""
        ...

    async def audits(self, subject: str) -> list[Audited]: ...

    def work(self) -> Any: ...


class _MemoryWork:
    def __init__(self, data: MemoryNeighbourhoods) -> None:
        self.store = data.store()

    async def commit(self) -> None:
        self.store.commit()


class MemoryBackend:
    name = "memory"

    def __init__(self) -> None:
        self.data = MemoryNeighbourhoods()

    async def account(
        self, role: AdminRole, commune: str, *, active: bool = True, display_name: str = ""
    ) -> Identity:
        return self.data.account(role, commune, active=active, display_name=display_name)

    async def neighbourhood(
        self, commune: str, name: str, code: str = "", *, active: bool = True
    ) -> Neighbourhood:
        return self.data.neighbourhood(commune, name, code, active=active)

    async def bind(self, leader: Identity, neighbourhood: Neighbourhood) -> None:
        self.data.state.leaders.setdefault(leader.id, set()).add(neighbourhood.id)

    async def resident(self, commune: str, neighbourhood: Neighbourhood) -> str:
        resident_id = str(uuid.uuid4())
        self.data.state.residents[resident_id] = neighbourhood.id
        return resident_id

    async def bound(self, neighbourhood: Neighbourhood) -> tuple[set[int], set[str]]:
        state = self.data.state
        leaders = {user for user, ids in state.leaders.items() if neighbourhood.id in ids}
        residents = {r for r, n in state.residents.items() if n == neighbourhood.id}
        return leaders, residents

    async def audits(self, subject: str) -> list[Audited]:
        return [a for a in self.data.state.audits if a.subject == subject]

    @asynccontextmanager
    async def work(self) -> AsyncIterator[_MemoryWork]:
        yield _MemoryWork(self.data)


class _SqlWork:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session
        self.store = SqlNeighbourhoodStore(session)

    async def commit(self) -> None:
        await self.session.commit()


class SqlBackend:
    def __init__(self, name: str, sessions: async_sessionmaker[AsyncSession]) -> None:
        self.name = name
        self.sessions = sessions

    async def _add(self, *rows: Any) -> None:
        async with self.sessions() as session:
            for row in rows:  # one at a time: a resident before what refers to it
                session.add(row)
                await session.flush()
            await session.commit()

    async def account(
        self, role: AdminRole, commune: str, *, active: bool = True, display_name: str = ""
    ) -> Identity:
        row = AdminUser(
            username=f"n{secrets.token_hex(5)}",
            password_hash="not used by these tests",
            role=role,
            commune_code="" if role is AdminRole.PROVINCE_ADMIN else commune,
            province_code="01",
            active=active,
            display_name=display_name,
        )
        await self._add(row)
        return identity_of(row)

    async def neighbourhood(
        self, commune: str, name: str, code: str = "", *, active: bool = True
    ) -> Neighbourhood:
        row = NeighbourhoodRow(
            commune_code=commune, name=name, code=code, active=active, created_at=SINCE
        )
        await self._add(row)
        return Neighbourhood(row.id, commune, name, code, active)

    async def bind(self, leader: Identity, neighbourhood: Neighbourhood) -> None:
        await self._add(LeaderNeighbourhood(user_id=leader.id, neighbourhood_id=neighbourhood.id))

    async def resident(self, commune: str, neighbourhood: Neighbourhood) -> str:
        resident_id = str(uuid.uuid4())
        await self._add(
            Resident(id=resident_id, commune_code=commune, province_code="01"),
            ResidentNeighbourhood(resident_id=resident_id, neighbourhood_id=neighbourhood.id),
        )
        return resident_id

    async def bound(self, neighbourhood: Neighbourhood) -> tuple[set[int], set[str]]:
        async with self.sessions() as session:
            leaders = await session.execute(
                select(LeaderNeighbourhood.user_id).where(
                    LeaderNeighbourhood.neighbourhood_id == neighbourhood.id
                )
            )
            residents = await session.execute(
                select(ResidentNeighbourhood.resident_id).where(
                    ResidentNeighbourhood.neighbourhood_id == neighbourhood.id
                )
            )
            return set(leaders.scalars()), set(residents.scalars())

    async def audits(self, subject: str) -> list[Audited]:
        query = select(AuditLog).where(AuditLog.subject == subject).order_by(AuditLog.id)
        async with self.sessions() as session:
            return [
                Audited(AuditAction(a.action), a.actor_username, a.subject, a.detail, a.ip)
                for a in (await session.execute(query)).scalars()
            ]

    @asynccontextmanager
    async def work(self) -> AsyncIterator[_SqlWork]:
        async with self.sessions() as session:
            yield _SqlWork(session)


def _held_to_the_port(
    memory: MemoryNeighbourhoods, sql: SqlNeighbourhoodStore
) -> tuple[NeighbourhoodStore, NeighbourhoodStore]:
    """mypy checks that both stores implement the port; the contract checks that they agree."""
    return memory.store(), sql
