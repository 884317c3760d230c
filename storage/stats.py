"""Statistics of the tips in the caller's area over a period of days of receipt.

The period is a range of Vietnam calendar days of receipt (`tips.received_on`), both ends
included; by default the last 12 ISO weeks, this one included. Everything is scoped with
`casework.scope`: an officer counts only their commune's tips, a province admin their
province's (or one commune of it), a leader nothing (`Forbidden`).

Deadline compliance, per deadline type (handlers/deadlines.py, content/packs/legal_rules.yaml):
- acknowledgement: a tip counts once its answer came (acknowledged, or closed without an
  acknowledgement) or its `ack_due` has passed without one; it is on time when the answer's
  Vietnam date is on or before `ack_due`;
- forward (crime reports to the investigation body): a tip counts when it has a
  `forward_due` and was forwarded (`forwarded_at`) or that day has passed (a tip closed
  without a forward after its `forward_due` counts as late: kept simple on purpose); on time
  when the Vietnam date of `forwarded_at` is on or before `forward_due`;
- decision: only crime reports whose decision deadline runs (from the forwarding: CPC art.
  147(1); `decision_due` before `NO_DUE`); the other tracks' deadlines are service
  standards, not counted: a tip counts once it is decided (`decided_at`: closed, or
  suspended, which is one of the decisions of art. 147(1)) or its `decision_due` has passed
  undecided; on time when decided on or before `decision_due`. A suspension after the
  deadline counts as late; after a resumption the new deadline counts.
Every count is of the tip's current track and deadlines: a tip moved to another track counts
by the new one's.
"Overdue now" is every open tip of the area whose current deadline (`next_due`) has passed,
whatever its day of receipt: the oldest ones matter most.
"Messages waiting" is, likewise now and whatever the day of receipt, every message to the
reporter of one of the area's tips that waits for them to come back (blocked the bot, or out
of Zalo OA's 7-day window: storage/outbox.py), or for a web chat reporter's page to fetch it
(pending, marked for the web chat): not lost, not delivered yet.

One grouped query reads the period; the median time to acknowledge is `percentile_cont` on
PostgreSQL and the middle row(s) by OFFSET on SQLite (the same interpolated median).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Date, and_, case, cast, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from content import areas
from handlers.deadlines import LOCAL_TZ, NO_DUE, local_date
from handlers.errors import BadInput
from handlers.people import AdminRole, Identity
from handlers.tips.words import TipStatus, Track
from storage.casework.area import scope
from storage.models import Tip
from storage.outbox import OUTBOX, WEB, OutboxStatus

DEFAULT_WEEKS = 12
MAX_DAYS = 2 * 366  # two years of weeks still draw as a readable chart
LOCAL_TZ_NAME = "Asia/Ho_Chi_Minh"
LOCAL_OFFSET = "+7 hours"  # Vietnam has kept UTC+7 without daylight saving since 1975


@dataclass(frozen=True)
class Period:
    start: date
    end: date

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1


def default_period(today: date) -> Period:
    """The last `DEFAULT_WEEKS` ISO weeks: from the Monday 11 weeks before this week's."""
    monday = today - timedelta(days=today.weekday())
    return Period(monday - timedelta(weeks=DEFAULT_WEEKS - 1), today)


def check_period(period: Period) -> Period:
    if period.end < period.start:
        raise BadInput("period_order", "the period ends before it starts")
    if period.days > MAX_DAYS:
        raise BadInput("period_long", f"a period of at most {MAX_DAYS} days")
    return period


@dataclass(frozen=True)
class Week:
    """One ISO week (Monday to Sunday) and its tips by category."""

    year: int
    number: int
    start: date
    counts: dict[str, int]

    @property
    def label(self) -> str:
        return f"{self.year}-W{self.number:02d}"

    @property
    def total(self) -> int:
        return sum(self.counts.values())


@dataclass(frozen=True)
class Compliance:
    """Tips whose deadline has come (met or missed) and how many met it."""

    due: int = 0
    on_time: int = 0

    @property
    def late(self) -> int:
        return self.due - self.on_time

    @property
    def share(self) -> float | None:
        return self.on_time / self.due if self.due else None


