"""The periods a report covers: "2026-H1", "2026-H2" (six months), "2026" (a year), and also
"2026-Q3" (a quarter) and "2026-07" (a month). Days are Vietnam calendar days
(handlers/deadlines.py local_date), both ends included.

Every period has a previous one of the same length: H2 follows H1 of the same year, H1 the H2
of the year before, a year the year before, a quarter or a month the one before it.
A period that has not begun yet is refused; one under way is reported up to today, and the
previous one then over as many days from its start (`previous_span`), not whole.

A period's days follow a `Cutoff`: its calendar days (the default), or the days state bodies
close their periodic reports' figures on (Decree 09/2019/NĐ-CP, see `Cutoff.DECREE09`)."""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass
from datetime import date, timedelta

from handlers.errors import BadInput

MIN_YEAR = 2000
MAX_YEAR = 2999
# What `parse` accepts, shown with the refusal of anything else.
ACCEPTED = "2026-H1, 2026-H2, 2026, 2026-Q1…Q4, 2026-07"
# ASCII digits only: "２０２６" is not a year here.
_FORM = re.compile(
    r"(?P<year>[0-9]{4})(?:-(?:(?P<half>[Hh][12])|(?P<quarter>[Qq][1-4])|(?P<month>[0-9]{2})))?"
)


class Kind(enum.StrEnum):
    YEAR = "year"
    HALF = "half"
    QUARTER = "quarter"
    MONTH = "month"


MONTHS_IN = {Kind.YEAR: 12, Kind.HALF: 6, Kind.QUARTER: 3, Kind.MONTH: 1}


class Cutoff(enum.StrEnum):
    """Which days a period counts.

    CALENDAR: its calendar days, 1/1 to 31/12 for a year.
    DECREE09: the "thời gian chốt số liệu" of the periodic reports of state administrative
    bodies, Decree 09/2019/NĐ-CP (chế độ báo cáo của cơ quan hành chính nhà nước) art. 12:
    a monthly report from the 15th of the month before to the 14th of the month; a quarterly
    one from the 15th of the month before the quarter to the 14th of its last month; a
    six-month one from 15/12 of the year before to 14/6; a yearly one from 15/12 of the year
    before to 14/12. The second half-year, which the article does not name, by the same
    rule: 15/6 to 14/12. Each is "the 15th of the month before its first month to the 14th
    of its last", so consecutive periods still follow one another day after day. (The
    wording was checked against Khánh Hòa's Decision 01/2023/QĐ-UBND art. 4, which repeats
    it for the province's reports; the decree's own text was not at hand.)"""

    CALENDAR = "calendar"
    DECREE09 = "decree09"


CUTOFFS = ", ".join(c.value for c in Cutoff)
CLOSING_DAY = 15  # Decree 09/2019/NĐ-CP art. 12: a period runs from the 15th to the 14th


def cutoff(text: str) -> Cutoff:
    """The cut-off named by `text` ("" is the calendar); `BadInput("report_cutoff")`."""
    value = text.strip().lower()[:16] or Cutoff.CALENDAR.value
    try:
        return Cutoff(value)
    except ValueError:
        raise BadInput("report_cutoff", f"one of {CUTOFFS}", accepted=CUTOFFS) from None


