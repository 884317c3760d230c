"""Panel accounts: creation, password sign-in with lockout, sessions and the audit log.

Functions take the request's session and only flush; the edge commits once. Passwords are
hashed with argon2id (argon2-cffi defaults) in a worker thread so the event loop keeps running.
"""

from __future__ import annotations

import asyncio
import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from storage.db import utc
from storage.models import AdminRole, AdminSession, AdminUser, AuditLog

MAX_FAILURES = 5
LOCKOUT = timedelta(minutes=15)
SESSION_LIFETIME = timedelta(hours=12)
MIN_PASSWORD_LENGTH = 10
MAX_PASSWORD_LENGTH = 1024
USERNAME = re.compile(r"[a-z0-9][a-z0-9._-]{2,63}")
COMMUNE_CODE = re.compile(r"\d{5}")
PROVINCE_CODE = re.compile(r"\d{2}")
COMMUNE_ROLES = frozenset({AdminRole.OFFICER, AdminRole.CHIEF, AdminRole.LEADER})

# argon2id with argon2-cffi's defaults (RFC 9106 low-memory profile: 64 MiB, t=3, p=4).
# Tests swap in cheaper parameters; stored hashes carry their own, and are upgraded on sign-in.
password_hasher = PasswordHasher()


class Action(StrEnum):
    SIGNIN_SUCCESS = "signin.success"
    SIGNIN_FAILURE = "signin.failure"
    SIGNOUT = "signout"


class Failure(StrEnum):
    """Why a sign-in failed: for the audit log only, never shown to the person signing in."""

    UNKNOWN_USER = "unknown_user"
    BAD_PASSWORD = "bad_password"
    LOCKED = "locked"
    INACTIVE = "inactive"


class InvalidAdminUser(ValueError):
    """The new account breaks a rule (username, role, area code, password length)."""


class UsernameTaken(InvalidAdminUser):
    pass


@dataclass(frozen=True, slots=True)
class Identity:
    id: int
    username: str
    role: AdminRole
    commune_code: str
    province_code: str


@dataclass(frozen=True, slots=True)
class SignIn:
    identity: Identity | None
    failure: Failure | None = None

    @property
    def ok(self) -> bool:
        return self.identity is not None


@dataclass(frozen=True, slots=True)
class AuditEntry:
    created_at: datetime
    actor_id: int | None
    actor_username: str
    action: str
    subject: str
    detail: str
    ip: str


def _now() -> datetime:
    return datetime.now(UTC)


def _identity(user: AdminUser) -> Identity:
    return Identity(user.id, user.username, user.role, user.commune_code, user.province_code)


def normalise_username(raw: str) -> str:
    return raw.strip().lower()


def _validate(
    username: str, role: AdminRole, commune_code: str, province_code: str, password: str
) -> None:
    if not USERNAME.fullmatch(username):
        raise InvalidAdminUser(
            "username must be 3-64 characters: a-z, 0-9, dot, dash or underscore"
        )
    if not MIN_PASSWORD_LENGTH <= len(password) <= MAX_PASSWORD_LENGTH:
        raise InvalidAdminUser(f"password must be at least {MIN_PASSWORD_LENGTH} characters")
    if province_code and not PROVINCE_CODE.fullmatch(province_code):
        raise InvalidAdminUser("province code must be 2 digits")
    if role in COMMUNE_ROLES and not COMMUNE_CODE.fullmatch(commune_code):
        raise InvalidAdminUser(f"role {role.value} needs a 5-digit commune code")
    if role is AdminRole.PROVINCE_ADMIN and (commune_code or not province_code):
        raise InvalidAdminUser("role province_admin needs a province code and no commune code")


async def _hash(password: str) -> str:
    return await asyncio.to_thread(password_hasher.hash, password)


async def _verify(password_hash: str, password: str) -> bool:
    def verify() -> bool:
        try:
            return password_hasher.verify(password_hash, password)
        except (VerificationError, InvalidHashError):
            return False

    return await asyncio.to_thread(verify)


@cache
def _dummy_hash() -> str:
    return password_hasher.hash(secrets.token_urlsafe(16))


async def create_user(
    session: AsyncSession,
    *,
    username: str,
    password: str,
    role: AdminRole,
    commune_code: str = "",
    province_code: str = "",
) -> Identity:
    """Add an active account. Raises InvalidAdminUser, or UsernameTaken for a duplicate."""
    username = normalise_username(username)
    _validate(username, role, commune_code, province_code, password)
    user = AdminUser(
        username=username,
        password_hash=await _hash(password),
        role=role,
        commune_code=commune_code,
        province_code=province_code,
        active=True,
        failed_count=0,
        created_at=_now(),
    )
    try:
        async with session.begin_nested():
            session.add(user)
            await session.flush()
    except IntegrityError as exc:
        raise UsernameTaken(f"username {username!r} is already taken") from exc
    return _identity(user)


async def set_active(session: AsyncSession, username: str, active: bool) -> bool:
    result = await session.execute(
        update(AdminUser)
        .where(AdminUser.username == normalise_username(username))
        .values(active=active)
        .returning(AdminUser.id)
    )
    return result.scalar_one_or_none() is not None


