"""The two `BroadcastStore`s the broadcast contract (test_broadcasts_contract.py) runs
against: the in-memory one and the SQL one on SQLite and PostgreSQL. Each seeds accounts,
neighbourhoods, residents with their subscriptions, and reads back the queued messages and
audit rows in the same plain shapes.

PostgreSQL's database is shared by the session's tests: each test here uses communes of its
own (codes no real commune has) and only reads back its own rows."""

from __future__ import annotations

import secrets
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Any, Protocol

from argon2 import PasswordHasher
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from handlers.broadcasts.ports import BroadcastStore, Neighbourhood
from handlers.broadcasts.words import MessageState
from handlers.people import AdminRole, Identity
from handlers.ports import Subscription
from storage.broadcasts import SqlBroadcastStore
from storage.chat_links import SqlChatLinks
from storage.identity import identity_of
from storage.models import (
    AdminUser,
    AuditLog,
    CommuneSetting,
    LeaderNeighbourhood,
    OutboxMessage,
    Resident,
    ResidentNeighbourhood,
)
from storage.models import Neighbourhood as NeighbourhoodRow
from storage.models import Subscription as SubscriptionRow
from tests.conftest import own_commune
from tests.fakes.memory_broadcasts import MemoryBroadcasting
from tests.fakes.memory_broadcasts import Resident as MemoryResident

SINCE = datetime(2026, 12, 1, tzinfo=UTC)
ROW_OF_STATE = {MessageState.QUEUED: "pending"}


def new_commune() -> str:
    return own_commune()


def new_province() -> str:
    return f"Z{secrets.choice('ABCDEFGHJKLMNPQRSTUVWXYZ')}"


class Work(Protocol):
    store: BroadcastStore

    async def commit(self) -> None: ...


class BroadcastBackend(Protocol):
    name: str

    async def user(self, role: AdminRole, commune: str, province: str) -> Identity: ...

    async def neighbourhood(
        self, commune: str, name: str, *, active: bool = True
    ) -> Neighbourhood: ...

    async def bind(self, leader: Identity, neighbourhood: Neighbourhood) -> None: ...

    async def approval(self, commune: str, required: bool) -> None: ...

    async def resident(
        self,
        commune: str,
        neighbourhood: Neighbourhood | None,
        subscriptions: set[Subscription],
        stopped: set[Subscription] = ...,
    ) -> str: ...

    async def mark(
        self, broadcast_id: str, resident_id: str, state: MessageState, channel: str
    ) -> None: ...

    async def messages(self, broadcast_id: str) -> dict[str, MessageState]: ...

    async def audits(self, broadcast_id: str) -> list[str]: ...

    def work(self) -> Any: ...

    async def deactivate(self, user: Identity) -> None: ...

    async def told(self, resident_id: str) -> list[tuple[str, dict[str, str]]]:
        """What the outbox holds for a leader's chat: (notice kind, params), oldest first."""
        ...


class _MemoryWork:
    def __init__(self, data: MemoryBroadcasting) -> None:
        self.store = data.store()
        self.links = data.chat_links()

    async def commit(self) -> None:
        self.store.commit()
        self.links.commit()


class MemoryBackend:
    name = "memory"

    def __init__(self) -> None:
        self.data = MemoryBroadcasting()
        self.ids = iter(range(1, 10**6))

    async def user(self, role: AdminRole, commune: str, province: str) -> Identity:
        n = next(self.ids)
        local = "" if role is AdminRole.PROVINCE_ADMIN else commune
        self.data.accounts[n] = Identity(n, f"u{n}", role, local, province)
        return self.data.accounts[n]

    async def deactivate(self, user: Identity) -> None:
        self.data.inactive_accounts.add(user.id)

    async def told(self, resident_id: str) -> list[tuple[str, dict[str, str]]]:
        return [(kind, params) for r, kind, params in self.data.told if r == resident_id]

    async def neighbourhood(self, commune: str, name: str, *, active: bool = True) -> Neighbourhood:
        found = self.data.add_neighbourhood(commune, name)
        if not active:
            self.data.inactive.add(found.id)
        return found

    async def bind(self, leader: Identity, neighbourhood: Neighbourhood) -> None:
        self.data.leaders.setdefault(leader.id, set()).add(neighbourhood.id)

    async def approval(self, commune: str, required: bool) -> None:
        self.data.approval[commune] = required

    async def resident(
        self,
        commune: str,
        neighbourhood: Neighbourhood | None,
        subscriptions: set[Subscription],
        stopped: set[Subscription] = frozenset(),  # type: ignore[assignment]
    ) -> str:
        resident_id = str(uuid.uuid4())
        place = neighbourhood.id if neighbourhood else None
        self.data.residents[resident_id] = MemoryResident(commune, place, set(subscriptions))
        return resident_id

    async def mark(
        self, broadcast_id: str, resident_id: str, state: MessageState, channel: str
    ) -> None:
        message = self.data.messages[(broadcast_id, resident_id)]
        message.state, message.channel = state, channel

    async def messages(self, broadcast_id: str) -> dict[str, MessageState]:
        return {r: m.state for (b, r), m in self.data.messages.items() if b == broadcast_id}

    async def audits(self, broadcast_id: str) -> list[str]:
        return [a[0].value for a in self.data.audits if a[2] == broadcast_id]

    @asynccontextmanager
    async def work(self) -> AsyncIterator[_MemoryWork]:
        yield _MemoryWork(self.data)


