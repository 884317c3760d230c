"""The scams of the week queued (storage/scam_week.py, bot/weekly_schedule.py), on SQLite and
PostgreSQL: a province with weekly subscribers gets one outbox row per subscriber, once per
week however often the job runs; a number residents reported but the police did not confirm
never appears, nor one the police rejected, nor one confirmed before the week, nor another
province's; a resident who stopped gets nothing; a province with nothing to say gets nothing.

Each test has a week of its own (the scheduled-send claims of PostgreSQL's database stay)."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot import outbox, render, weekly_schedule
from handlers import notices
from handlers.notices import Notice
from storage import scam_week
from storage.awareness import SqlAwareness
from storage.db import make_engine, make_sessions
from storage.models import (
    ChannelIdentity,
    Indicator,
    IndicatorTip,
    OutboxMessage,
    Resident,
    ScheduledSend,
    Subscription,
    Tip,
)
from tests.integration.port_backends import copy_database, empty_tables

HANOI, HUE = "01", "46"


@pytest.fixture(params=["sqlite", "postgres"])
async def sessions(
    request: pytest.FixtureRequest, tmp_path: Path
) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    if request.param == "sqlite":
        url = copy_database(request.getfixturevalue("sqlite_template"), tmp_path / "test.db")
    else:
        url = request.getfixturevalue("pg_url")
    engine = make_engine(url)
    made = make_sessions(engine)
    async with made() as session:  # the weeks claimed by an earlier run of this module
        await session.execute(
            delete(ScheduledSend).where(ScheduledSend.sending_key.like("weekly/%"))
        )
        await session.commit()
    try:
        yield made
    finally:
        if request.param == "postgres":
            await empty_tables(made)
        await engine.dispose()


def monday_at_ten(weeks: int) -> datetime:
    """10:00 in Hà Nội on a Monday `weeks` after 7 December 2026."""
    return datetime(2026, 12, 7, 3, 0, tzinfo=UTC) + timedelta(weeks=weeks)


class Province:
    def __init__(self, sessions: async_sessionmaker[AsyncSession], now: datetime) -> None:
        self.sessions = sessions
        self.now = now

    async def resident(self, province: str, *, weekly: bool = True, stopped: bool = False) -> str:
        async with self.sessions() as session:
            resident = Resident(id=str(uuid.uuid4()), lang="vi", province_code=province)
            session.add(resident)
            await session.flush()
            if weekly:
                since = self.now - timedelta(days=30)
                until = self.now - timedelta(days=1) if stopped else None
                session.add(
                    Subscription(
                        resident_id=resident.id,
                        kind="weekly",
                        commune_code="",
                        since=since,
                        until=until,
                    )
                )
            await session.commit()
            return resident.id

    async def tip(
        self, province: str, category: str = "fraud_phone", *, days_ago: float = 2
    ) -> str:
        moment = self.now - timedelta(days=days_ago)
        key = uuid.uuid4().hex
        async with self.sessions() as session:
            tip = Tip(
                id=str(uuid.uuid4()),
                code=key[:12].upper(),
                submission_key=key,
                pin_hash="-",
                category=category,
                description="Có người gọi tự xưng công an đòi chuyển tiền",
                incident_when="today",
                province_code=province,
                commune_code=f"{province}001",
                anonymous=True,
                details={},
                created_at=moment,
                received_on=moment.date(),
                ack_due=moment.date(),
                decision_due=moment.date(),
            )
            session.add(tip)
            await session.commit()
            return tip.id

    async def indicator(
        self,
        tip_id: str,
        kind: str,
        value: str,
        *,
        status: str = "confirmed",
        decided_days_ago: float | None = 1,
        bank: str = "",
    ) -> None:
        decided = None if decided_days_ago is None else self.now - timedelta(days=decided_days_ago)
        async with self.sessions() as session:
            row = Indicator(
                kind=kind,
                value=value,
                bank=bank,
                status=status,
                reports=1,
                first_seen=self.now - timedelta(days=3),
                last_seen=self.now - timedelta(days=3),
                decided_at=decided if status != "reported" else None,
                decided_by="officer" if status != "reported" else "",
            )
            session.add(row)
            await session.flush()
            session.add(IndicatorTip(indicator_id=row.id, tip_id=tip_id, created_at=self.now))
            await session.commit()

    async def rows(self, *residents: str) -> list[OutboxMessage]:
        async with self.sessions() as session:
            found = await session.scalars(
                select(OutboxMessage)
                .where(OutboxMessage.resident_id.in_(residents))
                .order_by(OutboxMessage.id)
            )
            return list(found)


def text_of(row: OutboxMessage) -> str:
    params = {str(k): str(v) for k, v in row.payload["params"].items()}
    return render.reply(notices.message(row.kind, "", params), "vi").text


async def test_one_row_per_subscriber_once_a_week_with_only_what_police_confirmed(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    now = monday_at_ten(1)
    town = Province(sessions, now)
    ann, binh = await town.resident(HANOI), await town.resident(HANOI)
    stopped = await town.resident(HANOI, stopped=True)
    never = await town.resident(HANOI, weekly=False)
    hue = await town.resident(HUE)
    scam = await town.tip(HANOI)
    await town.tip(HANOI, "fraud_online")
    await town.tip(HANOI, "fraud_online")
    await town.tip(HANOI, "drugs")  # not a scam: not counted
    await town.tip(HANOI, "fraud_phone", days_ago=9)  # before the week
    await town.indicator(scam, "phone", "+84912345678")
    await town.indicator(scam, "url", "vi-du.com/qua")
    await town.indicator(scam, "account", "0123456789", bank="VCB")
    await town.indicator(scam, "phone", "+84987654321", status="reported")  # unconfirmed
    await town.indicator(scam, "domain", "bi-tu-choi.com", status="rejected")
    await town.indicator(scam, "phone", "+84911111111", decided_days_ago=10)  # an old decision
    other = await town.tip(HUE)
    await town.indicator(other, "phone", "+84933333333")  # Huế's, not Hà Nội's

    for minutes in (0, 1, 30):  # the minute tick, and a second process
        await weekly_schedule.queue_due(sessions, now + timedelta(minutes=minutes))

    rows = await town.rows(ann, binh, stopped, never)
    assert sorted(r.resident_id for r in rows) == sorted([ann, binh])
    assert {r.kind for r in rows} == {Notice.WEEKLY_DIGEST.value}
    assert {r.priority for r in rows} == {1} and {r.tip_id for r in rows} == {None}
    text = text_of(rows[0])
    assert "Tin lừa đảo trong tuần ở Thành phố Hà Nội" in text
    assert "• Lừa đảo trên mạng: 2 tin báo" in text
    assert "• Lừa đảo qua điện thoại: 1 tin báo" in text
    assert "📞 0912 345 678" in text
    assert "🔗 hxxp://vi-du[.]com/qua" in text and "🏦 VCB 0123456789" in text
    for absent in ("0987 654 321", "bi-tu-choi", "0911 111 111", "0933 333 333", "tự xưng"):
        assert absent not in text
    (hue_row,) = await town.rows(hue)
    hue_text = text_of(hue_row)
    assert "Tin lừa đảo trong tuần ở Thành phố Huế" in hue_text
    assert "0933 333 333" in hue_text and "0912 345 678" not in hue_text

    # The next Monday is another week: queued again, once.
    later = now + timedelta(weeks=1)
    await weekly_schedule.queue_due(sessions, later)
    await weekly_schedule.queue_due(sessions, later)
    assert len(await town.rows(ann)) == 1  # nothing new confirmed nor reported that week


async def test_a_resident_who_stops_after_the_queuing_is_not_sent_it(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    now = monday_at_ten(2)
    town = Province(sessions, now)
    reader = await town.resident(HANOI)
    scam = await town.tip(HANOI)
    await town.indicator(scam, "phone", "+84912345678")
    await weekly_schedule.queue_due(sessions, now)
    [row] = await town.rows(reader)
    async with sessions() as session:
        assert await scam_week.still_subscribed(session, row.kind, reader)
        await session.execute(
            update(Subscription).where(Subscription.resident_id == reader).values(until=now)
        )
        await session.commit()
        assert not await scam_week.still_subscribed(session, row.kind, reader)
        assert await scam_week.still_subscribed(session, "tip.acknowledged", reader)


async def test_nothing_to_say_sends_nothing_and_is_not_claimed(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    now = monday_at_ten(3)
    town = Province(sessions, now)
    ann = await town.resident(HANOI)
    tip = await town.tip(HANOI, "theft_robbery")
    await town.indicator(tip, "phone", "+84987654321", status="reported")
    assert await weekly_schedule.queue_due(sessions, now) == 0
    assert await town.rows(ann) == []
    # Confirmed later that morning, after the week closed at 09:00: next week's digest has it,
    # once, and this week's nothing (a late run never counts a day twice).
    await town.indicator(tip, "phone", "+84912345678", decided_days_ago=0.01)
    assert await weekly_schedule.queue_due(sessions, now + timedelta(hours=1)) == 0
    next_week = now + timedelta(weeks=1)
    assert await weekly_schedule.queue_due(sessions, next_week) >= 1
    assert await weekly_schedule.queue_due(sessions, next_week) == 0
    (row,) = await town.rows(ann)
    text = text_of(row)
    assert "📞 0912 345 678" in text and "0987 654 321" not in text


@pytest.mark.parametrize(
    "when",
    [
        datetime(2026, 12, 7, 1, 59, tzinfo=UTC),  # Monday 08:59 in Hà Nội
        datetime(2026, 12, 7, 5, 0, tzinfo=UTC),  # Monday noon
        datetime(2026, 12, 8, 3, 0, tzinfo=UTC),  # Tuesday 10:00
    ],
)
async def test_only_on_monday_morning(
    sessions: async_sessionmaker[AsyncSession], when: datetime
) -> None:
    town = Province(sessions, when)
    ann = await town.resident(HANOI)
    await town.tip(HANOI, days_ago=1)
    assert await weekly_schedule.queue_due(sessions, when) == 0
    assert await town.rows(ann) == []


async def test_the_web_chat_never_shows_a_digest_its_resident_stopped(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    now = monday_at_ten(3)
    town = Province(sessions, now)
    reader = await town.resident(HANOI)
    async with sessions() as session:
        session.add(
            ChannelIdentity(
                channel="web", account="web", platform_user_id=uuid.uuid4().hex, resident_id=reader
            )
        )
        await session.commit()
    scam = await town.tip(HANOI)
    await town.indicator(scam, "phone", "+84912345678")
    await weekly_schedule.queue_due(sessions, now)
    async with sessions() as session:
        await SqlAwareness(session).unsubscribe_all(reader, now + timedelta(minutes=1))
        await session.commit()
    replies = await outbox.inbox(sessions, None, "web:web:x", reader, "vi", now)
    assert replies == []
    [row] = await town.rows(reader)
    assert row.status == "opted_out"
