"""Turning one's own TOTP second step on and off."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from handlers.audit import AuditAction
from handlers.errors import Conflict
from handlers.people import Identity
from storage import totp
from storage.admin_users import clock
from storage.admin_users.audit_log import By, record_by
from storage.admin_users.errors import AccountError
from storage.admin_users.own import holder, reauthenticate
from storage.sealing import Sealer


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
    now = now or clock.now()
    user = await holder(session, actor)
    if user.totp_sealed:
        raise Conflict("totp_on")
    if not totp.valid_secret(secret):
        raise AccountError("totp_secret")
    await reauthenticate(user, password, None, now)
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
    now = now or clock.now()
    user = await holder(session, actor)
    if not user.totp_sealed:
        raise AccountError("totp_off")
    await reauthenticate(user, password_or_code, sealer, now)
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
