"""Sign-in: the password with its lockout, then the TOTP code when the account has it on;
each attempt is audited. Lifting a lockout from the command line is here too.

The lockout and the code check are the application's (handlers/accounts/proof.py), applied to
the row's `AccountState` and written back, so a wrong guess counts the same here as on the
account page."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlalchemy.ext.asyncio import AsyncSession

from handlers.accounts import clock
from handlers.accounts.ports import AccountState, By
from handlers.accounts.proof import accept_code, count_failure, lock_state
from handlers.accounts.rules import MAX_PASSWORD_LENGTH, USERNAME, normalise_username
from handlers.audit import AuditAction
from handlers.people import Identity
from storage import totp
from storage.admin_users.accounts import lock_user, lock_user_id
from storage.admin_users.audit_log import record, record_by
from storage.admin_users.passwords import dummy_hash, hash_password, needs_rehash, verify_password
from storage.admin_users.store import state_of, write_back
from storage.identity import identity_of
from storage.models import AdminUser
from storage.sealing import Sealer


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
    account = state_of(user)
    result = await _check(user, account, password, now)
    write_back(user, account)
    if result.pending_id is not None:
        # Nothing is audited yet: the sign-in succeeds or fails at the code.
        await session.flush()
        return result
    action = AuditAction.SIGNIN_SUCCESS if result.ok else AuditAction.SIGNIN_FAILURE
    await record_by(session, user, action, detail=result.failure or "", ip=ip, now=now)
    return result


async def _check(user: AdminUser, account: AccountState, password: str, now: datetime) -> SignIn:
    locked = lock_state(account, now)
    # Verify even when locked, so a locked account answers as slowly as any other.
    good = len(password) <= MAX_PASSWORD_LENGTH and (
        await verify_password(account.password_hash, password)
    )
    if locked:
        return SignIn(None, Failure.LOCKED)
    if not good:
        count_failure(account, now)
        return SignIn(None, Failure.BAD_PASSWORD)
    if not account.active:
        return SignIn(None, Failure.INACTIVE)
    if needs_rehash(account.password_hash):
        account.password_hash = await hash_password(password)
    if account.totp_sealed:
        # The failure count is cleared by the code only: otherwise someone who knows the
        # password could guess codes forever, typing the password again every four guesses.
        return SignIn(None, pending_id=account.id)
    account.failed_count, account.locked_until = 0, None
    return SignIn(identity_of(user))


def _code_check(
    user: AdminUser, account: AccountState, code: str, sealer: Sealer, now: datetime
) -> SignIn:
    if lock_state(account, now):
        return SignIn(None, Failure.LOCKED)
    if not account.active:
        return SignIn(None, Failure.INACTIVE)
    if not accept_code(account, code[:32], totp, sealer, now):
        count_failure(account, now)
        return SignIn(None, Failure.BAD_CODE)
    account.failed_count, account.locked_until = 0, None
    return SignIn(identity_of(user))


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
    account = state_of(user)
    result = _code_check(user, account, code, sealer, now)
    write_back(user, account)
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