class _SqlWork:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session
        self.store = SqlBroadcastStore(session)
        self.links = SqlChatLinks(session)

    async def commit(self) -> None:
        await self.session.commit()


class SqlBackend:
    def __init__(self, name: str, sessions: async_sessionmaker[AsyncSession]) -> None:
        self.name = name
        self.sessions = sessions
        self.hash = PasswordHasher().hash("not used by these tests")

    async def _add(self, *rows: Any) -> None:
        async with self.sessions() as session:
            session.add_all(rows)
            await session.commit()

    async def user(self, role: AdminRole, commune: str, province: str) -> Identity:
        local = "" if role is AdminRole.PROVINCE_ADMIN else commune
        row = AdminUser(
            username=f"u{secrets.token_hex(4)}",
            password_hash=self.hash,
            role=role,
            commune_code=local,
            province_code=province,
        )
        async with self.sessions() as session:
            session.add(row)
            await session.commit()
            return identity_of(row)

    async def deactivate(self, user: Identity) -> None:
        async with self.sessions() as session:
            await session.execute(
                update(AdminUser).where(AdminUser.id == user.id).values(active=False)
            )
            await session.commit()

    async def told(self, resident_id: str) -> list[tuple[str, dict[str, str]]]:
        query = (
            select(OutboxMessage)
            .where(OutboxMessage.resident_id == resident_id)
            .order_by(OutboxMessage.id)
        )
        async with self.sessions() as session:
            rows = list((await session.execute(query)).scalars())
        assert all(r.tip_id is None and r.broadcast_id is None and r.priority == 0 for r in rows)
        return [(r.kind, r.payload["params"]) for r in rows]

    async def neighbourhood(self, commune: str, name: str, *, active: bool = True) -> Neighbourhood:
        row = NeighbourhoodRow(commune_code=commune, name=name, active=active, created_at=SINCE)
        async with self.sessions() as session:
            session.add(row)
            await session.commit()
            return Neighbourhood(row.id, commune, name)

    async def bind(self, leader: Identity, neighbourhood: Neighbourhood) -> None:
        await self._add(LeaderNeighbourhood(user_id=leader.id, neighbourhood_id=neighbourhood.id))

    async def approval(self, commune: str, required: bool) -> None:
        await self._add(
            CommuneSetting(commune_code=commune, leader_approval=required, updated_at=SINCE)
        )

    async def resident(
        self,
        commune: str,
        neighbourhood: Neighbourhood | None,
        subscriptions: set[Subscription],
        stopped: set[Subscription] = frozenset(),  # type: ignore[assignment]
    ) -> str:
        resident_id = str(uuid.uuid4())
        rows: list[Any] = [Resident(id=resident_id, commune_code=commune, province_code="01")]
        if neighbourhood is not None:
            rows.append(
                ResidentNeighbourhood(resident_id=resident_id, neighbourhood_id=neighbourhood.id)
            )
        for s in subscriptions | stopped:
            until = SINCE if s in stopped else None
            rows.append(
                SubscriptionRow(
                    resident_id=resident_id,
                    kind=s.kind.value,
                    commune_code=s.commune_code,
                    since=SINCE,
                    until=until,
                )
            )
        async with self.sessions() as session:
            session.add(rows[0])
            await session.flush()
            session.add_all(rows[1:])
            await session.commit()
        return resident_id

    async def mark(
        self, broadcast_id: str, resident_id: str, state: MessageState, channel: str
    ) -> None:
        async with self.sessions() as session:
            await session.execute(
                update(OutboxMessage)
                .where(
                    OutboxMessage.broadcast_id == broadcast_id,
                    OutboxMessage.resident_id == resident_id,
                )
                .values(status=ROW_OF_STATE.get(state, state.value), channel=channel)
            )
            await session.commit()

    async def messages(self, broadcast_id: str) -> dict[str, MessageState]:
        query = select(OutboxMessage).where(OutboxMessage.broadcast_id == broadcast_id)
        async with self.sessions() as session:
            rows = (await session.execute(query)).scalars()
            found = {}
            for row in rows:
                assert (row.kind, row.priority, row.payload) == (
                    "broadcast",
                    1,
                    {"broadcast_id": broadcast_id},
                )
                state = MessageState.QUEUED if row.status == "pending" else MessageState(row.status)
                found[row.resident_id] = state
            return found

    async def audits(self, broadcast_id: str) -> list[str]:
        query = (
            select(AuditLog.action).where(AuditLog.subject == broadcast_id).order_by(AuditLog.id)
        )
        async with self.sessions() as session:
            return list((await session.execute(query)).scalars())

    @asynccontextmanager
    async def work(self) -> AsyncIterator[_SqlWork]:
        async with self.sessions() as session:
            yield _SqlWork(session)


def _held_to_the_port(
    memory: MemoryBroadcasting, sql: SqlBroadcastStore
) -> tuple[BroadcastStore, BroadcastStore]:
    """mypy checks that both stores implement the port; the contract checks that they agree."""
    return memory.store(), sql