@dataclass(frozen=True)
class TipStats:
    period: Period
    commune: str | None
    total: int
    weeks: list[Week]
    by_category: dict[str, int]  # most frequent first
    by_status: dict[str, int]  # every TipStatus, in lifecycle order
    by_resolution: dict[str, int]  # most frequent first
    by_track: dict[str, int]  # every Track, in the enum's order
    acknowledged: int
    median_ack_hours: float | None
    ack: Compliance
    forward: Compliance
    decision: Compliance
    overdue_now: int
    ratings: int
    rating_average: float | None
    today: date
    # Messages to the area's reporters waiting for them to come back, now.
    messages_waiting: int = 0


def area_clause(actor: Identity, commune: str | None) -> ColumnElement[bool]:
    """The caller's scope, narrowed to one commune when asked (a commune of the caller's
    own area; anything else is `BadInput("commune")`, never an empty answer)."""
    clause = scope(actor)
    if not commune:
        return clause
    found = areas.commune(commune)
    if actor.role is AdminRole.PROVINCE_ADMIN:
        mine = found is not None and found.province_code == actor.province_code
    else:
        mine = commune == actor.commune_code
    if not mine:
        raise BadInput("commune", "that commune is not in your area")
    return and_(clause, Tip.commune_code == commune)


def _local_midnight(day: date) -> datetime:
    """The UTC moment a Vietnam calendar day starts."""
    return datetime.combine(day, time(), LOCAL_TZ).astimezone(UTC)


def _is_pg(session: AsyncSession) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def _local_day(session: AsyncSession, column: Any) -> Any:
    """The Vietnam calendar day of a stored UTC timestamp, in SQL."""
    if _is_pg(session):
        return cast(func.timezone(LOCAL_TZ_NAME, column), Date)
    return func.date(column, LOCAL_OFFSET)


def _hours(session: AsyncSession, start: Any, end: Any) -> Any:
    if _is_pg(session):
        return func.extract("epoch", end - start) / 3600.0
    return (func.julianday(end) - func.julianday(start)) * 24.0


def _flag(condition: ColumnElement[bool]) -> Any:
    return func.sum(case((condition, 1), else_=0))


def _weeks(period: Period, days: dict[date, Counter[str]]) -> list[Week]:
    weeks: list[Week] = []
    monday = period.start - timedelta(days=period.start.weekday())
    while monday <= period.end:
        counts: Counter[str] = Counter()
        for offset in range(7):
            counts.update(days.get(monday + timedelta(days=offset), Counter()))
        year, number, _ = monday.isocalendar()
        weeks.append(Week(year, number, monday, dict(counts)))
        monday += timedelta(weeks=1)
    return weeks


