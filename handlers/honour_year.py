"""The calendar of the 19/8 honour list (issue 20), shared by the reporter's side
(handlers/honour.py) and the unit's (storage/honour.py, admin/honour.py).

Each year's list is a snapshot: the names given up to and including 31/7 of year Y (Vietnam
time) make the list read out on 19/8 of Y, and the unit can read it only from 1/8 of Y; a
name given from 1/8 goes to the next year's list. A live list would tie a name to a tip by
timing: the chief thanks one tip, and the one name that appears minutes later is its
reporter's, though the tip was sent anonymously. Released once a year, a list gathers the
names of a whole year, and before it opens the panel shows neither names nor their count
(a count that moves gives the timing away as well).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from handlers.deadlines import LOCAL_TZ, local_date

OPENS_ON = (8, 1)  # month, day: the list of the year opens, the next year's begins


def list_year(today: date) -> int:
    """The year of the list a name given on `today` (Vietnam date) goes to."""
    return today.year if (today.month, today.day) < OPENS_ON else today.year + 1


def window(year: int) -> tuple[datetime, datetime]:
    """The names of `year`'s list were given from 1/8 of the year before (included) to 1/8 of
    the year (excluded), Vietnam time."""
    month, day = OPENS_ON
    return (
        datetime(year - 1, month, day, tzinfo=LOCAL_TZ),
        datetime(year, month, day, tzinfo=LOCAL_TZ),
    )


def opens(year: int) -> datetime:
    """When the unit may first read `year`'s list: the day after its last name was given."""
    return window(year)[1]


def is_open(year: int, now: datetime) -> bool:
    return now >= opens(year)


def newest_open(now: datetime) -> int:
    """The year of the newest list the unit may read at `now`."""
    return list_year(local_date(now)) - 1


def show_day(moment: datetime) -> str:
    """'01/08/2027': the Vietnam date of a moment, day first."""
    return moment.astimezone(LOCAL_TZ).strftime("%d/%m/%Y")


def last_day(year: int) -> str:
    """'31/07/2027': the last day a name of `year`'s list could be given."""
    month, day = OPENS_ON
    return (date(year, month, day) - timedelta(days=1)).strftime("%d/%m/%Y")
