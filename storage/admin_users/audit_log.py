"""The audit log: append a row (never change or remove one), and read the newest."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.accounts import clock
from handlers.accounts.rules import normalise_username
from handlers.audit import AuditAction
from handlers.people import Identity
from storage.db import utc
from storage.models import AdminUser, AuditLog


@dataclass(frozen=True, slots=True)
class AuditEntry:
    created_at: datetime
    actor_id: int | None
    actor_username: str
    action: str
    subject: str
    detail: str
    ip: str


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
            created_at=now or clock.now(),
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
    reason: str = "",
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
        reason=reason,
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
