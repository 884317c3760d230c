"""Panel accounts: creation, password sign-in with lockout, the TOTP second step, sessions,
the account holder's own changes, a province admin's management of accounts, the audit log.

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
from sqlalchemy import ColumnElement, and_, delete, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from content import areas
from handlers.audit import AuditAction
from handlers.errors import BadInput, Conflict, Forbidden, NotFound
from storage import api_tokens, totp
from storage.db import utc
from storage.identity import Identity, identity_of
from storage.models import AdminRole, AdminSession, AdminUser, AuditLog
from storage.sealing import Sealer, SealError

MAX_FAILURES = 5
LOCKOUT = timedelta(minutes=15)
SESSION_LIFETIME = timedelta(hours=12)
MIN_PASSWORD_LENGTH = 10
MAX_PASSWORD_LENGTH = 1024
USERNAME = re.compile(r"[a-z0-9][a-z0-9._-]{2,63}")
COMMUNE_CODE = re.compile(r"\d{5}")
PROVINCE_CODE = re.compile(r"\d{2}")
COMMUNE_ROLES = frozenset({AdminRole.OFFICER, AdminRole.CHIEF, AdminRole.LEADER})
MAX_DISPLAY_NAME_LENGTH = 100

# argon2id with argon2-cffi's defaults (RFC 9106 low-memory profile: 64 MiB, t=3, p=4).
# Tests swap in cheaper parameters; stored hashes carry their own, and are upgraded on sign-in.
password_hasher = PasswordHasher()


class Failure(StrEnum):
    """Why a sign-in failed: for the audit log only, never shown to the person signing in."""

    UNKNOWN_USER = "unknown_user"
    BAD_PASSWORD = "bad_password"
    LOCKED = "locked"
    INACTIVE = "inactive"
    BAD_CODE = "bad_code"


class By(StrEnum):
    """Audit detail of an account change: who made it."""

    SELF = "self"
    ADMIN = "admin"
    EVERYWHERE = "everywhere"
    CLI = "cli"


class InvalidAdminUser(ValueError):
    """The new account breaks a rule (username, role, area code, password length)."""


class UsernameTaken(InvalidAdminUser):
    pass


class AccountError(BadInput):
    """An account change was refused; `code` names why (catalog id "panel.account.error.<code>").

    Wrong passwords and codes have already counted toward the lockout when this is raised, so
    the caller commits anyway. TOTP that is already on is a `Conflict("totp_on")` instead.
    """


class NotAllowed(Forbidden):
    """The actor's role may not manage accounts."""


class NoSuchUser(NotFound):
    """No account with that id within the actor's province."""


@dataclass(frozen=True, slots=True)
class SignIn:
    identity: Identity | None
    failure: Failure | None = None
    # The password was right and the account has TOTP on: the code is still needed.
    pending_id: int | None = None

    @property
    def ok(self) -> bool:
        return self.identity is not None


@dataclass(frozen=True, slots=True)
class Account:
    """An account as the account page and the user list show it (never the password hash)."""

    id: int
    username: str
    display_name: str
    role: AdminRole
    commune_code: str
    province_code: str
    active: bool
    locked_until: datetime | None
    totp_on: bool
    created_at: datetime

    def locked(self, now: datetime) -> bool:
        return self.locked_until is not None and self.locked_until > now


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


