"""The two `AccountStore`s the accounts contract (test_accounts_contract.py) runs against: the
in-memory one (tests/fakes/memory_accounts.py) and the SQL one on SQLite and PostgreSQL. Each
seeds accounts, sessions and API tokens, and reads back what the store wrote but never hands
back (the secrets, the sessions, the tokens, the audit log), in the same plain shapes.

PostgreSQL's database is shared by the session's tests, and the province rule needs real
commune codes: every account here has a username of its own test (`Names`), and a test only
ever reads back its own rows."""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from handlers.accounts.ports import AccountState, AccountStore
from handlers.people import AdminRole, Identity
from storage.admin_users import SqlAccountStore
from storage.admin_users.store import state_of
from storage.identity import identity_of
from storage.models import AdminSession, AdminUser, ApiToken, AuditLog
from tests.fakes.memory_accounts import CREATED, MemoryAccounts, MemoryAccountStore, Token


class Names:
    """Usernames that start with one test's own prefix, so a search for it finds only them."""

    def __init__(self) -> None:
        self.prefix = f"t{secrets.token_hex(4)}"

    def __call__(self, suffix: str = "") -> str:
        return f"{self.prefix}{suffix or secrets.token_hex(3)}"


@dataclass(frozen=True)
class Seen:
    """An audit row as the contract compares them."""

    action: str
    actor: str
    subject: str
    detail: str = ""
    ip: str = ""


class Work(Protocol):
    store: AccountStore

    async def commit(self) -> None: ...


class AccountBackend(Protocol):
    name: str

    async def account(
        self, username: str, role: AdminRole, commune: str, province: str, **fields: Any
    ) -> Identity: ...

    async def open_session(self, account_id: int) -> str: ...

    async def add_token(self, account_id: int, *, revoked: bool = False) -> None: ...

    def work(self) -> Any: ...

    async def stored(self, account_id: int) -> AccountState: ...

    async def sessions_of(self, account_id: int) -> set[str]: ...

    async def live_tokens(self, account_id: int) -> int: ...

    async def audits(self, subject: str) -> list[Seen]: ...


class _MemoryWork:
    def __init__(self, store: MemoryAccountStore) -> None:
        self.store = store

    async def commit(self) -> None:
        self.store.commit()


class MemoryBackend:
    name = "memory"

    def __init__(self) -> None:
        self.data = MemoryAccounts()

    async def account(
        self, username: str, role: AdminRole, commune: str, province: str, **fields: Any
    ) -> Identity:
        commune = "" if role is AdminRole.PROVINCE_ADMIN else commune
        return self.data.add(username, role, commune, province, **fields)

    async def open_session(self, account_id: int) -> str:
        return self.data.open_session(account_id)

    async def add_token(self, account_id: int, *, revoked: bool = False) -> None:
        token_id = self.data.add_token(account_id)
        if revoked:
            self.data.tokens[token_id] = Token(account_id, revoked_at=CREATED)

    @asynccontextmanager
    async def work(self) -> AsyncIterator[_MemoryWork]:
        yield _MemoryWork(self.data.store())

    async def stored(self, account_id: int) -> AccountState:
        return self.data.accounts[account_id].state

    async def sessions_of(self, account_id: int) -> set[str]:
        return {key for key, owner in self.data.sessions.items() if owner == account_id}

    async def live_tokens(self, account_id: int) -> int:
        return self.data.live_tokens(account_id)

    async def audits(self, subject: str) -> list[Seen]:
        return [
            Seen(a.action.value, a.actor_username, a.subject, a.detail, a.ip)
            for a in self.data.audits
            if a.subject == subject
        ]


class _SqlWork:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session
        self.store = SqlAccountStore(session)

    async def commit(self) -> None:
        await self.session.commit()


class SqlBackend:
    def __init__(self, name: str, sessions: async_sessionmaker[AsyncSession]) -> None:
        self.name = name
        self.sessions = sessions

    async def account(
        self, username: str, role: AdminRole, commune: str, province: str, **fields: Any
    ) -> Identity:
        row = AdminUser(
            username=username,
            password_hash=fields.pop("password_hash", "not used by these tests"),
            role=role,
            commune_code="" if role is AdminRole.PROVINCE_ADMIN else commune,
            province_code=province,
            created_at=fields.pop("created_at", CREATED),
            **fields,
        )
        async with self.sessions() as session:
            session.add(row)
            await session.commit()
            return identity_of(row)

    async def open_session(self, account_id: int) -> str:
        key = secrets.token_hex(32)
        expires = datetime.now(UTC) + timedelta(hours=1)
        async with self.sessions() as session:
            session.add(
                AdminSession(id=key, user_id=account_id, created_at=CREATED, expires_at=expires)
            )
            await session.commit()
        return key

    async def add_token(self, account_id: int, *, revoked: bool = False) -> None:
        token = ApiToken(
            user_id=account_id,
            token_hash=secrets.token_hex(32),
            name="máy trạm",
            created_at=CREATED,
            expires_at=CREATED + timedelta(days=90),
            revoked_at=CREATED if revoked else None,
        )
        async with self.sessions() as session:
            session.add(token)
            await session.commit()

    @asynccontextmanager
    async def work(self) -> AsyncIterator[_SqlWork]:
        async with self.sessions() as session:
            yield _SqlWork(session)

    async def stored(self, account_id: int) -> AccountState:
        async with self.sessions() as session:
            row = await session.get(AdminUser, account_id)
            assert row is not None
            return state_of(row)

    async def sessions_of(self, account_id: int) -> set[str]:
        query = select(AdminSession.id).where(AdminSession.user_id == account_id)
        async with self.sessions() as session:
            return set((await session.execute(query)).scalars())

    async def live_tokens(self, account_id: int) -> int:
        query = select(ApiToken.id).where(
            ApiToken.user_id == account_id, ApiToken.revoked_at.is_(None)
        )
        async with self.sessions() as session:
            return len((await session.execute(query)).scalars().all())

    async def audits(self, subject: str) -> list[Seen]:
        query = select(AuditLog).where(AuditLog.subject == subject).order_by(AuditLog.id)
        async with self.sessions() as session:
            return [
                Seen(a.action, a.actor_username, a.subject, a.detail, a.ip)
                for a in (await session.execute(query)).scalars()
            ]


def _held_to_the_port(
    memory: MemoryAccountStore, sql: SqlAccountStore
) -> tuple[AccountStore, AccountStore]:
    """mypy checks that both stores implement the port; the contract checks that they agree."""
    return memory, sql
