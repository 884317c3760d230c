"""The deadlines of a tip, by the track it runs on, as the legal rules pack says
(content/packs/legal_rules.yaml: each rule's length, how it is counted and its source).

On the crime track: acknowledge to the reporter within 3 working days (TTLT 01/2017 art.
14(1)); forward to the competent investigation body within 7 days, 24 hours when urgent (art.
8(5)); the body decides within 20 days of receiving it (CPC art. 147(1)), so that deadline
starts with the forward; extended first to 2 months from that receipt, then by the procuracy
by up to 2 months from the end of the first (TTLT 01/2017 art. 11); 1 month from a
resumption, never extended (CPC art. 149(1)); tell the outcome within 3 days of the decision
(art. 14(3)). The other tracks have an acknowledgement and the service's own aim for an
outcome. Days are Vietnam's calendar days, whatever the server's time zone.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum
from typing import Protocol
from zoneinfo import ZoneInfo

from content import legal
from content.legal import Rule
from handlers.tips.words import TipStatus, Track

LOCAL_TZ = ZoneInfo("Asia/Ho_Chi_Minh")
# The queue's sort key of an open tip with no deadline running (suspended, or past its
# acknowledgement on a track with no other deadline): after every dated one. Never shown.
NO_DUE = date(9999, 12, 31)


class Due(StrEnum):
    """Which deadline a tip's `next_due` is."""

    ACK = "ack"
    FORWARD = "forward"
    DECISION = "decision"


@dataclass(frozen=True)
class Deadlines:
    received_on: date
    ack_due: date
    decision_due: date | None  # None on a track with no decision deadline
    extensions: int = 0
    outcome_due: date | None = None
    forward_due: date | None = None  # None on a track that forwards nothing by law
    forwarded_on: date | None = None  # the day the competent body received it from us


class WorkingDays(Protocol):
    """Vietnam's working days (content.holidays.WorkCalendar)."""

    def is_working_day(self, day: date, /) -> bool: ...


# A calendar, or only the days off on top of weekends (tests, or no holidays at all).
Calendar = WorkingDays | frozenset[date]


class ExtensionNotAllowed(Exception):
    """The decision deadline cannot be extended (again), or the tip is already decided."""


def local_date(moment: datetime) -> date:
    """The date in Vietnam at `moment`; a naive datetime is taken to be UTC."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(LOCAL_TZ).date()


def is_working_day(day: date, workdays: Calendar) -> bool:
    if isinstance(workdays, frozenset):
        return day.weekday() < 5 and day not in workdays
    return workdays.is_working_day(day)


def add_working_days(start: date, n: int, workdays: Calendar) -> date:
    """The n-th working day after `start` (`start` itself never counts); n=0 gives `start`."""
    if n < 0:
        raise ValueError("n must not be negative")
    day = start
    while n:
        day += timedelta(days=1)
        if is_working_day(day, workdays):
            n -= 1
    return day


def add_months(start: date, months: int) -> date:
    """Same day `months` later, or that month's last day: 31/12 + 2 months = 28 or 29/2."""
    index = start.month - 1 + months
    year, month = start.year + index // 12, index % 12 + 1
    return date(year, month, min(start.day, calendar.monthrange(year, month)[1]))


def count(rule: Rule, start: date, workdays: Calendar, *, urgent: bool = False) -> date:
    """The day a rule's deadline falls on, counted from `start` as the rule says."""
    n = rule.urgent_n if urgent and rule.urgent_n is not None else rule.n
    if rule.count == "months":
        return add_months(start, n)
    if rule.count == "working_days":
        return add_working_days(start, n, workdays)
    return start + timedelta(days=n)


def _rule(track: Track | str, rule_id: str) -> Rule | None:
    return legal.rule(str(track), rule_id)


def for_track(
    received_on: date, track: Track | str, workdays: Calendar, *, urgent: bool = False
) -> Deadlines:
    """The deadlines of a tip received that day on that track, none extended."""
    ack, forward, decision = (_rule(track, r) for r in ("ack", "forward", "decision"))
    if ack is None:  # the pack's schema requires one on every track
        raise LookupError(f"the {track} track has no ack rule")
    runs = decision is not None and decision.origin == "received"
    return Deadlines(
        received_on=received_on,
        ack_due=count(ack, received_on, workdays, urgent=urgent),
        # A decision counted from the forwarding starts when the tip is forwarded.
        decision_due=count(decision, received_on, workdays) if decision and runs else None,
        forward_due=count(forward, received_on, workdays, urgent=urgent) if forward else None,
    )


def with_urgency(
    d: Deadlines, track: Track | str, workdays: Calendar, *, urgent: bool
) -> Deadlines:
    """The acknowledgement and forward deadlines once a tip is marked urgent or not (the
    decision's do not depend on it)."""
    fresh = for_track(d.received_on, track, workdays, urgent=urgent)
    return replace(d, ack_due=fresh.ack_due, forward_due=fresh.forward_due)


