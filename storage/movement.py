"""The figures of the movement's reports in SQL (handlers/movement/ports.py says what each
counts): one grouped query over the tips received in the days, as storage/stats.py reads
them (the same deadline rules, with its helpers), then small counts of what else the area
did: thanks, confirmed indicators, scam checks, broadcasts' and campaigns' reach,
subscribers, quizzes, neighbourhoods.

The days are Vietnam days: tips are bounded on `received_on` and, the same bounds in UTC, on
`created_at`, so that the index on (commune_code, created_at) reads only the days' tips of a
commune; everything else by its UTC moment from the first day's local midnight to the day
after the last's. A province's tips are those with its `province_code`, as the Statistics
page counts them (storage/casework/area.py), whatever their commune code: one that
content/areas.py does not know (an old code) still counts. Scam checks are counts per
commune and Vietnam day (storage/scam_checks.py), summed over the area's communes and the
days."""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, and_, exists, func, or_, select, text
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from content import areas
from handlers.deadlines import NO_DUE, local_date
from handlers.movement.ports import Figures, counted_checks
from handlers.movement.scope import Area
from handlers.people import AdminRole
from handlers.scam_week import CONFIRMED
from handlers.tips.words import USEFUL_OUTCOMES, TipStatus, Track
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
from storage.outbox import OutboxStatus
from storage.stats import _flag, _local_day, _local_midnight, _was_missed

USEFUL = tuple(sorted(r.value for r in USEFUL_OUTCOMES))


def _tips_of(area: Area) -> ColumnElement[bool]:
    """The area's tips: a commune's by its code; a province's by `province_code` alone, as the
    Statistics page counts them, so that a tip whose commune code content/areas.py does not
    know is not missed (naming the province's communes was faster for a year with few tips,
    through the index on (commune_code, created_at), but lost those; BENCHMARKS §21)."""
    if area.is_commune:
        return Tip.commune_code == area.commune_code
    return Tip.province_code == area.province_code


def _residents_of(area: Area) -> ColumnElement[bool]:
    if area.is_commune:
        return Resident.commune_code == area.commune_code
    return Resident.province_code == area.province_code


def _communes_of(area: Area) -> list[str]:
    if area.is_commune:
        return [area.commune_code]
    return [c.code for c in areas.communes_of(area.province_code)]


def _neighbourhoods_of(area: Area) -> ColumnElement[bool]:
    """The area's neighbourhoods. They carry only their commune's code: a province's are those
    of the communes content/areas.py gives it, and those of any commune one of its accounts
    serves (a commune code the areas data no longer knows, as for tips, still counts)."""
    if area.is_commune:
        return Neighbourhood.commune_code == area.commune_code
    served = select(AdminUser.commune_code).where(
        AdminUser.province_code == area.province_code, AdminUser.commune_code != ""
    )
    return or_(
        Neighbourhood.commune_code.in_(_communes_of(area)),
        Neighbourhood.commune_code.in_(served),
    )


def _useful() -> ColumnElement[bool]:
    """Useful as handlers/casework/thanks.py `is_useful` says, the tips a chief may thank:
    closed, with an outcome that led somewhere or an indicator it named confirmed. An open
    tip whose indicator was confirmed is not useful yet: it may still be closed otherwise."""
    return and_(
        Tip.status == TipStatus.CLOSED.value,
        or_(Tip.resolution.in_(USEFUL), _named_confirmed()),
    )


def _named_confirmed() -> ColumnElement[bool]:
    """The tip named an indicator the police confirmed: the few confirmed indicators' tips,
    read once (a hashed subplan on PostgreSQL), not a lookup per tip."""
    return Tip.id.in_(
        select(IndicatorTip.tip_id)
        .join(Indicator, Indicator.id == IndicatorTip.indicator_id)
        .where(Indicator.status == CONFIRMED)
    )


