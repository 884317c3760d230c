"""Panel sessions: open one after sign-in, find its account, end one or all of them."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.accounts import clock
from handlers.accounts.ports import By
from handlers.audit import AuditAction
from handlers.people import Identity
from storage.admin_users.audit_log import record, record_by
from storage.identity import identity_of
from storage.models import AdminSession, AdminUser

SESSION_LIFETIME = timedelta(hours=12)


async def open_session(
    session: AsyncSession, user_id: int, key: str, *, now: datetime | None = None
) -> datetime:
    """Store a new session under `key` (a keyed hash of the cookie token); return its expiry."""
    now = now or clock.now()
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
            AdminSession.expires_at > (now or clock.now()),
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
