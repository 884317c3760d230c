"""The filtered queue as rows for a report, for the panel's CSV and spreadsheet downloads;
every export is audited with its filters."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.audit import AuditAction
from handlers.casework.load import now_or
from handlers.deadlines import NO_DUE, local_date
from handlers.people import Identity
from handlers.tips.words import Protection, TipStatus, Track
from storage import admin_users
from storage.casework.area import scope
from storage.casework.filters import filter_clauses
from storage.casework.views import ExportRow, QueueFilter, utc_or_none
from storage.models import AdminUser, Tip

MAX_EXPORT_ROWS = 100_000


async def export_rows(
    session: AsyncSession,
    actor: Identity,
    f: QueueFilter,
    *,
    ip: str = "",
    now: datetime | None = None,
    filters: str = "",
    subject: str = "",
) -> list[ExportRow]:
    """The filtered queue as rows for a report (at most MAX_EXPORT_ROWS), audited with the
    filters and `subject`, the area it covers (handlers/audit.py commune_subject...)."""
    now = now_or(now)
    query = (
        select(Tip, AdminUser.username)
        .outerjoin(AdminUser, AdminUser.id == Tip.assignee_id)
        .where(scope(actor), *filter_clauses(f, actor, local_date(now)))
        .order_by(Tip.received_on, Tip.code)
        .limit(MAX_EXPORT_ROWS)
    )
    rows = [_row(tip, username or "") for tip, username in (await session.execute(query)).all()]
    await admin_users.record(
        session,
        AuditAction.TIPS_EXPORT,
        actor_id=actor.id,
        actor_username=actor.username,
        subject=subject,
        detail=f"{len(rows)} rows",
        reason=filters,
        ip=ip,
        now=now,
    )
    await session.flush()
    return rows


def _row(tip: Tip, assignee: str) -> ExportRow:
    return ExportRow(
        code=tip.code,
        category=tip.category,
        status=TipStatus(tip.status),
        urgent=tip.urgent,
        commune_code=tip.commune_code,
        received_on=tip.received_on,
        ack_due=tip.ack_due,
        decision_due=None if tip.decision_due >= NO_DUE else tip.decision_due,
        next_due=_shown_next(tip),
        acknowledged_at=utc_or_none(tip.acknowledged_at),
        closed_at=utc_or_none(tip.closed_at),
        resolution=tip.resolution,
        assignee=assignee,
        forwarded_to=tip.forwarded_to,
        rating=tip.rating,
        anonymous=tip.anonymous,
        description=tip.description,
        address=tip.address,
        track=Track(tip.track),
        forward_due=tip.forward_due,
        forwarded_at=utc_or_none(tip.forwarded_at),
        extension_decision=tip.extension_decision,
        extension_decision_on=tip.extension_decision_on,
        protection=tip.protection != Protection.NONE.value,
    )


def _shown_next(tip: Tip) -> date | None:
    """The next deadline, none once closed, and never the NO_DUE sort key."""
    if tip.status == TipStatus.CLOSED.value or tip.next_due is None or tip.next_due >= NO_DUE:
        return None
    return tip.next_due
