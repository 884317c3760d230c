"""The account holder's own changes: who may make them, proving it is really them (the
password or a current code), and changing one's password."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from handlers.accounts import MAX_PASSWORD_LENGTH
from handlers.audit import AuditAction
from handlers.people import Identity
from storage import totp
from storage.admin_users import clock
from storage.admin_users.accounts import lock_user_id
from storage.admin_users.audit_log import By, record_by
from storage.admin_users.errors import AccountError
from storage.admin_users.passwords import check_new_password, hash_password, verify_password
from storage.admin_users.sessions import end_sessions
from storage.admin_users.signin import accept_code, count_failure, lock_state
from storage.models import AdminUser
from storage.sealing import Sealer


async def holder(session: AsyncSession, actor: Identity) -> AdminUser:
    user = await lock_user_id(session, actor.id)
    if user is None or not user.active:
        raise AccountError("inactive")
    return user


async def reauthenticate(
    user: AdminUser, secret: str, sealer: Sealer | None, now: datetime
) -> None:
    """Check the password (or, with a sealer, a current TOTP code) for a sensitive change."""
    locked = lock_state(user, now)
    code = totp.normalise_code(secret)
    if sealer is not None and len(code) == totp.DIGITS and code.isdigit():
        good = accept_code(user, code, sealer, now)
    else:
        good = len(secret) <= MAX_PASSWORD_LENGTH and (
            await verify_password(user.password_hash, secret)
        )
    if locked:
        raise AccountError("locked")
    if not good:
        count_failure(user, now)
        raise AccountError("bad_secret")


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
    now = now or clock.now()
    user = await holder(session, actor)
    await reauthenticate(user, current, None, now)
    check_new_password(new, repeat)
    if new == current:
        raise AccountError("password_same")
    user.password_hash = await hash_password(new)
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
