"""The officers' morning digest in SQL (handlers/officer_digest.py): the counts of every
commune with an officer who wants it, in three grouped queries, and one outbox row per
officer, claimed in scheduled_sends first so that one process queues each (3,000 officers:
a handful of statements, docs/BENCHMARKS.md §12)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime
from typing import cast

from sqlalchemy import Table, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from content import areas
from handlers import officer_digest
from handlers.deadlines import LOCAL_TZ
from handlers.notices import Notice
from storage.models import OutboxMessage, ScheduledSend, Tip
from storage.models.tips import OPEN_TIP
from storage.officer_notifications import OfficerChat, digest_chats

SENDS = cast(Table, ScheduledSend.__table__)
OPEN = Tip.status != "closed"
assert OPEN_TIP == "status <> 'closed'"  # the same rule as the partial indexes


async def counts(
    session: AsyncSession, communes: Iterable[str], since: datetime, today: date
) -> dict[str, officer_digest.Counts]:
    """Each commune's counts for the digest of `today` (communes with none are left out). New
    tips are counted up to this morning's 07:30, however late the digest goes: the next one
    counts from there."""
    wanted = sorted(set(communes))
    if not wanted:
        return {}
    until = datetime.combine(today, officer_digest.SENT_FROM, LOCAL_TZ)
    new = await session.execute(
        select(Tip.commune_code, func.count(), func.sum(Tip.urgent.cast(postgresql.INTEGER)))
        .where(
            Tip.commune_code.in_(wanted),
            Tip.created_at >= since.astimezone(UTC),
            Tip.created_at < until.astimezone(UTC),
        )
        .group_by(Tip.commune_code)
    )
    ack = await session.execute(
        select(Tip.commune_code, func.count())
        .where(
            Tip.commune_code.in_(wanted),
            OPEN,
            Tip.acknowledged_at.is_(None),
            Tip.ack_due == today,
        )
        .group_by(Tip.commune_code)
    )
    late = await session.execute(
        select(Tip.commune_code, func.count())
        .where(Tip.commune_code.in_(wanted), OPEN, Tip.next_due < today)
        .group_by(Tip.commune_code)
    )
    found: dict[str, dict[str, int]] = {}
    for commune, n, urgent in new.all():
        found.setdefault(commune, {}).update(new=int(n), urgent=int(urgent or 0))
    for commune, n in ack.all():
        found.setdefault(commune, {})["ack_today"] = int(n)
    for commune, n in late.all():
        found.setdefault(commune, {})["overdue"] = int(n)
    return {c: officer_digest.Counts(**v) for c, v in found.items()}


async def _claim(
    session: AsyncSession, day: date, chats: list[OfficerChat], now: datetime
) -> set[str]:
    """Claim today's digest of each officer; the ids of those this call claimed."""
    rows = [
        {"sending_key": officer_digest.key(day), "target": str(c.officer.id), "created_at": now}
        for c in chats
    ]
    if not rows:
        return set()
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    statement = (
        dialect.insert(SENDS).values(rows).on_conflict_do_nothing().returning(SENDS.c.target)
    )
    return {str(t) for t in (await session.execute(statement)).scalars()}


async def queue(session: AsyncSession, day: date, since: datetime, link: str, now: datetime) -> int:
    """Queue the digest of `day` for every linked officer who wants it and has not had it;
    how many rows. The caller commits (the claims and the rows together)."""
    now = now.astimezone(UTC)  # SQLite compares timestamps as text: one zone for all
    chats = [c for c in await digest_chats(session) if c.officer.commune_code]
    claimed = await _claim(session, day, chats, now)
    mine = [c for c in chats if str(c.officer.id) in claimed]
    numbers = await counts(session, (c.officer.commune_code for c in mine), since, day)
    for chat in mine:
        commune = chat.officer.commune_code
        found = areas.commune(commune)
        params = officer_digest.params(
            numbers.get(commune, officer_digest.Counts()),
            found.name if found else commune,
            day,
            link,
        )
        session.add(
            OutboxMessage(
                resident_id=chat.resident_id,
                tip_id=None,
                kind=str(Notice.OFFICER_DIGEST),
                payload={"code": "", "params": {**params, "user_id": str(chat.officer.id)}},
                status="pending",
                attempts=0,
                created_at=now,
                due_at=now,
                sent_at=None,
                channel="",
                last_error="",
                priority=0,
            )
        )
    await session.flush()
    return len(mine)
