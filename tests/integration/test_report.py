"""The movement report's figures in SQL (storage/movement.py) on SQLite and PostgreSQL: known
tips, indicators, scam checks, broadcasts, subscriptions, quizzes and neighbourhoods give
known figures, for a commune and its province, for the period and the one before it, with
the period's edges at Vietnam midnight.

Everything is dated in 2031 and lives in Lai Châu (12), which no other test uses, so that
what other tests stored on the shared PostgreSQL database never counts here."""

from __future__ import annotations

import itertools
import uuid
from dataclasses import asdict
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.deadlines import LOCAL_TZ, NO_DUE
from handlers.movement import period as periods
from handlers.movement import report
from handlers.movement.ports import Figures
from handlers.movement.scope import Area
from handlers.people import AdminRole
from handlers.ports import SubscriptionKind
from storage.models import (
    AdminUser,
    AwarenessProgress,
    Broadcast,
    Indicator,
    IndicatorTip,
    LeaderNeighbourhood,
    Neighbourhood,
    OutboxMessage,
    Resident,
    ScamCheckCount,
    Subscription,
    Tip,
)
from storage.movement import SqlMovementFigures

A, B = "03388", "03408"  # Phường Đoàn Kết, Phường Tân Phong (Lai Châu)
ELSEWHERE = "00004"  # Phường Ba Đình (Hà Nội)
COMMUNE, PROVINCE = Area("12", A), Area("12")
NOW = datetime(2032, 1, 10, 3, 0, tzinfo=UTC)
H2 = (date(2031, 7, 1), date(2031, 12, 31))
H1 = (date(2031, 1, 1), date(2031, 6, 30))
_numbers = itertools.count(1)


@pytest.fixture
def session(sql_session: AsyncSession) -> AsyncSession:
    """tests/integration/conftest.py's session, on SQLite then PostgreSQL, rolled back."""
    return sql_session


def at(day: date, clock: time = time(12)) -> datetime:
    """A moment in Vietnam time, as stored: UTC."""
    return datetime.combine(day, clock, LOCAL_TZ).astimezone(UTC)


def d(month: int, day: int, year: int = 2031) -> date:
    return date(year, month, day)


def tip(commune: str, category: str, moment: datetime, **fields: Any) -> Tip:
    key = uuid.uuid4().hex
    received = moment.astimezone(LOCAL_TZ).date()
    values: dict[str, Any] = {
        "track": "crime",
        "status": "new",
        "ack_due": received + timedelta(days=2),
        "decision_due": NO_DUE,
        **fields,
    }
    return Tip(
        id=str(uuid.uuid4()),
        code=key[:12].upper(),
        submission_key=key,
        pin_hash="-",
        category=category,
        description="Tin báo thử.",
        incident_when="today",
        province_code="12" if commune in (A, B) else "01",
        commune_code=commune,
        anonymous=True,
        details={},
        created_at=moment,
        received_on=received,
        **values,
    )


def closed(moment: datetime, resolution: str) -> dict[str, Any]:
    return {"status": "closed", "closed_at": moment, "resolution": resolution}


def resident(commune: str) -> Resident:
    province = "12" if commune in (A, B) else "01"
    return Resident(id=str(uuid.uuid4()), lang="vi", province_code=province, commune_code=commune)


def indicator(status: str, decided: datetime | None) -> Indicator:
    n = next(_numbers)
    return Indicator(
        kind="phone",
        value=f"+8491{uuid.uuid4().int % 10**7:07d}{n}",
        status=status,
        first_seen=at(d(1, 1)),
        last_seen=at(d(1, 1)),
        decided_at=decided,
    )


def broadcast(campaign: str = "") -> Broadcast:
    return Broadcast(
        id=str(uuid.uuid4()),
        kind="awareness",
        text="Cảnh giác cuộc gọi giả danh công an.",
        status="sending",
        sender_role="chief",
        province_code="12",
        communes=[A],
        neighbourhoods=[],
        created_at=at(d(1, 2)),
        campaign=campaign,
    )


def copy(who: Resident, sent: Broadcast, moment: datetime, status: str = "sent") -> OutboxMessage:
    return OutboxMessage(
        resident_id=who.id,
        kind="broadcast",
        payload={"broadcast_id": sent.id},
        status=status,
        created_at=moment,
        due_at=moment,
        sent_at=moment if status == "sent" else None,
        broadcast_id=sent.id,
        priority=1,
    )


def subscription(who: Resident, kind: SubscriptionKind, since: date, until: date | None = None):  # type: ignore[no-untyped-def]
    return Subscription(
        resident_id=who.id,
        kind=kind.value,
        commune_code=who.commune_code if kind is SubscriptionKind.ALERTS else "",
        since=at(since),
        until=at(until) if until else None,
    )