def account_of(user: AdminUser) -> Account:
    return Account(
        user.id,
        user.username,
        user.display_name,
        user.role,
        user.commune_code,
        user.province_code,
        user.active,
        utc(user.locked_until) if user.locked_until is not None else None,
        bool(user.totp_sealed),
        utc(user.created_at),
    )


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
    display_name: str = "",
) -> Identity:
    """Add an active account. Raises InvalidAdminUser, or UsernameTaken for a duplicate."""
    username = normalise_username(username)
    display_name = " ".join(display_name.split())
    _validate(username, role, commune_code, province_code, password)
    if len(display_name) > MAX_DISPLAY_NAME_LENGTH:
        raise InvalidAdminUser(f"display name must be at most {MAX_DISPLAY_NAME_LENGTH} characters")
    user = AdminUser(
        username=username,
        display_name=display_name,
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
    return identity_of(user)


async def set_active(session: AsyncSession, username: str, active: bool) -> bool:
    result = await session.execute(
        update(AdminUser)
        .where(AdminUser.username == normalise_username(username))
        .values(active=active)
        .returning(AdminUser.id)
    )
    return result.scalar_one_or_none() is not None


async def _lock_user(session: AsyncSession, username: str) -> AdminUser | None:
    return await _lock_where(session, AdminUser.username == username)


async def _lock_user_id(session: AsyncSession, user_id: int) -> AdminUser | None:
    return await _lock_where(session, AdminUser.id == user_id)


async def _lock_where(session: AsyncSession, where: ColumnElement[bool]) -> AdminUser | None:
    """Load the account holding its row lock until commit.

    A no-op UPDATE (rather than SELECT ... FOR UPDATE) takes the lock on PostgreSQL and the
    write lock on SQLite alike, so concurrent guesses are counted one after another and a
    burst of parallel requests cannot slip past the fifth failure.
    """
    locked = await session.execute(
        update(AdminUser)
        .where(where)
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
        await record(
            session, AuditAction.SIGNIN_FAILURE, detail=Failure.UNKNOWN_USER, ip=ip, now=now
        )
        return SignIn(None, Failure.UNKNOWN_USER)
    result = await _check(user, password, now)
    if result.pending_id is not None:
        # Nothing is audited yet: the sign-in succeeds or fails at the code.
        await session.flush()
        return result
    action = AuditAction.SIGNIN_SUCCESS if result.ok else AuditAction.SIGNIN_FAILURE
    await record_by(session, user, action, detail=result.failure or "", ip=ip, now=now)
    return result


async def _check(user: AdminUser, password: str, now: datetime) -> SignIn:
    locked = _lock_state(user, now)
    # Verify even when locked, so a locked account answers as slowly as any other.
    good = len(password) <= MAX_PASSWORD_LENGTH and await _verify(user.password_hash, password)
    if locked:
        return SignIn(None, Failure.LOCKED)
    if not good:
        _count_failure(user, now)
        return SignIn(None, Failure.BAD_PASSWORD)
    if not user.active:
        return SignIn(None, Failure.INACTIVE)
    if password_hasher.check_needs_rehash(user.password_hash):
        user.password_hash = await _hash(password)
    if user.totp_sealed:
        # The failure count is cleared by the code only: otherwise someone who knows the
        # password could guess codes forever, typing the password again every four guesses.
        return SignIn(None, pending_id=user.id)
    user.failed_count, user.locked_until = 0, None
    return SignIn(identity_of(user))


def _lock_state(user: AdminUser, now: datetime) -> bool:
    """Whether the account is locked now (an expired lockout is cleared on the way)."""
    if user.locked_until is not None and utc(user.locked_until) <= now:
        user.locked_until, user.failed_count = None, 0
    return user.locked_until is not None


def _count_failure(user: AdminUser, now: datetime) -> None:
    user.failed_count += 1
    if user.failed_count >= MAX_FAILURES:
        user.locked_until = now + LOCKOUT


def _totp_secret(user: AdminUser, sealer: Sealer) -> str | None:
    if not user.totp_sealed:
        return None
    try:
        return sealer.open(user.totp_sealed).get("totp")
    except SealError:
        return None


def _accept_code(user: AdminUser, code: str, sealer: Sealer, now: datetime) -> bool:
    """Check a TOTP code against the account, remembering its step so it is not reused."""
    secret = _totp_secret(user, sealer)
    if secret is None:
        return False
    step = totp.matching_step(secret, code, now.timestamp(), user.totp_last_step)
    if step is None:
        return False
    user.totp_last_step = step
    return True


async def sign_in_code(
    session: AsyncSession,
    user_id: int,
    code: str,
    sealer: Sealer,
    *,
    ip: str = "",
    now: datetime | None = None,
) -> SignIn:
    """The second step of a TOTP sign-in: wrong codes count toward the password lockout."""
    now = now or _now()
    user = await _lock_user_id(session, user_id)
    if user is None:
        return SignIn(None, Failure.UNKNOWN_USER)
    if _lock_state(user, now):
        result = SignIn(None, Failure.LOCKED)
    elif not user.active:
        result = SignIn(None, Failure.INACTIVE)
    elif not _accept_code(user, code[:32], sealer, now):
        _count_failure(user, now)
        result = SignIn(None, Failure.BAD_CODE)
    else:
        user.failed_count, user.locked_until = 0, None
        result = SignIn(identity_of(user))
    action = AuditAction.SIGNIN_SUCCESS if result.ok else AuditAction.SIGNIN_FAILURE
    await record_by(session, user, action, detail=result.failure or "", ip=ip, now=now)
    return result


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
    return identity_of(user) if user is not None else None


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
        AuditAction.SIGNOUT,
        actor_id=user_id,
        actor_username=user.username if user else "",
        ip=ip,
        now=now,
    )
    await session.flush()
    return True


async def record(
    session: AsyncSession,
    action: AuditAction,
    *,
    actor_id: int | None = None,
    actor_username: str = "",
    subject: str = "",
    detail: str = "",
    ip: str = "",
    now: datetime | None = None,
    reason: str = "",
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
            reason=reason,
        )
    )


