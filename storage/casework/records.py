"""What an action writes besides the tip itself, in the same transaction: an entry of the
tip's timeline, a row of the audit log, a notice to the reporter through the outbox."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from handlers.audit import AuditAction
from handlers.tipmodel import Visibility
from storage import admin_users, outbox
from storage.identity import Identity
from storage.models import Tip, TipEvent


def now_or(now: datetime | None) -> datetime:
    return now or datetime.now(UTC)


def event(
    session: AsyncSession,
    tip: Tip,
    kind: str,
    visibility: Visibility,
    body: str,
    actor: Identity | None,
    now: datetime,
) -> TipEvent:
    entry = TipEvent(
        tip_id=tip.id,
        at=now,
        kind=kind,
        visibility=visibility.value,
        body=body,
        actor=actor.username if actor else "",
    )
    session.add(entry)
    return entry


async def audit(
    session: AsyncSession,
    actor: Identity,
    action: AuditAction,
    tip: Tip | None,
    *,
    detail: str = "",
    reason: str = "",
    ip: str = "",
    now: datetime,
) -> None:
    await admin_users.record(
        session,
        action,
        actor_id=actor.id,
        actor_username=actor.username,
        subject=tip.code if tip is not None else "",
        detail=detail,
        reason=reason,
        ip=ip,
        now=now,
    )


async def notify(
    session: AsyncSession,
    tip: Tip,
    notice: outbox.Notice,
    params: dict[str, str],
    now: datetime,
) -> None:
    await outbox.notify_reporter(
        session,
        tip_id=tip.id,
        resident_id=tip.resident_id,
        code=tip.code,
        notice=notice,
        params=params,
        now=now,
    )