def leader(active: bool = True) -> AdminUser:
    return AdminUser(
        username=f"leader.{uuid.uuid4().hex[:10]}",
        password_hash="-",
        role=AdminRole.LEADER,
        commune_code=A,
        province_code="12",
        active=active,
    )


async def world(session: AsyncSession) -> None:
    """The known things; the figures each test expects are worked out beside them."""
    # H2 in commune A.
    t1 = tip(  # the first minutes of H2; forwarded, decided on time, prosecuted: useful
        A,
        "fraud_phone",
        at(d(7, 1), time(0, 10)),
        acknowledged_at=at(d(7, 2)),
        forward_due=d(7, 5),
        forwarded_at=at(d(7, 4)),
        decision_due=d(7, 20),
        decided_at=at(d(7, 15)),
        **closed(at(d(7, 15)), "prosecuted"),
    )
    t2 = tip(  # the last minutes of H2; acknowledged after its day: late
        A, "fraud_online", at(d(12, 31), time(23, 50)), acknowledged_at=at(d(1, 5, 2032))
    )
    t2.status = "acknowledged"
    t3 = tip(A, "drugs", at(d(8, 10)), track="administrative")  # never answered: late
    t4 = tip(  # decided late, not useful by its outcome but by its confirmed indicator; thanked
        A,
        "fraud_phone",
        at(d(9, 1)),
        acknowledged_at=at(d(9, 1), time(15)),
        decision_due=d(9, 20),
        decided_at=at(d(9, 25)),
        thanked_at=at(d(10, 5)),
        **closed(at(d(9, 25)), "not_prosecuted"),
    )
    t5 = tip(
        A,
        "neighbourhood_dispute",
        at(d(11, 3)),
        track="mediation",
        acknowledged_at=at(d(11, 3), time(14)),
        **closed(at(d(11, 20)), "agreed"),
    )
    # H1 in commune A: the last minute of H1; thanked in H2.
    p1 = tip(
        A,
        "fraud_phone",
        at(d(6, 30), time(23, 59)),
        acknowledged_at=at(d(6, 30), time(23, 59, 30)),
        decision_due=d(7, 10),
        decided_at=at(d(6, 30), time(23, 59, 40)),
        thanked_at=at(d(7, 2)),
        **closed(at(d(6, 30), time(23, 59, 40)), "prosecuted"),
    )
    # Elsewhere, or after the period: another commune of the province, another province,
    # the first minutes of 2032.
    b1 = tip(B, "theft_robbery", at(d(8, 8)))
    other = tip(ELSEWHERE, "fraud_phone", at(d(8, 8)))
    later = tip(A, "fraud_phone", at(d(1, 1, 2032), time(0, 5)))
    session.add_all([t1, t2, t3, t4, t5, p1, b1, other, later])
    await session.flush()

    confirmed_h2 = indicator("confirmed", at(d(10, 1)))
    confirmed_h1 = indicator("confirmed", at(d(5, 1)))
    reported = indicator("reported", None)
    confirmed_b = indicator("confirmed", at(d(11, 1)))
    session.add_all([confirmed_h2, confirmed_h1, reported, confirmed_b])
    await session.flush()
    for found, named in (
        (confirmed_h2, t4),
        (confirmed_h1, p1),
        (reported, t3),
        (confirmed_b, b1),
        (confirmed_b, other),
    ):
        session.add(IndicatorTip(indicator_id=found.id, tip_id=named.id, created_at=at(d(1, 1))))

    r1, r2, r3, r4 = resident(A), resident(A), resident(B), resident(ELSEWHERE)
    notice, campaign, second, early = broadcast(), broadcast("tet"), broadcast(), broadcast()
    session.add_all([r1, r2, r3, r4, notice, campaign, second, early])
    await session.flush()
    session.add_all(
        [
            copy(r1, notice, at(d(8, 1))),
            copy(r1, second, at(d(9, 1))),  # the same resident twice: once
            copy(r2, notice, at(d(8, 1)), status="failed"),
            copy(r2, campaign, at(d(8, 2))),
            copy(r3, notice, at(d(8, 1))),
            copy(r4, notice, at(d(8, 1))),
            copy(r2, early, at(d(3, 1))),
            subscription(r1, SubscriptionKind.WEEKLY, d(3, 1)),
            subscription(r1, SubscriptionKind.ALERTS, d(9, 1)),
            subscription(r2, SubscriptionKind.ALERTS, d(8, 1), until=d(12, 1)),
            subscription(r3, SubscriptionKind.AWARENESS, d(10, 1)),
            AwarenessProgress(
                resident_id=r1.id, topic_id="t1", last_quiz_at=at(d(8, 5)), updated_at=NOW
            ),
            AwarenessProgress(
                resident_id=r1.id, topic_id="t2", last_quiz_at=at(d(9, 1)), updated_at=NOW
            ),
            AwarenessProgress(
                resident_id=r2.id, topic_id="t1", last_quiz_at=at(d(4, 1)), updated_at=NOW
            ),
            AwarenessProgress(resident_id=r3.id, topic_id="t1", updated_at=NOW),  # no quiz
        ]
    )
    n1 = Neighbourhood(commune_code=A, name="Tổ 1", created_at=at(d(1, 1)))
    n2 = Neighbourhood(commune_code=A, name="Tổ 2", created_at=at(d(8, 1)))
    n3 = Neighbourhood(commune_code=A, name="Tổ 3", created_at=at(d(1, 1)), active=False)
    n4 = Neighbourhood(commune_code=A, name="Tổ 4", created_at=at(d(2, 1)))
    l1, l2 = leader(), leader(active=False)
    session.add_all([n1, n2, n3, n4, l1, l2])
    await session.flush()
    session.add_all(
        [
            LeaderNeighbourhood(user_id=l1.id, neighbourhood_id=n1.id),
            LeaderNeighbourhood(user_id=l2.id, neighbourhood_id=n4.id),
        ]
    )
    # Scam checks, counted from H1's last day here (earlier where other tests counted some
    # on the shared PostgreSQL database: `scam_checks_since` is checked as at most that day).
    session.add_all(
        [
            ScamCheckCount(commune_code=A, day=d(6, 30), outcome="nothing", checks=1),
            ScamCheckCount(commune_code=A, day=d(7, 1), outcome="wording", checks=3),
            ScamCheckCount(commune_code=A, day=d(12, 31), outcome="confirmed", checks=1),
            ScamCheckCount(commune_code=A, day=d(1, 1, 2032), outcome="wording", checks=7),
            ScamCheckCount(commune_code=B, day=d(9, 9), outcome="signs", checks=2),
            ScamCheckCount(commune_code=ELSEWHERE, day=d(8, 8), outcome="wording", checks=5),
            ScamCheckCount(commune_code="", day=d(8, 8), outcome="unknown", checks=4),  # no area
        ]
    )
    await session.flush()