@dataclass(frozen=True)
class Period:
    """A year, or its `index`-th half, quarter or month (from 1)."""

    kind: Kind
    year: int
    index: int = 1
    cutoff: Cutoff = Cutoff.CALENDAR

    @property
    def months(self) -> int:
        return MONTHS_IN[self.kind]

    @property
    def first_month(self) -> int:
        return (self.index - 1) * self.months + 1

    @property
    def start(self) -> date:
        if self.cutoff is Cutoff.DECREE09:  # the 15th of the month before its first month
            return _month_after(self.year, self.first_month - 2).replace(day=CLOSING_DAY)
        return date(self.year, self.first_month, 1)

    @property
    def end(self) -> date:
        """Its last day."""
        last_month = self.first_month + self.months - 1
        if self.cutoff is Cutoff.DECREE09:  # the 14th of its last month
            return date(self.year, last_month, CLOSING_DAY - 1)
        return _month_after(self.year, last_month) - timedelta(days=1)

    @property
    def code(self) -> str:
        """As typed: "2026-H2", "2026", "2026-Q3", "2026-07"."""
        match self.kind:
            case Kind.YEAR:
                return str(self.year)
            case Kind.HALF:
                return f"{self.year}-H{self.index}"
            case Kind.QUARTER:
                return f"{self.year}-Q{self.index}"
        return f"{self.year}-{self.index:02d}"

    def previous(self) -> Period:
        """The period of the same length just before it."""
        if self.kind is Kind.YEAR:
            return Period(Kind.YEAR, self.year - 1, cutoff=self.cutoff)
        if self.index > 1:
            return Period(self.kind, self.year, self.index - 1, self.cutoff)
        return Period(self.kind, self.year - 1, 12 // self.months, self.cutoff)


def _month_after(year: int, month: int) -> date:
    """The first day of the month after `month` of `year` (month 0 is the December before,
    -1 the November)."""
    return date(year + month // 12, month % 12 + 1, 1)


def parse(text: str, cut: Cutoff = Cutoff.CALENDAR) -> Period:
    """The period named by `text`, its days by `cut`; `BadInput("report_period")` with the
    accepted forms."""
    found = _parsed(text)
    return Period(found.kind, found.year, found.index, cut)


def _parsed(text: str) -> Period:
    found = _FORM.fullmatch(text.strip()[:16])
    if found is None:
        raise BadInput("report_period", f"expected one of {ACCEPTED}", accepted=ACCEPTED)
    year = int(found["year"])
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise BadInput("report_period", f"a year from {MIN_YEAR}", accepted=ACCEPTED)
    if found["half"]:
        return Period(Kind.HALF, year, int(found["half"][1]))
    if found["quarter"]:
        return Period(Kind.QUARTER, year, int(found["quarter"][1]))
    if found["month"]:
        month = int(found["month"])
        if not 1 <= month <= 12:
            raise BadInput("report_period", "a month from 01 to 12", accepted=ACCEPTED)
        return Period(Kind.MONTH, year, month)
    return Period(Kind.YEAR, year)


@dataclass(frozen=True)
class Span:
    """The days a report counts: the period's, cut at `today` while it is under way."""

    period: Period
    start: date
    end: date
    to_date: bool  # the period is not over: counted up to `end`, today

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    @property
    def cut(self) -> bool:
        """It stops before the period's last day (today's, or the previous one beside it)."""
        return self.end < self.period.end


def span(period: Period, today: date) -> Span:
    """The days to count of `period` as of `today`; a period not begun is refused
    (`BadInput("report_future")`): it has nothing to report."""
    if period.start > today:
        raise BadInput(
            "report_future", "the period has not begun", period=period.code, start=period.start
        )
    if period.end > today:
        return Span(period, period.start, today, to_date=True)
    return Span(period, period.start, period.end, to_date=False)


def previous_span(current: Span) -> Span:
    """The days of the period before `current`'s to set beside it: all of them when `current`
    is over; while it is under way, as many days from its start as `current` has counted
    (no more than it has), so that a unit that did not change shows no change (340 days of
    2026 beside the whole of 2025 would show every figure falling by 7%)."""
    before = current.period.previous()
    if not current.to_date:
        return Span(before, before.start, before.end, to_date=False)
    end = min(before.start + timedelta(days=current.days - 1), before.end)
    return Span(before, before.start, end, to_date=False)


def default(today: date, cut: Cutoff = Cutoff.CALENDAR) -> Period:
    """The six months a unit reports on by default: the last half-year that is over."""
    half = Period(Kind.HALF, today.year + 1, 1, cut)  # later than any half that can be over
    while half.end >= today:
        half = half.previous()
    return half
