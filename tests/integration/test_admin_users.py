"""Panel accounts in storage: creation rules, lockout, sessions, the append-only audit log.

Each test runs on SQLite and on PostgreSQL, both built by the real migrations.
"""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from argon2 import PasswordHasher
from sqlalchemy import delete, insert, select, text, update
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from handlers.accounts import create_account, own
from handlers.accounts.errors import AccountError, InvalidAdminUser, UsernameTaken
from handlers.accounts.ports import Keys
from handlers.people import AdminRole
from storage import admin_users as au
from storage import migrate, totp
from storage.admin_users import SqlAccountStore, passwords
from storage.db import make_engine, make_sessions
from storage.models import AdminUser, AuditLog, Base
from storage.sealing import Sealer
from tests.conftest import in_thread

PASSWORD = "correct horse battery"
BA_DINH = "00004"
# The hasher every module of storage/admin_users reads, swapped for other parameters here.
HASHER = "storage.admin_users.passwords.password_hasher"


@pytest.fixture(autouse=True)
def fast_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    """Cheap argon2 parameters: the production ones cost about half a second per hash here."""
    fast = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    monkeypatch.setattr(HASHER, fast)


@pytest.fixture(params=["sqlite", "postgres"])
async def sessions(
    request: pytest.FixtureRequest,
) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    url = request.getfixturevalue("sqlite_url" if request.param == "sqlite" else "pg_url")
    engine = make_engine(url)
    yield make_sessions(engine)
    await engine.dispose()


def unique(prefix: str = "officer") -> str:
    # The PostgreSQL database is shared by the whole session: keep usernames apart.
    return f"{prefix}.{secrets.token_hex(4)}"


async def make_user(
    sessions: async_sessionmaker[AsyncSession],
    username: str,
    role: AdminRole = AdminRole.OFFICER,
    commune_code: str = BA_DINH,
    province_code: str = "01",
) -> au.Identity:
    async with sessions() as s:
        identity = await create_account(
            SqlAccountStore(s),
            passwords,
            username=username,
            password=PASSWORD,
            role=role,
            commune_code=commune_code,
            province_code=province_code,
        )
        await s.commit()
        return identity


async def attempt(
    sessions: async_sessionmaker[AsyncSession],
    username: str,
    password: str,
    now: datetime | None = None,
) -> au.SignIn:
    async with sessions() as s:
        result = await au.sign_in(s, username, password, ip="203.0.113.7", now=now)
        await s.commit()
        return result


async def account(sessions: async_sessionmaker[AsyncSession], username: str) -> AdminUser:
    async with sessions() as s:
        found = (
            await s.execute(select(AdminUser).where(AdminUser.username == username))
        ).scalar_one()
        return found


async def deactivate(session: AsyncSession, username: str) -> None:
    """Deactivated behind the panel's back (its use case ends the sessions itself): sign-in
    and the session lookup must refuse the account on their own."""
    await session.execute(
        update(AdminUser).where(AdminUser.username == username).values(active=False)
    )


async def trail(sessions: async_sessionmaker[AsyncSession], username: str) -> list[au.AuditEntry]:
    async with sessions() as s:
        return await au.audit_trail(s, actor_username=username)