async def record_by(
    session: AsyncSession,
    actor: AdminUser | Identity,
    action: AuditAction,
    *,
    subject: str = "",
    detail: str = "",
    ip: str = "",
    now: datetime | None = None,
) -> None:
    """Audit an action of `actor` (an account row or a signed-in identity), then flush."""
    await record(
        session,
        action,
        actor_id=actor.id,
        actor_username=actor.username,
        subject=subject,
        detail=detail,
        ip=ip,
        now=now,
    )
    await session.flush()


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


# --- The account holder's own changes ---------------------------------------------------------


async def account(session: AsyncSession, user_id: int) -> Account | None:
    user = await session.get(AdminUser, user_id, populate_existing=True)
    return account_of(user) if user is not None else None


async def _holder(session: AsyncSession, actor: Identity) -> AdminUser:
    user = await _lock_user_id(session, actor.id)
    if user is None or not user.active:
        raise AccountError("inactive")
    return user


async def _reauthenticate(
    user: AdminUser, secret: str, sealer: Sealer | None, now: datetime
) -> None:
    """Check the password (or, with a sealer, a current TOTP code) for a sensitive change."""
    locked = _lock_state(user, now)
    code = totp.normalise_code(secret)
    if sealer is not None and len(code) == totp.DIGITS and code.isdigit():
        good = _accept_code(user, code, sealer, now)
    else:
        good = len(secret) <= MAX_PASSWORD_LENGTH and await _verify(user.password_hash, secret)
    if locked:
        raise AccountError("locked")
    if not good:
        _count_failure(user, now)
        raise AccountError("bad_secret")


def _check_new_password(password: str, repeat: str) -> None:
    if password != repeat:
        raise AccountError("password_mismatch")
    if not MIN_PASSWORD_LENGTH <= len(password) <= MAX_PASSWORD_LENGTH:
        raise AccountError("password_length")


async def change_password(
    session: AsyncSession,
    actor: Identity,
    current: str,
    new: str,
    repeat: str,
    *,
    keep_session: str,
    ip: str = "",
    now: datetime | None = None,
) -> int:
    """Change one's own password; every other session of the account ends (their number)."""
    now = now or _now()
    user = await _holder(session, actor)
    await _reauthenticate(user, current, None, now)
    _check_new_password(new, repeat)
    if new == current:
        raise AccountError("password_same")
    user.password_hash = await _hash(new)
    ended = await end_sessions(session, user.id, keep=keep_session)
    await record_by(
        session,
        user,
        AuditAction.USER_PASSWORD,
        subject=user.username,
        detail=By.SELF,
        ip=ip,
        now=now,
    )
    return ended


async def enable_totp(
    session: AsyncSession,
    actor: Identity,
    secret: str,
    code: str,
    password: str,
    sealer: Sealer,
    *,
    ip: str = "",
    now: datetime | None = None,
) -> None:
    """Turn TOTP on with a new secret, once a first code from the app proves it is set up.
    The password too: a borrowed or stolen session must not bind its own authenticator and
    lock the owner out."""
    now = now or _now()
    user = await _holder(session, actor)
    if user.totp_sealed:
        raise Conflict("totp_on")
    if not totp.valid_secret(secret):
        raise AccountError("totp_secret")
    await _reauthenticate(user, password, None, now)
    step = totp.matching_step(secret, code, now.timestamp(), None)
    if step is None:
        raise AccountError("bad_code")
    user.totp_sealed = sealer.seal({"totp": secret})
    user.totp_last_step = step
    await record_by(
        session,
        user,
        AuditAction.TOTP_ENABLE,
        subject=user.username,
        detail=By.SELF,
        ip=ip,
        now=now,
    )