async def figures(session: AsyncSession, area: Area, days: tuple[date, date]) -> Figures:
    return await SqlMovementFigures(session).figures(area, *days, NOW)


def counted_since(found: Figures) -> dict[str, Any]:
    """The figures, the first day counted checked apart: other tests may count earlier."""
    assert found.scam_checks_since is not None and found.scam_checks_since <= d(6, 30)
    return {**asdict(found), "scam_checks_since": d(6, 30)}


async def test_a_commune_s_half_year(session: AsyncSession) -> None:
    await world(session)
    found = await figures(session, COMMUNE, H2)
    assert counted_since(found) == asdict(
        Figures(
            received=5,
            by_category={
                "fraud_phone": 2,
                "fraud_online": 1,
                "drugs": 1,
                "neighbourhood_dispute": 1,
            },
            by_track={
                "crime": 3,
                "administrative": 1,
                "mediation": 1,
                "violence": 0,
                "fire_risk": 0,
            },
            ack_on_time=3,  # t1, t4, t5
            ack_late=2,  # t2 after its day, t3 never
            decided_on_time=1,  # t1
            decided_late=1,  # t4 (t2 has no decision deadline running)
            forwarded=1,
            by_resolution={"prosecuted": 1, "not_prosecuted": 1, "agreed": 1},
            useful=3,  # t1 and t5 by their outcome, t4 by its confirmed indicator
            thanked=2,  # t4, and p1 of H1 thanked in H2
            indicators_confirmed=1,
            scam_checks=4,  # from 1 July 00:00 to 31 December; not 2032's
            scam_checks_by_outcome={"wording": 3, "confirmed": 1},
            scam_checks_since=d(6, 30),
            reached_broadcasts=1,  # r1 (twice); r2's copy failed
            reached_campaigns=1,  # r2
            subscribers=1,  # r1; r2 stopped before the end
            subscribers_new=2,  # r1 (alerts), r2
            quiz_residents=1,  # r1, on two topics
            neighbourhoods=3,  # n1, n2, n4 (n3 retired)
            neighbourhoods_led=1,  # n1 (n4's leader is inactive)
        )
    )


async def test_the_previous_half_year_and_its_last_minute(session: AsyncSession) -> None:
    await world(session)
    found = await figures(session, COMMUNE, H1)
    assert (found.received, found.by_category) == (1, {"fraud_phone": 1})
    assert (found.ack_on_time, found.ack_late, found.decided_on_time) == (1, 0, 1)
    assert (found.useful, found.thanked, found.indicators_confirmed) == (1, 0, 1)
    assert (found.reached_broadcasts, found.reached_campaigns) == (1, 0)
    assert (found.subscribers, found.subscribers_new, found.quiz_residents) == (1, 1, 1)
    assert (found.neighbourhoods, found.neighbourhoods_led) == (2, 1)
    assert (found.scam_checks, found.scam_checks_by_outcome) == (1, {"nothing": 1})


