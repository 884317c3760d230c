"""The morning digest an officer (or chief) gets in their linked chat on working days (issue
15): the commune's new tips since the last digest, the acknowledgements due today, and the
tips past a deadline, with a link to the panel's queue. Counts only: no tip's words, no
reporter, nothing a phone's lock screen must not show.

It goes out from 07:30 local time on a working day (content/packs/holidays.yaml's calendar:
no digest on a weekend or a public holiday), once per officer and day whichever process
queues it (the scheduled-send claim). A process that was down at 07:30 still sends it until
noon; after that the day's digest is skipped, not sent in the afternoon.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from handlers.deadlines import LOCAL_TZ, Calendar, is_working_day

SENT_FROM = time(7, 30)
SENT_UNTIL = time(12, 0)
KEY = "digest"


@dataclass(frozen=True)
class Counts:
    new: int = 0  # tips received since the last digest
    urgent: int = 0  # of which urgent
    ack_today: int = 0  # open, not acknowledged, acknowledgement due today
    overdue: int = 0  # open, a deadline passed


def day_due(now: datetime, workdays: Calendar) -> date | None:
    """The local date whose digest goes out now, or None (a day off, before 07:30, after
    noon)."""
    local = now.astimezone(LOCAL_TZ)
    if not SENT_FROM <= local.time() < SENT_UNTIL:
        return None
    return local.date() if is_working_day(local.date(), workdays) else None


def since(day: date, workdays: Calendar) -> datetime:
    """When the previous digest went out: 07:30 of the working day before (a Monday's counts
    the weekend's tips too)."""
    before = day - timedelta(days=1)
    for _ in range(30):  # Tết is the longest run of days off
        if is_working_day(before, workdays):
            break
        before -= timedelta(days=1)
    return datetime.combine(before, SENT_FROM, LOCAL_TZ)


def key(day: date) -> str:
    """The scheduled send's key: one digest per officer (the target) and day."""
    return f"{KEY}/{day.isoformat()}"


def params(counts: Counts, commune: str, day: date, link: str) -> dict[str, str]:
    """The notice's parameters (handlers/notices.py renders them in the officer's language)."""
    return {
        "commune": commune,
        "date": day.isoformat(),
        "new": str(counts.new),
        "urgent": str(counts.urgent),
        "ack_today": str(counts.ack_today),
        "overdue": str(counts.overdue),
        "link": link,
    }