def forwarded(
    d: Deadlines, track: Track | str, forwarded_on: date, workdays: Calendar = frozenset()
) -> Deadlines:
    """The tip went to the competent body that day: a decision counted from its receipt
    (CPC art. 147(1)) starts now, unless it already runs."""
    d = replace(d, forwarded_on=forwarded_on)
    decision = _rule(track, "decision")
    if decision is None or decision.origin != "forwarded" or d.decision_due is not None:
        return d
    return replace(d, decision_due=count(decision, forwarded_on, workdays))


def initial(
    received_at: datetime,
    workdays: Calendar,
    track: Track | str = Track.CRIME,
    *,
    urgent: bool = False,
) -> Deadlines:
    return for_track(local_date(received_at), track, workdays, urgent=urgent)


def next_extension(d: Deadlines, track: Track | str, *, resumed: bool = False) -> Rule | None:
    """The rule of the extension that would come next, None when there is none left (and
    after a resumption: CPC art. 149(1) gives one month, with no extension)."""
    if d.decision_due is None or d.outcome_due is not None or resumed:
        return None
    return _rule(track, f"extension_{d.extensions + 1}") if d.extensions < 2 else None


def extend(d: Deadlines, track: Track | str, workdays: Calendar = frozenset()) -> Deadlines:
    """The decision deadline extended once more: the first to its length from receipt, the
    second by its length from the end of the first."""
    if d.outcome_due is not None:
        raise ExtensionNotAllowed("the tip is already decided")
    rule = next_extension(d, track)
    if rule is None or d.decision_due is None:
        raise ExtensionNotAllowed("no further extension on this track")
    starts = {"received": d.received_on, "forwarded": d.forwarded_on or d.received_on}
    start = starts.get(rule.origin, d.decision_due)
    due = max(count(rule, start, workdays), d.decision_due)
    return replace(d, extensions=d.extensions + 1, decision_due=due)


def resumed(
    d: Deadlines, track: Track | str, resumed_on: date, workdays: Calendar = frozenset()
) -> Deadlines:
    """A suspended tip resumed: the decision is due by the resumption rule (CPC art. 149(1):
    not more than 1 month from the decision to resume)."""
    rule = _rule(track, "resumed")
    if rule is None:
        raise LookupError(f"the {track} track is never suspended")
    return replace(d, decision_due=count(rule, resumed_on, workdays))


def suspension_notice_due(
    track: Track | str, decided_at: datetime, workdays: Calendar = frozenset()
) -> date:
    """When the decision to suspend must have reached the reporter (TT 28/2020 art. 17(3))."""
    rule = _rule(track, "suspension_notice")
    decided_on = local_date(decided_at)
    return count(rule, decided_on, workdays) if rule else decided_on


def decided(
    d: Deadlines, decided_at: datetime, track: Track | str, workdays: Calendar = frozenset()
) -> Deadlines:
    """Record the decision: the reporter must be told the outcome by the outcome rule."""
    decided_on = local_date(decided_at)
    if decided_on < d.received_on:
        raise ValueError("a tip cannot be decided before it was received")
    rule = _rule(track, "outcome")
    due = count(rule, decided_on, workdays) if rule else decided_on
    return replace(d, outcome_due=due)


def retracked(
    d: Deadlines, track: Track | str, workdays: Calendar, *, urgent: bool = False
) -> Deadlines:
    """The deadlines on another track, counted from the same day of receipt: a crime report
    recognised late is still due when the law says, not from the day it was recognised."""
    fresh = for_track(d.received_on, track, workdays, urgent=urgent)
    if d.forwarded_on is not None:
        fresh = forwarded(fresh, track, d.forwarded_on, workdays)
    return fresh


def next_due(
    status: TipStatus,
    d: Deadlines,
    *,
    acknowledged: bool,
    forwarded: bool,
) -> tuple[Due, date] | None:
    """The deadline that matters now: the earliest of those still to be met, or None (closed,
    suspended, or a track with nothing running). The acknowledgement runs until it is done,
    the forwarding until the tip was forwarded; the decision while the tip is open (after a
    forward it is the receiving body's, followed up by the commune)."""
    if status in (TipStatus.CLOSED, TipStatus.SUSPENDED):
        return None
    pending: list[tuple[date, int, Due]] = []
    if not acknowledged:
        pending.append((d.ack_due, 0, Due.ACK))
    if d.forward_due is not None and not forwarded:
        pending.append((d.forward_due, 1, Due.FORWARD))
    if d.decision_due is not None:
        pending.append((d.decision_due, 2, Due.DECISION))
    if not pending:
        return None
    day, _order, kind = min(pending)
    return kind, day


def sort_key(status: TipStatus, d: Deadlines, *, acknowledged: bool, forwarded: bool) -> date:
    """What the queue sorts an open tip by: its next deadline, or NO_DUE."""
    found = next_due(status, d, acknowledged=acknowledged, forwarded=forwarded)
    return found[1] if found else NO_DUE


def first_due(d: Deadlines) -> date:
    """The queue's sort key of a tip just received."""
    return sort_key(TipStatus.NEW, d, acknowledged=False, forwarded=False)


def is_overdue(due: date, today: date) -> bool:
    """Overdue from the day after `due`: the due date itself is still in time."""
    return today > due


def days_left(due: date, today: date) -> int:
    """Days until `due`: 0 on the day itself, negative once overdue."""
    return (due - today).days
