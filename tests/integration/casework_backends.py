"""The two `CaseStore`s the casework contract (test_casework_contract.py) runs against: the
in-memory one (tests/fakes/memory_casework.py) and the SQL one on SQLite and PostgreSQL. Each
seeds accounts and tips and reads back what the store wrote but never hands back (timeline,
audit log, outbox), in the same plain shapes.

PostgreSQL's database is shared by the session's tests: every test here uses its own
communes, usernames and tip codes, and only ever reads back its own rows."""

from __future__ import annotations

import secrets
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any, Protocol

from argon2 import PasswordHasher
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from handlers.casework.ports import CaseStore, CaseTip
from handlers.deadlines import NO_DUE
from handlers.people import AdminRole, Identity
from storage.casework import SqlCaseStore
from storage.identity import identity_of
from storage.models import AdminUser, AuditLog, OutboxMessage, Resident, Tip, TipEvent
from storage.owners import Owners
from tests.conftest import SEALER, own_commune
from tests.fakes.memory_casework import MemoryCaseStore, MemoryCasework

RECEIVED = datetime(2026, 11, 23, 3, 0, tzinfo=UTC)


def new_commune() -> str:
    return own_commune()


@dataclass(frozen=True)
class Seen:
    """An entry of the timeline, the audit log or the outbox, as the contract compares them."""

    kind: str
    body: str = ""
    actor: str = ""
    extra: str = ""


class Work(Protocol):
    store: CaseStore

    async def commit(self) -> None: ...


class CaseBackend(Protocol):
    name: str

    async def user(
        self, role: AdminRole, commune: str, province: str, *, active: bool = True
    ) -> Identity: ...

    async def tip(self, tip: CaseTip) -> CaseTip: ...

    def work(self) -> Any: ...

    async def stored(self, tip_id: str) -> CaseTip: ...

    async def events(self, tip_id: str) -> list[Seen]: ...

    async def audits(self, code: str) -> list[Seen]: ...

    async def notices(self, tip_id: str) -> list[Seen]: ...


class _MemoryWork:
    def __init__(self, store: MemoryCaseStore) -> None:
        self.store = store

    async def commit(self) -> None:
        self.store.commit()


class MemoryBackend:
    name = "memory"

    def __init__(self) -> None:
        self.data = MemoryCasework()

    async def user(
        self, role: AdminRole, commune: str, province: str, *, active: bool = True
    ) -> Identity:
        username = f"u{secrets.token_hex(4)}"
        return self.data.add_user(username, role, commune, province, active=active)

    async def tip(self, tip: CaseTip) -> CaseTip:
        reporter = str(uuid.uuid4()) if tip.has_reporter else None
        return self.data.add_tip(tip, reporter)

    @asynccontextmanager
    async def work(self) -> AsyncIterator[_MemoryWork]:
        yield _MemoryWork(self.data.store())

    async def stored(self, tip_id: str) -> CaseTip:
        return replace(self.data.tips[tip_id])

    async def events(self, tip_id: str) -> list[Seen]:
        return [
            Seen(e.kind, e.body, e.actor, e.visibility.value)
            for e in self.data.events
            if e.tip_id == tip_id
        ]

    async def audits(self, code: str) -> list[Seen]:
        return [
            Seen(a.action.value, a.detail, a.actor_username, f"{a.reason}|{a.ip}")
            for a in self.data.audits
            if a.subject == code
        ]

    async def notices(self, tip_id: str) -> list[Seen]:
        return [
            Seen(n.kind.value, repr(sorted(n.params.items())), "", n.code)
            for n in self.data.notices
            if n.tip_id == tip_id
        ]


OWNERS = Owners.of(SEALER)


class _SqlWork:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session
        self.store = SqlCaseStore(session, SEALER)

    async def commit(self) -> None:
        await self.session.commit()