async def test_a_province_counts_its_communes_only(session: AsyncSession) -> None:
    await world(session)
    found = await figures(session, PROVINCE, H2)
    assert found.received == 6
    assert found.by_category["theft_robbery"] == 1
    assert found.indicators_confirmed == 2
    assert (found.reached_broadcasts, found.reached_campaigns) == (2, 1)
    assert (found.subscribers, found.subscribers_new) == (2, 3)
    assert (found.neighbourhoods, found.neighbourhoods_led) == (3, 1)
    # A's and B's; not Ba Đình's, nor those of residents who chose no commune.
    assert found.scam_checks == 6
    assert found.scam_checks_by_outcome == {"wording": 3, "confirmed": 1, "signs": 2}


async def test_the_days_are_vietnam_days(session: AsyncSession) -> None:
    await world(session)
    # 1 July 00:10 in Vietnam is 30 June 17:10 UTC: July's; 30 June 23:59 is June's.
    july = await figures(session, COMMUNE, (d(7, 1), d(7, 1)))
    june = await figures(session, COMMUNE, (d(6, 30), d(6, 30)))
    assert (july.received, june.received) == (1, 1)
    assert july.thanked == 0 and june.thanked == 0
    last = await figures(session, COMMUNE, (d(12, 31), d(12, 31)))
    assert last.received == 1  # 23:50 on 31 December; 00:05 on 1 January is 2032's
    new_year = await figures(session, COMMUNE, (d(1, 1, 2032), d(1, 1, 2032)))
    assert new_year.received == 1
    assert (last.scam_checks, new_year.scam_checks) == (1, 7)


async def test_the_report_puts_the_two_half_years_side_by_side(session: AsyncSession) -> None:
    await world(session)
    made = await report.make(SqlMovementFigures(session), COMMUNE, periods.parse("2031-H2"), NOW)
    assert not made.span.to_date and made.previous.code == "2031-H1"
    rows = {r.label.key: r for s in made.sections for r in s.rows}
    received = rows["panel.report.row.received"]
    assert (received.current, received.previous, received.change) == (5, 1, 4)
    thanked = rows["panel.report.row.thanked"]
    assert (thanked.current, thanked.previous, thanked.change_percent) == (2, 0, None)
    checks = rows["panel.report.row.scam_checks"]
    assert (checks.current, checks.previous, checks.change) == (4, 1, 3)
    assert rows["wording"].current == 3 and rows["nothing"].previous == 1


async def test_a_province_counts_its_tips_whatever_their_commune_code(
    session: AsyncSession,
) -> None:
    """As the Statistics page does: by `province_code`, so that a tip whose commune code the
    areas data does not know (an old code) still counts, as does a neighbourhood of the
    commune an account of the province serves."""
    await world(session)
    old_code = "99998"  # no commune of content/areas.py
    stray = tip(old_code, "drugs", at(d(9, 9)))
    stray.province_code = "12"
    officer = leader()
    officer.commune_code, officer.role = old_code, AdminRole.CHIEF
    session.add_all(
        [stray, officer, Neighbourhood(commune_code=old_code, name="Tổ 9", created_at=at(d(2, 2)))]
    )
    await session.flush()
    found = await figures(session, PROVINCE, H2)
    assert found.received == 7  # 6 of A and B, and the stray one
    assert found.by_category["drugs"] == 2
    assert found.neighbourhoods == 4  # n1, n2, n4 of A, and Tổ 9
    commune = await figures(session, COMMUNE, H2)
    assert (commune.received, commune.neighbourhoods) == (5, 3)


async def test_useful_tips_are_closed_ones(session: AsyncSession) -> None:
    """Useful as a chief may thank them (handlers/casework/thanks.py is_useful): an open tip
    whose indicator was confirmed is not useful yet."""
    await world(session)
    # b1 of Tân Phong is open; its indicator confirmed_b is confirmed.
    found = await figures(session, PROVINCE, H2)
    assert found.useful == 3  # t1, t5 by their outcome, t4 closed with its indicator
    still_open = tip(
        A, "fraud_phone", at(d(10, 10)), acknowledged_at=at(d(10, 10), time(13)), status="verifying"
    )
    confirmed = indicator("confirmed", at(d(10, 20)))
    session.add_all([still_open, confirmed])
    await session.flush()
    session.add(
        IndicatorTip(indicator_id=confirmed.id, tip_id=still_open.id, created_at=at(d(1, 1)))
    )
    await session.flush()
    commune = await figures(session, COMMUNE, H2)
    assert (commune.received, commune.useful) == (6, 3)
