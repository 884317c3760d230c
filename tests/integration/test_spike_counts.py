"""The spike detector's counts in SQL (storage/spikes.py), on SQLite and PostgreSQL: tips by
commune, category and bucket over the run's days, the days' edges in Vietnam time, the
communes asked about, and the scam types of a spike's tips; then a whole run.

The tips are dated in 2031, so that what other tests of the session stored on the shared
PostgreSQL database (dated now) never falls in these runs' days."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, time, timedelta

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from content import spikes
from handlers.deadlines import LOCAL_TZ
from handlers.spikes import History, Window, run
from storage.models import Tip
from storage.spikes import SqlSpikeSource

TODAY = date(2031, 3, 12)
A, B = "00004", "00277"  # Phường Ba Đình, Phường Bạch Mai (Hà Nội)
FAKE_POLICE = "Có người gọi tự xưng công an, nói tôi liên quan vụ án và bảo chuyển tiền."
WINDOW = Window.of(TODAY, spikes.rules())


@pytest.fixture
def session(sql_session: AsyncSession) -> AsyncSession:
    """tests/integration/conftest.py's session, on SQLite then PostgreSQL, rolled back."""
    return sql_session


def at(day: date, clock: time = time(12)) -> datetime:
    return datetime.combine(day, clock, LOCAL_TZ).astimezone(UTC)


def tip(
    commune: str,
    category: str,
    moment: datetime,
    description: str = "Tin báo thử.",
) -> Tip:
    key = uuid.uuid4().hex
    received = moment.astimezone(LOCAL_TZ).date()
    return Tip(
        id=str(uuid.uuid4()),
        code=key[:12].upper(),
        submission_key=key,
        pin_hash="-",
        category=category,
        description=description,
        incident_when="today",
        province_code="01",
        commune_code=commune,
        anonymous=True,
        details={},
        created_at=moment,
        received_on=received,
        ack_due=received,
        decision_due=received,
    )


async def add(session: AsyncSession, *tips: Tip) -> None:
    session.add_all(tips)
    await session.flush()


def days_ago(n: int) -> date:
    return TODAY - timedelta(days=n)


async def test_counts_by_commune_category_and_week(session: AsyncSession) -> None:
    await add(
        session,
        # The window: today and the 6 days before.
        *(tip(A, "fraud_phone", at(days_ago(n))) for n in (0, 1, 6)),
        tip(A, "drugs", at(days_ago(2))),
        # Baseline week 1 (7 to 13 days ago), week 2 (14 to 20), week 8 (56 to 62).
        tip(A, "fraud_phone", at(days_ago(7))),
        tip(A, "fraud_phone", at(days_ago(13))),
        tip(A, "fraud_phone", at(days_ago(14))),
        tip(A, "fraud_phone", at(days_ago(62))),
        # Before the baseline, after today, a kind not watched: not counted.
        tip(A, "fraud_phone", at(days_ago(63))),
        tip(A, "fraud_phone", at(TODAY + timedelta(days=1))),
        tip(A, "other", at(days_ago(0))),
        # Another commune; and one with tips in the baseline only.
        tip(B, "fraud_phone", at(days_ago(3))),
        tip(B, "fire_risk", at(days_ago(20))),
    )
    source = SqlSpikeSource(session)
    kinds = [k.id for k in spikes.rules().kinds]
    found = await source.histories(WINDOW, kinds, [A])
    assert found == [
        History(A, "drugs", 1, (0,) * 8),
        History(A, "fraud_phone", 3, (2, 1, 0, 0, 0, 0, 0, 1)),
    ]
    everywhere = await source.histories(WINDOW, kinds, None)
    assert [(h.commune_code, h.kind, h.count) for h in everywhere] == [
        (A, "drugs", 1),
        (A, "fraud_phone", 3),
        (B, "fraud_phone", 1),
    ]
    assert await source.histories(WINDOW, kinds, []) == []
    assert await source.histories(WINDOW, [], None) == []


async def test_the_days_are_vietnam_days(session: AsyncSession) -> None:
    # Vietnam is UTC+7: 00:10 on the window's first day is 17:10 the day before in UTC, and
    # counts in the window; 23:50 the day before is baseline week 1. The same at both ends.
    await add(
        session,
        tip(A, "fire_risk", at(WINDOW.start, time(0, 10))),
        tip(A, "fire_risk", at(WINDOW.start - timedelta(days=1), time(23, 50))),
        tip(A, "fire_risk", at(TODAY, time(23, 59))),
        tip(A, "fire_risk", at(TODAY + timedelta(days=1), time(0, 1))),
        tip(A, "fire_risk", at(WINDOW.first_day, time(0, 5))),
        tip(A, "fire_risk", at(WINDOW.first_day - timedelta(days=1), time(23, 55))),
    )
    found = await SqlSpikeSource(session).histories(WINDOW, ["fire_risk"], [A])
    assert found == [History(A, "fire_risk", 2, (1, 0, 0, 0, 0, 0, 0, 1))]


async def test_scam_types_of_the_window_s_tips(session: AsyncSession) -> None:
    await add(
        session,
        *(tip(A, "fraud_phone", at(days_ago(n)), FAKE_POLICE) for n in (0, 1, 2)),
        tip(A, "fraud_phone", at(days_ago(3)), "Gọi video mạng yếu mượn tiền, deepfake."),
        tip(A, "fraud_phone", at(days_ago(4)), "Một cuộc gọi lạ."),
        # Outside the window, another kind, another commune.
        tip(A, "fraud_phone", at(days_ago(8)), FAKE_POLICE),
        tip(A, "fraud_online", at(days_ago(1)), FAKE_POLICE),
        tip(B, "fraud_phone", at(days_ago(1)), FAKE_POLICE),
    )
    found = await SqlSpikeSource(session).scam_types(A, "fraud_phone", WINDOW)
    assert found == {"fake_authority": 3, "deepfake_call": 1}


async def test_a_whole_run(session: AsyncSession) -> None:
    await add(
        session,
        *(tip(A, "fraud_phone", at(days_ago(n)), FAKE_POLICE) for n in range(5)),
        tip(A, "fraud_phone", at(days_ago(30))),
        # A steady level in B: 3 a week for 8 weeks, 4 this week.
        *(tip(B, "fraud_phone", at(days_ago(7 + n * 2))) for n in range(24)),
        *(tip(B, "fraud_phone", at(days_ago(n))) for n in range(4)),
    )
    found = await run(SqlSpikeSource(session), spikes.rules(), TODAY)
    assert [(s.commune_code, s.kind, s.count, s.scam_type, s.card) for s in found] == [
        (A, "fraud_phone", 5, "fake_authority", "fake_authority")
    ]
    assert found[0].baseline_mean == 1 / 8
    assert await run(SqlSpikeSource(session), spikes.rules(), TODAY, [B]) == []
