"""The legal deadlines of a tip (Criminal Procedure Code arts. 145-147).

Acknowledge to the reporter within 3 working days of receipt; decide within 20 days,
which may be extended to 2 months from receipt and once more by 2 months (4 in all); tell
the reporter the outcome within 3 days of the decision. Days are Vietnam's calendar days,
whatever the server's time zone.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

LOCAL_TZ = ZoneInfo("Asia/Ho_Chi_Minh")

ACK_WORKING_DAYS = 3
DECISION_DAYS = 20
# Months from receipt the decision may take after the first and the second extension.
EXTENDED_MONTHS = (2, 4)
OUTCOME_DAYS = 3


@dataclass(frozen=True)
class Deadlines:
    received_on: date
    ack_due: date
    decision_due: date
    extensions: int = 0
    outcome_due: date | None = None


class WorkingDays(Protocol):
    """Vietnam's working days (content.holidays.WorkCalendar)."""

    def is_working_day(self, day: date, /) -> bool: ...


# A calendar, or only the days off on top of weekends (tests, or no holidays at all).
Calendar = WorkingDays | frozenset[date]


class ExtensionNotAllowed(Exception):
    """The decision deadline cannot be extended again (or the tip is already decided)."""


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


def initial(received_at: datetime, workdays: Calendar) -> Deadlines:
    received_on = local_date(received_at)
    return Deadlines(
        received_on=received_on,
        ack_due=add_working_days(received_on, ACK_WORKING_DAYS, workdays),
        decision_due=received_on + timedelta(days=DECISION_DAYS),
    )


def extend(d: Deadlines) -> Deadlines:
    """Extend the decision deadline: to 2 months from receipt, then to 4; never a third time."""
    if d.outcome_due is not None:
        raise ExtensionNotAllowed("the tip is already decided")
    if d.extensions >= len(EXTENDED_MONTHS):
        raise ExtensionNotAllowed(f"at most {len(EXTENDED_MONTHS)} extensions")
    months = EXTENDED_MONTHS[d.extensions]
    return replace(d, extensions=d.extensions + 1, decision_due=add_months(d.received_on, months))


def decided(d: Deadlines, decided_at: datetime) -> Deadlines:
    """Record the decision: the reporter must be told the outcome within 3 days."""
    decided_on = local_date(decided_at)
    if decided_on < d.received_on:
        raise ValueError("a tip cannot be decided before it was received")
    return replace(d, outcome_due=decided_on + timedelta(days=OUTCOME_DAYS))


def is_overdue(due: date, today: date) -> bool:
    """Overdue from the day after `due`: the due date itself is still in time."""
    return today > due


def days_left(due: date, today: date) -> int:
    """Days until `due`: 0 on the day itself, negative once overdue."""
    return (due - today).days