async def disable_totp(
    session: AsyncSession,
    actor: Identity,
    password_or_code: str,
    sealer: Sealer,
    *,
    ip: str = "",
    now: datetime | None = None,
) -> None:
    """Turn one's own TOTP off, given the password or a current code."""
    now = now or _now()
    user = await _holder(session, actor)
    if not user.totp_sealed:
        raise AccountError("totp_off")
    await _reauthenticate(user, password_or_code, sealer, now)
    user.totp_sealed, user.totp_last_step = "", None
    await record_by(
        session,
        user,
        AuditAction.TOTP_DISABLE,
        subject=user.username,
        detail=By.SELF,
        ip=ip,
        now=now,
    )


async def end_sessions(session: AsyncSession, user_id: int, *, keep: str | None = None) -> int:
    """End an account's sessions, all but `keep` (a session key) when given; their number."""
    query = delete(AdminSession).where(AdminSession.user_id == user_id)
    if keep is not None:
        query = query.where(AdminSession.id != keep)
    result = await session.execute(query.returning(AdminSession.id))
    return len(result.scalars().all())


async def sign_out_everywhere(
    session: AsyncSession, actor: Identity, *, ip: str = "", now: datetime | None = None
) -> int:
    """End every session of the account, this one included; audited as a sign-out."""
    ended = await end_sessions(session, actor.id)
    await record_by(session, actor, AuditAction.SIGNOUT, detail=By.EVERYWHERE, ip=ip, now=now)
    return ended


# --- A province admin's management of accounts ------------------------------------------------


def province_accounts(province_code: str) -> ColumnElement[bool]:
    """Accounts belonging to a province: its admins, and the commune roles of its communes."""
    communes = [c.code for c in areas.communes_of(province_code)]
    return or_(
        and_(
            AdminUser.role == AdminRole.PROVINCE_ADMIN,
            AdminUser.province_code == province_code,
        ),
        and_(AdminUser.role != AdminRole.PROVINCE_ADMIN, AdminUser.commune_code.in_(communes)),
    )


def manage_scope(actor: Identity) -> ColumnElement[bool]:
    """The accounts `actor` may manage; NotAllowed unless a province admin."""
    if actor.role is not AdminRole.PROVINCE_ADMIN or not actor.province_code:
        raise NotAllowed(detail=actor.role.value)
    return province_accounts(actor.province_code)


async def list_users(
    session: AsyncSession, actor: Identity, *, commune_code: str = "", query: str = ""
) -> list[Account]:
    """The accounts of the actor's province: admins first, then by commune and username."""
    where = [manage_scope(actor)]
    if commune_code:
        where.append(AdminUser.commune_code == commune_code)
    text = normalise_username(query)
    if text:
        escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        like = f"%{escaped}%"
        where.append(
            or_(
                AdminUser.username.like(like, escape="\\"),
                AdminUser.display_name.ilike(like, escape="\\"),
            )
        )
    rows = await session.execute(
        select(AdminUser)
        .where(*where)
        .order_by(AdminUser.commune_code, AdminUser.role, AdminUser.username)
    )
    return [account_of(u) for u in rows.scalars()]


async def _managed(
    session: AsyncSession, actor: Identity, user_id: int, *, self_ok: bool = False
) -> AdminUser:
    scope = manage_scope(actor)
    found = await session.execute(
        update(AdminUser)
        .where(AdminUser.id == user_id, scope)
        .values(failed_count=AdminUser.failed_count)
        .returning(AdminUser.id)
    )
    if found.scalar_one_or_none() is None:
        raise NoSuchUser(detail=str(user_id))
    if user_id == actor.id and not self_ok:
        raise AccountError("self")
    user = await session.get(AdminUser, user_id, populate_existing=True)
    if user is None:  # pragma: no cover - the row was just locked
        raise NoSuchUser(detail=str(user_id))
    return user


async def managed_account(session: AsyncSession, actor: Identity, user_id: int) -> Account:
    """One account of the actor's province (NoSuchUser outside it)."""
    user = (
        await session.execute(select(AdminUser).where(AdminUser.id == user_id, manage_scope(actor)))
    ).scalar_one_or_none()
    if user is None:
        raise NoSuchUser(detail=str(user_id))
    return account_of(user)


