"""Sign-in: the password with its lockout, then the TOTP code when the account has it on;
each attempt is audited. Lifting a lockout from the command line is here too."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy.ext.asyncio import AsyncSession

from handlers.accounts import MAX_PASSWORD_LENGTH, USERNAME, normalise_username
from handlers.audit import AuditAction
from handlers.people import Identity
from storage import totp
from storage.admin_users import clock
from storage.admin_users.accounts import lock_user, lock_user_id
from storage.admin_users.audit_log import By, record, record_by
from storage.admin_users.passwords import dummy_hash, hash_password, needs_rehash, verify_password
from storage.db import utc
from storage.identity import identity_of
from storage.models import AdminUser
from storage.sealing import Sealer, SealError

MAX_FAILURES = 5
LOCKOUT = timedelta(minutes=15)


class Failure(StrEnum):
    """Why a sign-in failed: for the audit log only, never shown to the person signing in."""

    UNKNOWN_USER = "unknown_user"
    BAD_PASSWORD = "bad_password"
    LOCKED = "locked"
    INACTIVE = "inactive"
    BAD_CODE = "bad_code"


@dataclass(frozen=True, slots=True)
class SignIn:
    identity: Identity | None
    failure: Failure | None = None
    # The password was right and the account has TOTP on: the code is still needed.
    pending_id: int | None = None

    @property
    def ok(self) -> bool:
        return self.identity is not None


async def sign_in(
    session: AsyncSession,
    username: str,
    password: str,
    *,
    ip: str = "",
    now: datetime | None = None,
) -> SignIn:
    """Check a password, applying the lockout, and write the audit row either way."""
    now = now or clock.now()
    name = normalise_username(username)
    user = await lock_user(session, name) if USERNAME.fullmatch(name) else None
    if user is None:
        # Spend the same time as for a real account, so timing does not reveal which exist.
        await verify_password(await asyncio.to_thread(dummy_hash), password[:MAX_PASSWORD_LENGTH])
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
    locked = lock_state(user, now)
    # Verify even when locked, so a locked account answers as slowly as any other.
    good = len(password) <= MAX_PASSWORD_LENGTH and (
        await verify_password(user.password_hash, password)
    )
    if locked:
        return SignIn(None, Failure.LOCKED)
    if not good:
        count_failure(user, now)
        return SignIn(None, Failure.BAD_PASSWORD)
    if not user.active:
        return SignIn(None, Failure.INACTIVE)
    if needs_rehash(user.password_hash):
        user.password_hash = await hash_password(password)
    if user.totp_sealed:
        # The failure count is cleared by the code only: otherwise someone who knows the
        # password could guess codes forever, typing the password again every four guesses.
        return SignIn(None, pending_id=user.id)
    user.failed_count, user.locked_until = 0, None
    return SignIn(identity_of(user))


def lock_state(user: AdminUser, now: datetime) -> bool:
    """Whether the account is locked now (an expired lockout is cleared on the way)."""
    if user.locked_until is not None and utc(user.locked_until) <= now:
        user.locked_until, user.failed_count = None, 0
    return user.locked_until is not None


def count_failure(user: AdminUser, now: datetime) -> None:
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


def accept_code(user: AdminUser, code: str, sealer: Sealer, now: datetime) -> bool:
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
    now = now or clock.now()
    user = await lock_user_id(session, user_id)
    if user is None:
        return SignIn(None, Failure.UNKNOWN_USER)
    if lock_state(user, now):
        result = SignIn(None, Failure.LOCKED)
    elif not user.active:
        result = SignIn(None, Failure.INACTIVE)
    elif not accept_code(user, code[:32], sealer, now):
        count_failure(user, now)
        result = SignIn(None, Failure.BAD_CODE)
    else:
        user.failed_count, user.locked_until = 0, None
        result = SignIn(identity_of(user))
    action = AuditAction.SIGNIN_SUCCESS if result.ok else AuditAction.SIGNIN_FAILURE
    await record_by(session, user, action, detail=result.failure or "", ip=ip, now=now)
    return result


async def unlock(session: AsyncSession, username: str, *, now: datetime | None = None) -> bool:
    """Lift a lockout from the command line; False for no such user.

    Audited under the account itself (detail "cli"), so its chief and province admin see it.
    """
    user = await lock_user(session, normalise_username(username))
    if user is None:
        return False
    user.failed_count, user.locked_until = 0, None
    await record_by(
        session, user, AuditAction.USER_UNLOCK, subject=user.username, detail=By.CLI, now=now
    )
    return True
