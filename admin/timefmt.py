"""Times as the panel shows them: Vietnam time (UTC+7, no daylight saving), day first.

A naive moment is UTC, as the database keeps it.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

from handlers import deadlines
from handlers.deadlines import LOCAL_TZ


def local_time(moment: datetime | None) -> str:
    """dd/mm/yyyy HH:MM in Vietnam time; "" for None."""
    if moment is None:
        return ""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(LOCAL_TZ).strftime("%d/%m/%Y %H:%M")


def local_date(moment: datetime) -> str:
    """dd/mm/yyyy: the date in Vietnam at `moment`."""
    return day(deadlines.local_date(moment))


def day(value: date | None) -> str:
    """A date as dd/mm/yyyy; "" for None."""
    return "" if value is None else value.strftime("%d/%m/%Y")