async def admin_create_user(
    session: AsyncSession,
    actor: Identity,
    *,
    username: str,
    display_name: str,
    role: AdminRole,
    commune_code: str,
    password: str,
    repeat: str,
    ip: str = "",
    now: datetime | None = None,
) -> Identity:
    """A province admin adds an account in their own province (AccountError on bad input)."""
    manage_scope(actor)
    name = normalise_username(username)
    if not USERNAME.fullmatch(name):
        raise AccountError("username")
    if len(" ".join(display_name.split())) > MAX_DISPLAY_NAME_LENGTH:
        raise AccountError("display_name")
    if role is AdminRole.PROVINCE_ADMIN:
        commune_code, province_code = "", actor.province_code
    else:
        commune = areas.commune(commune_code.strip())
        if commune is None or commune.province_code != actor.province_code:
            raise AccountError("commune")
        commune_code, province_code = commune.code, commune.province_code
    _check_new_password(password, repeat)
    try:
        identity = await create_user(
            session,
            username=name,
            password=password,
            role=role,
            commune_code=commune_code,
            province_code=province_code,
            display_name=display_name,
        )
    except UsernameTaken:
        raise AccountError("taken") from None
    except InvalidAdminUser:  # pragma: no cover - every rule is checked above
        raise AccountError("invalid") from None
    await record_by(
        session,
        actor,
        AuditAction.USER_CREATE,
        subject=identity.username,
        detail=role.value,
        ip=ip,
        now=now,
    )
    return identity


async def admin_set_active(
    session: AsyncSession,
    actor: Identity,
    user_id: int,
    active: bool,
    *,
    ip: str = "",
    now: datetime | None = None,
) -> None:
    """Deactivate (ending the account's sessions) or reactivate an account, not one's own."""
    user = await _managed(session, actor, user_id)
    if user.active == active:
        return
    user.active = active
    if not active:
        await end_sessions(session, user.id)
    action = AuditAction.USER_ACTIVATE if active else AuditAction.USER_DEACTIVATE
    await record_by(session, actor, action, subject=user.username, ip=ip, now=now)


async def admin_unlock(
    session: AsyncSession,
    actor: Identity,
    user_id: int,
    *,
    ip: str = "",
    now: datetime | None = None,
) -> None:
    """Lift a lockout before its 15 minutes are over."""
    user = await _managed(session, actor, user_id, self_ok=True)
    user.failed_count, user.locked_until = 0, None
    await record_by(session, actor, AuditAction.USER_UNLOCK, subject=user.username, ip=ip, now=now)


async def admin_reset_password(
    session: AsyncSession,
    actor: Identity,
    user_id: int,
    password: str,
    repeat: str,
    *,
    ip: str = "",
    now: datetime | None = None,
) -> None:
    """Set another account's password; its sessions and API tokens end. This is how a
    compromised account is taken back, so nothing issued before may outlive it. One's own
    password goes by the account page."""
    user = await _managed(session, actor, user_id)
    _check_new_password(password, repeat)
    user.password_hash = await _hash(password)
    await end_sessions(session, user.id)
    await api_tokens.revoke_all(session, user.id, now=now)
    await record_by(
        session,
        actor,
        AuditAction.USER_PASSWORD,
        subject=user.username,
        detail=By.ADMIN,
        ip=ip,
        now=now,
    )


async def admin_disable_totp(
    session: AsyncSession,
    actor: Identity,
    user_id: int,
    *,
    ip: str = "",
    now: datetime | None = None,
) -> None:
    """Turn off another account's TOTP (a lost phone); the password alone signs in again."""
    user = await _managed(session, actor, user_id)
    if not user.totp_sealed:
        raise AccountError("totp_off")
    user.totp_sealed, user.totp_last_step = "", None
    await record_by(
        session,
        actor,
        AuditAction.TOTP_DISABLE,
        subject=user.username,
        detail=By.ADMIN,
        ip=ip,
        now=now,
    )


async def unlock(session: AsyncSession, username: str, *, now: datetime | None = None) -> bool:
    """Lift a lockout from the command line; False for no such user.

    Audited under the account itself (detail "cli"), so its chief and province admin see it.
    """
    user = await _lock_user(session, normalise_username(username))
    if user is None:
        return False
    user.failed_count, user.locked_until = 0, None
    await record_by(
        session, user, AuditAction.USER_UNLOCK, subject=user.username, detail=By.CLI, now=now
    )
    return True


async def active_user(session: AsyncSession, username: str) -> Identity | None:
    """The active account of that username, or None."""
    user = (
        await session.execute(
            select(AdminUser).where(
                AdminUser.username == normalise_username(username), AdminUser.active.is_(True)
            )
        )
    ).scalar_one_or_none()
    return identity_of(user) if user is not None else None
