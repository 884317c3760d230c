"""What the database says about the service's health, for /metrics and the alert rules in
deploy/prometheus/alerts.yml (issue 22). Counters of what one process did live in
bot/metrics.py; these are the state all processes share, read when scraped:

- open tips whose current legal deadline (`next_due`, a date in Vietnam) has passed;
- the police's messages to residents that are due and not yet sent (the outbox's backlog),
  and how long the oldest about a tip has waited (a receipt's notice, an officer's question:
  a broadcast's copies wait their turn behind the bot's rate for an hour or more, rightly);
- turns' replies still owed (bot/owed.py) whose first sender's lease ran out, and the oldest;
- failed sign-ins to the panel in the last 15 minutes (the audit log's rows; an attack on
  passwords shows here whichever process answered it).

Each is one indexed count; nothing names a resident or an officer."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import cast

from sqlalchemy import Table, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.audit import AuditAction
from handlers.deadlines import local_date
from handlers.tips.words import TipStatus
from storage.models import AuditLog, OutboxMessage, OwedReply, Tip

SIGNIN_WINDOW = timedelta(minutes=15)
OUTBOX = cast(Table, OutboxMessage.__table__)
OWED = cast(Table, OwedReply.__table__)
WEB = "web"  # the web chat's rows are fetched by the page, or dropped unsent (bot/owed.py)


@dataclass(frozen=True)
class OpsGauges:
    tips_overdue: int
    outbox_due: int
    outbox_oldest_tip_seconds: float
    owed_stale: int
    owed_oldest_seconds: float
    signin_failures: int


def _age(now: datetime, oldest: datetime | None) -> float:
    if oldest is None:
        return 0.0
    if oldest.tzinfo is None:  # SQLite gives naive UTC
        oldest = oldest.replace(tzinfo=now.tzinfo)
    return max(0.0, (now - oldest).total_seconds())


async def read(session: AsyncSession, now: datetime) -> OpsGauges:
    """The gauges at `now` (aware, UTC)."""
    today = local_date(now)
    overdue = select(func.count()).where(Tip.status != TipStatus.CLOSED.value, Tip.next_due < today)
    waiting = (OUTBOX.c.status == "pending", OUTBOX.c.channel != WEB, OUTBOX.c.due_at <= now)
    due = select(func.count()).where(*waiting)
    oldest_tip = select(func.min(OUTBOX.c.due_at)).where(*waiting, OUTBOX.c.tip_id.is_not(None))
    stale = select(func.count(), func.min(OWED.c.created_at)).where(
        OWED.c.channel != WEB, OWED.c.due_at <= now
    )
    failures = select(func.count()).where(
        AuditLog.action == AuditAction.SIGNIN_FAILURE.value,
        AuditLog.created_at > now - SIGNIN_WINDOW,
        AuditLog.created_at <= now,
    )
    n_overdue = int((await session.execute(overdue)).scalar_one())
    n_due = int((await session.execute(due)).scalar_one())
    oldest_due = (await session.execute(oldest_tip)).scalar_one()
    n_stale, oldest_owed = (await session.execute(stale)).one()
    n_failures = int((await session.execute(failures)).scalar_one())
    return OpsGauges(
        tips_overdue=n_overdue,
        outbox_due=n_due,
        outbox_oldest_tip_seconds=_age(now, oldest_due),
        owed_stale=int(n_stale),
        owed_oldest_seconds=_age(now, oldest_owed),
        signin_failures=n_failures,
    )