class SqlBackend:
    def __init__(self, name: str, sessions: async_sessionmaker[AsyncSession]) -> None:
        self.name = name
        self.sessions = sessions
        self.hash = PasswordHasher().hash("not used by these tests")

    async def user(
        self, role: AdminRole, commune: str, province: str, *, active: bool = True
    ) -> Identity:
        row = AdminUser(
            username=f"u{secrets.token_hex(4)}",
            password_hash=self.hash,
            role=role,
            commune_code="" if role is AdminRole.PROVINCE_ADMIN else commune,
            province_code=province,
            active=active,
        )
        async with self.sessions() as session:
            session.add(row)
            await session.commit()
            return identity_of(row)

    async def tip(self, tip: CaseTip) -> CaseTip:
        async with self.sessions() as session:
            resident_id = None
            if tip.has_reporter:
                resident_id = str(uuid.uuid4())
                session.add(Resident(id=resident_id, commune_code=tip.commune_code))
                await session.flush()
            session.add(_row(tip, resident_id))
            await session.commit()
        return tip

    @asynccontextmanager
    async def work(self) -> AsyncIterator[_SqlWork]:
        async with self.sessions() as session:
            yield _SqlWork(session)

    async def stored(self, tip_id: str) -> CaseTip:
        async with self.sessions() as session:
            row = (await session.execute(select(Tip).where(Tip.id == tip_id))).scalar_one()
            return await SqlCaseStore(session).load(_reader(row), tip_id)

    async def events(self, tip_id: str) -> list[Seen]:
        query = select(TipEvent).where(TipEvent.tip_id == tip_id).order_by(TipEvent.id)
        async with self.sessions() as session:
            return [
                Seen(e.kind, e.body, e.actor, e.visibility)
                for e in (await session.execute(query)).scalars()
            ]

    async def audits(self, code: str) -> list[Seen]:
        query = select(AuditLog).where(AuditLog.subject == code).order_by(AuditLog.id)
        async with self.sessions() as session:
            return [
                Seen(a.action, a.detail, a.actor_username, f"{a.reason}|{a.ip}")
                for a in (await session.execute(query)).scalars()
            ]

    async def notices(self, tip_id: str) -> list[Seen]:
        query = (
            select(OutboxMessage).where(OutboxMessage.tip_id == tip_id).order_by(OutboxMessage.id)
        )
        async with self.sessions() as session:
            return [
                Seen(
                    m.kind,
                    repr(sorted(m.payload["params"].items())),
                    "",
                    m.payload["code"],
                )
                for m in (await session.execute(query)).scalars()
            ]


def _reader(row: Tip) -> Identity:
    """Someone who may read any tip of the row's province (the backends' own peek)."""
    return Identity(0, "peek", AdminRole.PROVINCE_ADMIN, "", row.province_code)


def _row(tip: CaseTip, resident_id: str | None) -> Tip:
    return Tip(
        id=tip.id,
        code=tip.code,
        submission_key=uuid.uuid4().hex,
        pin_hash="-",
        resident_id=None,  # issue 18: the reporter only behind the key
        owner_ref=None if resident_id is None else OWNERS.ref(resident_id),
        reporter_sealed="" if resident_id is None else OWNERS.seal(resident_id),
        category="scam",
        description="Có người gọi tự xưng công an yêu cầu chuyển tiền.",
        incident_when="today",
        province_code=tip.province_code,
        commune_code=tip.commune_code,
        anonymous=not tip.contact_sealed,
        contact_sealed=tip.contact_sealed,
        urgent=tip.urgent,
        status=tip.status.value,
        details={},
        created_at=RECEIVED,
        received_on=tip.received_on,
        ack_due=tip.ack_due,
        decision_due=tip.decision_due or NO_DUE,
        extensions=tip.extensions,
        outcome_due=tip.outcome_due,
        next_due=tip.next_due,
        assignee_id=tip.assignee_id,
        track=tip.track.value,
        forward_due=tip.forward_due,
        forwarded_at=tip.forwarded_at,
        decided_at=tip.decided_at,
        resumed_at=tip.resumed_at,
        missed=",".join(sorted(tip.missed)),
        acknowledged_at=tip.acknowledged_at,
        mediation_team=tip.mediation_team,
        protection=tip.protection.value,
        extension_decision=tip.extension_decision,
        extension_decision_on=tip.extension_decision_on,
    )


def _held_to_the_port(memory: MemoryCaseStore, sql: SqlCaseStore) -> tuple[CaseStore, CaseStore]:
    """mypy checks that both stores implement the port; the contract checks that they agree."""
    return memory, sql