async def tip_stats(
    session: AsyncSession,
    actor: Identity,
    period: Period | None = None,
    *,
    commune: str | None = None,
    now: datetime | None = None,
) -> TipStats:
    now = now or datetime.now(UTC)
    today = local_date(now)
    period = check_period(period or default_period(today))
    area = area_clause(actor, commune)
    in_period = and_(
        area,
        Tip.received_on >= period.start,
        Tip.received_on <= period.end,
        # The same bounds on created_at (received_on is its Vietnam date), so that an index
        # on (commune_code, created_at) reads only the period's tips.
        Tip.created_at >= _local_midnight(period.start),
        Tip.created_at < _local_midnight(period.end + timedelta(days=1)),
    )
    answered = func.coalesce(Tip.acknowledged_at, Tip.closed_at)
    open_running = Tip.status.not_in((TipStatus.CLOSED.value, TipStatus.SUSPENDED.value))
    forwards = Tip.forward_due.is_not(None)
    # The legal decision deadline of a crime report (the other tracks' are service standards,
    # not counted here; NO_DUE: none runs yet).
    decides = and_(Tip.track == "crime", Tip.decision_due < NO_DUE)
    # A deadline missed once stays missed (`missed`), whatever was counted again after it.
    missed_ack, missed_fwd, missed_dec = (
        _was_missed(kind) for kind in ("ack", "forward", "decision")
    )
    flags = (
        # acknowledgement: answered, missed, on time
        _flag(answered.is_not(None)),
        _flag(and_(answered.is_(None), or_(Tip.ack_due < today, missed_ack))),
        _flag(and_(_local_day(session, answered) <= Tip.ack_due, ~missed_ack)),
        # forward: forwarded, past due or missed once; on time
        _flag(
            or_(
                and_(forwards, or_(Tip.forwarded_at.is_not(None), Tip.forward_due < today)),
                missed_fwd,
            )
        ),
        _flag(
            and_(forwards, _local_day(session, Tip.forwarded_at) <= Tip.forward_due, ~missed_fwd)
        ),
        # decision (closed, or suspended: CPC art. 147(1)(c)): decided, missed while
        # undecided, on time
        _flag(and_(decides, Tip.decided_at.is_not(None))),
        _flag(
            and_(
                Tip.track == "crime",
                Tip.decided_at.is_(None),
                or_(and_(decides, open_running, Tip.decision_due < today), missed_dec),
            )
        ),
        _flag(and_(decides, _local_day(session, Tip.decided_at) <= Tip.decision_due, ~missed_dec)),
        _flag(Tip.acknowledged_at.is_not(None)),
        func.coalesce(func.sum(Tip.rating), 0),
        func.count(Tip.rating),
    )
    grouped = (
        select(
            Tip.received_on,
            Tip.category,
            Tip.status,
            Tip.resolution,
            Tip.track,
            func.count(),
            *flags,
        )
        .where(in_period)
        .group_by(Tip.received_on, Tip.category, Tip.status, Tip.resolution, Tip.track)
    )
    days: dict[date, Counter[str]] = {}
    categories: Counter[str] = Counter()
    statuses: Counter[str] = Counter({s.value: 0 for s in TipStatus})
    resolutions: Counter[str] = Counter()
    tracks: Counter[str] = Counter({t.value: 0 for t in Track})
    sums = [0] * len(flags)
    for row in (await session.execute(grouped)).all():
        received_on, category, status, resolution, track, count, *values = row
        days.setdefault(received_on, Counter())[category] += int(count)
        categories[category] += int(count)
        statuses[status] += int(count)
        tracks[track] += int(count)
        if status == TipStatus.CLOSED.value:
            resolutions[resolution or "none"] += int(count)
        for index, value in enumerate(values):
            sums[index] += int(value or 0)
    answered_n, ack_missed, ack_on_time, forward_n, forward_on_time = sums[:5]
    closed_n, dec_missed, dec_on_time, acknowledged, rating_sum, ratings = sums[5:]
    return TipStats(
        period=period,
        commune=commune or None,
        total=sum(categories.values()),
        weeks=_weeks(period, days),
        by_category=dict(categories.most_common()),
        by_status={s.value: statuses[s.value] for s in TipStatus},
        by_resolution=dict(resolutions.most_common()),
        by_track={t.value: tracks[t.value] for t in Track},
        acknowledged=acknowledged,
        median_ack_hours=await _median_ack_hours(session, in_period),
        ack=Compliance(answered_n + ack_missed, ack_on_time),
        forward=Compliance(forward_n, forward_on_time),
        decision=Compliance(closed_n + dec_missed, dec_on_time),
        overdue_now=await _overdue(session, area, today),
        ratings=ratings,
        rating_average=rating_sum / ratings if ratings else None,
        today=today,
        messages_waiting=await _waiting(session, area),
    )


def _was_missed(kind: str) -> ColumnElement[bool]:
    return Tip.missed.like(f"%{kind}%")


async def _median_ack_hours(session: AsyncSession, where: ColumnElement[bool]) -> float | None:
    hours = _hours(session, Tip.created_at, Tip.acknowledged_at)
    acked = and_(where, Tip.acknowledged_at.is_not(None))
    if _is_pg(session):
        median = func.percentile_cont(0.5).within_group(hours)
        value = (await session.execute(select(median).where(acked))).scalar_one_or_none()
        return None if value is None else float(value)
    count = int((await session.execute(select(func.count()).where(acked))).scalar_one())
    if not count:
        return None
    middle = (
        select(hours.label("h"))
        .where(acked)
        .order_by(hours)
        .offset((count - 1) // 2)
        .limit(2 - count % 2)
    )
    values = [float(v) for v in (await session.execute(middle)).scalars()]
    return sum(values) / len(values)


async def _overdue(session: AsyncSession, area: ColumnElement[bool], today: date) -> int:
    query = select(func.count()).where(
        area, Tip.status != TipStatus.CLOSED.value, Tip.next_due < today
    )
    return int((await session.execute(query)).scalar_one())


async def _waiting(session: AsyncSession, area: ColumnElement[bool]) -> int:
    query = (
        select(func.count())
        .select_from(OUTBOX)
        .join(Tip, Tip.id == OUTBOX.c.tip_id)
        .where(
            area,
            or_(
                OUTBOX.c.status == OutboxStatus.WAITING.value,
                and_(OUTBOX.c.status == OutboxStatus.PENDING.value, OUTBOX.c.channel == WEB),
            ),
        )
    )
    return int((await session.execute(query)).scalar_one())