async def _lock_user(session: AsyncSession, username: str) -> AdminUser | None:
    """Load the account holding its row lock until commit.

    A no-op UPDATE (rather than SELECT ... FOR UPDATE) takes the lock on PostgreSQL and the
    write lock on SQLite alike, so concurrent guesses are counted one after another and a
    burst of parallel requests cannot slip past the fifth failure.
    """
    locked = await session.execute(
        update(AdminUser)
        .where(AdminUser.username == username)
        .values(failed_count=AdminUser.failed_count)
        .returning(AdminUser.id)
    )
    user_id = locked.scalar_one_or_none()
    if user_id is None:
        return None
    return await session.get(AdminUser, user_id, populate_existing=True)


async def sign_in(
    session: AsyncSession,
    username: str,
    password: str,
    *,
    ip: str = "",
    now: datetime | None = None,
) -> SignIn:
    """Check a password, applying the lockout, and write the audit row either way."""
    now = now or _now()
    name = normalise_username(username)
    user = await _lock_user(session, name) if USERNAME.fullmatch(name) else None
    if user is None:
        # Spend the same time as for a real account, so timing does not reveal which exist.
        await _verify(await asyncio.to_thread(_dummy_hash), password[:MAX_PASSWORD_LENGTH])
        # The typed name is not kept: people type passwords into the username field.
        await record(session, Action.SIGNIN_FAILURE, detail=Failure.UNKNOWN_USER, ip=ip, now=now)
        return SignIn(None, Failure.UNKNOWN_USER)
    result = await _check(user, password, now)
    action = Action.SIGNIN_SUCCESS if result.ok else Action.SIGNIN_FAILURE
    await record(
        session,
        action,
        actor_id=user.id,
        actor_username=user.username,
        detail=result.failure or "",
        ip=ip,
        now=now,
    )
    await session.flush()
    return result


async def _check(user: AdminUser, password: str, now: datetime) -> SignIn:
    if user.locked_until is not None and utc(user.locked_until) <= now:
        user.locked_until, user.failed_count = None, 0
    locked = user.locked_until is not None
    # Verify even when locked, so a locked account answers as slowly as any other.
    good = len(password) <= MAX_PASSWORD_LENGTH and await _verify(user.password_hash, password)
    if locked:
        return SignIn(None, Failure.LOCKED)
    if not good:
        user.failed_count += 1
        if user.failed_count >= MAX_FAILURES:
            user.locked_until = now + LOCKOUT
        return SignIn(None, Failure.BAD_PASSWORD)
    if not user.active:
        return SignIn(None, Failure.INACTIVE)
    user.failed_count, user.locked_until = 0, None
    if password_hasher.check_needs_rehash(user.password_hash):
        user.password_hash = await _hash(password)
    return SignIn(_identity(user))


async def open_session(
    session: AsyncSession, user_id: int, key: str, *, now: datetime | None = None
) -> datetime:
    """Store a new session under `key` (a keyed hash of the cookie token); return its expiry."""
    now = now or _now()
    await session.execute(
        delete(AdminSession).where(AdminSession.user_id == user_id, AdminSession.expires_at <= now)
    )
    expires = now + SESSION_LIFETIME
    session.add(AdminSession(id=key, user_id=user_id, created_at=now, expires_at=expires))
    await session.flush()
    return expires


async def session_identity(
    session: AsyncSession, key: str, *, now: datetime | None = None
) -> Identity | None:
    """The active account behind an unexpired session, or None."""
    query = (
        select(AdminUser)
        .join(AdminSession, AdminSession.user_id == AdminUser.id)
        .where(
            AdminSession.id == key,
            AdminSession.expires_at > (now or _now()),
            AdminUser.active.is_(True),
        )
    )
    user = (await session.execute(query)).scalar_one_or_none()
    return _identity(user) if user is not None else None


async def sign_out(
    session: AsyncSession, key: str, *, ip: str = "", now: datetime | None = None
) -> bool:
    """End the session under `key` and audit it; False when there was no such session."""
    ended = await session.execute(
        delete(AdminSession).where(AdminSession.id == key).returning(AdminSession.user_id)
    )
    user_id = ended.scalar_one_or_none()
    if user_id is None:
        return False
    user = await session.get(AdminUser, user_id)
    await record(
        session,
        Action.SIGNOUT,
        actor_id=user_id,
        actor_username=user.username if user else "",
        ip=ip,
        now=now,
    )
    await session.flush()
    return True


async def record(
    session: AsyncSession,
    action: str,
    *,
    actor_id: int | None = None,
    actor_username: str = "",
    subject: str = "",
    detail: str = "",
    ip: str = "",
    now: datetime | None = None,
) -> None:
    """Append one audit row. There is deliberately no way to change or remove one."""
    session.add(
        AuditLog(
            created_at=now or _now(),
            actor_id=actor_id,
            actor_username=actor_username[:64],
            action=str(action)[:32],
            subject=subject[:64],
            detail=str(detail)[:64],
            ip=ip[:45],
        )
    )


async def audit_trail(
    session: AsyncSession, *, actor_username: str | None = None, limit: int = 100
) -> list[AuditEntry]:
    """The newest audit rows first, optionally for one account."""
    query = select(AuditLog).order_by(AuditLog.id.desc()).limit(limit)
    if actor_username is not None:
        query = query.where(AuditLog.actor_username == normalise_username(actor_username))
    rows = (await session.execute(query)).scalars().all()
    return [
        AuditEntry(
            utc(r.created_at), r.actor_id, r.actor_username, r.action, r.subject, r.detail, r.ip
        )
        for r in rows
    ]