async def test_create_and_sign_in(
    sessions: async_sessionmaker[AsyncSession], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(HASHER, PasswordHasher())  # the production parameters
    name = unique()
    created = await make_user(sessions, name.upper())
    assert created.username == name
    assert created.role is AdminRole.OFFICER
    stored = await account(sessions, name)
    assert stored.password_hash.startswith("$argon2id$v=19$m=65536,t=3,p=4$")
    assert PASSWORD not in stored.password_hash
    result = await attempt(sessions, f"  {name.upper()} ", PASSWORD)
    assert result.ok and result.identity == created
    [entry] = await trail(sessions, name)
    assert (entry.action, entry.actor_id, entry.ip) == ("signin.success", created.id, "203.0.113.7")


async def test_wrong_password_counts_and_success_resets(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    name = unique()
    await make_user(sessions, name)
    for _ in range(3):
        result = await attempt(sessions, name, "wrong password!")
        assert result.failure is au.Failure.BAD_PASSWORD
    assert (await account(sessions, name)).failed_count == 3
    assert (await attempt(sessions, name, PASSWORD)).ok
    assert (await account(sessions, name)).failed_count == 0
    actions = [(e.action, e.detail) for e in await trail(sessions, name)]
    assert actions == [("signin.success", "")] + [("signin.failure", "bad_password")] * 3


async def test_unknown_user_is_audited_without_the_typed_name(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    typed = unique("nobody")
    result = await attempt(sessions, typed, PASSWORD)
    assert not result.ok and result.failure is au.Failure.UNKNOWN_USER
    async with sessions() as s:
        rows = (await s.execute(select(AuditLog).where(AuditLog.ip == "203.0.113.7"))).scalars()
        assert all(typed not in r.actor_username for r in rows)
        newest = (await au.audit_trail(s, limit=1))[0]
    assert (newest.action, newest.detail, newest.actor_id) == (
        "signin.failure",
        "unknown_user",
        None,
    )


async def test_lockout_after_five_failures_for_fifteen_minutes(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    name = unique()
    await make_user(sessions, name)
    start = datetime.now(UTC)
    for _ in range(au.MAX_FAILURES):
        assert (await attempt(sessions, name, "not the password", start)).failure == "bad_password"
    stored = await account(sessions, name)
    assert stored.locked_until is not None
    locked = await attempt(sessions, name, PASSWORD, start + timedelta(minutes=14))
    assert locked.failure is au.Failure.LOCKED
    later = await attempt(sessions, name, PASSWORD, start + timedelta(minutes=15, seconds=1))
    assert later.ok
    stored = await account(sessions, name)
    assert (stored.failed_count, stored.locked_until) == (0, None)
    details = [e.detail for e in await trail(sessions, name)]
    assert details == ["", "locked"] + ["bad_password"] * 5


async def test_overlong_username_never_matches_a_prefix(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    name = unique("x" * 55)
    assert len(name) == 64
    await make_user(sessions, name)
    result = await attempt(sessions, name + "extra", PASSWORD)
    assert result.failure is au.Failure.UNKNOWN_USER


async def test_expired_lock_gives_five_fresh_attempts(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    name = unique()
    await make_user(sessions, name)
    start = datetime.now(UTC)
    for _ in range(au.MAX_FAILURES):
        await attempt(sessions, name, "nope nope nope", start)
    after = start + au.LOCKOUT + timedelta(seconds=1)
    assert (await attempt(sessions, name, "nope nope nope", after)).failure == "bad_password"
    assert (await account(sessions, name)).failed_count == 1


async def test_parallel_guesses_cannot_pass_the_limit(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    name = unique()
    await make_user(sessions, name)
    results = await asyncio.gather(*(attempt(sessions, name, f"guess {i}") for i in range(8)))
    failures = sorted(str(r.failure) for r in results)
    assert failures.count("bad_password") == au.MAX_FAILURES
    assert failures.count("locked") == 8 - au.MAX_FAILURES


async def test_weaker_hash_is_upgraded_on_sign_in(
    sessions: async_sessionmaker[AsyncSession], monkeypatch: pytest.MonkeyPatch
) -> None:
    name = unique()
    await make_user(sessions, name)
    monkeypatch.setattr(HASHER, PasswordHasher(time_cost=2, memory_cost=2048))
    assert (await attempt(sessions, name, PASSWORD)).ok
    assert "m=2048,t=2" in (await account(sessions, name)).password_hash


async def test_inactive_account_cannot_sign_in(sessions: async_sessionmaker[AsyncSession]) -> None:
    name = unique()
    await make_user(sessions, name)
    async with sessions() as s:
        await deactivate(s, name)
        await s.commit()
    assert (await attempt(sessions, name, PASSWORD)).failure is au.Failure.INACTIVE


@pytest.mark.parametrize(
    ("role", "commune", "province", "password"),
    [
        (AdminRole.OFFICER, "", "01", PASSWORD),
        (AdminRole.CHIEF, "4", "01", PASSWORD),
        (AdminRole.LEADER, "0000a", "01", PASSWORD),
        (AdminRole.PROVINCE_ADMIN, "", "", PASSWORD),
        (AdminRole.PROVINCE_ADMIN, BA_DINH, "01", PASSWORD),
        (AdminRole.OFFICER, BA_DINH, "01", "short"),
    ],
)
async def test_account_rules(
    sessions: async_sessionmaker[AsyncSession],
    role: AdminRole,
    commune: str,
    province: str,
    password: str,
) -> None:
    async with sessions() as s:
        with pytest.raises(InvalidAdminUser):
            await create_account(
                SqlAccountStore(s),
                passwords,
                username=unique(),
                password=password,
                role=role,
                commune_code=commune,
                province_code=province,
            )


async def test_bad_username_and_duplicate(sessions: async_sessionmaker[AsyncSession]) -> None:
    async with sessions() as s:
        for bad in ("ab", "has space", "ký.tự", "-dash"):
            with pytest.raises(InvalidAdminUser):
                await create_account(
                    SqlAccountStore(s),
                    passwords,
                    username=bad,
                    password=PASSWORD,
                    role=AdminRole.OFFICER,
                    commune_code=BA_DINH,
                )
    name = unique()
    await make_user(sessions, name)
    with pytest.raises(UsernameTaken):
        await make_user(sessions, name.upper())


async def test_province_admin(sessions: async_sessionmaker[AsyncSession]) -> None:
    name = unique("province")
    created = await make_user(sessions, name, AdminRole.PROVINCE_ADMIN, "", "79")
    assert (created.commune_code, created.province_code) == ("", "79")
    assert (await attempt(sessions, name, PASSWORD)).ok


async def test_database_enforces_role_and_area(sessions: async_sessionmaker[AsyncSession]) -> None:
    rows = [
        {"role": "janitor", "commune_code": BA_DINH, "province_code": "01"},
        {"role": "officer", "commune_code": "", "province_code": "01"},
        {"role": "province_admin", "commune_code": "", "province_code": ""},
    ]
    for row in rows:
        async with sessions() as s:
            with pytest.raises(IntegrityError):
                await s.execute(
                    insert(Base.metadata.tables["admin_users"]).values(
                        username=unique(), password_hash="x", **row
                    )
                )


async def test_sessions_expire_and_sign_out_is_audited(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    name = unique()
    created = await make_user(sessions, name)
    key = secrets.token_hex(32)
    now = datetime.now(UTC)
    async with sessions() as s:
        expires = await au.open_session(s, created.id, key, now=now)
        await s.commit()
    assert expires == now + au.SESSION_LIFETIME
    async with sessions() as s:
        assert await au.session_identity(s, key) == created
        assert await au.session_identity(s, key, now=expires + timedelta(seconds=1)) is None
        assert await au.session_identity(s, secrets.token_hex(32)) is None
    async with sessions() as s:
        assert await au.sign_out(s, key, ip="198.51.100.1")
        await s.commit()
    async with sessions() as s:
        assert await au.session_identity(s, key) is None
        assert not await au.sign_out(s, key)
    [entry] = await trail(sessions, name)
    assert (entry.action, entry.actor_id, entry.ip) == ("signout", created.id, "198.51.100.1")


async def test_deactivated_account_loses_its_sessions(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    name = unique()
    created = await make_user(sessions, name)
    key = secrets.token_hex(32)
    async with sessions() as s:
        await au.open_session(s, created.id, key)
        await deactivate(s, name)
        await s.commit()
    async with sessions() as s:
        assert await au.session_identity(s, key) is None


async def test_audit_log_is_append_only(sessions: async_sessionmaker[AsyncSession]) -> None:
    name = unique()
    await make_user(sessions, name)
    await attempt(sessions, name, "wrong wrong wrong")
    statements = [
        update(AuditLog).where(AuditLog.actor_username == name).values(detail="edited"),
        delete(AuditLog).where(AuditLog.actor_username == name),
    ]
    for statement in statements:
        async with sessions() as s:
            with pytest.raises(DBAPIError, match="append-only"):
                await s.execute(statement)
    assert [e.detail for e in await trail(sessions, name)] == ["bad_password"]


# --- TOTP: a step, once accepted, is never accepted again -------------------------------------

SEALER = Sealer(b"t" * 32)
KEYS = Keys(passwords, totp, SEALER)
# A fixed clock, so the codes do not depend on when the test runs.
ENABLED_AT = datetime(2026, 12, 1, 1, 0, 0, tzinfo=UTC)


async def with_totp(sessions: async_sessionmaker[AsyncSession], name: str) -> tuple[int, str]:
    """An account with TOTP on, enabled by the code of ENABLED_AT's step; its id and secret."""
    identity = await make_user(sessions, name)
    secret = totp.new_secret()
    code = totp.code_at(secret, totp.step_of(ENABLED_AT.timestamp()))
    async with sessions() as s:
        await own.enable_totp(
            SqlAccountStore(s), identity, secret, code, PASSWORD, KEYS, now=ENABLED_AT
        )
        await s.commit()
    return identity.id, secret


async def code_attempt(
    sessions: async_sessionmaker[AsyncSession], user_id: int, code: str, now: datetime
) -> au.SignIn:
    async with sessions() as s:
        result = await au.sign_in_code(s, user_id, code, SEALER, now=now)
        await s.commit()
        return result


async def test_a_totp_step_is_accepted_once(sessions: async_sessionmaker[AsyncSession]) -> None:
    name = unique()
    user_id, secret = await with_totp(sessions, name)
    first = totp.step_of(ENABLED_AT.timestamp())
    assert (await account(sessions, name)).totp_last_step == first
    # The code that turned TOTP on is spent, though still inside its window.
    enabling = totp.code_at(secret, first)
    refused = await code_attempt(sessions, user_id, enabling, ENABLED_AT)
    assert refused.failure is au.Failure.BAD_CODE
    later = ENABLED_AT + timedelta(seconds=totp.STEP_SECONDS)
    fresh = totp.code_at(secret, first + 1)
    assert (await code_attempt(sessions, user_id, fresh, later)).ok
    assert (await account(sessions, name)).totp_last_step == first + 1
    for when in (later, later + timedelta(seconds=totp.STEP_SECONDS)):
        replay = await code_attempt(sessions, user_id, fresh, when)
        assert replay.failure is au.Failure.BAD_CODE
    # An older step still inside the ±1 window is refused too: steps only move forward.
    assert (await code_attempt(sessions, user_id, enabling, later)).failure is au.Failure.BAD_CODE
    # A spent code does not turn TOTP off either.
    identity = au.identity_of(await account(sessions, name))
    async with sessions() as s:
        with pytest.raises(AccountError, match="bad_secret"):
            await own.disable_totp(SqlAccountStore(s), identity, fresh, KEYS, now=later)


async def test_parallel_replays_of_one_code_let_one_in(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    user_id, secret = await with_totp(sessions, unique())
    later = ENABLED_AT + timedelta(seconds=totp.STEP_SECONDS)
    code = totp.code_at(secret, totp.step_of(later.timestamp()))
    results = await asyncio.gather(
        *(code_attempt(sessions, user_id, code, later) for _ in range(4))
    )
    assert sorted(r.ok for r in results) == [False, False, False, True]


def test_migration_downgrades_and_upgrades(sqlite_url: str) -> None:
    in_thread(migrate.downgrade, sqlite_url, "2026_11_25_0001")
    in_thread(migrate.upgrade, sqlite_url)

    async def tables() -> set[str]:
        engine = make_engine(sqlite_url)
        async with engine.connect() as conn:
            rows = await conn.execute(text("SELECT name FROM sqlite_master WHERE type='table'"))
            names = {r[0] for r in rows}
        await engine.dispose()
        return names

    assert {"admin_users", "admin_sessions", "audit_log"} <= asyncio.run(tables())
