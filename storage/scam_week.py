"""The scams of the week in SQL (handlers/scam_week.py): for every province with a weekly
subscriber, the scam tips counted by category and the indicators the police confirmed in
the seven days that tips of the province named, in three grouped queries; then, for each
province with something to say, a claim in scheduled_sends (key "weekly/<ISO week>", target
the province's code: whichever process inserts first queues it) and one INSERT ... SELECT of
an outbox row per subscribed resident of the province, at a broadcast's priority.

Only the police's decision counts: an indicator residents reported but nobody confirmed, or
one the police rejected, is never read here."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime
from typing import cast

from sqlalchemy import JSON, CursorResult, Table, func, literal, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from content import areas
from handlers import scam_week
from handlers.deadlines import LOCAL_TZ
from handlers.notices import Notice
from handlers.ports import SubscriptionKind
from storage.models import (
    Indicator,
    IndicatorTip,
    OutboxMessage,
    Resident,
    ScheduledSend,
    Subscription,
    Tip,
)

SENDS = cast(Table, ScheduledSend.__table__)
OUTBOX = cast(Table, OutboxMessage.__table__)
PRIORITY = 1  # as a broadcast's copies: after the notices about a resident's own tip
COLUMNS = (
    "resident_id",
    "kind",
    "payload",
    "status",
    "attempts",
    "created_at",
    "due_at",
    "channel",
    "last_error",
    "priority",
)
WEEKLY = (Subscription.kind == SubscriptionKind.WEEKLY.value, Subscription.until.is_(None))


async def provinces(session: AsyncSession) -> list[str]:
    """The provinces with at least one weekly subscriber (from the residents' profiles)."""
    rows = await session.execute(
        select(Resident.province_code)
        .join(Subscription, Subscription.resident_id == Resident.id)
        .where(*WEEKLY, Resident.province_code != "")
        .distinct()
    )
    return sorted(str(p) for p in rows.scalars())


async def counts(
    session: AsyncSession, wanted: Iterable[str], since: datetime, until: datetime
) -> dict[str, dict[str, int]]:
    """Each province's scam tips of the days, by category (provinces with none left out)."""
    codes = sorted(set(wanted))
    if not codes:
        return {}
    rows = await session.execute(
        select(Tip.province_code, Tip.category, func.count())
        .where(
            Tip.province_code.in_(codes),
            Tip.category.in_(scam_week.fraud_categories()),
            Tip.created_at >= since.astimezone(UTC),
            Tip.created_at < until.astimezone(UTC),
        )
        .group_by(Tip.province_code, Tip.category)
    )
    found: dict[str, dict[str, int]] = {}
    for province, category, n in rows.all():
        found.setdefault(str(province), {})[str(category)] = int(n)
    return found


async def confirmed(
    session: AsyncSession, wanted: Iterable[str], since: datetime, until: datetime
) -> dict[str, list[scam_week.Confirmed]]:
    """Each province's indicators confirmed by the police in the days and named by a tip of
    the province, the latest decided first, at most the digest's cap."""
    codes = sorted(set(wanted))
    if not codes:
        return {}
    rows = await session.execute(
        select(
            Tip.province_code,
            Indicator.id,
            Indicator.kind,
            Indicator.value,
            Indicator.bank,
            Indicator.decided_at,
        )
        .join(IndicatorTip, IndicatorTip.indicator_id == Indicator.id)
        .join(Tip, Tip.id == IndicatorTip.tip_id)
        .where(
            Indicator.status == scam_week.CONFIRMED,
            Indicator.decided_at >= since.astimezone(UTC),
            Indicator.decided_at < until.astimezone(UTC),
            Tip.province_code.in_(codes),
        )
        .distinct()
        .order_by(Tip.province_code, Indicator.decided_at.desc(), Indicator.id)
    )
    found: dict[str, list[scam_week.Confirmed]] = {}
    for province, _id, kind, value, bank, _at in rows.all():
        listed = found.setdefault(str(province), [])
        if len(listed) < scam_week.MAX_INDICATORS:
            listed.append(scam_week.Confirmed(str(kind), str(value), str(bank or "")))
    return found


async def _claim(
    session: AsyncSession, monday: date, wanted: Iterable[str], now: datetime
) -> set[str]:
    """Claim the week's digest of each province; the codes this call claimed."""
    rows = [
        {"sending_key": scam_week.key(monday), "target": code, "created_at": now}
        for code in sorted(set(wanted))
    ]
    if not rows:
        return set()
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    statement = (
        dialect.insert(SENDS).values(rows).on_conflict_do_nothing().returning(SENDS.c.target)
    )
    return {str(t) for t in (await session.execute(statement)).scalars()}


async def _fan_out(
    session: AsyncSession, province: str, params: dict[str, str], now: datetime
) -> int:
    """One outbox row per resident of the province subscribed to the weekly digest."""
    source = (
        select(
            Subscription.resident_id,
            literal(str(Notice.WEEKLY_DIGEST)),
            literal({"code": "", "params": params}, JSON),
            literal("pending"),
            literal(0),
            literal(now, OUTBOX.c.created_at.type),
            literal(now, OUTBOX.c.due_at.type),
            literal(""),
            literal(""),
            literal(PRIORITY),
        )
        .join(Resident, Resident.id == Subscription.resident_id)
        .where(*WEEKLY, Resident.province_code == province)
    )  # one active subscription per resident and kind (uq_subscriptions_active): each once
    made = await session.execute(OUTBOX.insert().from_select(list(COLUMNS), source))
    return int(cast(CursorResult[object], made).rowcount or 0)


async def queue(session: AsyncSession, monday: date, now: datetime) -> int:
    """Queue the digest of the week of `monday` in every province with a subscriber and
    something to say that no process has queued yet; how many rows. The caller commits (the
    claims and the rows together)."""
    now = now.astimezone(UTC)  # SQLite compares timestamps as text: one zone for all
    since = scam_week.since(monday)
    # Seven days to this Monday's 09:00, however late the job runs: the next week starts there.
    until = datetime.combine(monday, scam_week.SENT_FROM, LOCAL_TZ).astimezone(UTC)
    wanted = await provinces(session)
    numbers = await counts(session, wanted, since, until)
    indicators = await confirmed(session, wanted, since, until)
    digests: dict[str, dict[str, str]] = {}
    for code in wanted:
        found = areas.province(code)
        params = scam_week.params(
            found.name if found else code, monday, numbers.get(code, {}), indicators.get(code, [])
        )
        if params is not None:
            digests[code] = params
    made = 0
    for code in sorted(await _claim(session, monday, digests, now)):
        made += await _fan_out(session, code, digests[code], now)
    return made


async def still_subscribed(session: AsyncSession, kind: str, resident_id: str) -> bool:
    """At send time: whether a weekly digest's row may still go out (its resident has not
    stopped the subscription since it was queued); True for any other kind of row."""
    if kind != str(Notice.WEEKLY_DIGEST):
        return True
    found = await session.scalar(
        select(Subscription.resident_id).where(*WEEKLY, Subscription.resident_id == resident_id)
    )
    return found is not None