class SqlMovementFigures:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def figures(self, area: Area, start: date, end: date, now: datetime) -> Figures:
        await self._plan_for_these_days()
        since, until = _local_midnight(start), _local_midnight(end + timedelta(days=1))
        received = and_(
            _tips_of(area),
            Tip.received_on >= start,
            Tip.received_on <= end,
            Tip.created_at >= since,
            Tip.created_at < until,
        )
        tips = await self._tips(received, local_date(now))
        reach = await self._reach(area, since, until)
        subscribers, new = await self._subscribers(area, since, until)
        neighbourhoods, led = await self._neighbourhoods(area, until)
        checks, counted_since = await self._checks(area, start, end)
        return Figures(
            **tips,
            thanked=await self._thanked(area, since, until),
            indicators_confirmed=await self._confirmed(area, since, until),
            scam_checks=counted_checks(checks, counted_since, end),
            scam_checks_by_outcome=checks,
            scam_checks_since=counted_since,
            reached_broadcasts=reach.get(False, 0),
            reached_campaigns=reach.get(True, 0),
            subscribers=subscribers,
            subscribers_new=new,
            quiz_residents=await self._quiz(area, since, until),
            neighbourhoods=neighbourhoods,
            neighbourhoods_led=led,
        )

    async def _plan_for_these_days(self) -> None:
        """Plan each query for its own days and area. asyncpg prepares the statements, and
        after five runs PostgreSQL may keep one generic plan for every value: a plan good for
        a year with no tips (the previous one) read a province's million tips in 5 s instead
        of 1 (BENCHMARKS §21). For this transaction only."""
        if self.session.get_bind().dialect.name == "postgresql":
            await self.session.execute(text("SET LOCAL plan_cache_mode = force_custom_plan"))

    async def _count(self, query: Any) -> int:
        return int((await self.session.execute(query)).scalar_one() or 0)

    async def _tips(self, received: ColumnElement[bool], today: date) -> dict[str, Any]:
        """Counts of the tips received in the days, by the rules of storage/stats.py."""
        session = self.session
        answered = func.coalesce(Tip.acknowledged_at, Tip.closed_at)
        open_running = Tip.status.not_in((TipStatus.CLOSED.value, TipStatus.SUSPENDED.value))
        decides = and_(Tip.track == Track.CRIME.value, Tip.decision_due < NO_DUE)
        missed_ack, missed_dec = _was_missed("ack"), _was_missed("decision")
        flags = (
            # acknowledgement: due (answered, or unanswered past ack_due or missed); on time
            _flag(
                or_(
                    answered.is_not(None),
                    and_(answered.is_(None), or_(Tip.ack_due < today, missed_ack)),
                )
            ),
            _flag(and_(_local_day(session, answered) <= Tip.ack_due, ~missed_ack)),
            # the crime reports' legal decision: due (decided, or undecided and missed); on time
            _flag(
                or_(
                    and_(decides, Tip.decided_at.is_not(None)),
                    and_(
                        Tip.track == Track.CRIME.value,
                        Tip.decided_at.is_(None),
                        or_(and_(decides, open_running, Tip.decision_due < today), missed_dec),
                    ),
                )
            ),
            _flag(
                and_(decides, _local_day(session, Tip.decided_at) <= Tip.decision_due, ~missed_dec)
            ),
            _flag(Tip.forwarded_at.is_not(None)),
            _flag(_useful()),
        )
        grouped = (
            select(Tip.category, Tip.track, Tip.status, Tip.resolution, func.count(), *flags)
            .where(received)
            .group_by(Tip.category, Tip.track, Tip.status, Tip.resolution)
        )
        categories: Counter[str] = Counter()
        tracks: Counter[str] = Counter({t.value: 0 for t in Track})
        resolutions: Counter[str] = Counter()
        sums = [0] * len(flags)
        for category, track, status, resolution, count, *values in (
            await session.execute(grouped)
        ).all():
            categories[str(category)] += int(count)
            tracks[str(track)] += int(count)
            if status == TipStatus.CLOSED.value:
                resolutions[str(resolution or "none")] += int(count)
            for index, value in enumerate(values):
                sums[index] += int(value or 0)
        ack_due, ack_on_time, dec_due, dec_on_time, forwarded, useful = sums
        return {
            "received": sum(categories.values()),
            "by_category": dict(categories),
            "by_track": dict(tracks),
            "ack_on_time": ack_on_time,
            "ack_late": ack_due - ack_on_time,
            "decided_on_time": dec_on_time,
            "decided_late": dec_due - dec_on_time,
            "forwarded": forwarded,
            "by_resolution": dict(resolutions),
            "useful": useful,
        }

    async def _thanked(self, area: Area, since: datetime, until: datetime) -> int:
        # Received before it was thanked: the bound on created_at lets the index on
        # (commune_code, created_at) skip the tips received after the days.
        return await self._count(
            select(func.count()).where(
                _tips_of(area),
                Tip.created_at < until,
                Tip.thanked_at >= since,
                Tip.thanked_at < until,
            )
        )

    async def _confirmed(self, area: Area, since: datetime, until: datetime) -> int:
        return await self._count(
            select(func.count(func.distinct(Indicator.id)))
            .select_from(Indicator)
            .join(IndicatorTip, IndicatorTip.indicator_id == Indicator.id)
            .join(Tip, Tip.id == IndicatorTip.tip_id)
            .where(
                Indicator.status == CONFIRMED,
                Indicator.decided_at >= since,
                Indicator.decided_at < until,
                _tips_of(area),
            )
        )

    async def _checks(
        self, area: Area, start: date, end: date
    ) -> tuple[dict[str, int], date | None]:
        """(the area's checks in the days by verdict level, the first day counted anywhere):
        read by the key (commune, day) and by the index on the day."""
        rows = await self.session.execute(
            select(ScamCheckCount.outcome, func.sum(ScamCheckCount.checks))
            .where(
                ScamCheckCount.commune_code.in_(_communes_of(area)),
                ScamCheckCount.day >= start,
                ScamCheckCount.day <= end,
            )
            .group_by(ScamCheckCount.outcome)
        )
        by_outcome = {str(outcome): int(n or 0) for outcome, n in rows.all()}
        since = (await self.session.execute(select(func.min(ScamCheckCount.day)))).scalar_one()
        return by_outcome, since

    async def _reach(self, area: Area, since: datetime, until: datetime) -> dict[bool, int]:
        """Distinct residents of the area sent a copy, by whether it was a campaign's."""
        sent = (
            select((Broadcast.campaign != "").label("campaign"), OutboxMessage.resident_id)
            .select_from(OutboxMessage)
            .join(Broadcast, Broadcast.id == OutboxMessage.broadcast_id)
            .join(Resident, Resident.id == OutboxMessage.resident_id)
            .where(
                OutboxMessage.status == OutboxStatus.SENT.value,
                OutboxMessage.sent_at >= since,
                OutboxMessage.sent_at < until,
                _residents_of(area),
            )
            .distinct()
            .subquery()
        )
        rows = await self.session.execute(
            select(sent.c.campaign, func.count()).group_by(sent.c.campaign)
        )
        return {bool(is_campaign): int(n) for is_campaign, n in rows.all()}

    async def _subscribers(self, area: Area, since: datetime, until: datetime) -> tuple[int, int]:
        """(running at the end, begun in the days): distinct residents."""
        running = and_(
            Subscription.since < until,
            or_(Subscription.until.is_(None), Subscription.until >= until),
        )
        begun = and_(Subscription.since >= since, Subscription.since < until)
        return (
            await self._residents(Subscription.resident_id, running, area),
            await self._residents(Subscription.resident_id, begun, area),
        )

    async def _residents(
        self, column: InstrumentedAttribute[str], where: ColumnElement[bool], area: Area
    ) -> int:
        """How many distinct residents of the area `column` names where `where` holds: a
        DISTINCT in a subquery, which PostgreSQL hashes, rather than count(DISTINCT), which
        it sorts."""
        table = column.class_
        ids = (
            select(column)
            .select_from(table)
            .join(Resident, Resident.id == column)
            .where(where, _residents_of(area))
            .distinct()
            .subquery()
        )
        return await self._count(select(func.count()).select_from(ids))

    async def _quiz(self, area: Area, since: datetime, until: datetime) -> int:
        took = and_(AwarenessProgress.last_quiz_at >= since, AwarenessProgress.last_quiz_at < until)
        return await self._residents(AwarenessProgress.resident_id, took, area)

    async def _neighbourhoods(self, area: Area, until: datetime) -> tuple[int, int]:
        """(active neighbourhoods made by the end, those with an active leader now)."""
        existing = and_(
            _neighbourhoods_of(area),
            Neighbourhood.active.is_(True),
            Neighbourhood.created_at < until,
        )
        led = exists(
            select(LeaderNeighbourhood.user_id)
            .join(AdminUser, AdminUser.id == LeaderNeighbourhood.user_id)
            .where(
                LeaderNeighbourhood.neighbourhood_id == Neighbourhood.id,
                AdminUser.active.is_(True),
                AdminUser.role == AdminRole.LEADER,
            )
        )
        every = await self._count(select(func.count()).where(existing))
        with_leader = await self._count(select(func.count()).where(existing, led))
        return every, with_leader
